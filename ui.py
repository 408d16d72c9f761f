"""Streamlit helpers shared by the dashboard and its pages.

* data loading cached with ``st.cache_data`` keyed by the store's path and a
  cheap version stamp (file mtime, row count, last id), so a saved or deleted
  report shows at once and nothing else reloads the table;
* the gazetteer cached with ``st.cache_resource`` (cleared after the user adds
  a place);
* the shared filters (sidebar: event type, source, place search; the date
  range slider), kept in ``st.session_state["flt"]`` across pages and mirrored
  in the URL (``st.query_params``) so a link reproduces the view.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # pages/ run with their own directory first on sys.path
    sys.path.insert(0, str(ROOT))

from incidents import views  # noqa: E402
from incidents.store import Store, default_db_path  # noqa: E402
from incidents.views import Filters  # noqa: E402

STATE = "flt"
W_TYPES, W_SOURCES, W_QUERY, W_RANGE = "w_types", "w_sources", "w_query", "w_range"
URL_KEYS = ("from", "to", "type", "source", "q", "place")


# ---------------------------------------------------------------------- store
def store_path() -> Path:
    return default_db_path()


def open_store() -> Store:
    return Store(store_path())


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


@st.cache_data(max_entries=4, show_spinner=False)
def _options(path: str, version: tuple) -> tuple[list[str], list[str]]:
    df = _load_frame(path, version)
    types = sorted(t for t in df["event_type"].unique() if t)
    sources = sorted(s for s in df["source"].unique() if s)
    return types, sources


def filter_options() -> tuple[list[str], list[str]]:
    path = store_path()
    return _options(str(path), data_version(path))


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


def get_gazetteer():
    """The curated + user gazetteer (cached; reloads when the user file changes)."""
    from gazetteer import default_user_path

    from gazetteer import Gazetteer, IncidentMapError

    user = default_user_path()
    try:
        return _gazetteer(str(user), gazetteer_stamp(user))
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
    try:
        return _samples_once(str(store_path()))
    except Exception as exc:  # samples are a convenience: never block the dashboard
        st.warning(f"Could not load the sample reports: {exc}")
        return 0


# ---------------------------------------------------------------------- filters
def _qp_list(name: str) -> list[str]:
    try:
        return [v for v in st.query_params.get_all(name) if v]
    except Exception:
        return []


def filters() -> Filters:
    """The session's filters; read from the URL the first time a session asks."""
    f = st.session_state.get(STATE)
    if f is None:
        qp = st.query_params
        f = Filters(
            start=views.parse_day(qp.get("from")),
            end=views.parse_day(qp.get("to")),
            event_types=_qp_list("type"),
            sources=_qp_list("source"),
            place_query=qp.get("q") or "",
            place_id=qp.get("place") or "",
        )
        st.session_state[STATE] = f
    return f


def select_place(place_id: str) -> None:
    filters().place_id = place_id or ""


def sidebar_filters(types: list[str], sources: list[str]) -> Filters:
    """Event type, source and place search in the sidebar; returns the updated filters."""
    f = filters()
    if W_TYPES not in st.session_state:
        st.session_state[W_TYPES] = [t for t in f.event_types if t in types]
    if W_SOURCES not in st.session_state:
        st.session_state[W_SOURCES] = [s for s in f.sources if s in sources]
    if W_QUERY not in st.session_state:
        st.session_state[W_QUERY] = f.place_query
    # options may shrink when reports are deleted: keep only known values
    st.session_state[W_TYPES] = [t for t in st.session_state[W_TYPES] if t in types]
    st.session_state[W_SOURCES] = [s for s in st.session_state[W_SOURCES] if s in sources]
    with st.sidebar:
        st.header("Filters")
        f.event_types = list(st.multiselect("Event type", types, key=W_TYPES, placeholder="All event types"))
        f.sources = list(st.multiselect("Source", sources, key=W_SOURCES, placeholder="All sources"))
        f.place_query = st.text_input("Place search", key=W_QUERY, placeholder="e.g. Rafah").strip()
    return f


