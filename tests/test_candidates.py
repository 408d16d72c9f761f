"""Capitalised place-like names, unknown names and what is left out."""
from pathlib import Path

import pytest

from gazetteer import Gazetteer
from gazetteer.candidates import candidate_names, has_locative_cue, looks_like_place, unknown_names

FIXTURE = Path(__file__).parent / "fixtures" / "gaz_places.csv"


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer.load(curated=FIXTURE, user=FIXTURE.parent / "gaz_no_user_file.csv",
                          blockers=FIXTURE.parent / "gaz_no_blockers.txt")


def names(text, gazetteer=None):
    return [n for _, _, n in candidate_names(text, gazetteer)]


def test_multiword_names_with_connectors():
    text = "Strikes hit Beit Hanoun, Deir al-Balah, Kafr Qasim and Ras al Ain on Monday."
    assert names(text) == ["Beit Hanoun", "Deir al-Balah", "Kafr Qasim", "Ras al Ain"]


def test_offsets_point_at_the_name():
    text = "A drone struck the town of Bint Jbeil."
    ((start, end, name),) = candidate_names(text)
    assert text[start:end] == name == "Bint Jbeil"


def test_skips_weekdays_months_common_words_and_titles():
    text = ("The army said on Wednesday, Feb. 7, that Palestinian officials in March had "
            "warned. However, Witnesses said Israeli troops advanced. President Biden spoke.")
    assert names(text) == []


def test_skips_people():
    text = ("Mr. Kassem was there. Dr. Ghassan Abu Sitta said the wounded arrived. "
            "Mohammed Shehadeh, a resident, described the blast. Abu Obeida said fighters held out. "
            "Jalal Hamdan told reporters it was calm.")
    assert names(text) == []


def test_skips_organisations():
    text = ("Hamas and Hezbollah said UNRWA and the IDF met the Health Ministry, the "
            "Palestinian Red Crescent and the Islamic Jihad movement; the Houthis agreed.")
    assert names(text) == []


def test_skips_names_the_gazetteer_matched(gaz):
    text = "Shelling in Khan Yunis and near Khiam; a strike in Aitaroun."
    assert names(text, gaz) == ["Aitaroun"]
    assert "Khiam" in names(text)  # without a gazetteer it is a candidate


def test_possessive_is_trimmed():
    assert names("Aitaroun's mayor fled.") == ["Aitaroun"]


def test_locative_cues():
    text = "in Aitaroun. the village of Houla. Yaroun camp. Blida, a village near the border. Adloun was quiet"
    spans = {n: (s, e) for s, e, n in candidate_names(text)}
    for name in ("Aitaroun", "Houla", "Yaroun", "Blida"):
        assert has_locative_cue(text, *spans[name]), name
    assert not has_locative_cue(text, *spans["Adloun"])


def test_place_shapes():
    assert looks_like_place("Beit Lahiya")
    assert looks_like_place("Wadi Gaza")
    assert not looks_like_place("Adloun")


def test_unknown_names_prefers_cued_and_counts(gaz):
    text = ("Israeli strikes hit the village of Aitaroun and Khiam. A strike in Aitaroun killed two. "
            "Residents of Beit Lif fled. Kassem said Adloun was calm. Hezbollah said it hit Metula.")
    found = unknown_names(text, gaz)
    assert found[0] == ("Aitaroun", 2)
    got = dict(found)
    assert got.get("Beit Lif") == 1  # place-shaped, no cue
    assert "Metula" not in got  # "hit Metula": no locative cue, no place shape
    assert "Khiam" not in got and "Kassem" not in got and "Adloun" not in got
    assert "Hezbollah" not in got and "Israeli" not in got


def test_unknown_names_never_lists_known_aliases(gaz):
    text = "Fighting in Khan Yunis, in Sour and in Hims."
    assert unknown_names(text, gaz) == []


def test_unknown_names_leave_out_organisations_people_and_adjectives():
    from gazetteer import Gazetteer
    from gazetteer.candidates import unknown_names

    gaz = Gazetteer.load(user="/nonexistent/user.csv")
    text = ("In Rafah: Blinken raised concerns. Hamas’ demands were read in Hamas-run areas. Iran-aligned groups "
            "and the PMU met in Baghdad. Secretary of State Antony Blinken spoke. It came from Blinken’s office. "
            "An airstrike hit the village of Kfar Zzyx on Tuesday.")
    assert [name for name, _ in unknown_names(text, gaz)] == ["Kfar Zzyx"]
