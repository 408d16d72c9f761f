"""Stage 2: the candidates of one entry grouped into events (incidents.clusters)."""
from datetime import date

from incidents.extract import extract
from incidents.reading import report_from_text


def run(text, gaz):
    return extract(report_from_text(text, source="Test", published=date(2024, 9, 25)), gaz).incidents


def test_two_camps_of_one_strike_sentence_stay_two_incidents_however_close(gazetteer):
    # the camps lie ~2 km apart, within the distance that merges sentences of one event: the sentence's
    # own separation into two places wins, and the count goes to the place it is told of
    incs = run("Israeli strikes on the Maghazi and Bureij camps on Tuesday killed a total of 17 people, "
               "hospital officials said.", gazetteer)
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("bureij-camp", 17), ("maghazi-camp", None)]
    assert all(i.date == "2024-09-24" for i in incs)


def test_a_later_sentence_about_one_of_the_places_joins_it(gazetteer):
    incs = run("Israeli strikes hit the Maghazi and Bureij camps on Tuesday. The strike on Bureij killed "
               "six people, medics said.", gazetteer)
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("bureij-camp", 6), ("maghazi-camp", None)]


def test_the_event_another_came_after_is_an_incident_dated_by_the_reference_that_follows(gazetteer):
    incs = run("An Israeli strike on Rafah killed 27 people on Wednesday. The strike on Rafah comes after a Hamas "
               "ambush in Shejaiya killed 10 Israeli soldiers. The attack on Monday marked the heaviest losses "
               "in weeks.", gazetteer)
    got = sorted((i.place_id, i.date, i.fatalities) for i in incs)
    assert got == [("rafah", "2024-09-25", 27), ("shujaiya", "2024-09-23", 10)]
    rafah = next(i for i in incs if i.place_id == "rafah")
    assert rafah.excerpt.endswith("killed 10 Israeli soldiers.")  # whole sentences, not "The strike on Rafah"


def test_an_undated_event_days_before_is_not_given_the_days_of_the_news(gazetteer):
    incs = run("An Israeli strike on Tyre killed 20 people on Wednesday. The strike came days after Israel "
               "killed a Hezbollah commander in Nabatieh.", gazetteer)
    assert [(i.place_id, i.date) for i in incs] == [("tyre", "2024-09-25")]


def test_an_undated_event_hours_before_takes_the_day_told(gazetteer):
    incs = run("An Israeli strike on Tyre killed 20 people on Wednesday. The strike came just hours after Israeli "
               "jets struck the town of Nabatieh, killing three.", gazetteer)
    assert sorted((i.place_id, i.date) for i in incs) == [("nabatieh", "2024-09-25"), ("tyre", "2024-09-25")]


def test_a_building_referred_back_to_is_at_the_place_named_with_it(gazetteer):
    # 54 across the territory; 35 at the school named (with its town) just before: the strike is placed at
    # the school's town with the school's own toll, typed by the strikes told
    incs = run("At least 54 Palestinians were killed in Israeli air strikes on Gaza overnight. "
               "The Al-Nour Preparatory School in Gaza City was housing displaced families. "
               "At least 35 were reported to have been killed when the school was hit.", gazetteer)
    assert [(i.place_id, i.fatalities, i.sub_event_type) for i in incs] == [("gaza-city", 35, "Air/drone strike")]
    assert incs[0].why["place"]["cue"].startswith("facility_ref")
    assert incs[0].why["place"]["surface"] == "Gaza City"


def test_a_building_referred_back_to_is_at_the_place_named_with_it_not_another_nearby(gazetteer):
    # "the camp" goes back to "Far'a refugee camp", not to "Tubas" named after it
    incs = run("A young man was killed by Israeli fire on Tuesday in Far'a refugee camp, south of Tubas. "
               "Witnesses said bulldozers destroyed the infrastructure in several streets of the camp.", gazetteer)
    assert {i.place_id for i in incs} == {"faraa-camp"}


def test_a_building_with_no_place_named_with_it_takes_none(gazetteer):
    # "the hospital" was named far from any place: the sentence is not placed by it
    incs = run("Officials at the hospital said they were overwhelmed. "
               "Three people were killed when the hospital was hit.", gazetteer)
    assert incs == []


def test_the_weapon_of_a_killing_told_inside_its_area_is_the_same_event_placed_finer(gazetteer):
    # a killing told of a compass region, then the warplanes that did it in a governorate inside the region
    incs = run("U.S. forces killed five militiamen in eastern Syria on Tuesday. U.S. warplanes targeted military "
               "gatherings in the desert of Deir ez-Zor province.", gazetteer)
    assert [(i.place_id, i.fatalities, i.sub_event_type) for i in incs] == [
        ("deir-ez-zor-governorate", 5, "Air/drone strike")]


def test_two_places_of_one_toll_sentence_each_get_their_own_count(gazetteer):
    incs = run("At least 32 have been killed in Khan Younis and five in Rafah on Tuesday, local sources said.", gazetteer)
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("khan-younis", 32), ("rafah", 5)]


