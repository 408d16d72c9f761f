from incidents.clauses import nearest_group, separate_places, split_clauses
from incidents.places import find_mentions
from incidents.sentences import Sentence


def sent(text, start=0):
    return Sentence(start, start + len(text), text)


def test_another_strike_starts_a_clause_with_offsets():
    text = "Warplanes struck Tyre late Wednesday, and another strike hit Bint Jbeil on Thursday."
    parts = split_clauses(sent(text, 10))
    assert [p.text for p in parts] == ["Warplanes struck Tyre late Wednesday",
                                       "another strike hit Bint Jbeil on Thursday."]
    assert all(text[p.start - 10:p.end - 10] == p.text for p in parts)


def test_including_clause_is_split_off():
    text = "Strikes killed 30 people across Gaza, including 12 in a strike on a school in Nuseirat."
    assert [p.text for p in split_clauses(sent(text))][1].startswith("including 12 in")


def test_while_an_attack_starts_a_clause():
    # an attack (not only a strike or a raid) told after "while" is a second event of the sentence
    text = "Two men were killed in Beit Hanoun, while an attack in the Tuffah neighbourhood killed four."
    assert [p.text for p in split_clauses(sent(text))] == [
        "Two men were killed in Beit Hanoun", "an attack in the Tuffah neighbourhood killed four."]
    # but "while" with no event after it cuts nothing
    assert len(split_clauses(sent("Four were killed in Jenin while they slept, medics said."))) == 1


def test_a_place_between_two_towns_is_one_incident(gazetteer):
    text = "A drone targeted a car between the villages of Aitaroun and Blida on Sunday."
    ms = find_mentions(text, gazetteer)
    assert len(separate_places(ms, sent(text), text, gazetteer)) == 1
    text = "Drones targeted cars in Aitaroun and Blida on Sunday."
    assert len(separate_places(find_mentions(text, gazetteer), sent(text), text, gazetteer)) == 2


def test_towns_joined_by_and_are_separate_incidents(gazetteer):
    text = "Warplanes struck a site near Albu Kamal and a safe house in Mayadin late on Sunday."
    groups = separate_places(find_mentions(text, gazetteer), sent(text), text, gazetteer)
    assert [[m.place_id for m in g] for g in groups] == [["albu-kamal"], ["mayadin"]]
    assert nearest_group(groups, text.index("safe house")) == 1


def test_origin_and_one_town_stay_together(gazetteer):
    text = "Displaced families from Gaza City and Jabalia reached Rafah."
    ms = find_mentions(text, gazetteer)
    assert len(separate_places(ms, sent(text), text, gazetteer)) == 1


def test_a_long_run_of_spaces_is_split_in_linear_time():
    from bounded import returns

    text = "A strike hit Tyre," + " " * 100_000 + "then a strike hit Khiam."  # 66 s before: quadratic
    assert len(returns(split_clauses, Sentence(0, len(text), text))) == 1
    text = "A strike hit Tyre," + " " * 1000 + "and another strike hit Khiam."
    assert [p.text for p in split_clauses(Sentence(0, len(text), text))] == ["A strike hit Tyre", "another strike hit Khiam."]


def ids(groups):
    return [[m.place_id for m in g] for g in groups]


def test_villages_listed_together_are_one_incident_each_however_close(gazetteer):
    # Aitaroun and Blida lie ~5 km apart: still two villages, two incidents (ACLED codes one per village)
    text = "Warplanes struck the villages of Aitaroun and Blida in southern Lebanon on Monday."
    groups = separate_places(find_mentions(text, gazetteer), sent(text), text, gazetteer)
    assert [g[0] for g in ids(groups)] == ["aitaroun", "blida"]


def test_neighbourhoods_of_one_city_stay_one_place(gazetteer):
    text = "Artillery shelled the Shujaiya and Zeitoun neighbourhoods of Gaza City overnight."
    assert len(separate_places(find_mentions(text, gazetteer), sent(text), text, gazetteer)) == 1


def test_a_town_that_only_locates_another_joins_its_group(gazetteer):
    text = "Settlers burned a car near Ramallah and attacked homes in Beitin, east of Ramallah, and in Qaryut, " \
           "south of Nablus."
    groups = ids(separate_places(find_mentions(text, gazetteer), sent(text), text, gazetteer))
    # Nablus never stands as a place of its own; nor does the second Ramallah
    assert [g[0] for g in groups] == ["ramallah", "baytin", "qaryut"]
    assert "ramallah" in groups[1] and "nablus" in groups[2]


def test_an_event_told_as_what_another_came_after_is_cut_off_with_its_gap():
    from incidents.clauses import split_after

    text = "The strike on Rafah comes just hours after a Hamas ambush in Shejaiya killed 10 soldiers."
    parts, tail, gap = split_after(sent(text, 5))
    assert [p.text for p in parts] == ["The strike on Rafah", "a Hamas ambush in Shejaiya killed 10 soldiers."]
    assert tail is parts[1] and gap == "just hours"
    assert all(text[p.start - 5:p.end - 5] == p.text for p in parts)
    assert split_after(sent("Troops came under fire after midnight in Jenin."))[1] is None


def test_hours_are_a_short_gap_and_days_are_not():
    from incidents.clauses import short_gap

    assert all(short_gap(g) for g in ("", "hours", "just hours", "a few hours", "shortly"))
    assert not any(short_gap(g) for g in ("days", "two days", "a week", "just days"))


def test_one_word_cannot_be_split_into_clauses():
    # the fast path for one-word sentences relies on every clause pattern starting at a space, comma or semicolon
    from incidents.clauses import AFTER_CLAUSE, CLAUSE_SPLIT, split_after, split_clauses
    from incidents.rules.prefilter import first_chars
    from incidents.sentences import Sentence

    for rx in (AFTER_CLAUSE, CLAUSE_SPLIT):
        chars = first_chars(rx.pattern, rx.flags)
        assert chars is not None and chars <= {",", ";", "\\s"}
    s = Sentence(3, 9, "killed")
    assert split_clauses(s) == [s] and split_after(s) == ([s], None, "")
