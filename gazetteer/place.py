"""Value types of the gazetteer: a place and its kinds."""
from __future__ import annotations

from dataclasses import dataclass, field

# How specific a kind of place is: lower is more specific. Used to pick the most
# specific place an incident is tied to and to set ACLED geo-precision.
KIND_RANK = {
    "hospital": 0,
    "landmark": 0,
    "base": 0,
    "junction": 0,
    "crossing": 1,
    "neighbourhood": 1,
    "camp": 1,
    "settlement": 2,
    "village": 2,
    "town": 2,
    "city": 2,
    "capital": 2,
    "island": 2,
    "port": 1,
    "district": 3,
    "corridor": 3,
    "governorate": 4,
    "region": 4,
    "sea": 5,
    "country": 6,
}
KINDS = frozenset(KIND_RANK)
# Kinds whose point stands for an area: an incident placed only there gets geo_precision 3.
AREA_KINDS = frozenset({"district", "governorate", "region", "sea", "country", "corridor"})
# Kinds of places people live in: each is a place of its own, however close another lies.
SETTLEMENT_KINDS = frozenset({"village", "town", "city", "capital", "camp", "settlement"})


@dataclass(frozen=True)
class Place:
    """One gazetteer entry."""

    id: str
    name: str
    kind: str
    country: str  # ISO 3166-1 alpha-2, upper case ("PS", "LB"); "" for seas
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    parent: str = ""
    population: int = 0
    source: str = ""
    origin: str = "curated"  # which gazetteer resolved it: curated, user, geonames

    @property
    def rank(self) -> int:
        return KIND_RANK.get(self.kind, 3)

    @property
    def is_area(self) -> bool:
        return self.kind in AREA_KINDS

    @property
    def is_settlement(self) -> bool:
        return self.kind in SETTLEMENT_KINDS

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Match:
    """A span of text that matched a gazetteer name (before disambiguation)."""

    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...] = field(default_factory=tuple)
