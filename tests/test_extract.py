"""End-to-end extraction on the real seeds and on small reports in other outlets' styles."""
from datetime import date

import pytest

from incidents.extract import extract
from incidents.reading import read_report, report_from_text

WED = date(2024, 2, 7)


def run(text, gaz, published=WED, source="Test"):
    return extract(report_from_text(text, source=source, published=published), gaz).incidents


def find(incidents, place_id, fatalities="any"):
    hits = [i for i in incidents if i.place_id == place_id and (fatalities == "any" or i.fatalities == fatalities)]
    return hits


def test_ap_seed_incidents(seeds, gazetteer):
    rep = read_report(seeds / "ap-live-2024-02-07.txt")
    assert rep.published == WED and rep.source == "AP"
    incs = extract(rep, gazetteer).incidents
    # the US drone strike in Baghdad (Mashtal), 3 killed
    baghdad = [i for i in incs if i.country == "IQ" and i.sub_event_type == "Air/drone strike"]
    assert len(baghdad) == 1 and baghdad[0].fatalities == 3 and baghdad[0].place_id == "mashtal"
    # Rafah: fishermen (2) off the coast, police officer (1), residential building (3)
    rafah = sorted(i.fatalities for i in incs if i.place_id == "rafah")
    assert rafah == [1, 2, 3]
    fishermen = [i for i in incs if i.place_id == "rafah" and i.fatalities == 2][0]
    assert fishermen.geo_precision == 2 and "fishermen" in fishermen.excerpt
    # protest at Kerem Shalom, strike on Khiam (1 killed, 2 wounded)
    assert [i.event_type for i in incs if i.place_id.startswith("kerem-shalom")] == ["Protests"]
    khiam = [i for i in incs if i.place_id == "khiam" and i.sub_event_type == "Air/drone strike"]
    assert len(khiam) == 1 and (khiam[0].fatalities, khiam[0].injuries) == (1, 2)
    assert all(i.date == "2024-02-07" for i in incs)
    # statements are not incidents
    for i in incs:
        for word in ("Blinken", "Guterres", "Hamdan", "Netanyahu said"):
            assert word not in i.excerpt
    # offsets point into the text
    for i in incs:
        assert rep.text[i.start:i.end] == i.excerpt


def test_cnn_seed_incidents(seeds, gazetteer):
    rep = read_report(seeds / "cnn-live-2024-02-07.txt")
    assert rep.published == WED and rep.source == "CNN"
    incs = extract(rep, gazetteer).incidents
    feb7_iraq = [i for i in incs if i.country == "IQ" and i.date == "2024-02-07"]
    assert len(feb7_iraq) == 1, [i.excerpt for i in feb7_iraq]
    assert feb7_iraq[0].place_id in ("mashtal", "baghdad") and feb7_iraq[0].fatalities == 1
    for i in incs:
        assert not any(w in i.excerpt for w in ("Blinken said", "Guterres", "Hamdan"))


def test_dateline_is_not_the_incident_place(gazetteer):
    incs = run("BEIRUT (AP) \u2014 An Israeli strike on southern Lebanon killed two people on Tuesday.\n"
               "The strike hit the town of Bint Jbeil, the state news agency said.\n", gazetteer)
    assert [(i.place_id, i.date, i.fatalities) for i in incs] == [("bint-jbeil", "2024-02-06", 2)]


def test_two_strikes_in_one_entry_are_two_incidents(gazetteer):
    incs = run("GAZA (Reuters) - An airstrike on a house in Jabalia killed five people late Tuesday, medics said. "
               "Another strike killed three people in Deir al-Balah on Wednesday.\n", gazetteer)
    got = sorted((i.place, i.date, i.fatalities) for i in incs)
    assert len(got) == 2
    assert got[0][1:] == ("2024-02-07", 3) and "Deir" in got[0][0]
    assert got[1][1:] == ("2024-02-06", 5) and "Jabalia" in got[1][0]


def test_one_strike_told_in_three_sentences_is_one_incident(gazetteer):
    incs = run("RAFAH, Gaza Strip \u2014 An Israeli airstrike killed four people on Wednesday.\n\n"
               "The strike hit a house in the Tel al-Sultan neighborhood of Rafah.\n\n"
               "The bodies were taken to the Kuwaiti Hospital.\n", gazetteer)
    assert len(incs) == 1
    assert incs[0].fatalities == 4 and "Tel al-Sultan" in incs[0].place


