"""Streamlit helpers shared by the dashboard and its pages.

* data loading cached with ``st.cache_data`` keyed by the store's path and a
  cheap version stamp (file mtime, row count, last id), so a saved or deleted
  report shows at once and nothing else reloads the table;
* the gazetteer cached with ``st.cache_resource`` (cleared after the user adds
  a place);
* the shared filters (sidebar: event type, source, place search; the date
  range slider): widgets bound to the URL by Streamlit itself
  (``bind="query-params"``: ``?type=…&source=…&q=…&dates=…&dates=…``) and kept
  across pages (``persist_state="session"``); only the selected place is put in
  the URL by hand (``?place=…``);
* the maps (``incidents.maps``) with their files served by the app itself.
"""
from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import folium
import pandas as pd
import streamlit as st

from incidents import maps, review, views
from incidents.store import Store, default_db_path, in_chunks
from incidents.views import Filters

# widget keys; the bound ones are also their URL parameters
W_TYPES, W_SOURCES, W_QUERY, W_RANGE, W_TILES = "type", "source", "q", "dates", "tiles"
PLACE_PARAM, PLACE_STATE = "place", "_place"
EVENT_PARAM, EVENT_STATE = "event", "_event"
W_FROM, W_TO, W_SIZE, W_HEAT = "date_from", "date_to", "size_by", "heat"
W_REJECTED = "show_rejected"
SIZE_CHOICES = {"events": "count", "fatalities": "fatalities"}


# ---------------------------------------------------------------------- store
def store_path() -> Path:
    return default_db_path()


def is_dataset(path: Path | None = None) -> bool:
    """``INCIDENTS_DB`` names a folder: a Parquet dataset (``batch`` / ``export``), read through DuckDB."""
    return (path or store_path()).is_dir()


DATASET_READ_ONLY = ("This is a Parquet dataset (read-only here): add reports with `python -m incidents batch`, "
                     "or export a store with `python -m incidents export`.")


def open_store():
    """The SQLite store; on a Parquet dataset the backend's read-only view of it (entry texts, incident rows)."""
    if is_dataset():
        return get_backend().open_store()
    return Store(store_path())


def dataset_version(root: Path) -> tuple:
    """A cheap stamp of a dataset (``Dataset.stamp``: the commit stamp every batch or export run rewrites)."""
    from incidents.parquet import Dataset

    return Dataset(Path(root)).stamp()


@st.cache_resource(max_entries=2, show_spinner=False)
def _events_backend(path: str, version: tuple):
    from incidents.columnar import EventsBackend

    return EventsBackend(path)


def sqlite_backend():
    """The store's events in memory (``incidents.backend.MemoryBackend``), through this module's cached loaders."""
    from incidents.backend import MemoryBackend

    return MemoryBackend(lambda rejected: load_reviewed_data(rejected), load_event_data, open_store,
                         timeline_fn=timeline_counts, options_fn=filter_options, aggregate_fn=places_in_range)


def get_backend():
    """What the map and the Events page read: a Parquet dataset folder through DuckDB (shared, cached per
    dataset version), else the SQLite store in memory."""
    path = store_path()
    if is_dataset(path):
        return _events_backend(str(path), dataset_version(path))
    return sqlite_backend()


def data_version(path: Path) -> tuple:
    """A cheap stamp that changes whenever the store does: the database file's (and its
    journal's) modification time and size. Every committed ingest or delete rewrites the
    file, so no query is needed on each rerun."""
    stamp = []
    for p in (Path(path), Path(str(path) + "-wal"), Path(str(path) + "-journal")):
        try:
            st_ = os.stat(p)
            stamp += [st_.st_mtime_ns, st_.st_size]
        except OSError:
            stamp += [0, 0]
    return tuple(stamp)


# cache_resource, not cache_data: the frame (tens of MB at 100k incidents) is shared, not
# unpickled on every rerun. Nothing mutates it: views.filter_frame returns new frames.
@st.cache_resource(max_entries=4, show_spinner=False)
def _load_frame(path: str, version: tuple) -> pd.DataFrame:
    with Store(path) as s:
        return views.load_frame(s.conn)


