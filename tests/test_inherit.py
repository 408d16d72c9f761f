"""Stage 3: clusters given a place and a day from elsewhere in the entry (incidents.inherit)."""
from datetime import date

from incidents.extract import extract
from incidents.reading import report_from_text


def run(text, gaz, published=date(2024, 3, 15)):
    return extract(report_from_text(text, source="Test", published=published), gaz).incidents


def test_a_reference_off_a_port_places_an_attack_at_sea_near_the_port(gazetteer):
    incs = run("DUBAI (AP) — A suspected Houthi attack struck a ship in the Red Sea early Friday, authorities said.\n\n"
               "The attack off the port city of Hodeida comes as part of the rebels' campaign against shipping.",
               gazetteer)
    assert [(i.place_id, i.geo_precision, i.date) for i in incs] == [("hodeidah", 2, "2024-03-15")]
    assert incs[0].why["place"]["cue"].startswith("reference:")


def test_a_reference_goes_with_the_event_told_just_before_it(gazetteer):
    # the second sentence's strike in Rafah is told between the ambush and "The attack on Monday": the
    # reference dates the Rafah strike's neighbour only if it comes right after it
    incs = run("A Hamas ambush in Shejaiya killed 10 soldiers. An Israeli strike on Rafah killed 27 people on "
               "Thursday. The attack on Monday drew condemnation.", gazetteer)
    got = {i.place_id: i.date for i in incs}
    assert got["rafah"] == "2024-03-14"
    assert got["shujaiya"] != "2024-03-11"  # Monday is said of the Rafah strike's telling, not of the ambush
