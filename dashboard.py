"""Incident map: the map, the linked date range, and the source-text panel.

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
RETURNED = ["last_object_clicked_tooltip", "last_object_clicked", "last_object_clicked_count"]

def handle_click(value, places) -> None:
    """Select the place a new marker click refers to (ignores replays of an old click)."""
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
    rng = st.session_state.get(ui.W_RANGE, (lo, hi))
    ui.set_range(views.step_range(tuple(rng), lo, hi, days))


def play_controls(lo: date, hi: date) -> None:
    """◂ / ▸ step the window a day; ▶ Play advances it a day every PLAY_SECONDS."""
    if st.session_state.pop("_tick", False) and st.session_state.get("playing"):
        rng = tuple(st.session_state.get(ui.W_RANGE, (lo, hi)))
        if rng[1] >= hi:
            st.session_state["playing"] = False
        else:
            ui.set_range(views.step_range(rng, lo, hi, 1))
    c1, c2, c3 = st.columns(3)
    c1.button("◂ Previous day", on_click=_step, args=(-1, lo, hi), use_container_width=True,
              disabled=lo >= hi)
    c2.button("Next day ▸", on_click=_step, args=(1, lo, hi), use_container_width=True, disabled=lo >= hi)
    c3.toggle("▶ Play", key="playing", on_change=_play_started, args=(lo, hi), disabled=lo >= hi,
              help="Step through the days: the window moves one day at a time.")
    if st.session_state.get("playing"):
        st.session_state["_ticker_armed"] = False  # this full run must not tick again
        _ticker()


def _play_started(lo: date, hi: date) -> None:
    """Starting play at the end rewinds the window to the first day (same width)."""
    if not st.session_state.get("playing"):
        return
    a, b = tuple(st.session_state.get(ui.W_RANGE, (lo, hi)))
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


def render_panel(store, df_range, places, selected: str) -> None:
    if selected:
        name = places.loc[places["place_id"] == selected, "place"]
        label = name.iloc[0] if len(name) else selected
        rows = df_range[df_range["place_id"] == selected]
        head, btn = st.columns([3, 1])
        head.markdown(f"#### {views.escape_md(label)}", unsafe_allow_html=True)
        btn.button("Show all", on_click=_clear_selection, key="clear_sel", help="Clear the selected place")
        if rows.empty:
            st.info("No incidents at this place in the selected dates and filters.")
            return
    else:
        rows = df_range
        st.markdown("#### All incidents in range")
        st.caption("Click a marker to read the reports behind it.")
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


def render_incident(store, r) -> None:
    """One incident: a header line, the source line and the highlighted excerpt in one element."""
    with st.container(border=True):
        kind = r.event_type + (f" / {r.sub_event_type}" if r.sub_event_type else "")
        meta = " · ".join([
            f"<b>{views.escape_md(r.date or 'undated')}</b>",
            views.escape_md(r.place),
            views.escape_md(kind),
            f"fatalities {_fmt_num(r.fatalities)}",
            f"injuries {_fmt_num(r.injuries)}",
        ])
        src = f"{r.source or 'unknown source'}" + (f", published {r.published}" if r.published else "")
        mentions = r.mentions
        if isinstance(mentions, str):
            try:
                mentions = json.loads(mentions or "[]")
            except ValueError:
                mentions = []
        excerpt = views.highlight_excerpt(r.excerpt, r.start, mentions, r.place)
        st.markdown(f'<div>{meta}</div><div><small>{views.escape_md(src)}</small></div>'
                    f'<div class="incident-excerpt">{excerpt}</div>', unsafe_allow_html=True)
        if r.entry_end and r.entry_end > (r.entry_start or 0):
            exp = st.expander("Whole entry", key=f"entry_{r.id}", on_change="rerun")
            if exp.open:
                with exp:
                    st.text(store.entry_text(int(r.report_id), int(r.entry_start), int(r.entry_end)))


def main() -> None:
    st.set_page_config(page_title="Incident map", page_icon="🗺️", layout="wide")
    ui.ensure_sample_data()
    df = ui.load_incidents()
    types, sources = ui.filter_options()
    st.title("Incident map")
    f = ui.sidebar_filters(types, sources)
    bounds = views.date_bounds(df)
    if bounds is None:
        st.info("No dated incidents yet. Add a report on the **Reports** page.")
        ui.sync_url()
        return
    lo, hi = bounds
    play_controls_box = st.container()
    with play_controls_box:
        play_controls(lo, hi)
    ui.date_range(lo, hi, "Dates")
    in_range = views.filter_frame(df, f)
    places = views.aggregate_places(in_range)

    # a click reported since the last run (st_folium stores it under its key)
    handle_click(st.session_state.get(MAP_KEY), places)
    n_inc, n_dead = views.totals(in_range)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Incidents", f"{n_inc:,}")
    m2.metric("Fatalities", f"{n_dead:,}")
    m3.metric("Places", f"{len(places):,}")
    undated = int((df["date"] == "").sum())
    m4.metric("Days", f"{(f.end - f.start).days + 1}", help=f"{undated} undated incident(s) are not on the map")

    left, right = st.columns([3, 2], gap="medium")
    with left:
        value = streamlit_folium.st_folium(
            ui.base_map(df),
            key=MAP_KEY,
            height=620,
            use_container_width=True,
            feature_group_to_add=ui.marker_layer(places, f.place_id),
            returned_objects=RETURNED,
        )
        handle_click(value, places)
        approx = int((places["geo_precision"] >= 2).sum()) if len(places) else 0
        st.caption(f"{len(places):,} places; {approx} approximate (dashed, hollow). "
                   "Circles cluster when zoomed out.")
    with right:
        with ui.open_store() as store:
            render_panel(store, in_range, places, f.place_id)
    ui.sync_url(bounds)


main()