def load_incidents() -> pd.DataFrame:
    path = store_path()
    if not path.exists():
        Store(path).close()  # an empty store with its tables
    return _load_frame(str(path), data_version(path))


@st.cache_resource(max_entries=4, show_spinner=False)
def _linked(path: str, version: tuple) -> int:
    """Relink the store's stale events once per data version (ingest links as it saves; a store
    written otherwise is linked here). Returns how many place cells were relinked."""
    with Store(path) as s:
        if not s.stale_places():
            return 0
        return s.relink(get_gazetteer())


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_event_data(path: str, version: tuple) -> views.EventData:
    with Store(path) as s:
        return views.event_data(views.load_events(s.conn), views.load_accounts(s.conn))


def _empty_event_data() -> views.EventData:
    events = views.normalise_events(pd.DataFrame(columns=list(views.EVENT_FRAME_COLUMNS)))
    accounts = views.normalise_frame(pd.DataFrame(columns=list(views.FRAME_COLUMNS)))
    for c in ("event_id", "report_title", "report_url"):
        accounts[c] = pd.Series(dtype=object)
    return views.event_data(events, accounts)


def load_event_data() -> views.EventData:
    """The events and their accounts, loaded once per data version (shared, never mutated). A Parquet
    dataset is never loaded whole: empty frames (read it through :func:`get_backend`)."""
    path = store_path()
    if is_dataset(path):
        return _empty_event_data()
    if not path.exists():
        Store(path).close()
    try:
        _linked(str(path), data_version(path))
    except Exception as exc:  # a store that cannot be written is still read as it is
        st.warning(f"Could not link the incidents into events: {views.md_text(exc)}")
    return _load_event_data(str(path), data_version(path))


@st.cache_resource(max_entries=8, show_spinner=False)
def _reviewed_data(path: str, version: tuple, include_rejected: bool) -> views.EventData:
    """The events and accounts with the analysts' reviews applied (``incidents.review``): accounts carry
    ``review``/``review_note``/``review_who``/``review_at`` and their corrected values; each event with a
    reviewed account is summarised again from its reviewed accounts (``review.apply_events``) and carries
    its ``review`` state. Rejected accounts and all-rejected events are left out unless
    ``include_rejected``. A review writes to the store, so the data version (and this cache) moves with it."""
    data = _load_event_data(path, version)
    with Store(path) as s:
        res = review.load(s)
        accounts = review.apply_frame(data.accounts, res, include_rejected=include_rejected)
        events = data.events.assign(review=review.ReviewState.MACHINE.value)
        if not res.by_incident:
            return views.event_data(events, accounts)
        reviewed = set(res.by_incident)
        touched = [bool(reviewed.intersection(views.parse_ids(ids))) for ids in events["incident_ids"]]
        touched_ids = events.loc[touched, "event_id"].tolist()
        linked = []
        for marks, chunk in in_chunks(touched_ids):
            linked += s.events(get_gazetteer(), f"event_id IN ({marks})", chunk, with_why=True)
        originals = {ev.event_id: ev for ev in linked}
        rows = []
        for ev in review.apply_events(linked, s, get_gazetteer(), include_rejected=True, reviews=res):
            state = review.event_state(originals[ev.event_id], res).value
            if state == review.ReviewState.REJECTED.value and not include_rejected:
                continue
            d = {c: getattr(ev, c, None) for c in views.EVENT_FRAME_COLUMNS}
            d["sources"] = json.dumps(list(ev.sources), ensure_ascii=False)
            # with the rejected shown, the event lists them too (marked); its counts stay those of the kept
            ids = originals[ev.event_id].incident_ids if include_rejected else ev.incident_ids
            d["incident_ids"] = ",".join(map(str, ids))
            d["review"] = state
            rows.append(d)
    redone = views.normalise_events(pd.DataFrame(rows, columns=[*views.EVENT_FRAME_COLUMNS, "review"]))
    kept = events[~pd.Series(touched, index=events.index)]
    out = pd.concat([kept, redone[kept.columns]], ignore_index=True) if len(redone) else kept.reset_index(drop=True)
    return views.event_data(views.recode(out), accounts)  # codes of one frame


