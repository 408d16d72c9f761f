"""GeoNames fallback: lazy, exact names only, chosen by the report's places."""
from pathlib import Path

import pytest

from gazetteer import Gazetteer
from gazetteer.candidates import fallback_mentions
from gazetteer.geonames import REGION, GeoNamesFallback, kind_for_population

FIXTURE = Path(__file__).parent / "fixtures" / "gaz_places.csv"


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer.load(curated=FIXTURE, user=FIXTURE.parent / "gaz_no_user_file.csv",
                          blockers=FIXTURE.parent / "gaz_no_blockers.txt")


@pytest.fixture(scope="module")
def fallback():
    return GeoNamesFallback()  # the real, regional GeoNames index (built once, ~0.5 s)


# A tiny in-memory "GeoNames" for the cases the real data cannot pin down.
FAKE = [
    {"geonameid": 1, "name": "Qaryat Wahid", "latitude": 33.2, "longitude": 35.4, "countrycode": "LB",
     "population": 3000, "alternatenames": ["Wahid Village", "QW", "Qaryat-Wahid"]},
    {"geonameid": 2, "name": "Qaryat Wahid", "latitude": 34.9, "longitude": 36.8, "countrycode": "SY",
     "population": 9000, "alternatenames": []},
    {"geonameid": 3, "name": "Springfield", "latitude": 39.8, "longitude": -89.6, "countrycode": "US",
     "population": 114000, "alternatenames": []},
    {"geonameid": 4, "name": "Center", "latitude": 31.0, "longitude": 35.0, "countrycode": "IL",
     "population": 600, "alternatenames": []},
]


def test_lazy_and_regional(fallback):
    fb = GeoNamesFallback()
    assert not fb.loaded
    assert fb.countries == frozenset(REGION)
    fb.lookup("Tyre")
    assert fb.loaded
    assert fallback.stats["places"] > 5000


def test_real_town_missing_from_curated_resolves_to_lebanon(gaz, fallback):
    assert gaz.lookup("Bint Jbeil") == []
    for spelling in ("Bint Jbeil", "Bint Jubayl", "bint-jbeil", "Bent Jbaïl", "بنت جبيل"):
        found = fallback.lookup(spelling)
        assert found, spelling
        place = found[0]
        assert place.country == "LB"
        assert place.origin == "geonames"
        assert place.id.startswith("gn-") and place.source == f"geonames:{place.id[3:]}"
        assert 33.0 < place.lat < 33.3 and 35.3 < place.lon < 35.6


def test_sorted_by_population(fallback):
    found = fallback.lookup("Rafah")
    assert [p.country for p in found][:2] == ["PS", "EG"]
    assert found[0].population >= found[1].population
    assert found[0].kind == "city"


def test_article_spellings_are_one_name_not_fuzzy(fallback):
    assert fallback.lookup("Deir al-Balah")[0].country == "PS"
    assert fallback.lookup("Deir el-Balah")[0].country == "PS"


def test_no_fuzzy_matches(fallback):
    assert fallback.lookup("Bint Jbeill") == []
    assert fallback.lookup("Bnt Jbeil") == []
    assert fallback.lookup("Tyrre") == []
    assert fallback.lookup("") == []


def test_stoplist_and_short_alternates():
    fb = GeoNamesFallback(cities=FAKE, countries=None)
    assert fb.lookup("Center") == []  # common English word
    assert fb.lookup("QW") == []  # too short / a code
    assert [p.id for p in fb.lookup("Wahid Village")] == ["gn-1"]
    assert [p.id for p in fb.lookup("qaryat wahid")] == ["gn-2", "gn-1"]  # population desc


def test_proximity_choice_between_same_named_towns(gaz, fallback):
    cands = fallback.lookup("Al Qusayr")
    assert {p.country for p in cands} >= {"SY", "EG"}
    assert gaz.choose(cands, [gaz.get("homs")]).country == "SY"
    assert gaz.choose(cands, [gaz.get("rafah-eg"), gaz.get("eg")]).country == "EG"


def test_proximity_choice_in_a_report(gaz):
    fb = GeoNamesFallback(cities=FAKE, countries=None)
    text = "An Israeli strike hit Khiam and Tyre. Later a drone struck the village of Qaryat Wahid."
    ((start, end, place),) = fallback_mentions(text, gaz, fb, [])
    assert text[start:end] == "Qaryat Wahid"
    assert place.id == "gn-1" and place.country == "LB"  # not the bigger Syrian one
    text = "Shelling near Homs. Residents fled the village of Qaryat Wahid."
    ((_, _, place),) = fallback_mentions(text, gaz, fb, [])
    assert place.country == "SY"


def test_nothing_on_the_wrong_continent(gaz):
    fb = GeoNamesFallback(cities=FAKE, countries=None)  # the world, so Springfield exists
    text = "Israeli strikes hit Khan Younis and Rafah; families fled to Springfield."
    assert fb.lookup("Springfield")
    assert fallback_mentions(text, gaz, fb, [gaz.get("khan-younis")]) == []


def test_fallback_mentions_need_a_cue(gaz, fallback):
    text = "Bint Jbeil was quiet. Later an Israeli drone struck a car in Bint Jbeil, near Khiam."
    found = fallback_mentions(text, gaz, fallback, [gaz.get("khiam")])
    assert len(found) == 2  # both occurrences of a cue-confirmed name
    assert all(p.country == "LB" for _, _, p in found)
    # curated names are never sent to the fallback
    assert all(text[s:e] != "Khiam" for s, e, _ in found)


def test_kind_by_population():
    assert kind_for_population(500_000) == "city"
    assert kind_for_population(20_000) == "town"
    assert kind_for_population(800) == "village"
    assert kind_for_population(0) == "town"


def test_gazetteer_load_attaches_fallback():
    g = Gazetteer.load(curated=FIXTURE, user=FIXTURE.parent / "gaz_no_user_file.csv", fallback=True)
    assert isinstance(g.fallback, GeoNamesFallback)
    assert not g.fallback.loaded or g.fallback.loaded  # lazy: nothing required yet
    assert g.fallback.lookup("Tyre")[0].country == "LB"


def test_loading_the_gazetteer_with_the_fallback_does_not_build_its_index():
    """The CLI loads the fallback on every run; its index (1 s, ~100 MB) is built only when a name needs it."""
    from gazetteer import Gazetteer

    g = Gazetteer.load(fallback=True)
    assert g.fallback is not None and g.fallback._index is None
