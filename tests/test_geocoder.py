"""GazetteerGeocoder speaks geopy, offline; Nominatim stays off unless asked."""
import json
from pathlib import Path

import pytest
from geopy.distance import geodesic, great_circle
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from gazetteer import Gazetteer, GazetteerGeocoder
from gazetteer.nominatim import ENV, USER_AGENT, CachedNominatim

FIXTURE = Path(__file__).parent / "fixtures" / "gaz_places.csv"


@pytest.fixture(scope="module")
def geo():
    gaz = Gazetteer.load(curated=FIXTURE, user=FIXTURE.parent / "gaz_no_user_file.csv",
                         blockers=FIXTURE.parent / "gaz_no_blockers.txt")
    return GazetteerGeocoder(gaz)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("network used")

    monkeypatch.setattr("socket.create_connection", refuse)
    monkeypatch.setattr("socket.socket.connect", refuse)


def test_is_a_geopy_geocoder(geo):
    assert isinstance(geo, Geocoder)


def test_geocode_exact_name_and_alias(geo):
    loc = geo.geocode("Khiam")
    assert isinstance(loc, Location)
    assert loc.address == "Khiam, Nabatieh Governorate, Lebanon"
    assert (loc.latitude, loc.longitude) == pytest.approx((33.33, 35.61))
    assert loc.raw["id"] == "khiam" and loc.raw["kind"] == "town" and loc.raw["precision"] == 1
    assert geo.geocode("al-Khiam").raw["id"] == "khiam"
    assert geo.geocode("KHAN YUNIS").raw["id"] == "khan-younis"
    assert geo.geocode("Gaza").raw["precision"] == 3  # a region


def test_geocode_country_codes_and_qualifiers(geo):
    both = geo.geocode("Rafah", exactly_one=False)
    assert [l.raw["id"] for l in both] == ["rafah", "rafah-eg"]
    assert geo.geocode("Rafah", country_codes="eg").raw["id"] == "rafah-eg"
    assert geo.geocode("Rafah", country_codes=["EG", "LB"]).raw["id"] == "rafah-eg"
    assert geo.geocode("Rafah, Egypt").raw["id"] == "rafah-eg"
    assert geo.geocode("Rafah, Gaza Strip").raw["id"] == "rafah"
    assert geo.geocode("Rafah", country_codes="LB") is None


def test_geocode_falls_back_to_search(geo):
    assert geo.geocode("Nasser Medical").raw["id"] == "nasser-hospital"
    assert geo.geocode("Atlantis") is None
    assert geo.geocode("") is None


def test_distances_with_geopy(geo):
    khiam, tyre = geo.geocode("Khiam"), geo.geocode("Tyre")
    d = geodesic(khiam.point, tyre.point).km
    assert 37 < d < 41
    assert great_circle(khiam.point, tyre.point).km == pytest.approx(d, rel=0.01)


@pytest.mark.parametrize("query", ["33.335, 35.605", (33.335, 35.605), Point(33.335, 35.605), [33.335, 35.605]])
def test_reverse_accepts_geopy_inputs(geo, query):
    loc = geo.reverse(query)
    assert isinstance(loc, Location)
    assert loc.raw["id"] == "khiam"
    assert loc.raw["distance_km"] == pytest.approx(geodesic((33.335, 35.605), (33.33, 35.61)).km, abs=0.05)


def test_reverse_many_and_areas(geo):
    locs = geo.reverse("31.345, 34.305", exactly_one=False, limit=3)
    assert [l.raw["id"] for l in locs][:2] == ["khan-younis", "nasser-hospital"] or \
        [l.raw["id"] for l in locs][:2] == ["nasser-hospital", "khan-younis"]
    dists = [l.raw["distance_km"] for l in locs]
    assert dists == sorted(dists)
    assert all(l.raw["kind"] not in ("country", "region") for l in locs)
    assert geo.reverse("31.42, 34.37", kinds="region").raw["id"] == "gaza-strip"
    assert geo.reverse("0, 0", max_km=100) is None


def test_importable_from_package():
    import gazetteer

    assert gazetteer.GazetteerGeocoder is GazetteerGeocoder


# ------------------------------------------------------------------ Nominatim
class FakeNominatim:
    def __init__(self):
        self.calls = []

    def geocode(self, query, **kw):
        self.calls.append((query, kw))
        if query == "Nowhere":
            return None
        return Location(f"{query}, Lebanon", Point(33.1, 35.4), {"osm_id": 1})


def test_nominatim_off_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    fake = FakeNominatim()
    nom = CachedNominatim(cache_path=tmp_path / "c.json", geocoder=fake)
    assert not nom.enabled
    assert nom.geocode("Bint Jbeil") is None
    assert fake.calls == [] and not (tmp_path / "c.json").exists()


def test_nominatim_env_enables(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, "1")
    assert CachedNominatim(cache_path=tmp_path / "c.json", geocoder=FakeNominatim()).enabled


def test_nominatim_cache(tmp_path):
    fake = FakeNominatim()
    path = tmp_path / "cache" / "nominatim.json"
    nom = CachedNominatim(cache_path=path, enabled=True, geocoder=fake)
    loc = nom.geocode("Bint Jbeil", country_codes="lb")
    assert loc.address == "Bint Jbeil, Lebanon"
    assert nom.geocode("Nowhere") is None
    assert len(fake.calls) == 2 and fake.calls[0][1]["country_codes"] == "lb"
    # a second instance answers from the file, asking nobody
    again = CachedNominatim(cache_path=path, enabled=True, geocoder=fake)
    assert again.geocode("bint jbeil", country_codes=["LB"]).point == loc.point
    assert again.geocode("Nowhere") is None
    assert len(fake.calls) == 2
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["bint jbeil|lb"]["lat"] == 33.1 and data["nowhere|"] is None


def test_nominatim_errors_not_cached(tmp_path):
    class Broken:
        def geocode(self, query, **kw):
            raise OSError("offline")

    nom = CachedNominatim(cache_path=tmp_path / "c.json", enabled=True, geocoder=Broken())
    assert nom.geocode("Tyre") is None
    assert not (tmp_path / "c.json").exists()


def test_nominatim_real_client_is_configured_politely(monkeypatch, tmp_path):
    nom = CachedNominatim(cache_path=tmp_path / "c.json", enabled=True)
    limiter = nom._limiter()  # builds geopy's Nominatim + RateLimiter, no request made
    assert nom._geocoder.headers["User-Agent"] == USER_AGENT
    assert limiter.min_delay_seconds == 1
