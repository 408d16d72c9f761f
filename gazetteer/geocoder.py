"""Our gazetteer behind geopy's geocoder interface, offline.

>>> from gazetteer import GazetteerGeocoder
>>> geo = GazetteerGeocoder()                       # doctest: +SKIP
>>> geo.geocode("Khiam").address                    # doctest: +SKIP
'Khiam, Lebanon'
>>> geo.reverse("33.33, 35.61").raw["id"]           # doctest: +SKIP
'khiam'

``geocode`` answers from exact (folded) names and aliases first, then the
attached fallback (GeoNames) if any, then :meth:`Gazetteer.search`
(prefix/substring). ``reverse`` returns the nearest place(s). No network is
ever used: the geopy adapter the base class creates is never called.
"""
from __future__ import annotations

from typing import Iterable

from geopy.distance import great_circle
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from .gazetteer import Gazetteer
from .place import AREA_KINDS, Place
from .text import fold_key

__all__ = ["GazetteerGeocoder", "place_location", "geo_precision"]


def geo_precision(place: Place) -> int:
    """ACLED geo-precision of an incident placed exactly at ``place``."""
    return 3 if place.kind in AREA_KINDS else 1


def _raw(place: Place) -> dict:
    return {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "country": place.country,
        "lat": place.lat,
        "lon": place.lon,
        "aliases": list(place.aliases),
        "parent": place.parent,
        "population": place.population,
        "source": place.source,
        "origin": place.origin,
        "precision": geo_precision(place),
    }


def place_location(place: Place, gazetteer: Gazetteer | None = None, **extra) -> Location:
    """A geopy :class:`Location` for ``place`` ("Name, Parent, Country")."""
    parts = [place.name]
    country = None
    if gazetteer is not None:
        parent = gazetteer.parent(place)
        if parent is not None and parent.kind != "country":
            parts.append(parent.name)
        if place.kind != "country" and place.country:
            country = gazetteer.get(place.country.lower())
            if country is None or country.kind != "country":
                country = gazetteer.countries().get(place.country)
    if country is not None:
        parts.append(country.name)
    elif place.country and place.kind != "country":
        parts.append(place.country)
    seen, address = set(), []
    for part in parts:
        if part not in seen:
            seen.add(part)
            address.append(part)
    raw = _raw(place)
    raw.update(extra)
    return Location(", ".join(address), Point(place.lat, place.lon), raw)


def _as_codes(country_codes) -> set[str] | None:
    if not country_codes:
        return None
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    return {c.strip().upper() for c in country_codes if c and c.strip()}


class GazetteerGeocoder(Geocoder):
    """geopy geocoder over the project's gazetteer (curated + user + fallback)."""

    def __init__(self, gazetteer: Gazetteer | None = None, *, search_limit: int = 10, **kwargs):
        super().__init__(**kwargs)
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
        self.search_limit = search_limit

    # ---------------------------------------------------------------- geocode
    def _candidates(self, name: str) -> list[Place]:
        gaz = self.gazetteer
        exact = gaz.lookup(name)
        if exact:
            return exact
        fallback = getattr(gaz, "fallback", None)
        if fallback is not None:
            found = fallback.lookup(name)
            if found:
                return found
        return gaz.search(name, limit=self.search_limit)

    def _qualifies(self, place: Place, qualifiers: list[str]) -> bool:
        """Does ``place`` lie in every "..., Parent, Country" part of the query?"""
        gaz = self.gazetteer
        names: set[str] = set()
        for anc in gaz.ancestors(place):
            names.update(fold_key(n) for n in anc.names)
        country = gaz.countries().get(place.country)
        if country is not None:
            names.update(fold_key(n) for n in country.names)
        if place.country:
            names.add(place.country.lower())
        return all(q in names for q in qualifiers)

    def geocode(self, query, exactly_one=True, timeout=DEFAULT_SENTINEL, *, country_codes=None, limit=None):
        """Place(s) named ``query`` as :class:`geopy.location.Location`, or ``None``.

        ``query``: a name ("Khiam"), optionally qualified ("Rafah, Egypt",
        "Khiam, Marjayoun, Lebanon"); ``country_codes``: ISO2 code(s) to
        restrict to. Exact names first, best first (user > curated, bigger,
        more specific).
        """
        if isinstance(query, dict):
            query = ", ".join(str(v) for v in query.values() if v)
        parts = [p.strip() for p in str(query).split(",") if p.strip()]
        if not parts:
            return None
        codes = _as_codes(country_codes)
        cands = self._candidates(parts[0])
        if not cands and len(parts) > 1:  # a name with a comma in it
            cands = self._candidates(", ".join(parts))
            parts = [", ".join(parts)]
        if codes is not None:
            cands = [p for p in cands if p.country in codes]
        qualifiers = [fold_key(p) for p in parts[1:]]
        if qualifiers:
            qualified = [p for p in cands if self._qualifies(p, qualifiers)]
            cands = qualified
        if not cands:
            return None
        locations = [place_location(p, self.gazetteer) for p in cands]
        if exactly_one:
            return locations[0]
        return locations[:limit] if limit else locations

    # ---------------------------------------------------------------- reverse
    @staticmethod
    def _point(query) -> Point:
        if isinstance(query, Location):
            return query.point
        if isinstance(query, Point):
            return query
        if isinstance(query, str):
            return Point(query)
        if isinstance(query, Iterable):
            lat, lon = list(query)[:2]
            return Point(float(lat), float(lon))
        raise ValueError(f"cannot read a point from {query!r}")

    def reverse(self, query, exactly_one=True, timeout=DEFAULT_SENTINEL, *, limit=5, kinds=None,
                max_km=None, include_areas=False):
        """The place(s) nearest ``query`` ("lat, lon", ``(lat, lon)``, a geopy Point).

        Areas (countries, regions, seas, districts) are skipped unless
        ``include_areas`` or ``kinds`` asks for them. ``raw["distance_km"]``
        says how far each is. ``None`` if nothing lies within ``max_km``.
        """
        point = self._point(query)
        places: Iterable[Place] = self.gazetteer.places.values()
        if kinds is not None:
            wanted = {kinds} if isinstance(kinds, str) else set(kinds)
            places = [p for p in places if p.kind in wanted]
        elif not include_areas:
            places = [p for p in places if p.kind not in AREA_KINDS]
        scored = []
        for p in places:
            d = great_circle(point, (p.lat, p.lon)).km
            if max_km is None or d <= max_km:
                scored.append((d, p.rank, p.id, p))
        if not scored:
            return None
        scored.sort(key=lambda t: t[:3])
        n = 1 if exactly_one else (limit or len(scored))
        locations = [place_location(p, self.gazetteer, distance_km=round(d, 3)) for d, _, _, p in scored[:n]]
        return locations[0] if exactly_one else locations