def test_background_and_statements_give_nothing(gazetteer):
    incs = run("JERUSALEM (AP) \u2014 Netanyahu vowed on Wednesday to press ahead with the offensive in Rafah.\n"
               "The war began with Hamas' Oct. 7 attack, in which militants killed some 1,200 people.\n"
               "The Health Ministry in Gaza says more than 27,000 Palestinians have been killed since the start.\n",
               gazetteer)
    assert incs == []


def test_undated_report_is_reported(gazetteer):
    res = extract(report_from_text("An airstrike hit Rafah, killing two.", published=None), gazetteer)
    assert res.undated and res.incidents[0].date is None


def test_empty_report(gazetteer):
    res = extract(report_from_text("", published=WED), gazetteer)
    assert res.incidents == [] and res.entries == []


def test_html_in_report_text_is_kept_as_text(gazetteer):
    incs = run("RAFAH, Gaza Strip \u2014 An airstrike killed two people <script>alert(1)</script> in Rafah on Wednesday.",
               gazetteer)
    assert incs and "<script>" in incs[0].excerpt  # escaping is the display's job; the excerpt is the source


@pytest.mark.parametrize("text, place_id", [
    ("Israeli forces raided Jenin refugee camp on Tuesday, killing three militants in clashes.", "jenin-camp"),
    ("Settlers attacked the village of Turmus Ayya on Sunday, torching homes and cars.", "turmus-ayya"),
    ("A Houthi missile struck a cargo ship off Hodeidah on Monday.", "hodeidah"),
    ("An Israeli drone strike hit a car in Nabatieh on Wednesday, killing two Hezbollah members.", "nabatieh"),
])
def test_places_across_the_region(gazetteer, text, place_id):
    incs = run(text, gazetteer)
    assert [i.place_id for i in incs] == [place_id]


def test_unknown_village_is_placed_at_the_country_not_the_dateline(gazetteer):
    incs = run("BEIRUT (AP) \u2014 An Israeli drone strike hit a car near the village of Qaryat Zzyx on Tuesday, "
               "killing two men. Another strike hit the town of Houla.", gazetteer)
    got = sorted((i.place_id, i.geo_precision, i.fatalities) for i in incs)
    assert got == [("houla", 1, None), ("lb", 3, 2)]


def test_geonames_fallback_places_villages_the_curated_file_lacks():
    from gazetteer import Gazetteer

    g = Gazetteer.load(user="/nonexistent/user.csv", fallback=True)
    assert not g.lookup("al-Hirak")  # not curated
    incs = run("DAMASCUS (AP) \u2014 Gunmen shot dead a former rebel commander in the town of al-Hirak in Daraa "
               "province on Tuesday, a war monitor said.", g)
    assert len(incs) == 1
    i = incs[0]
    assert (i.country, i.date, i.fatalities, i.sub_event_type) == ("SY", "2024-02-06", 1, "Attack")
    assert i.place_id.startswith("gn-") and abs(i.lat - 32.75) < 0.1 and abs(i.lon - 36.31) < 0.1
    assert [m["gazetteer"] for m in i.mentions if m["surface"] == "al-Hirak"] == ["geonames"]


def test_an_aggregate_toll_is_not_an_incident_but_the_strike_it_includes_is(gazetteer):
    incs = run("GAZA (Reuters) - Israeli strikes killed at least 30 people across the Gaza Strip on Tuesday, "
               "including 12 in a strike on a school sheltering displaced families in Nuseirat, medics said.",
               gazetteer)
    assert [(i.place_id, i.date, i.fatalities) for i in incs] == [("nuseirat-camp", "2024-02-06", 12)]


def test_a_later_sentence_goes_back_to_the_event_at_its_place(gazetteer):
    incs = run("BEIRUT (AP) \u2014 Israeli warplanes struck a building in Beirut's southern suburbs late Wednesday "
               "and another strike hit the town of Bint Jbeil on Thursday.\n\n"
               "The strike on the southern suburbs, known as Dahiyeh, flattened a building in the Haret Hreik area. "
               "Lebanon's Health Ministry said two people were killed and 14 wounded.\n\n"
               "In Bint Jbeil, a strike on a house killed five people.\n", gazetteer, published=date(2024, 10, 3))
    got = sorted((i.date, i.fatalities, i.injuries, i.country) for i in incs)
    assert got == [("2024-10-02", 2, 14, "LB"), ("2024-10-03", 5, None, "LB")]
    dahiyeh = [i for i in incs if i.date == "2024-10-02"][0]
    assert dahiyeh.place_id in ("dahiyeh", "haret-hreik")


