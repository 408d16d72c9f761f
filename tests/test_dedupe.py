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


def _dedupe_every_pair(items, gazetteer):
    """The reference: every new incident compared with every kept one (no blocking by day)."""
    from incidents.dedupe import SETTINGS, _fold_area_summaries, _Kept, _merge, _same_event

    kept = []
    for item in items:
        cur = _Kept(item[0], item[1], item[2], item[3] if len(item) > 3 else True)
        for k, old in enumerate(kept):
            if _same_event(old, cur, gazetteer, SETTINGS):
                kept[k] = _merge(old, cur, gazetteer)
                break
        else:
            kept.append(cur)
    return [k.inc for k in _fold_area_summaries(kept, gazetteer)]


def _random_items(gazetteer, rnd, n):
    import dataclasses

    places = sorted(gazetteer.places.values(), key=lambda p: p.id)
    near = [p for p in places if p.country == "PS"][:60] + [p for p in places if p.kind in ("country", "governorate")]
    entries = [Entry(i * 10, i * 10 + 5, kind=rnd.choice(["post", "post", "summary", "caption"])) for i in range(12)]
    types = [("Explosions/Remote violence", "Air/drone strike"), ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
             ("Strategic developments", "Disrupted weapons use"), ("Violence against civilians", "Attack"), ("Battles", "Armed clash")]
    items = []
    for _ in range(n):
        p = rnd.choice(near)
        et, st = rnd.choice(types)
        i = inc("unknown-place" if rnd.random() < 0.05 else p.id, rnd.choice([None, 1, 2]), sub=st, etype=et,
                date=rnd.choice([None, "2024-02-05", "2024-02-06", "2024-02-07", "2024-02-09"]),
                precision=rnd.choice([1, 2, 3]), lat=p.lat, lon=p.lon)
        items.append((dataclasses.replace(i), rnd.choice(entries), rnd.randint(1, 3), rnd.random() < 0.7))
    return items


def test_the_candidate_index_gives_what_comparing_every_pair_gives(gazetteer):
    import copy
    import random

    rnd = random.Random(5)
    for _ in range(40):
        items = _random_items(gazetteer, rnd, rnd.randint(2, 120))
        got = [i.to_dict() for i in dedupe(copy.deepcopy(items), gazetteer)]
        want = [i.to_dict() for i in _dedupe_every_pair(copy.deepcopy(items), gazetteer)]
        assert got == want


def test_a_long_page_of_distinct_incidents_dedupes_in_linear_time(gazetteer):
    from bounded import returns

    # every new incident was compared with every kept one: a 1 MB live page spent 22 s here
    places = sorted(gazetteer.places.values(), key=lambda p: p.id)
    items = [(inc(places[i % len(places)].id, i % 7, date=f"2024-{1 + (i // len(places)) % 12:02d}-{1 + i % 28:02d}",
                  lat=places[i % len(places)].lat, lon=places[i % len(places)].lon), Entry(i, i + 1), 1)
             for i in range(20_000)]
    assert returns(_n_kept, items, gazetteer, limit=60) > 10_000


def _n_kept(items, gazetteer):
    return len(dedupe(items, gazetteer))


def test_a_headline_post_dated_by_the_page_is_the_story_of_the_day_before(small_gazetteer):
    from dataclasses import replace

    title, story = Entry(0, 60, kind="post"), Entry(70, 400, kind="post")
    head = replace(inc("rafah", 2), date="2024-02-07", excerpt="At least 2 killed in Israeli strikes on Rafah: medics")
    body = replace(inc("rafah", 2), date="2024-02-06", excerpt="At least two people were killed on Tuesday.")
    out = dedupe([(head, title, 1, False), (body, story, 1, True)], small_gazetteer)
    assert [(i.date, i.fatalities) for i in out] == [("2024-02-06", 2)]
    # a full sentence with the page's date is a post of its own day: two days, two events
    post = replace(head, excerpt="Two people were killed in Israeli strikes on Rafah, medics said.")
    assert len(dedupe([(post, title, 1, False), (body, story, 1, True)], small_gazetteer)) == 2


def test_one_exact_toll_at_one_place_is_one_event_however_typed(gazetteer):
    a, b = Entry(0, 10, kind="post"), Entry(20, 40, kind="post")
    clash = inc("jenin", 8, sub="Armed clash", etype="Battles")
    attack = inc("jenin", 8, sub="Attack", etype="Violence against civilians")
    assert len(dedupe([(clash, a, 1), (attack, b, 1)], gazetteer)) == 1
    # a small toll, or different places, stay apart
    assert len(dedupe([(inc("jenin", 2, sub="Armed clash", etype="Battles"), a, 1),
                       (inc("jenin", 2, sub="Attack", etype="Violence against civilians"), b, 1)], gazetteer)) == 2
    assert len(dedupe([(clash, a, 1), (inc("tubas", 8, sub="Attack", etype="Violence against civilians"), b, 1)],
                      gazetteer)) == 2


