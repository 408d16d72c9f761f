"""The filter cases both read paths are compared on (tests/test_columnar.py: the incidents through DuckDB
against views' pandas functions; tests/test_backend.py: the two dashboard backends): one list, shared."""
from __future__ import annotations

from datetime import date

from incidents.views import Filters

YEAR = dict(start=date(2024, 1, 1), end=date(2024, 12, 31))

FILTERS = [
    Filters(),
    Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)),
    Filters(start=date(2024, 1, 25), end=date(2024, 3, 10), event_types=["Battles", "Protests"]),
    Filters(start=date(2024, 2, 7), end=date(2024, 2, 7)),
    Filters(**YEAR, sources=["AP", "Reuters"]),
    Filters(**YEAR, place_query="ra"),
    Filters(**YEAR, place_query="KHAN"),
    Filters(**YEAR, place_query="tyre"),
    Filters(**YEAR, place_query="tyre", place_ids=frozenset({"khiam"})),  # what the gazetteer adds to a search
    Filters(**YEAR, place_query="nowhere"),
    Filters(start=date(2025, 1, 1), end=date(2025, 2, 1)),
    Filters(end=date(2024, 2, 10)),
]