def test_a_claim_without_a_place_is_not_an_incident_but_a_placed_claim_is(gazetteer):
    assert run("Yemen's Houthis say they fired missiles at a container ship in the Gulf of Aden on Tuesday.",
               gazetteer) == []
    incs = run("Hezbollah said it fired rockets at an Israeli army post near Metula on Tuesday.", gazetteer)
    assert [(i.place_id, i.geo_precision) for i in incs] == [("metula", 2)]


def test_plural_back_reference_continues_the_event_and_gives_it_its_place(gazetteer):
    incs = run("CAIRO (AP) \u2014 U.S. airstrikes hit a fuel port on Yemen's Red Sea coast overnight, killing at least "
               "11 workers, health officials said Wednesday.\n\nThe strikes on the Ras Isa port, north of Hodeidah, "
               "set fuel tanks ablaze.\n", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("ras-isa", 11)]


def test_raids_across_a_region_give_their_towns_not_the_sum(gazetteer):
    incs = run("JENIN, West Bank (AP) \u2014 Israeli forces killed at least seven Palestinians in a series of raids "
               "across the northern West Bank on Wednesday, health officials said.\n\n"
               "Five of those killed died in an airstrike on a group of people in the Jenin refugee camp. Two others "
               "were killed in the village of Qabatiya, south of Jenin, where troops exchanged fire with gunmen.\n",
               gazetteer)
    assert sorted((i.place_id, i.fatalities, i.event_type) for i in incs) == [
        ("jenin-camp", 5, "Explosions/Remote violence"), ("qabatiya", 2, "Battles")]


def test_a_strike_told_back_keeps_its_type_and_joint_datelines_parse(gazetteer):
    incs = run("BEIRUT/JERUSALEM, Sept 24 (Reuters) - Israel said it killed a senior Hezbollah commander in a strike "
               "on Beirut's southern suburbs on Tuesday.\n\nThe Lebanese health ministry said six people were killed "
               "and 15 wounded in the strike on the Ghobeiry district of the Dahiyeh. The military named the "
               "commander.\n", gazetteer, published=date(2024, 9, 24))
    assert [(i.place_id, i.sub_event_type, i.fatalities, i.injuries, i.dateline) for i in incs] == [
        ("ghobeiry", "Air/drone strike", 6, 15, "Beirut/Jerusalem")]


def test_including_clause_with_a_family_gets_the_parent_sentence_weapon(gazetteer):
    incs = run("At least 19 Palestinians were killed in Israeli strikes across the Gaza Strip on Saturday, health "
               "officials said, including eight members of one family whose home in the Zeitoun neighbourhood of "
               "Gaza City was hit before dawn.", gazetteer, published=date(2024, 7, 7))
    assert [(i.place_id, i.date, i.fatalities, i.sub_event_type) for i in incs] == [
        ("zeitoun", "2024-07-06", 8, "Air/drone strike")]


def test_including_an_air_base_is_not_a_count(gazetteer):
    incs = run("DUBAI (AP) \u2014 The United States and Britain struck more than a dozen sites late Thursday, "
               "including an air base near the capital, Sanaa, and radar sites in Hodeidah.", gazetteer,
               published=date(2024, 1, 12))
    assert all(i.fatalities is None for i in incs)


def test_follow_ups_stay_with_their_event(gazetteer):
    incs = run("RAFAH, Gaza Strip \u2014 An Israeli airstrike on a house in Rafah killed six people on Wednesday. "
               "Another 15 people were wounded. Troops also arrested two men near the house. "
               "The death toll from Wednesday's strike on the house rose to eight, medics said later.", gazetteer)
    assert [(i.place_id, i.fatalities, i.injuries, i.sub_event_type) for i in incs] == [
        ("rafah", 8, 15, "Air/drone strike")]


def test_a_summary_bullet_without_a_date_is_the_post_of_the_day_before(gazetteer):
    text = ("Live page\nHere are the latest developments:\n"
            "- Israel says it struck Hezbollah cells near Naqoura.\n"
            "10:15 GMT - Israel strikes Naqoura\n"
            "The Israeli army said it struck Hezbollah cells near Naqoura late on Tuesday.\n")
    incs = run(text, gazetteer)
    assert [(i.place_id, i.date) for i in incs] == [("naqoura", "2024-02-06")]


