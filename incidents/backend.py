"""What the map page and the Events page read, behind one interface (no Streamlit here).

Two implementations:

* :class:`MemoryBackend`: the SQLite store's events and accounts loaded into pandas
  (:class:`incidents.views.EventData`, reviews applied), filtered and aggregated with
  :mod:`incidents.views` — the dashboard's original path, unchanged;
* :class:`incidents.columnar.EventsBackend`: a Parquet dataset (``batch`` / ``export``) queried
  through DuckDB: filters and per-place aggregates in SQL for the selected range, excerpts read
  only for the events the panel shows, so memory does not grow with the archive.

``rejected`` (the "Show rejected" toggle) puts rejected events on the map and in the panel
(marked); they are never counted (:meth:`Backend.totals`).
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Protocol, runtime_checkable

import pandas as pd

from . import views
from .views import EventData, Filters

REJECTED = "rejected"


@dataclass(frozen=True)
class Totals:
    """The counts above the map: events, their best fatality estimates, and the accounts telling them."""

    events: int = 0
    fatalities: int = 0
    accounts: int = 0
    places: int = 0  # distinct places of the events selected (rejected ones too when shown)


@dataclass
class PanelData:
    """What the source-text panel draws from (``dashboard.render_panel``'s arguments): ``data`` holds at
    least the accounts of ``events``; ``events_all`` holds the permalinked event (when there is one);
    ``events`` the events in range (at the selected place, newest first and capped, on a dataset)."""

    data: EventData
    events_all: pd.DataFrame
    events: pd.DataFrame
    total: int | None = None  # events in range (at the place) when ``events`` holds only the newest of them


@runtime_checkable
class Backend(Protocol):
    kind: str  # "sqlite" or "parquet"
    read_only: bool  # True: no reviews, no reports added here

    def date_bounds(self, rejected: bool = False) -> tuple[date, date] | None: ...

    def undated(self, rejected: bool = False) -> int: ...

    def options(self) -> tuple[list[str], list[str]]: ...

    def place_ids(self, rejected: bool = False) -> list[str]: ...

    def places(self, f: Filters, rejected: bool = False) -> pd.DataFrame: ...

    def totals(self, f: Filters, rejected: bool = False) -> Totals: ...

    def timeline(self, f: Filters, lo: date, hi: date) -> pd.DataFrame: ...

    def panel(self, f: Filters, place_id: str, event_id: str, cap: int, rejected: bool = False) -> PanelData: ...

    def event(self, event_id: str, rejected: bool = False) -> pd.DataFrame: ...

    def extent(self) -> pd.DataFrame: ...

    def table(self, f: Filters, place_id: str, states: set[str], cap: int | None = None) -> pd.DataFrame: ...

    def table_accounts(self, events: pd.DataFrame, rejected: bool = False) -> pd.DataFrame: ...

    def table_data(self, events: pd.DataFrame, rejected: bool = False) -> EventData: ...

    def table_totals(self, f: Filters, place_id: str, states: set[str]) -> Totals: ...

    def event_place_name(self, place_id: str, rejected: bool = False) -> str: ...

    def entry_text(self, report_id: int, start: int, end: int) -> str: ...

    def open_store(self) -> AbstractContextManager: ...


def place_rejected(places: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """``places`` with a ``rejected`` column: how many of each place's events are rejected (shown only with
    "Show rejected"; a place with nothing else is drawn grey)."""
    if places.empty or "review" not in events.columns:
        return places
    rej = events.loc[events["review"] == REJECTED, "place_id"].value_counts()
    if rej.empty:
        return places
    return places.assign(rejected=places["place_id"].map(rej).fillna(0).astype(int).to_numpy())


def counted(ev: pd.DataFrame) -> pd.DataFrame:
    """The events that count (rejected ones left out)."""
    return ev[ev["review"] != REJECTED] if "review" in ev.columns else ev


def frame_totals(ev: pd.DataFrame) -> Totals:
    c = counted(ev)
    n, dead = views.event_totals(c)
    return Totals(n, dead, int(c["n_accounts"].sum()) if len(c) else 0)


class MemoryBackend:
    """The SQLite store's events in pandas. ``load(rejected)`` gives the reviewed :class:`EventData`
    (cached by the caller), ``extracted()`` the events as linked (the map's extent: a review never moves
    it), ``store()`` opens the store; ``timeline_fn``/``options_fn`` may replace the plain computations
    (the dashboard caches them)."""

    kind = "sqlite"
    read_only = False

    def __init__(self, load: Callable[[bool], EventData], extracted: Callable[[], EventData],
                 store: Callable[[], Any], *, timeline_fn: Callable | None = None,
                 options_fn: Callable | None = None, aggregate_fn: Callable | None = None):
        self._load, self._extracted, self._store = load, extracted, store
        self._timeline_fn, self._options_fn = timeline_fn, options_fn
        self._aggregate_fn = aggregate_fn  # (events in range, filters, rejected) -> per-place rows (a cache)
        self._memo: dict = {}

    def data(self, rejected: bool = False) -> EventData:
        return self._load(bool(rejected))

    def date_bounds(self, rejected: bool = False) -> tuple[date, date] | None:
        return views.date_bounds(self.data(rejected).events)

    def undated(self, rejected: bool = False) -> int:
        return int((self.data(rejected).events["day"] == views.UNDATED).sum())

    def options(self) -> tuple[list[str], list[str]]:
        if self._options_fn is not None:
            return self._options_fn()
        data = self.data(True)  # corrected types too
        types = sorted({t for t in data.events["event_type"].unique() if t}
                       | {t for t in data.accounts["event_type"].unique() if t})
        sources = sorted(s for s in data.accounts["source"].unique() if s)
        return types, sources

    def place_ids(self, rejected: bool = False) -> list[str]:
        return sorted(self.data(rejected).events["place_id"].unique())

    def in_range(self, f: Filters, rejected: bool = False) -> pd.DataFrame:
        """The events matching the filters (one filtering per filters and data: the map, the counts and the
        panel of one run share it)."""
        data = self.data(rejected)
        key = (id(data), repr(f), bool(rejected))
        hit = self._memo.get(key)
        if hit is None:
            hit = views.filter_events(data.events, f)
            self._memo.clear()
            self._memo[key] = hit
        return hit

    def places(self, f: Filters, rejected: bool = False) -> pd.DataFrame:
        ev = self.in_range(f, rejected)
        agg = self._aggregate_fn(ev, f, rejected) if self._aggregate_fn is not None else views.aggregate_places(ev)
        return place_rejected(agg, ev)

    def totals(self, f: Filters, rejected: bool = False) -> Totals:
        return frame_totals(self.in_range(f, rejected))

    def timeline(self, f: Filters, lo: date, hi: date) -> pd.DataFrame:
        if self._timeline_fn is not None:
            return self._timeline_fn(f, lo, hi)
        plain = Filters(event_types=f.event_types, sources=f.sources, place_query=f.place_query,
                        place_ids=f.place_ids)
        return views.timeline_counts(views.filter_events(self.data(False).events, plain), lo, hi)

    def panel(self, f: Filters, place_id: str, event_id: str, cap: int, rejected: bool = False) -> PanelData:
        data = self.data(rejected)
        return PanelData(data, data.events, self.in_range(f, rejected))

    def event(self, event_id: str, rejected: bool = False) -> pd.DataFrame:
        ev = self.data(rejected).events
        return ev[ev["event_id"] == event_id]

    def extent(self) -> pd.DataFrame:
        return self._extracted().events

    def table(self, f: Filters, place_id: str, states: set[str], cap: int | None = None) -> pd.DataFrame:
        from . import review

        df = self.data(REJECTED in states).events
        out = review.filter_frame(views.newest_first(views.filter_events(df, f, place_id=place_id), len(df)), states)
        return out if cap is None else out.head(cap)

    def table_data(self, events: pd.DataFrame, rejected: bool = False) -> EventData:
        return self.data(rejected)

    def table_totals(self, f: Filters, place_id: str, states: set[str]) -> Totals:
        ev = self.table(f, place_id, states)
        t = frame_totals(ev)
        return Totals(t.events, t.fatalities, t.accounts, int(ev["place_id"].nunique()))

    def event_place_name(self, place_id: str, rejected: bool = False) -> str:
        df = self.data(rejected).events
        name = df.loc[df["place_id"] == place_id, "place"]
        return str(name.iloc[0]) if len(name) else ""

    def table_accounts(self, events: pd.DataFrame, rejected: bool = False) -> pd.DataFrame:
        return views.accounts_in(self.data(rejected), events)

    def entry_text(self, report_id: int, start: int, end: int) -> str:
        with self._store() as s:
            return s.entry_text(report_id, start, end)

    def open_store(self) -> AbstractContextManager:
        return self._store()


def shared(obj: Any) -> AbstractContextManager:
    """A context manager that hands out ``obj`` and does not close it (a cached connection)."""
    return nullcontext(obj)