def date_range(lo: date, hi: date, label: str = "Dates") -> tuple[date, date]:
    """The linked date range slider (state shared with the URL and other pages)."""
    f = filters()
    if W_RANGE not in st.session_state:
        st.session_state[W_RANGE] = views.clamp_range(
            (f.start or lo, f.end or hi), lo, hi)
    else:
        st.session_state[W_RANGE] = views.clamp_range(st.session_state[W_RANGE], lo, hi)
    if lo >= hi:
        st.caption(f"{label}: {lo.isoformat()} (all incidents are on one day)")
        rng = (lo, hi)
    else:
        rng = tuple(st.slider(label, min_value=lo, max_value=hi, key=W_RANGE, format="YYYY-MM-DD"))
    f.start, f.end = rng
    return rng  # type: ignore[return-value]


def set_range(rng: tuple[date, date]) -> None:
    """Move the slider (call before the slider is drawn in this run, or from a callback)."""
    st.session_state[W_RANGE] = tuple(rng)
    f = filters()
    f.start, f.end = rng


def sync_url(bounds: tuple[date, date] | None = None) -> None:
    """Write the filters into the URL; the full date range and empty values are left out."""
    f = filters()
    want: dict[str, str | list[str]] = {}
    if f.start and f.end and (bounds is None or (f.start, f.end) != tuple(bounds)):
        want["from"], want["to"] = f.start.isoformat(), f.end.isoformat()
    if f.event_types:
        want["type"] = list(f.event_types)
    if f.sources:
        want["source"] = list(f.sources)
    if f.place_query:
        want["q"] = f.place_query
    if f.place_id:
        want["place"] = f.place_id
    have = {}
    for k in URL_KEYS:
        vals = _qp_list(k)
        if vals:
            have[k] = vals if k in ("type", "source") else vals[0]
    if have != want:
        for k in URL_KEYS:
            if k in st.query_params and k not in want:
                del st.query_params[k]
        for k, v in want.items():
            st.query_params[k] = v


def filters_dict() -> dict:
    d = asdict(filters())
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


# ---------------------------------------------------------------------- map
LEGEND_HTML = (
    '<div style="background:rgba(255,255,255,.92);'
    'padding:6px 9px;border-radius:4px;font:12px/1.45 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
    + "".join(
        f'<div><span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
        f'background:{color};margin-right:6px;vertical-align:-1px"></span>{views.escape_label(name)}</div>'
        for name, color in [*views.EVENT_COLORS.items(), ("Other", views.OTHER_COLOR)]
    )
    + '<div style="margin-top:3px"><span style="display:inline-block;width:9px;height:9px;border-radius:50%;'
    'border:2px dashed #555;margin-right:6px;vertical-align:-1px"></span>approximate place</div>'
    '<div>size = number of incidents</div></div>'
)