def test_every_incident_says_why_it_exists(gazetteer):
    """Rule ids that fired, the cue that chose the place, the date expression and the count phrase."""
    from datetime import date

    from incidents.events import BOOK
    from incidents.extract import extract
    from incidents.reading import report_from_text

    text = ("BEIRUT (AP) — An Israeli strike hit the town of Khiam on Wednesday, killing two people. "
            "The dead included a paramedic.")
    inc = extract(report_from_text(text, published=date(2024, 2, 7), source="AP"), gazetteer).incidents[0]
    why = inc.why
    assert {r["rule"] for r in why["rules"]} <= {r.id for r in BOOK.triggers} | {"toll-follow-up"}
    first = why["rules"][0]
    assert text[first["start"]:first["start"] + len(first["text"])] == first["text"] == "Israeli strike"
    assert why["place"]["cue"] == "sentence:locative" and why["place"]["surface"] == "Khiam"
    assert text[why["place"]["start"]:].startswith("Khiam")
    assert why["date"] == {"cue": "sentence", "expression": "on Wednesday", "kind": "weekday",
                           "start": text.index("on Wednesday")}
    assert text[why["fatalities"]["start"]:].startswith(why["fatalities"]["phrase"]) and inc.fatalities == 2
    assert why["entry"] == {"kind": "post", "rules": ["dateline_caps"]}  # the outlet line rule of its entry


def test_an_inherited_place_names_its_strategy(gazetteer):
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import report_from_text

    text = "RAFAH, Gaza Strip (AP) — An airstrike hit a house on Tuesday, killing four people, hospital officials said."
    inc = extract(report_from_text(text, published=date(2024, 2, 7), source="AP"), gazetteer).incidents[0]
    assert inc.place == "Rafah" and inc.why["place"] == {"cue": "dateline"}
    assert inc.date == "2024-02-06" and inc.why["date"]["cue"] == "sentence"


def _one(text, gazetteer, published=(2024, 4, 23)):
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import report_from_text

    return extract(report_from_text(text, published=date(*published), source="Test"), gazetteer).incidents


def test_a_day_later_counts_from_the_day_told_before(gazetteer):
    incs = _one("A strike hit a house in Tel al-Sultan on 19 April, killing five people. "
                "A day later, a second strike hit a house in Shaboura camp, killing four.", gazetteer)
    days = {i.place_id: i.date for i in incs}
    assert days == {"tel-al-sultan": "2024-04-19", "shaboura": "2024-04-20"}


def test_last_weekday_with_a_capital_is_last_week(gazetteer):
    incs = _one("Last Tuesday, a US strike in Jurf al-Sakhar killed four fighters.", gazetteer, (2024, 8, 6))
    assert [i.date for i in incs] == ["2024-07-30"]


def test_the_start_of_something_else_does_not_date_the_event(gazetteer):
    incs = _one("Israeli air strikes on homes in Jabalia killed 12 people, where a siege began 20 days ago.", gazetteer)
    assert [i.date for i in incs] == ["2024-04-23"]


def test_a_day_of_history_is_not_inherited(gazetteer):
    # the second sentence states no day: it is today's news, not the day of the history before it
    incs = _one("The two were killed during the 7 October attack on Kfar Aza. "
                "In one of the strikes, a building in Rafah was destroyed, killing 12 people.", gazetteer)
    assert {i.place_id: i.date for i in incs}["rafah"] == "2024-04-23"


def test_a_while_clause_with_its_own_victims_is_its_own_incident(gazetteer):
    incs = _one("At least 17 Israeli air strikes hit Jnah late on Wednesday, killing one person, while three "
                "Lebanese soldiers were killed in Israeli fire in Yater.", gazetteer, (2024, 10, 24))
    assert {i.place_id: i.fatalities for i in incs} == {"jnah": 1, "yater": 3}


def test_along_with_a_strike_on_another_place_is_two_incidents(gazetteer):
    incs = _one("The toll included an attack on an apartment building in Tel al-Sultan on 19 April which killed nine "
                "people, along with a strike on Shaboura camp a day later that left four dead.", gazetteer)
    assert {i.place_id: (i.date, i.fatalities) for i in incs} == {
        "tel-al-sultan": ("2024-04-19", 9), "shaboura": ("2024-04-20", 4)}


def test_a_place_less_sentence_goes_on_with_the_event_told(gazetteer):
    incs = _one("A day earlier, settlers stormed the village of al-Mughayyir, setting fire to three cars. "
                "A 40-year-old farmer was shot in the leg, the health ministry said.", gazetteer, (2023, 11, 4))
    assert [(i.place_id, i.date) for i in incs] == [("mughayyir", "2023-11-03")]


