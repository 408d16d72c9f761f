"""Incident map: the map, the linked date range, and the source-text panel; the pages' navigation.

Run with ``streamlit run dashboard.py``. The store is ``$INCIDENTS_DB`` or
``data/incidents.db``; an empty store gets the bundled sample reports.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import streamlit as st

import streamlit_folium
import ui
from incidents import views

MAP_KEY = "incident_map"
PANEL_CAP = 200  # at most this many incidents in the panel
PANEL_PAGE = 50  # shown at first; "Show more" adds as many
PLAY_SECONDS = 1.5
NAME_CHARS = 80  # longer place names are cut in the panel (the full name on demand)
RETURNED = ["last_object_clicked_tooltip", "last_object_clicked", "last_object_clicked_count"]


def handle_click(value, places) -> None:
    """Select the place a new marker click refers to (ignores replays of an old click and
    clicks on cluster bubbles, which only zoom in)."""
    if not isinstance(value, dict):
        return
    count = value.get("last_object_clicked_count")
    if not count or count == st.session_state.get("_click_count"):
        return
    st.session_state["_click_count"] = count
    pid = views.resolve_click(places, value.get("last_object_clicked_tooltip"), value.get("last_object_clicked"))
    if pid:
        ui.select_place(pid)


def _clear_selection() -> None:
    ui.select_place("")


def _step(days: int, lo: date, hi: date) -> None:
    ui.set_range(views.step_range(ui.current_range(lo, hi), lo, hi, days))


def play_controls(lo: date, hi: date) -> None:
    """◂ / ▸ step the window a day; ▶ Play advances it a day every PLAY_SECONDS."""
    if st.session_state.pop("_tick", False) and st.session_state.get("playing"):
        rng = ui.current_range(lo, hi)
        if rng[1] >= hi:
            st.session_state["playing"] = False
        else:
            ui.set_range(views.step_range(rng, lo, hi, 1))
    c1, c2, c3 = st.columns(3)
    c1.button("◂ Previous day", on_click=_step, args=(-1, lo, hi), width="stretch", disabled=lo >= hi)
    c2.button("Next day ▸", on_click=_step, args=(1, lo, hi), width="stretch", disabled=lo >= hi)
    c3.toggle("▶ Play", key="playing", on_change=_play_started, args=(lo, hi), disabled=lo >= hi,
              help="Step through the days: the window moves one day at a time.")
    if st.session_state.get("playing"):
        st.session_state["_ticker_armed"] = False  # this full run must not tick again
        _ticker()


def _play_started(lo: date, hi: date) -> None:
    """Starting play at the end rewinds the window to the first day (same width)."""
    if not st.session_state.get("playing"):
        return
    a, b = ui.current_range(lo, hi)
    if b >= hi:
        width = timedelta(0) if a <= lo else b - a  # whole range selected: play one day at a time
        ui.set_range((lo, min(hi, lo + width)))


@st.fragment(run_every=PLAY_SECONDS)
def _ticker() -> None:
    if not st.session_state.get("playing"):
        return
    if st.session_state.get("_ticker_armed"):
        st.session_state["_tick"] = True
        st.rerun()
    st.session_state["_ticker_armed"] = True  # armed in the full run; ticks on its own reruns


def place_name(pid: str, *frames: pd.DataFrame) -> str:
    """The display name of a place id: from the data, else the gazetteer; never the raw id."""
    for frame in frames:
        name = frame.loc[frame["place_id"] == pid, "place"] if len(frame) else []
        if len(name):
            return str(name.iloc[0])
    p = ui.get_gazetteer().get(pid)
    return p.name if p is not None else "the selected place"


def render_heading(label: str) -> None:
    """A place name as the panel heading: cut to NAME_CHARS (the full name on demand)."""
    short = views.shorten(label, NAME_CHARS)
    st.markdown(f"#### {views.escape_md(short)}", unsafe_allow_html=True)
    if short != " ".join(label.split()):
        with st.expander("Full name", key="full_name"):
            st.text(label)


def render_panel(store, df_all, df_range, places, selected: str) -> None:
    if selected:
        label = place_name(selected, places, df_all)
        head, btn = st.columns([3, 1])
        with head:
            render_heading(label)
        btn.button("Show all", on_click=_clear_selection, key="clear_sel", help="Clear the selected place")
        rows = df_range[df_range["place_id"] == selected]
        if rows.empty:
            st.info("No incidents at this place in the selected dates and filters.")
            return
    else:
        rows = df_range
        st.markdown("#### All incidents in range")
        st.caption("Click a marker (or Tab to it and press Enter) to read the reports behind it.")
    n = min(PANEL_CAP, max(PANEL_PAGE, int(st.session_state.get("panel_n", PANEL_PAGE))))
    shown = views.newest_first(rows, n)
    box = st.container(height=620, border=False)
    with box:
        for r in shown.itertuples(index=False):
            render_incident(store, r)
        if len(rows) > len(shown):
            if len(shown) < PANEL_CAP:
                st.button(f"Show {min(PANEL_PAGE, len(rows) - len(shown))} more", key="panel_more",
                          on_click=_more, help=f"The panel lists at most {PANEL_CAP} incidents.")
            else:
                st.caption(f"Showing the newest {PANEL_CAP} of {len(rows):,} incidents; "
                           "narrow the dates or filters to see others.")
    if len(rows) > len(shown):
        st.caption(f"Newest {len(shown)} of {len(rows):,} incidents.")


def _more() -> None:
    st.session_state["panel_n"] = min(PANEL_CAP, int(st.session_state.get("panel_n", PANEL_PAGE)) + PANEL_PAGE)


def _fmt_num(v) -> str:
    try:
        return "?" if v is None or v != v or v is pd.NA else str(int(v))
    except (TypeError, ValueError):
        return "?"


def _mentions(value) -> list[dict]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [m for m in (value or []) if isinstance(m, dict)]


def place_context(store, r) -> str | None:
    """When the excerpt does not name the incident's place, the entry's sentence that does
    (highlighted and escaped), else None."""
    names = [r.place]
    p = ui.get_gazetteer().get(r.place_id)
    if p is not None:
        names += list(p.names)
    excerpt = r.excerpt or ""
    if any(m.get("place_id") == r.place_id for m in _mentions(r.mentions)) or views.names_in(excerpt, names):
        return None
    if not (r.entry_end and r.entry_end > (r.entry_start or 0)):
        return None
    entry = store.entry_text(int(r.report_id), int(r.entry_start), int(r.entry_end))
    span = views.place_sentence(entry, names, near=max(0, int(r.start or 0) - int(r.entry_start or 0)))
    if span is None:
        return None
    sentence = entry[span[0]:span[1]]
    return views.highlight_excerpt(sentence, 0, [], None, names=names)


def render_incident(store, r) -> None:
    """One incident: a header line, the source line and the highlighted excerpt in one element."""
    with st.container(border=True):
        kind = r.event_type + (f" / {r.sub_event_type}" if r.sub_event_type else "")
        meta = " · ".join([
            f"<b>{views.escape_md(r.date or 'undated')}</b>",
            views.escape_md(views.shorten(r.place, NAME_CHARS)),
            views.escape_md(kind),
            f"fatalities {_fmt_num(r.fatalities)}",
            f"injuries {_fmt_num(r.injuries)}",
        ])
        src = f"{r.source or 'unknown source'}" + (f", published {r.published}" if r.published else "")
        excerpt = views.highlight_excerpt(r.excerpt, r.start, _mentions(r.mentions), r.place)
        where = place_context(store, r)
        where_html = (f'<div class="incident-place-sentence"><small>Where, from the same entry:</small> {where}</div>'
                      if where else "")
        st.markdown(f'<div>{meta}</div><div><small>{views.escape_md(src)}</small></div>'
                    f'<div class="incident-excerpt">{excerpt}</div>{where_html}', unsafe_allow_html=True)
        if r.entry_end and r.entry_end > (r.entry_start or 0):
            exp = st.expander("Whole entry", key=f"entry_{r.id}", on_change="rerun")
            if exp.open:
                with exp:
                    st.text(store.entry_text(int(r.report_id), int(r.entry_start), int(r.entry_end)))


def map_page() -> None:
    ui.ensure_sample_data()
    df = ui.load_incidents()
    types, sources = ui.filter_options()
    st.title("Incident map")
    f = ui.sidebar_filters(types, sources)
    tiles = ui.map_options()
    bounds = views.date_bounds(df)
    if bounds is None:
        st.info("No dated incidents yet. Add a report on the **Reports** page.")
        ui.sync_place_url()
        return
    lo, hi = bounds
    with st.container():  # the play ticker comes and goes in here: what follows keeps its place (no remount)
        play_controls(lo, hi)
    f.start, f.end = ui.date_range(lo, hi, "Dates")
    f.place_ids = ui.place_query_ids(f.place_query, df)
    in_range = views.filter_frame(df, f)
    places = views.aggregate_places(in_range)

    # a click reported since the last run (st_folium stores it under its key)
    handle_click(st.session_state.get(MAP_KEY), places)
    n_inc, n_dead = views.totals(in_range)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Incidents", f"{n_inc:,}")
    m2.metric("Fatalities", f"{n_dead:,}")
    m3.metric("Places", f"{len(places):,}")
    undated = int((df["day"] == views.UNDATED).sum())
    m4.metric("Days", f"{(f.end - f.start).days + 1}", help=f"{undated} undated incident(s) are not on the map")

    left, right = st.columns([3, 2], gap="medium")
    with left:
        value = streamlit_folium.st_folium(
            ui.base_map(df, tiles=tiles),
            key=MAP_KEY,
            height=620,
            width=None,  # the column's width
            feature_group_to_add=ui.marker_layer(places, ui.selected_place()),
            returned_objects=RETURNED,
        )
        handle_click(value, places)
        approx = int((places["geo_precision"] >= 2).sum()) if len(places) else 0
        st.caption(f"{len(places):,} places; {approx} approximate (dashed, paler). "
                   "Nearby places merge into grey bubbles when zoomed out: click one to zoom in.")
    with right:
        with ui.open_store() as store:
            render_panel(store, df, in_range, places, ui.selected_place())
    ui.sync_place_url()


def main() -> None:
    st.set_page_config(page_title="Incident map", page_icon="🗺️", layout="wide")
    nav = st.navigation([
        st.Page(map_page, title="Map", icon=":material/map:", url_path="map", default=True),
        st.Page("pages/1_Incidents.py", title="Incidents", icon=":material/table:", url_path="incidents"),
        st.Page("pages/2_Reports.py", title="Reports", icon=":material/article:", url_path="reports"),
        st.Page("pages/3_Gazetteer.py", title="Gazetteer", icon=":material/location_on:", url_path="gazetteer"),
    ])
    nav.run()


main()