def test_the_parts_of_a_total_told_one_by_one_are_the_events_and_the_total_is_none(gazetteer):
    incs = run("Israeli airstrikes on two houses in Khan Younis killed 11 people on Tuesday, medics said. "
               "The first strike hit a house near Nasser Hospital, killing seven. "
               "The second Khan Younis strike killed four.", gazetteer)
    # the first is placed at the hospital it hit, in Khan Younis
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("khan-younis", 4), ("nasser-hospital", 7)]
    assert all(i.date == "2024-09-24" for i in incs)  # the total's day, told once
    assert {i.why["date"]["cue"] for i in incs} == {"enumerated_whole"}


def test_a_total_told_again_in_a_lead_above_goes_with_the_total_its_parts_replace(gazetteer):
    text = ("Israeli airstrikes on two houses in Khan Younis killed 11 people on Tuesday.\n\n"
            "25 September 2024\n\n"
            "Israeli airstrikes on two houses in Khan Younis killed 11 people on Tuesday, medics said. "
            "The first strike hit a house near Nasser Hospital, killing seven. "
            "The second Khan Younis strike killed four.\n")
    incs = run(text, gazetteer)
    assert sorted(i.fatalities for i in incs) == [4, 7]


def test_an_ordinal_sentence_without_a_count_or_with_more_than_the_total_is_no_part(gazetteer):
    incs = run("An Israeli airstrike on a house in Khan Younis killed three people on Tuesday. "
               "The first strike hit at dawn, medics said.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("khan-younis", 3)]
    incs = run("An Israeli airstrike on a house in Khan Younis killed three people on Tuesday. "
               "The second strike, in Rafah, killed five.", gazetteer)
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("khan-younis", 3), ("rafah", 5)]


def test_a_total_with_a_part_told_elsewhere_stays(gazetteer):
    # the part is far from the total's place: the total was of more than that place, and is kept
    incs = run("Israeli strikes killed 11 people in Khan Younis on Tuesday. The first strike hit Jabalia, "
               "killing seven.", gazetteer)
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("jabalia", 7), ("khan-younis", 11)]


def test_the_event_told_on_names_its_town_when_only_a_country_was_named_in_passing(gazetteer):
    incs = run("A Hezbollah drone killed four soldiers at one of its northern bases on Tuesday, as Israel stepped up "
               "its bombardment of Lebanon. The attack on the army camp in Binyamina was the deadliest in months.",
               gazetteer)
    assert [(i.place_id, i.fatalities, i.sub_event_type) for i in incs] == [
        ("binyamina-givat-ada", 4, "Air/drone strike")]


def test_a_source_telling_the_attack_again_gives_it_its_place(gazetteer):
    incs = run("An Israeli drone strike on a car in southern Lebanon killed one person on Tuesday, the ministry said. "
               "The state news agency NNA said the attack targeted a vehicle between the villages of Aitaroun and "
               "Blida in the Bint Jbeil district of Nabatieh province.", gazetteer)
    assert len(incs) == 1 and incs[0].fatalities == 1 and incs[0].place_id in {"aitaroun", "blida"}


def test_single_strikes_that_add_up_to_a_total_of_several_are_its_parts(gazetteer):
    incs = run("More than 30 people were killed in double Israeli strikes on Jabalia camp on Tuesday. At least 20 "
               "were killed in an Israeli strike on a school in the camp. A separate strike on a house in the camp "
               "killed 12.", gazetteer)
    assert sorted((i.place_id, i.fatalities) for i in incs) == [("jabalia-camp", 12), ("jabalia-camp", 20)]
    assert all(i.date == "2024-09-24" for i in incs)


def test_a_single_strike_that_covers_little_of_a_total_of_several_is_a_strike_besides_it(gazetteer):
    incs = run("More than 80 people were killed in double Israeli strikes on Jabalia camp on Tuesday. A separate "
               "strike on a house in the camp killed 12.", gazetteer)
    assert sorted(i.fatalities for i in incs) == [12, 80]


def test_a_statement_about_the_strike_told_on_adds_no_place_of_the_targets_past(gazetteer):
    incs = run("An Israeli airstrike on a building in Dahiyeh killed four people on Tuesday. The Israeli military said "
               "in a statement that the latest strike targeted a Hezbollah member who had been helping Hamas in the "
               "Gaza Strip.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("dahiyeh", 4)]


def test_the_anaphora_that_says_when_and_where_it_happened_gives_the_events_day_and_town(gazetteer):
    # the first sentence dates only the telling and places the strike by the nearest city; the sentence referring
    # back with "took place" tells the event's own day and town (Qana, ~10 km from Tyre)
    incs = run("Israeli drone strikes killed four people on the edge of Tyre, the health ministry said on Wednesday. "
               "The ministry said the attacks took place on Monday in the town of Qana.", gazetteer)
    assert [(i.place_id, i.date, i.fatalities) for i in incs] == [("qana", "2024-09-23", 4)]
    assert "occurrence" in [r["rule"] for r in incs[0].why["rules"]]
    # a town far off is another story, not where this one happened
    incs = run("Israeli drone strikes killed four people on the edge of Tyre, the health ministry said on Wednesday. "
               "The ministry said the attacks took place on Monday in Baalbek.", gazetteer)
    assert [(i.place_id, i.fatalities) for i in incs] == [("tyre", 4)]
    # without "took place" the sentence is no occurrence: the day stays
    incs = run("Israeli drone strikes killed four people on the edge of Tyre on Wednesday. "
               "The ministry said the attacks drew condemnation in Qana.", gazetteer)
    assert [(i.place_id, i.date) for i in incs] == [("tyre", "2024-09-25")]