class Legend(MacroElement):
    """A Leaflet control holding constant legend HTML.

    A control lives inside the map div: HTML added beside the map would make
    the iframe's document taller than the iframe, and the focus a mousedown
    gives the map then scrolls it so the click misses the marker.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var legend = L.control({position: 'bottomleft'});"
        "legend.onAdd = function () {"
        " var d = L.DomUtil.create('div', 'incident-legend'); d.innerHTML = {{ this.html|tojson }}; return d; };"
        "legend.addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, html: str):
        super().__init__()
        self._name = "Legend"
        self.html = html


def base_map(all_df) -> folium.Map:
    """The static part of the map: built fresh every run, the same for the same data.

    Only the extent of all places is used, so moving the slider or changing a
    filter never changes it (st_folium would remount the map otherwise).

    ``keyboard=False``: Leaflet's keyboard handler focuses the map on mousedown;
    when the map's iframe is partly below the fold, that focus scrolls the page
    between mousedown and mouseup and the click on a marker lands on the map
    instead (measured in Chromium). Without it a first click always selects.
    """
    lat, lon = all_df["lat"].dropna(), all_df["lon"].dropna()
    m = folium.Map(location=[31.5, 34.45], zoom_start=8, tiles="OpenStreetMap", control_scale=True,
                   keyboard=False)
    if len(lat):
        s, n, w, e = float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())
        if n - s < 0.05 and e - w < 0.05:
            s, n, w, e = s - 0.05, n + 0.05, w - 0.05, e + 0.05
        m.fit_bounds([[round(s, 3), round(w, 3)], [round(n, 3), round(e, 3)]])
    countries = basemap_countries()
    if countries:
        # country outlines under the markers: the map still shows where things are when the
        # tiles cannot load (offline); faint and not clickable when they can
        folium.GeoJson(countries, name="Countries", control=False, interactive=False, smooth_factor=1,
                       style_function=_country_style).add_to(m)
    MarkerCluster().add_to(m)  # loads the cluster plugin's JS at first mount
    Legend(LEGEND_HTML).add_to(m)
    return m


def _country_style(_feature) -> dict:
    return {"color": "#8a8a8a", "weight": 0.8, "fillColor": "#efece4", "fillOpacity": 0.25}


@st.cache_resource(show_spinner=False)
def basemap_countries() -> dict | None:
    """Country outlines of the region (Natural Earth via world-atlas; see tools/make_basemap.py)."""
    path = ROOT / "data" / "basemap" / "countries.geojson"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


CLUSTER_OPTIONS = {"maxClusterRadius": 35, "disableClusteringAtZoom": 10, "showCoverageOnHover": False,
                   "spiderfyOnMaxZoom": False}


def _js_json(value) -> str:
    """JSON for a JavaScript context: no raw < > & (nothing can close a script or start a tag)."""
    return (json.dumps(value, ensure_ascii=True, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class PlaceMarkers(MacroElement):
    """All place circles in one JSON array and one loop, inside a marker cluster group.

    One folium ``CircleMarker`` per place costs ~0.65 ms of template rendering
    and ~700 bytes of JavaScript each; this costs a few microseconds and ~150
    bytes per place. Tooltips are the escaped labels (plain text for
    st_folium's ``last_object_clicked_tooltip``).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.markerClusterGroup({{ this.options }});\n"
        "(function (group, rows) {\n"
        "  rows.forEach(function (r) {\n"
        "    var m = L.circleMarker([r.lat, r.lon], {radius: r.r, color: r.c, weight: r.w, dashArray: r.d,\n"
        "      fill: true, fillColor: r.f, fillOpacity: r.fo, opacity: r.o});\n"
        "    m.bindTooltip(r.t);\n"
        "    group.addLayer(m);\n"
        "  });\n"
        "})({{ this.get_name() }}, {{ this.rows }});\n"
        "{{ this._parent.get_name() }}.addLayer({{ this.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self, rows: list[dict], options: dict):
        super().__init__()
        self._name = "PlaceMarkers"
        self.rows = _js_json(rows)
        self.options = _js_json(options)
        self.count = len(rows)


def marker_rows(places, selected: str) -> list[dict]:
    rows = []
    for p in places.itertuples(index=False):
        color = views.event_color(p.event_type)
        approx = int(p.geo_precision) >= 2
        sel = p.place_id == selected
        rows.append({
            "id": str(p.place_id), "lat": round(float(p.lat), 5), "lon": round(float(p.lon), 5),
            "r": views.marker_radius(int(p.count)), "c": "#111" if sel else color, "w": 3 if sel else 2,
            "d": "4 4" if approx else None, "f": color, "fo": 0.12 if approx else 0.6,
            "o": 0.75 if approx else 0.95,
            "t": views.escape_label(views.place_label(p.place, int(p.count))),
        })
    return rows


def marker_layer(places, selected: str) -> folium.FeatureGroup:
    """One circle per place (sized by count, coloured by dominant type, dashed and hollow when
    approximate), clustered when zoomed out; labels escaped."""
    fg = folium.FeatureGroup(name="Incidents")
    fg.add_child(PlaceMarkers(marker_rows(places, selected), CLUSTER_OPTIONS))
    return fg
