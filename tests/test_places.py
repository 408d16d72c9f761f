from incidents.places import choose_place, find_mentions, resolve_dateline


def test_attributes_are_not_locations(small_gazetteer):
    text = "Gaza's Health Ministry said Lebanon's Al-Akhbar newspaper lied; strikes hit Rafah."
    roles = {m.surface: m.role for m in find_mentions(text, small_gazetteer)}
    assert roles == {"Gaza": "attribute", "Lebanon": "attribute", "Rafah": "place"}


def test_organisation_names_hide_places(small_gazetteer):
    text = "The Islamic Resistance in Iraq claimed a drone attack; Iran-backed groups cheered."
    assert find_mentions(text, small_gazetteer) == []


def test_the_iraqi_capital_is_baghdad(small_gazetteer):
    ms = find_mentions("A drone hit a car in the Iraqi capital on Wednesday.", small_gazetteer)
    assert [(m.place_id, m.reason) for m in ms] == [("baghdad", "capital")]


def test_most_specific_place_wins(small_gazetteer):
    for text, expected, precision in [
        ("An Israeli airstrike in the southern Gaza town of Rafah killed an officer.", "rafah", 1),
        ("The strike came on a road in the Mashtal neighborhood in eastern Baghdad.", "mashtal", 1),
        ("The men were killed just off the coast of Rafah in southern Gaza.", "rafah", 2),
        ("Strikes on southern Lebanon killed a man.", "south-lebanon", 3),
        ("The strike hit the town of Khiam on Wednesday.", "khiam", 1),
    ]:
        choice = choose_place(find_mentions(text, small_gazetteer), text, small_gazetteer)
        assert (choice.place.id, choice.precision) == (expected, precision), text


def test_origins_and_far_away_actors_lose(small_gazetteer):
    text = "A US drone strike killed people who had fled from Gaza City to Khan Younis."
    choice = choose_place(find_mentions(text, small_gazetteer), text, small_gazetteer)
    assert choice.place.id == "khan-younis"
    text = "The US blamed militants for the attack."
    assert choose_place(find_mentions(text, small_gazetteer), text, small_gazetteer) is None


def test_datelines(small_gazetteer):
    assert resolve_dateline("Rafah, Gaza Strip", small_gazetteer).id == "rafah"
    assert resolve_dateline("Beirut", small_gazetteer).id == "beirut"
    assert resolve_dateline("Nowhere Town", small_gazetteer) is None


def test_a_reference_town_only_locates_the_named_one(gazetteer):
    for text, expected in [
        ("Soldiers dispersed a sit-in in Beit Ummar, north of Hebron, on Monday.", "beit-ummar"),
        ("An airstrike killed two people in Qana, near Tyre.", "qana"),
        ("A drone strike hit a car near Bint Jbeil in southern Lebanon.", "bint-jbeil"),
        ("Shelling hit Al-Mawasi, on the coast west of Khan Younis.", "mawasi"),
    ]:
        choice = choose_place(find_mentions(text, gazetteer), text, gazetteer)
        assert choice.place.id == expected, text


def test_a_place_refines_an_area_only_from_inside_it(gazetteer):
    from incidents.places import refines, within_area

    g = gazetteer.get
    assert within_area(g("south-lebanon"), g("khiam"), gazetteer)
    assert not within_area(g("south-lebanon"), g("tel-aviv"), gazetteer)
    assert refines(g("khiam"), g("south-lebanon"), gazetteer, 3.0)
    assert not refines(g("tel-aviv"), g("south-lebanon"), gazetteer, 3.0)
    assert refines(g("jnah"), g("beirut"), gazetteer, 3.0)
    assert not refines(g("ain-al-asad"), g("beirut"), gazetteer, 3.0)


def test_a_line_opening_label_is_where_it_was_filed_not_the_event(gazetteer):
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import report_from_text

    for text in ("Tel Aviv: The Israeli military said its troops and tanks entered northern Gaza overnight, "
                 "hitting several militant targets.",
                 "Associated Press Tel Aviv: Israeli troops and tanks entered northern Gaza overnight, "
                 "hitting several militant targets."):
        incs = extract(report_from_text(text, published=date(2023, 10, 26), source="AP"), gazetteer).incidents
        assert [i.place_id for i in incs] == ["north-gaza"], text
    from incidents.places import find_mentions

    ms = find_mentions("DUBAI, United Arab EmiratesIran-backed rebels said they fired missiles.", gazetteer)
    assert {m.surface: m.role for m in ms}.get("DUBAI") == "dateline"
    # after blanks, and only the name right after the line's head is its label
    ms = find_mentions(" \t DUBAI,  United Arab Emirates -- Rebels in Yemen said they fired at Dubai.", gazetteer)
    assert [m.role for m in ms if m.surface.casefold() == "dubai"] == ["dateline", "place"]
    ms = find_mentions("\t  AP  Beirut: a strike hit Beirut: the capital.", gazetteer)
    assert [m.role for m in ms if m.surface == "Beirut"] == ["dateline", "place"]


def test_drones_that_targeted_a_base(gazetteer):
    from incidents.events import classify

    assert classify("Several drones on Tuesday targeted an airbase in Iraq hosting US troops.").sub_event_type == \
        "Air/drone strike"
    assert classify('"Multiple attack drones were launched" at the Ain al-Assad base, an official said.') is not None


def test_a_targeted_ministry_is_in_its_town_a_speaking_one_is_not(gazetteer):
    from incidents.places import find_mentions

    hit = find_mentions("Israeli strikes on the Syrian defence ministry headquarters in Damascus caused damage.", gazetteer)
    said = find_mentions("Officials at the ministry in Ramallah said 20 people were killed.", gazetteer)
    assert [m.role for m in hit if m.surface == "Damascus"] == ["place"]
    assert [m.role for m in said if m.surface == "Ramallah"] == ["attribute"]