def test_a_quoted_count_yields_to_the_reporter_unless_the_reporter_is_vague(gazetteer):
    incs = _one("An airstrike on a house in Deir al-Balah killed four people on Tuesday, medics said. "
                "“We pulled five bodies from the rubble,” a neighbour said.", gazetteer)
    assert [i.fatalities for i in incs] == [4]
    incs = _one("Several Palestinians were killed in a raid on Nur Shams camp on Tuesday. "
                "“Fourteen Palestinians were killed in the camp, three of them children,” the UN official said.",
                gazetteer)
    assert [i.fatalities for i in incs] == [14]


def test_a_live_post_weekday_after_the_page_date_is_the_next_day(gazetteer):
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import report_from_text

    posts = "\n".join(f"Link Copied!\nUpdate {k}\nFrom CNN's staff\nOfficials met in Cairo to talk." for k in range(3))
    text = posts + ("\nLink Copied!\nRockets hit Kiryat Shmona\nFrom CNN's staff\n"
                    "About 10 rockets hit Kiryat Shmona on Saturday morning, the military said.")
    incs = extract(report_from_text(text, published=date(2024, 9, 27), source="CNN"), gazetteer).incidents
    assert [(i.place_id, i.date) for i in incs] == [("kiryat-shmona", "2024-09-28")]
    wire = extract(report_from_text("About 10 rockets hit Kiryat Shmona on Saturday morning, the military said.",
                                    published=date(2024, 9, 27), source="AP"), gazetteer).incidents
    assert [i.date for i in wire] == ["2024-09-21"]


def test_an_event_placed_only_in_a_country_with_no_toll_is_not_mapped(gazetteer):
    assert _one("About 200 projectiles fired by Hezbollah crossed into Israel on Sunday, the army said.",
                gazetteer, (2024, 10, 20)) == []
    incs = _one("A drone attack in Jordan killed three soldiers on Sunday.", gazetteer, (2024, 1, 29))
    assert [(i.place_id, i.geo_precision, i.fatalities) for i in incs] == [("jo", 3, 3)]
def _n_incidents(text, published):
    from gazetteer import Gazetteer

    from incidents.model import Report

    return len(extract(Report(text=text, published=published), Gazetteer.load(user=False)).incidents)


def test_a_long_entry_of_trigger_words_is_read_in_linear_time():
    from bounded import returns

    # 3,000 lines took 7.4 s: each sentence recomputed the best hit over every sentence of its cluster
    assert returns(_n_incidents, "Title\n" + "killed\nstrike\n" * 20_000, date(2024, 2, 7), limit=60) >= 0
    assert returns(_n_incidents, "Title\n" + "".join(f"A strike hit Rafah, killing {i}.\n" for i in range(3000)),
                   date(2024, 2, 7), limit=60) >= 1


def test_a_publication_date_near_year_1_or_9999_does_not_overflow():
    text = "BEIRUT (AP) \u2014 An Israeli strike hit Khiam on Wednesday, killing two people, a day after 10000 weeks ago."
    for absurd in (date(1, 1, 1), date(9999, 12, 31)):
        assert _n_incidents(text, absurd) == 1  # the entry is undated, not a crash


def test_the_day_something_was_said_is_not_the_day_it_happened(gazetteer):
    # WED is Wednesday 7 February 2024: Saturday the 3rd, Friday the 2nd
    incs = run("Medics said on Saturday that five people were killed in a strike on Khan Younis on Friday.", gazetteer)
    assert [(i.place_id, i.date) for i in incs] == [("khan-younis", "2024-02-02")]
    # with no other day in the sentence, the day it was said is all there is
    incs = run("The army said on Saturday that its troops killed two gunmen in Jenin.", gazetteer)
    assert [i.date for i in incs] == ["2024-02-03"]