def show_rejected() -> bool:
    """The sidebar's "Show rejected" toggle: rejected accounts and events on the map and in the panel
    (marked), not counted."""
    return _sidebar_toggle("Show rejected", W_REJECTED,
                           "Accounts an analyst rejected as false positives are hidden from the map and the "
                           "counts; on, they are shown (marked) but still not counted.")


def load_reviewed_data(include_rejected: bool | None = None) -> views.EventData:
    """:func:`load_event_data` with the reviews applied (cached per data version); ``include_rejected``
    defaults to the "Show rejected" toggle."""
    load_event_data()
    if include_rejected is None:
        include_rejected = bool(st.session_state.get(W_REJECTED, False))
    path = store_path()
    if is_dataset(path):
        return _empty_event_data()
    return _reviewed_data(str(path), data_version(path), bool(include_rejected))


def counted(ev: pd.DataFrame) -> pd.DataFrame:
    """The events that count (rejected ones left out)."""
    return ev[ev["review"] != review.ReviewState.REJECTED.value] if "review" in ev.columns else ev


@st.cache_data(max_entries=32, show_spinner=False)
def _timeline(path: str, version: tuple, types: tuple, sources: tuple, query: str, place_ids: tuple,
              lo: date, hi: date) -> pd.DataFrame:
    data = _reviewed_data(path, version, False)
    f = Filters(event_types=list(types), sources=list(sources), place_query=query, place_ids=frozenset(place_ids))
    return views.timeline_counts(views.filter_events(data.events, f), lo, hi)


def timeline_counts(f: Filters, lo: date, hi: date) -> pd.DataFrame:
    """Events per day and type for the filters other than the dates (cached: a slider move, a click or a
    play step reuses it; only the shaded range moves)."""
    path = store_path()
    if is_dataset(path):
        return get_backend().timeline(f, lo, hi)
    return _timeline(str(path), data_version(path), tuple(f.event_types), tuple(f.sources), f.place_query,
                     tuple(sorted(f.place_ids)), lo, hi)


class _IdentityMemo:
    """Values computed from an object, found again by that very object (its id, checked by identity: no
    hashing of a frame) and the other arguments; the oldest dropped past ``cap``. A plain dict shared by every
    session (here, not in dashboard.py: the script's own globals are made afresh on every run)."""

    def __init__(self, cap: int):
        self.cap = cap
        self._memo: dict = {}

    def get(self, obj: object, *args):
        hit = self._memo.get((id(obj), *args))
        return hit[1] if hit is not None and hit[0] is obj else None

    def put(self, obj: object, *args, value):
        if len(self._memo) >= self.cap:
            self._memo.pop(next(iter(self._memo)))
        self._memo[(id(obj), *args)] = (obj, value)
        return value


_BARS_MEMO = _IdentityMemo(16)  # (daily counts, lo, hi) -> (unit, bars, empty days)


def timeline_bars(counts: pd.DataFrame, lo: date, hi: date) -> tuple[str, pd.DataFrame, int]:
    """(unit, bars, days without events) of the daily counts over ``lo``..``hi``: the days themselves up to
    ``views.TIMELINE_MAX_BARS`` days, else weeks or months (``views.timeline_buckets``). Memoised on the
    counts object (the backends keep one per filters), so a slider move does not bucket again."""
    hit = _BARS_MEMO.get(counts, lo, hi)
    if hit is not None:
        return hit
    unit = views.timeline_unit(lo, hi)
    bars = counts if unit == "day" else views.timeline_buckets(counts, lo, hi, unit)
    empty = (hi - lo).days + 1 - counts["date"].nunique() if len(counts) else (hi - lo).days + 1
    return _BARS_MEMO.put(counts, lo, hi, value=(unit, bars, empty))


@st.cache_data(max_entries=4, show_spinner=False)
def _options(path: str, version: tuple) -> tuple[list[str], list[str]]:
    data = _reviewed_data(path, version, True)  # corrected types too
    types = sorted({t for t in data.events["event_type"].unique() if t}
                   | {t for t in data.accounts["event_type"].unique() if t})
    sources = sorted(s for s in data.accounts["source"].unique() if s)
    return types, sources


