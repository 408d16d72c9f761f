from incidents.dedupe import dedupe
from incidents.model import Entry, Incident


def inc(place_id, fatalities, sub="Air/drone strike", etype="Explosions/Remote violence", date="2024-02-07",
        precision=1, lat=31.3, lon=34.25):
    return Incident(date=date, time_precision=1, place=place_id.title(), place_id=place_id, lat=lat, lon=lon,
                    geo_precision=precision, event_type=etype, sub_event_type=sub, fatalities=fatalities,
                    injuries=None, source="T", published="2024-02-07", excerpt=f"{place_id} {fatalities}",
                    start=0, end=1)


def test_same_strike_in_a_summary_and_a_post_is_one(small_gazetteer):
    summary, post = Entry(0, 10, kind="summary"), Entry(20, 40, kind="post")
    out = dedupe([(inc("rafah", 2), summary, 1), (inc("rafah", 3), post, 2)], small_gazetteer)
    assert len(out) == 1 and out[0].fatalities == 3  # the post's telling wins


def test_two_strikes_with_different_tolls_in_two_posts_stay_apart(small_gazetteer):
    a, b = Entry(0, 10, kind="post"), Entry(20, 40, kind="post")
    out = dedupe([(inc("rafah", 1), a, 1), (inc("rafah", 3), b, 1)], small_gazetteer)
    assert sorted(i.fatalities for i in out) == [1, 3]


def test_split_within_one_entry_is_kept(small_gazetteer):
    e = Entry(0, 10, kind="post")
    assert len(dedupe([(inc("rafah", None), e, 1), (inc("rafah", None), e, 1)], small_gazetteer)) == 2


def test_interception_merges_with_the_strike_and_fills_gaps(small_gazetteer):
    a, b = Entry(0, 10, kind="post"), Entry(20, 40, kind="post")
    strike = inc("khiam", None, sub="Shelling/artillery/missile attack", lat=33.33, lon=35.61)
    intercept = inc("khiam", None, sub="Disrupted weapons use", etype="Strategic developments", lat=33.33, lon=35.61)
    intercept.injuries = 2
    out = dedupe([(strike, a, 1), (intercept, b, 1)], small_gazetteer)
    assert len(out) == 1 and out[0].injuries == 2


def test_a_headline_placed_in_an_area_is_the_precise_account_inside_it(gazetteer):
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import report_from_text

    text = ("Israeli settlers attack farmers in West Bank\n\n"
            "Masked settlers attacked a group of Palestinian farmers in the West Bank town of Qusra on Sunday, "
            "witnesses said.")
    incs = extract(report_from_text(text, published=date(2024, 7, 22), source="Test"), gazetteer).incidents
    assert [(i.place_id, i.date) for i in incs] == [("qusra", "2024-07-21")]


def test_dedupe_returns_new_objects_and_leaves_its_input_alone(gazetteer):
    from datetime import date

    from incidents.dedupe import dedupe
    from incidents.extract import extract
    from incidents.model import Entry
    from incidents.reading import report_from_text

    rep = report_from_text("RAFAH, Gaza Strip (AP) — An airstrike hit a house in Rafah on Tuesday, killing four.",
                           published=date(2024, 2, 7), source="AP")
    inc = extract(rep, gazetteer).incidents[0]
    bare = type(inc)(**{**inc.to_dict(), "fatalities": None, "fatalities_text": "", "why": {}})
    post, caption = Entry(0, 10, "post"), Entry(10, 20, "caption")
    out = dedupe([(bare, post, 1, True), (inc, caption, 1, True)], gazetteer)
    assert len(out) == 1 and out[0].fatalities == 4
    assert bare.fatalities is None and out[0] is not bare