def test_a_whole_areas_toll_is_not_the_strikes_when_the_strike_has_its_own(gazetteer):
    incs = run("Israeli strikes on Gaza killed 52 people on Tuesday. The deadliest hit Bureij camp, where 17 people "
               "died.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("bureij-camp", 17)]


def test_a_closed_relative_clause_does_not_make_the_count_history(gazetteer):
    incs = run("An Israeli strike on a school in Gaza City, which was sheltering displaced families, killed 14 of "
               "them on Tuesday.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("gaza-city", 14)]
    # an open one still is: "... which killed" tells what an earlier strike did
    from incidents.events import in_history
    text = "It came days after a raid which was the deadliest since 2002 killed 30 people."
    assert in_history(text, text.index("killed"))


def test_a_day_said_then_the_day_before_is_the_day_before(gazetteer):
    incs = run("The Houthis said Tuesday the number of people killed in a strike on Hodeidah the day before has "
               "risen to nine.", gazetteer)
    assert [(i.place_id, i.date, i.fatalities) for i in incs] == [("hodeidah", "2024-02-05", 9)]


def test_the_next_morning_with_its_own_trigger_is_another_incident(gazetteer):
    incs = run("A strike on Monday night killed six in Beit Lahia. The next morning, troops raided the camp in "
               "Jabalia.", gazetteer)
    assert sorted((i.place_id, i.date) for i in incs) == [("beit-lahia", "2024-02-05"), ("jabalia", "2024-02-06")]


def test_a_days_total_including_one_strikes_toll_gives_the_strike_its_own(gazetteer):
    incs = run("Medics said Israeli fire killed at least 31 people on Tuesday, including 14 in a strike on a school "
               "sheltering displaced families. The school in the Rimal neighbourhood was hit at dawn.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("rimal", 14)]


def test_explosive_laden_drones_are_drone_strikes(gazetteer):
    from incidents.events import classify

    assert classify("Two explosive-laden drones attack on the field caused damage.").sub_event_type == \
        "Air/drone strike"
    assert classify("An explosive-laden boat blew up near the port.").sub_event_type == \
        "Remote explosive/landmine/IED"


def test_earlier_a_drone_is_another_event_and_is_not_folded_into_the_strike(gazetteer):
    incs = run("On Monday, two explosive-laden drones attacked an oil field in Erbil province, damaging pipelines, "
               "the ministry said. Earlier, a drone was intercepted and brought down near Erbil International "
               "Airport, officials said.", gazetteer)
    assert sorted((i.place_id, i.sub_event_type) for i in incs) == [
        ("erbil-airbase", "Disrupted weapons use"), ("erbil-governorate", "Air/drone strike")]


def test_a_total_with_a_part_told_of_the_place_gives_the_place_its_part(gazetteer):
    # 40 is the day's toll across the territory; "half of them near the crossing" is told of Rafah, whose own
    # sentence counts 20
    incs = run("Israeli fire killed at least 40 people on Tuesday, half of them near the aid site, officials said. "
               "Medics said at least 20 people were killed near the aid site in Rafah.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("rafah", 20)]


def test_a_partitive_without_a_place_keeps_the_total(gazetteer):
    incs = run("An Israeli strike on a house in Rafah killed 12 people on Tuesday, three of them children. "
               "Medics said three children were killed.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("rafah", 12)]


def test_a_perfect_toll_with_no_date_or_town_is_background_but_hearsay_of_the_event_is_not(gazetteer):
    # "more than 80 have been killed" with no day or town sums up a period; "12 were reported to have been
    # killed" after a dated strike is that strike's toll
    incs = run("An Israeli strike hit a house in Jabalia on Tuesday. At least 12 people were reported to have "
               "been killed, medics said.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("jabalia", 12)]
    incs = run("Israeli troops raided Jenin on Tuesday, killing two men. More than 80 Palestinians have been "
               "killed by Israeli forces, and 13 people have been killed in Palestinian attacks.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("jenin", 2)]


def test_a_present_progressive_summary_of_an_area_is_background(gazetteer):
    incs = run("While the army bombards the Gaza Strip, raids are also being carried out in the West Bank, "
               "resulting in the detention of Palestinians.", gazetteer)
    assert incs == []
    # with a town, it is told of a place
    incs = run("Raids are also being carried out in Jenin on Tuesday, resulting in the detention of ten men.", gazetteer)
    assert [i.place_id for i in incs] == ["jenin"]


def test_an_attack_that_claimed_the_lives_of_people_is_a_killing(gazetteer):
    incs = run("An attack in the Tuffah neighbourhood of Gaza City claimed the lives of a paramedic and her "
               "daughter on Wednesday.", gazetteer)
    assert [(i.place_id, i.fatalities, i.sub_event_type) for i in incs] == [("tuffah", 2, "Attack")]
    incs = run("An airstrike on Rafah took the lives of 12 people on Wednesday.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("rafah", 12)]
    assert run("The war has cost the lives of more than 40,000 people.", gazetteer) == []

    incs = run("An Israeli strike on Khiam on Wednesday caused the deaths of two soldiers.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("khiam", 2)]