_OPTIONS_MEMO: dict = {}  # (dataset, version) -> its options: a plain dict, shared by every session


def filter_options() -> tuple[list[str], list[str]]:
    """Event types and outlets for the sidebar filters (of the events and their accounts)."""
    path = store_path()
    if is_dataset(path):
        key = (str(path), dataset_version(path))
        hit = _OPTIONS_MEMO.get(key)
        if hit is None:  # st.cache_data's hit costs ~15 ms (hashing, unpickling) on every rerun
            hit = _dataset_options(*key)
            _OPTIONS_MEMO.clear()
            _OPTIONS_MEMO[key] = hit
        return hit
    load_event_data()
    return _options(str(path), data_version(path))


@st.cache_data(max_entries=4, show_spinner=False)
def _dataset_options(path: str, version: tuple) -> tuple[list[str], list[str]]:
    return _events_backend(path, version).options()


# ---------------------------------------------------------------------- gazetteer
@st.cache_resource(show_spinner=False)
def _gazetteer(user_path: str, stamp: float):
    from gazetteer import CURATED_PATH, Gazetteer
    from gazetteer.loader import read_places

    if not Path(CURATED_PATH).exists():  # a checkout without curated data: the user's places only
        return Gazetteer(read_places(user_path, origin="user"))
    # GeoNames for towns we lack, loaded lazily; user_path "" = the curated places only
    return Gazetteer.load(user=user_path or False, fallback=True)


