"""The gazetteer: places by id, names by automaton, lookups and hierarchy."""
from __future__ import annotations

import math
from dataclasses import replace
import os
from pathlib import Path
from typing import Iterable, Protocol

from .loader import read_places
from .matcher import build_automaton
from .place import Match, Place
from .text import fold, fold_key

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
CURATED_PATH = PACKAGE_DIR / "data" / "places.csv"
BLOCKERS_PATH = PACKAGE_DIR / "data" / "not_places.txt"
USER_ENV = "INCIDENTS_USER_GAZETTEER"


def default_user_path() -> Path:
    """Where places added by users are kept (survives restarts)."""
    return Path(os.environ.get(USER_ENV) or PROJECT_DIR / "data" / "user_places.csv")


def read_blockers(path: str | Path = BLOCKERS_PATH) -> list[str]:
    """Phrases that contain a place name but are not a place, one per line (# comments)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


class Fallback(Protocol):
    """A secondary gazetteer consulted for names the curated one does not know."""

    def lookup(self, name: str) -> list[Place]: ...


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = EARTH_RADIUS_KM
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


class Context:
    """The places a report is about, with what :meth:`Gazetteer.choose` needs summed up once.

    Choosing among same-named places looks at the countries of the context and its
    centroid; a long report asks for thousands of choices against the same context, and
    summing it again each time made extraction quadratic in the report's length. Iterates,
    counts and tests true like the list of places it was made of; the sums are the same
    expressions over the same places in the same order, so the results are identical.
    """

    __slots__ = ("places", "countries", "lat", "lon")

    def __init__(self, places: Iterable[Place]):
        self.places = list(places)
        self.countries: dict[str, int] = {}
        for c in self.places:
            self.countries[c.country] = self.countries.get(c.country, 0) + 1
        n = len(self.places)
        self.lat = sum(c.lat for c in self.places) / n if n else 0.0
        self.lon = sum(c.lon for c in self.places) / n if n else 0.0

    def __iter__(self):
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)


class Gazetteer:
    """Places with their names, searchable in one pass over a text."""

    def __init__(self, places: Iterable[Place], blockers: Iterable[str] = (), fallback: Fallback | None = None):
        self.places: dict[str, Place] = {}
        for place in places:
            existing = self.places.get(place.id)
            if existing is not None and existing.origin == "curated" and place.origin != "curated":
                # a user row with a curated id adds names to that place (its point stays curated)
                known = {n.casefold() for n in existing.names}
                extra = tuple(dict.fromkeys(n for n in (place.name, *place.aliases) if n.casefold() not in known))
                self.places[place.id] = replace(existing, aliases=existing.aliases + extra)
                continue
            self.places[place.id] = place
        self.blockers = list(blockers)
        self.fallback = fallback
        self._automaton = None
        self._ancestor_cache: dict[tuple[str, str], list[Place]] = {}
        self._by_kind: dict[str, dict[str, Place]] = {}  # "country"/"capital" -> {ISO2: place}

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(
        cls,
        curated: str | Path = CURATED_PATH,
        user: str | Path | None | bool = None,
        blockers: str | Path = BLOCKERS_PATH,
        fallback: Fallback | None | bool = None,
    ) -> "Gazetteer":
        """Load the curated gazetteer plus the user's additions.

        ``fallback=True`` attaches the offline GeoNames fallback (loaded lazily).
        """
        places = read_places(curated, origin="curated")
        if user is not False:  # False: the curated places only
            user_path = default_user_path() if user is None else Path(user)
            places += read_places(user_path, origin="user")
        if fallback is True:
            from .geonames import GeoNamesFallback

            fallback = GeoNamesFallback()
        # "fallback or None" would call the fallback's __len__ and build its index at once: keep it lazy
        return cls(places, read_blockers(blockers), fallback if fallback is not None and fallback is not False else None)

    @property
    def automaton(self):
        if self._automaton is None:
            pairs = ((name, p.id) for p in self.places.values() for name in p.names)
            self._automaton = build_automaton(pairs, self.blockers)
        return self._automaton

    def names(self) -> list[str]:
        """Every folded key the automaton matches (for benchmarks and checks)."""
        return list(self.automaton._values)

    # ----------------------------------------------------------------- lookups
    def __len__(self) -> int:
        return len(self.places)

    def __contains__(self, place_id: str) -> bool:
        return place_id in self.places

    def get(self, place_id: str) -> Place | None:
        return self.places.get(place_id)

    def lookup(self, name: str) -> list[Place]:
        """Places whose name or alias is exactly ``name`` (folded), curated first."""
        ids = self.automaton.values(name)
        return sorted((self.places[i] for i in ids if i in self.places), key=self._prior)

    def search(self, query: str, limit: int = 50) -> list[Place]:
        """Places whose names contain ``query`` (folded); for the gazetteer page."""
        q = fold_key(query)
        if not q:
            return sorted(self.places.values(), key=lambda p: p.name)[:limit]
        scored = []
        for p in self.places.values():
            keys = [fold_key(n) for n in p.names]
            if any(k == q for k in keys):
                scored.append((0, p.name, p))
            elif any(k.startswith(q) for k in keys):
                scored.append((1, p.name, p))
            elif any(q in k for k in keys) or q == p.id:
                scored.append((2, p.name, p))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [p for _, _, p in scored[:limit]]

    def countries(self) -> dict[str, Place]:
        """Country places by ISO2 code."""
        return self._one_per_country("country")

    def capitals(self) -> dict[str, Place]:
        """Capital cities by ISO2 code ("the Iraqi capital" is Baghdad)."""
        return self._one_per_country("capital")

    def _one_per_country(self, kind: str) -> dict[str, Place]:
        if kind not in self._by_kind:
            self._by_kind[kind] = {p.country: p for p in self.places.values() if p.kind == kind}
        return self._by_kind[kind]

    def parent(self, place: Place) -> Place | None:
        return self.places.get(place.parent) if place.parent else None

    def ancestors(self, place: Place) -> list[Place]:
        key = (place.id, place.parent)
        if key not in self._ancestor_cache:
            self._ancestor_cache[key] = self._ancestors(place)
        return list(self._ancestor_cache[key])

    def _ancestors(self, place: Place) -> list[Place]:
        out, seen = [], {place.id}
        cur = self.parent(place)
        while cur is not None and cur.id not in seen:
            out.append(cur)
            seen.add(cur.id)
            cur = self.parent(cur)
        return out

    def contains(self, outer: Place, inner: Place) -> bool:
        """True when ``outer`` encloses ``inner`` (an ancestor, or its country)."""
        if outer.id == inner.id:
            return True
        if outer.kind == "country" and outer.country == inner.country:
            return True
        return any(a.id == outer.id for a in self.ancestors(inner))

    # ----------------------------------------------------------------- finding
    @staticmethod
    def _prior(place: Place) -> tuple:
        origin = {"user": 0, "curated": 1}.get(place.origin, 2)
        return (origin, -place.population, place.rank, place.id)

    def find(self, text: str) -> list[Match]:
        """Every gazetteer name in ``text`` with its candidate places, in order."""
        out = []
        for start, end, ids in self.automaton.scan(text):
            cands = tuple(sorted((self.places[i] for i in ids if i in self.places), key=self._prior))
            if cands:
                out.append(Match(start, end, text[start:end], cands))
        return out

    def choose(self, candidates: tuple[Place, ...] | list[Place], context: "list[Place] | Context" = ()) -> Place:
        """Pick one of several places sharing a name.

        Prefers a place in a country the context (other places of the report)
        is about, then the one nearest the context, then user/curated over
        fallback, bigger population, more specific kind.
        """
        cands = list(candidates)
        if len(cands) == 1 or not context:
            return cands[0] if len(cands) == 1 else sorted(cands, key=self._prior)[0]
        if not isinstance(context, Context):
            context = Context(context)
        countries, clat, clon = context.countries, context.lat, context.lon

        def score(p: Place) -> tuple:
            return (-countries.get(p.country, 0), round(haversine_km(p.lat, p.lon, clat, clon) / 50), *self._prior(p))

        return min(cands, key=score)

    def fold(self, text: str) -> str:
        return fold(text)