def test_the_place_index_offers_every_account_that_can_be_the_same_event(gazetteer):
    """PlaceIndex.candidates is a superset of the kept incidents _same_event accepts (so the first match is
    the one a comparison with every kept incident of the days around finds), and far fewer than all of them."""
    import random
    from dataclasses import replace

    from incidents.dedupe import PlaceIndex, _Kept, _same_event
    from incidents.settings import SETTINGS

    rnd = random.Random(3)
    places = [p for p in gazetteer.places.values() if p.country in ("PS", "LB", "IL")]
    places = rnd.sample(places, 60) + [gazetteer.get("gaza-strip") or places[0]]
    kinds = ["post", "post", "summary", "caption"]
    types = [("Explosions/Remote violence", "Air/drone strike"), ("Strategic developments", "Disrupted weapons use"),
             ("Strategic developments", "Arrests"), ("Violence against civilians", "Attack"), ("Battles", "Armed clash")]
    kept, index, offered, pairs, same = [], PlaceIndex(gazetteer, SETTINGS.dedupe_km), 0, 0, 0
    for n in range(400):
        p = rnd.choice(places)
        etype, sub = rnd.choice(types)
        i = replace(inc(p.id, rnd.choice([None, 1, 2, 3, 8]), sub=sub, etype=etype, lat=p.lat, lon=p.lon,
                        date=rnd.choice(["2024-02-06", "2024-02-07", "2024-02-08", None])),
                    place_id=p.id if n % 50 else "not-in-the-gazetteer")
        cur = _Kept(i, Entry(n, n + 1, kind=rnd.choice(kinds)), 1, rnd.random() < 0.5)
        cands = set(index.candidates(i, cur.entry))
        for k, old in enumerate(kept):
            if _same_event(old, cur, gazetteer, SETTINGS):
                assert k in cands, (old.inc.place_id, i.place_id)
                same += 1
        offered += len(cands)
        pairs += len(kept)
        index.add(len(kept), i, cur.entry)
        kept.append(cur)
    assert same > 50 and offered < pairs / 30, (same, offered, pairs)


def test_the_place_index_leaves_out_posts_of_another_toll_or_kind_of_attack(gazetteer):
    """A one-day live page: every post at one place. Another post's account with another exact toll, or another
    kind of attack, can never be the same event (_same_event refuses both), so the index does not offer it;
    a summary of either, or a post without a toll, is offered."""
    from incidents.dedupe import PlaceIndex
    from incidents.settings import SETTINGS

    index = PlaceIndex(gazetteer, SETTINGS.dedupe_km)
    posts = [Entry(10 * k, 10 * k + 5, kind="post") for k in range(5)]
    index.add(0, inc("rafah", 4), posts[0])
    index.add(1, inc("rafah", 6), posts[1])
    index.add(2, inc("rafah", None), posts[2])
    index.add(3, inc("rafah", 6, sub="Shelling/artillery/missile attack"), posts[3])
    index.add(4, inc("rafah", 9), Entry(100, 120, kind="summary"))
    assert index.candidates(inc("rafah", 6), posts[4]) == [1, 2, 4]
    assert index.candidates(inc("rafah", None), posts[4]) == [0, 1, 2, 4]  # a toll fits; shelling is not a strike
    assert index.candidates(inc("rafah", 6), Entry(200, 210, kind="summary")) == [0, 1, 2, 3, 4]


def test_of_two_summaries_the_exact_toll_wins_over_a_vague_one(small_gazetteer):
    from dataclasses import replace

    first, second = Entry(0, 10, kind="summary"), Entry(20, 40, kind="summary")
    vague = replace(inc("rafah", 12), fatalities_text="Dozens killed")
    exact = replace(inc("rafah", 32), fatalities_text="At least 32 have been killed")
    out = dedupe([(vague, first, 1), (exact, second, 2)], small_gazetteer)
    assert [(i.fatalities, i.fatalities_text) for i in out] == [(32, "At least 32 have been killed")]


def test_two_accounts_of_one_entry_stay_apart_also_once_one_has_merged_with_another_entry(small_gazetteer):
    lead, story = Entry(0, 10, kind="summary"), Entry(20, 90, kind="summary")
    out = dedupe([(inc("rafah", None), lead, 1), (inc("rafah", 5), story, 1), (inc("rafah", 3), story, 1)],
                 small_gazetteer)
    assert sorted(i.fatalities for i in out) == [3, 5]  # the lead merged with one; the story's two stay two


def test_a_total_told_in_parts_is_dropped_with_the_retelling_merged_into_it(small_gazetteer):
    lead, story = Entry(0, 10, kind="summary"), Entry(20, 90, kind="summary")
    out = dedupe([(inc("rafah", 8), lead, 1, True), (inc("rafah", 8), story, 1, True, True),
                  (inc("rafah", 5), story, 1, True), (inc("rafah", 3), story, 1, True)], small_gazetteer)
    assert sorted(i.fatalities for i in out) == [3, 5]