def gazetteer_stamp(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


_GAZ_MEMO: dict = {}  # (user file, its mtime) -> the gazetteer _gazetteer returned; shared by all sessions


def get_gazetteer():
    """The curated + user gazetteer (cached; reloads when the user file changes)."""
    from gazetteer import default_user_path

    from gazetteer import Gazetteer, IncidentMapError

    user = default_user_path()
    key = (str(user), gazetteer_stamp(user))
    hit = _GAZ_MEMO.get(key)
    if hit is not None:  # the panel asks once per account: skip st.cache_resource's per-call bookkeeping
        return hit
    try:
        gaz = _gazetteer(*key)
        _GAZ_MEMO.clear()
        _GAZ_MEMO[key] = gaz
        return gaz
    except IncidentMapError as exc:
        # a bad row in the user's file must not take the curated places with it
        st.error(f"Your places file could not be read, so only the curated gazetteer is used until it is "
                 f"fixed (nothing in it was changed): {exc}")
        try:
            return _gazetteer("", 0.0)
        except IncidentMapError as exc2:
            st.error(f"The gazetteer could not be loaded: {exc2}")
            return Gazetteer([])


def clear_gazetteer() -> None:
    _GAZ_MEMO.clear()
    _gazetteer.clear()


@st.cache_resource(show_spinner=False)
def _samples_once(path: str) -> int:
    """Load the bundled sample reports into an empty store, once per server and store."""
    try:
        from incidents.samples import ensure_samples
    except ImportError:
        return 0
    with Store(path) as s:
        if s.count("reports"):
            return 0
        return ensure_samples(s, get_gazetteer())


def ensure_sample_data() -> int:
    if is_dataset():
        return 0  # a dataset is read-only here
    try:
        return _samples_once(str(store_path()))
    except Exception as exc:  # samples are a convenience: never block the dashboard
        st.warning(f"Could not load the sample reports: {exc}")
        return 0


# ---------------------------------------------------------------------- filters
def selected_place() -> str:
    """The place selected on the map (read from the URL the first time a session asks)."""
    if PLACE_STATE not in st.session_state:
        st.session_state[PLACE_STATE] = (st.query_params.get(PLACE_PARAM) or "").strip()
    return st.session_state[PLACE_STATE]


def select_place(place_id: str) -> None:
    st.session_state[PLACE_STATE] = place_id or ""
    st.session_state[EVENT_STATE] = ""  # a place chosen on the map replaces a selected event


def selected_event() -> str:
    """The event opened by a permalink (``?event=ID``), read from the URL the first time a session asks."""
    if EVENT_STATE not in st.session_state:
        st.session_state[EVENT_STATE] = (st.query_params.get(EVENT_PARAM) or "").strip()[:100]
    return st.session_state[EVENT_STATE]


def select_event(event_id: str) -> None:
    st.session_state[EVENT_STATE] = event_id or ""


def sidebar_filters(types: list[str], sources: list[str]) -> Filters:
    """Event type, source and place search in the sidebar (bound to the URL); the filters so far."""
    # options may shrink when reports are deleted: keep only known values
    for key, known in ((W_TYPES, types), (W_SOURCES, sources)):
        if key in st.session_state:
            kept = [v for v in st.session_state[key] if v in known]
            if kept != list(st.session_state[key]):
                st.session_state[key] = kept
    _carry(W_TYPES, W_SOURCES, W_QUERY)
    with st.sidebar:
        st.header("Filters")
        event_types = st.multiselect("Event type", types, key=W_TYPES, placeholder="All event types",
                                     bind="query-params", persist_state="session")
        srcs = st.multiselect("Source", sources, key=W_SOURCES, placeholder="All sources",
                              bind="query-params", persist_state="session")
        query = st.text_input("Place search", key=W_QUERY, placeholder="e.g. Rafah, Khan Yunis, Gaza",
                              help="A place's name or alias, or an area: 'Gaza' finds the places inside the Strip.",
                              bind="query-params", persist_state="session")
    return Filters(event_types=list(event_types), sources=list(srcs), place_query=(query or "").strip(),
                   place_id=selected_place())


def _sidebar_toggle(label: str, key: str, help: str) -> bool:
    """A sidebar toggle whose state is kept across pages for the session."""
    _carry(key)
    with st.sidebar:
        return bool(st.toggle(label, key=key, persist_state="session", help=help))


def _carry(*keys: str) -> None:
    """Keep these widgets' values when another page draws them: on its first run there Streamlit
    would reset a widget to its default (even with persist_state="session"); a value written
    through the Session State API before the widget is drawn is the one it takes."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


@st.cache_data(max_entries=64, show_spinner=False)
def _place_query_ids(query: str, place_ids: tuple[str, ...], gaz_key: tuple, _gaz) -> frozenset:
    return views.place_matches(query, _gaz, place_ids)


def place_query_ids(query: str, df) -> frozenset:
    """The places of ``df`` (a frame with ``place_id``, or the place ids themselves) a place search finds
    through the gazetteer (aliases, places inside areas)."""
    if not (query or "").strip() or len(df) == 0:
        return frozenset()
    from gazetteer import default_user_path

    user = default_user_path()
    ids = tuple(sorted(df["place_id"].unique())) if isinstance(df, pd.DataFrame) else tuple(sorted(df))
    return _place_query_ids(query.strip(), ids, (str(user), gazetteer_stamp(user)), get_gazetteer())


def map_options() -> bool:
    """The sidebar's map option: OpenStreetMap tiles (online only; off, nothing is requested)."""
    return _sidebar_toggle("Online map tiles (OpenStreetMap)", W_TILES,
                           "Off: the offline base map (land, sea, borders, governorates, cities). "
                           "On: OpenStreetMap's tiles, which need a network.")


def _legacy_range(lo: date, hi: date) -> tuple[date, date] | None:
    """``?from=…&to=…`` links made before the slider was bound to ``?dates=``."""
    a, b = views.parse_day(st.query_params.get("from")), views.parse_day(st.query_params.get("to"))
    if not (a or b):
        return None
    for k in ("from", "to"):
        if k in st.query_params:
            del st.query_params[k]
    return views.clamp_range((a or lo, b or hi), lo, hi)


def date_range(lo: date, hi: date, label: str = "Dates") -> tuple[date, date]:
    """The linked date range slider (bound to the URL, shared with the other pages)."""
    if W_RANGE not in st.session_state and W_RANGE not in st.query_params:
        legacy = _legacy_range(lo, hi)
        if legacy:
            st.session_state[W_RANGE] = legacy
    if W_RANGE in st.session_state:
        st.session_state[W_RANGE] = views.clamp_range(st.session_state[W_RANGE], lo, hi)
    if lo >= hi:
        st.caption(f"{label}: {lo.isoformat()} (all incidents are on one day)")
        return lo, hi
    rng = st.slider(label, min_value=lo, max_value=hi, value=(lo, hi), key=W_RANGE, format="YYYY-MM-DD",
                    step=timedelta(days=1), bind="query-params", persist_state="session")
    return views.clamp_range(rng, lo, hi)


def current_range(lo: date, hi: date) -> tuple[date, date]:
    return views.clamp_range(st.session_state.get(W_RANGE, (lo, hi)), lo, hi)


def set_range(rng: tuple[date, date]) -> None:
    """Move the slider (call before the slider is drawn in this run, or from a callback; on a session's
    first run a range in the URL wins)."""
    st.session_state[W_RANGE] = tuple(rng)


def requested_range(lo: date, hi: date) -> tuple[date, date]:
    """The range this run will show: the slider's, else the one the URL asks for, else everything."""
    if W_RANGE in st.session_state:
        return current_range(lo, hi)
    asked = [views.parse_day(v) for v in st.query_params.get_all(W_RANGE)]
    if len(asked) == 2 and all(asked):
        return views.clamp_range(asked, lo, hi)
    return lo, hi


def sync_place_url() -> None:
    """Put the selected place (and event) in the URL (the bound widgets keep their own parameters)."""
    for param, value in ((PLACE_PARAM, selected_place()),
                         (EVENT_PARAM, st.session_state.get(EVENT_STATE, st.query_params.get(EVENT_PARAM) or ""))):
        have = st.query_params.get(param) or ""
        if value and have != value:
            st.query_params[param] = value
        elif not value and param in st.query_params:
            del st.query_params[param]


def _from_inputs() -> None:
    """The exact-date inputs moved: the slider follows (the callback runs before the slider is drawn)."""
    a, b = st.session_state.get(W_FROM), st.session_state.get(W_TO)
    if a and b:
        st.session_state[W_RANGE] = (a, b) if a <= b else (b, a)


def date_inputs(lo: date, hi: date, rng: tuple[date, date], cols) -> None:
    """"From" and "To" date inputs for an exact range, linked both ways with the slider."""
    st.session_state[W_FROM], st.session_state[W_TO] = rng  # follow the slider
    kw = dict(min_value=lo, max_value=hi, format="YYYY-MM-DD", on_change=_from_inputs)
    cols[0].date_input("From", key=W_FROM, help="The first day of the range (the slider follows).", **kw)
    cols[1].date_input("To", key=W_TO, help="The last day of the range (the slider follows).", **kw)


def map_view() -> tuple[str, bool]:
    """The sidebar's view options: what sizes the circles ("count" or "fatalities") and the heat map."""
    _carry(W_SIZE, W_HEAT)
    with st.sidebar:
        size = st.radio("Circle size", list(SIZE_CHOICES), key=W_SIZE, horizontal=True,
                        format_func=lambda k: f"by {k}", persist_state="session",
                        help="Circles sized by the number of events at a place, or by their fatalities.")
        heat = st.toggle("Heat map", key=W_HEAT, persist_state="session",
                         help="A heat map of the events (weighted as the circles are) instead of circles.")
    return SIZE_CHOICES.get(size or "events", "count"), bool(heat)


# ---------------------------------------------------------------------- fetching
FETCH_MAX_BYTES = 5_000_000
FETCH_LIMIT_TEXT = "5 MB"
# Options for incidents.fetch.fetch. Empty here: the private-address guard stays on for the web page.
# Only tests change this (to fetch from their own server on 127.0.0.1); no setting a user can reach does.
FETCH_OPTIONS: dict = {}


FETCH_SECONDS = 30.0  # fetching (its own 10 s network deadline) and reading the page, in a worker


def fetch_report(url: str):
    """The page at ``url`` read as a Report keeping its URL (incidents.fetch: polite, public addresses only).
    The fetch and the reading of the page run in a worker process (incidents.budget.fetch_within), never on
    the script thread: a slow site or a huge page cannot stall other sessions. Over FETCH_SECONDS it is
    stopped: BudgetExceeded (an IncidentMapError) says so in one line."""
    from incidents import budget

    return budget.fetch_within(url, FETCH_SECONDS, max_bytes=FETCH_MAX_BYTES, **FETCH_OPTIONS)


# ---------------------------------------------------------------------- map
def static_url() -> str:
    """Where Streamlit serves ``static/`` (``server.enableStaticServing``), under any base URL path."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/" if base else "/app/static/"


@st.cache_resource(show_spinner=False)
def _labels(stamp: float) -> list[list]:
    from gazetteer import Gazetteer

    try:
        return maps.city_labels(Gazetteer.load(user=False).places.values())
    except Exception:  # labels are decoration: never block the map
        return []


def map_labels() -> list[list]:
    """City, capital and camp labels from the curated gazetteer (cached)."""
    from gazetteer import CURATED_PATH

    return _labels(gazetteer_stamp(Path(CURATED_PATH)))


def base_map(points: pd.DataFrame, *, tiles: bool | None = None, cluster: bool = True,
             heat: bool = False) -> folium.Map:
    """The static part of a map over ``points`` (columns lat, lon; only their extent is used).

    Built fresh every run and the same for the same data, so moving the slider or changing a
    filter never changes it (st_folium would remount the map otherwise).
    """
    if tiles is None:
        tiles = bool(st.session_state.get(W_TILES, False))
    return maps.base_map(points["lat"].dropna().tolist(), points["lon"].dropna().tolist(), static_url(),
                         labels=map_labels(), tiles=tiles, cluster=cluster, heat=heat)


def places_in_range(in_range: pd.DataFrame, f: Filters, rejected: bool) -> pd.DataFrame:
    """``views.aggregate_places(in_range)``, computed once per (data version, "Show rejected", filters, dates)
    and shared by every session: a click, a play step, a rerun or another session on the same view reuses it.
    ``in_range`` must be the events of ``load_reviewed_data(rejected)`` in ``f`` (the memory backend's)."""
    path = store_path()
    key = (data_version(path), bool(rejected), f.start, f.end, tuple(f.event_types),
           tuple(f.sources), f.place_query, tuple(sorted(f.place_ids)), len(in_range))
    return _places_in_range(str(path), key, in_range)


# cache_resource, not cache_data: the same frame object for the same view (nothing mutates it), so the
# marker rows built from it are found by identity (_marker_rows_json), without hashing the frame
@st.cache_resource(max_entries=64, show_spinner=False)
def _places_in_range(path: str, key: tuple, _in_range: pd.DataFrame) -> pd.DataFrame:
    return views.aggregate_places(_in_range)


_ROWS_MEMO = _IdentityMemo(64)  # (places, selected, noun, size) -> (rows JSON, count)


def _marker_rows_json(places: pd.DataFrame, selected: str, noun: str, size_by: str) -> tuple[str, int]:
    """The markers' rows as the JavaScript array PlaceMarkers draws, built once per places frame (the backends
    hand the same frame to every run and session on the same view; a new view has new places anyway, so
    hashing the frame's content, ~10-25 ms for 2,000 places, would buy nothing)."""
    hit = _ROWS_MEMO.get(places, selected, noun, size_by)
    if hit is not None:
        return hit
    rows = maps.marker_rows(places, selected, noun, size_by)
    return _ROWS_MEMO.put(places, selected, noun, size_by, value=(maps._js_json(rows), len(rows)))


def marker_layer(places: pd.DataFrame, selected: str, noun: str = "incident",
                 size_by: str = "count") -> folium.FeatureGroup:
    """``maps.marker_layer`` with its rows built once per (places, selection, noun, size) across sessions."""
    rows_json, n = _marker_rows_json(places, selected or "", noun, size_by)
    markers = maps.PlaceMarkers([], maps.CLUSTER_OPTIONS, cluster=True)
    markers.rows, markers.count = rows_json, n
    fg = folium.FeatureGroup(name="Incidents")
    fg.add_child(markers)
    return fg


def heat_layer(places: pd.DataFrame, weight: str = "count") -> folium.FeatureGroup:
    return maps.heat_layer(places, static_url(), weight)