def test_a_hospital_the_wounded_were_taken_to_is_not_the_place(gazetteer):
    from incidents.places import choose_place, find_mentions

    text = "Settlers shot at activists in Qusra; the injured were taken by ambulance to a hospital in Nablus."
    ms = find_mentions(text, gazetteer)
    assert choose_place(ms, text, gazetteer).place.id == "qusra"
def _many_mentions(n):
    from gazetteer import Gazetteer, Place

    places = [Place("springfield-lb", "Springfield", "town", "LB", 33.3, 35.5),
              Place("springfield-sy", "Springfield", "town", "SY", 35.0, 38.0)]
    places += [Place(f"town-{i}", f"Town{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}", "town", "LB", 33.0 + i / 1000, 35.3)
               for i in range(300)]
    gaz = Gazetteer(places)
    text = " ".join(f"Springfield and Town{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}." for i in range(n))
    return [m.place_id for m in find_mentions(text, gaz)][:2]


def test_many_same_named_places_are_resolved_in_linear_time():
    from bounded import returns

    # each choice among the two Springfields summed the whole report's context again: quadratic
    assert returns(_many_mentions, 15_000) == ["springfield-lb", "town-0"]


def test_a_place_name_inside_a_persons_name_is_the_person(gazetteer):
    from incidents.places import find_mentions

    roles = lambda t: [(m.surface, m.role) for m in find_mentions(t, gazetteer)]  # noqa: E731
    # a given name before and a family name after, or an age after: someone's name
    assert roles("The dead were named as Yazid Sa'ad Adel Shafe, 22, and his cousin.") == [("Sa'ad", "person")]
    assert roles("Omar Rafah, 24, was killed.") == [("Rafah", "person")]
    # a given name and a particle: "Hussam al-Malah"; later on its own it is still the person
    assert roles("Troops killed Hussam al-Malah in Tulkarem. Later, al-Malah's deputy fled.") == [
        ("Malah", "person"), ("Tulkarem", "place"), ("Malah", "person")]
    # places stay places: compound names, directions and demonyms, a kind word after, title-case headlines
    assert roles("Strikes hit Deir al-Balah, Southern Lebanon and Israeli Rafah.") == [
        ("Deir al-Balah", "place"), ("Southern Lebanon", "place"), ("Rafah", "place")]
    assert roles("Settlers Attack Qusra Village Near Nablus") == [("Qusra", "place"), ("Nablus", "place")]
    assert roles("Forces raided Jenin Camp and then Tubas.") == [("Jenin Camp", "place"), ("Tubas", "place")]


def test_a_surname_with_its_article_is_the_same_person_later(gazetteer):
    from incidents.places import find_mentions

    text = ("Civil defence official Mohammad al-Mughayyir told reporters that 12 were killed. Later, according to "
            "Mughayyir, troops fired on crowds. Settlers also attacked al-Mughayyir village.")
    assert [(m.surface, m.role) for m in find_mentions(text, gazetteer)] == [
        ("al-Mughayyir", "person"), ("Mughayyir", "person"), ("al-Mughayyir", "place")]


def test_a_groups_sponsor_is_not_a_place(gazetteer):
    text = "Explosions at a base housing armed groups backed by Iran killed one fighter in Babil province."
    roles = {m.surface: m.role for m in find_mentions(text, gazetteer)}
    assert roles["Iran"] == "attribute" and roles["Babil province"] == "place"
    choice = choose_place(find_mentions(text, gazetteer), text, gazetteer)
    assert choice.place.id == "babylon-governorate"


def test_a_country_that_acts_or_is_blamed_is_not_where(gazetteer):
    text = "Israel carried out a series of strikes on Thursday. The PFLP said three leaders were killed and blamed Israel."
    assert {m.role for m in find_mentions(text, gazetteer)} == {"actor"}
    # a country where something happened stays a place
    text = "Rockets hit Israel on Thursday."
    assert [m.role for m in find_mentions(text, gazetteer)] == ["place"]


def test_a_countrys_tv_channel_is_not_a_place(gazetteer):
    text = "Israel's Channel 14 claimed the army had fired at an important target."
    assert [m.role for m in find_mentions(text, gazetteer)] == ["attribute"]


def test_a_governorate_inside_a_compass_region_refines_it(gazetteer):
    from incidents.places import refines

    region, gov = gazetteer.get("eastern-syria"), gazetteer.get("deir-ez-zor-governorate")
    assert refines(gov, region, gazetteer, 3.0) and not refines(region, gov, gazetteer, 3.0)
    assert not refines(gazetteer.get("idlib-governorate"), region, gazetteer, 3.0)  # far outside the region


def test_a_country_a_whole_campaign_is_waged_on_is_not_where(gazetteer):
    text = "A drone killed two soldiers at a base on Sunday, as Israel stepped up its bombardment of Lebanon."
    roles = {m.surface: m.role for m in find_mentions(text, gazetteer)}
    assert roles["Lebanon"] == "campaign"
    text = "Airstrikes killed four people in Lebanon on Sunday."
    assert [m.role for m in find_mentions(text, gazetteer)] == ["place"]


def test_a_countrys_institution_in_a_headline_is_not_a_place(gazetteer):
    text = "2 Soldiers Killed In Israeli Attack, Says Lebanon Army"
    assert [m.role for m in find_mentions(text, gazetteer)] == ["attribute"]
    # lower case "army" after a country is where the posts are
    assert [m.role for m in find_mentions("Strikes hit Lebanon army posts", gazetteer)] == ["place"]
