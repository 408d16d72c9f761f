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
