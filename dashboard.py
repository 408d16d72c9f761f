"""Incident map: the map, the linked date range, and the source-text panel; the pages' navigation.

Run with ``streamlit run dashboard.py``. The store is ``$INCIDENTS_DB`` or
``data/incidents.db``; an empty store gets the bundled sample reports.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import streamlit as st

import streamlit_folium
import ui
import ui_review
from incidents import views

MAP_KEY = "incident_map"
PANEL_CAP = 200  # at most this many incidents in the panel
PANEL_PAGE = 50  # shown at first; "Show more" adds as many
PLAY_SECONDS = 1.5
NAME_CHARS = 80  # longer place names are cut in the panel (the full name on demand)
EVENT_PARAM = "event"
TIMELINE_KEY, TIMELINE_PARAM = "timeline", "span"
REVIEW_BADGES = {"confirmed": "✓ confirmed", "corrected": "✎ corrected", "rejected": "✗ rejected"}
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
    ui.select_event("")


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


def render_panel(store, data, df_all, df_range, places, selected: str, event_id: str = "",
                 total: int | None = None, backend=None) -> None:
    """The events at the selected place (or the selected event, or all in range), newest first, each
    with its accounts beneath it. ``total``: how many events the panel's rows stand for when ``df_range``
    holds only the newest of them (a dataset); ``backend``: where a permalinked event not shown is looked
    for among the rejected ones (default: the store's events as linked)."""
    if event_id:
        rows = df_all[df_all["event_id"] == event_id]
        head, btn = st.columns([3, 1])
        with head:
            render_heading(str(rows["place"].iloc[0]) if len(rows) else "Event not found")
        btn.button("Show all", on_click=_clear_selection, key="clear_sel", help="Clear the selected event")
        if rows.empty:
            if backend is not None and backend.kind != "sqlite":
                known = len(backend.event(event_id, True)) > 0  # the dataset's rejected events too
            else:
                extracted = ui.load_event_data().events
                known = bool((extracted["event_id"] == event_id).any())
            if known:
                st.info("This event was rejected in review: turn on **Show rejected** in the sidebar to see it.")
            else:
                st.info("This event is no longer in the store (its reports were deleted or re-read).")
            return
    elif selected:
        label = place_name(selected, places, df_all)
        head, btn = st.columns([3, 1])
        with head:
            render_heading(label)
        btn.button("Show all", on_click=_clear_selection, key="clear_sel", help="Clear the selected place")
        rows = df_range[df_range["place_id"] == selected]
        if rows.empty:
            st.info("No events at this place in the selected dates and filters.")
            return
    else:
        rows = df_range
        st.markdown("#### All events in range")
        st.caption("Click a marker (or Tab to it and press Enter) to read the reports behind it.")
    n = panel_size()
    shown = _newest(rows, n)
    # on a dataset the rows are the newest of the range only: ``total`` says how many there are
    m = len(rows) if total is None or event_id else max(total, len(rows))
    box = st.container(height=620, border=False)
    gaz = ui.get_gazetteer()
    memo = _panel_memo(data)
    events = _records(shown)
    todo = [ev for ev in events if (ev.event_id, id(gaz)) not in memo]
    accounts = _accounts_of(data, todo)  # one lookup for the events no session has drawn yet from this data
    with box:
        for ev in events:
            render_event(store, accounts.get(ev.event_id, []), ev, memo=memo, gaz=gaz)
        if m > len(shown):
            if len(shown) < PANEL_CAP:
                st.button(f"Show {min(PANEL_PAGE, m - len(shown), PANEL_CAP - len(shown))} more", key="panel_more",
                          on_click=_more, help=f"The panel lists at most {PANEL_CAP} events.")
            else:
                st.caption(f"Showing the newest {PANEL_CAP} of {m:,} events; "
                           "narrow the dates or filters to see others.")
    if m > len(shown):
        st.caption(f"Newest {len(shown)} of {m:,} events.")


def _newest(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """``views.newest_first(rows, n)`` (the ``n`` newest by day, then id, newest first) by one integer sort
    (``nlargest`` on two columns costs ~10 ms at 20,000 events, on every rerun)."""
    if not len(rows):
        return views.newest_first(rows, n)
    ids, days = rows["id"].to_numpy(np.int64), rows["day"].to_numpy(np.int64)
    if ids.min() < 0 or ids.max() >= 1 << 32:
        return views.newest_first(rows, n)
    key = days * (1 << 32) + ids  # day, then id: one integer (days are int32)
    top = np.argpartition(-key, n - 1)[:n] if len(key) > n else np.arange(len(key))
    return rows.iloc[top[np.argsort(-key[top], kind="stable")]]


def panel_size() -> int:
    """How many events the panel lists now (PANEL_PAGE, more after "Show more", at most PANEL_CAP)."""
    return min(PANEL_CAP, max(PANEL_PAGE, int(st.session_state.get("panel_n", PANEL_PAGE))))


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


def place_context(store, r, gaz=None) -> str | None:
    """When the excerpt does not name the incident's place, the entry's sentence that does
    (highlighted and escaped), else None."""
    names = [r.place]
    p = (gaz if gaz is not None else ui.get_gazetteer()).get(r.place_id)
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


def event_summary(ev) -> str:
    """The event's header line (escaped HTML): date, place, type, the count range over its accounts
    ("1–3 killed"), its outlets and how many accounts tell it."""
    kind = ev.event_type + (f" / {ev.sub_event_type}" if ev.sub_event_type else "")
    state = getattr(ev, "review", "machine") or "machine"
    killed = views.count_range(ev.fatalities_low, ev.fatalities_best, ev.fatalities_high, "killed")
    hurt = views.count_range(ev.injuries_low, ev.injuries_best, ev.injuries_high, "injured")
    n = int(ev.n_accounts)
    parts = [
        *([f'<span class="review-badge review-{state}">{views.escape_md(REVIEW_BADGES[state])}</span>']
          if state in REVIEW_BADGES else []),
        f"<b>{views.escape_md(ev.date or 'undated')}</b>",
        views.escape_md(views.shorten(ev.place, NAME_CHARS)),
        views.escape_md(kind),
        views.escape_md(killed or "no death toll given"),
    ]
    if hurt:
        parts.append(views.escape_md(hurt))
    parts.append(views.escape_md(f"{n} account{'s' if n != 1 else ''}"
                                 + (f" from {views.shorten(ev.sources, 120)}" if ev.sources else "")))
    return " · ".join(parts)


def permalink(event_id: str) -> str:
    """A link (escaped HTML) that opens the map on this event: ``?event=ID``."""
    return (f'<a class="event-link" href="?{EVENT_PARAM}={views.escape_md(event_id)}" target="_self" '
            f'title="A link to this event">link</a>')


def _records(df: pd.DataFrame) -> list[SimpleNamespace]:
    """The rows of a small frame as records with attribute access (plain Python values), read one column at
    a time: ``itertuples`` costs ~4 ms per call on these Arrow-backed frames, once per event."""
    cols = [str(c) for c in df.columns]
    return [SimpleNamespace(**dict(zip(cols, row))) for row in zip(*(df[c].tolist() for c in df.columns))]


_MEMO_ATTR, _MEMO_CAP = "_panel_html", 5000


def _panel_memo(data) -> dict:
    """The panel's drawn events (their escaped HTML) for this data: kept on the shared, cached data object
    (``ui.load_reviewed_data``: one per data version and "Show rejected"), so every session reuses what any
    session drew, and a new data version starts afresh. Key: (event id, gazetteer)."""
    memo = getattr(data, _MEMO_ATTR, None)
    if memo is None:
        memo = {}
        try:
            object.__setattr__(data, _MEMO_ATTR, memo)
        except (AttributeError, TypeError):  # a data object that takes no attributes: this run only
            pass
    if len(memo) > _MEMO_CAP:
        memo.clear()
    return memo


def _accounts_of(data, events: list) -> dict[str, list[SimpleNamespace]]:
    """The accounts of these events (records with ``incident_ids``) in one lookup: event id -> its accounts,
    oldest publication first (as ``views.accounts_by_event``, read as records in one pass)."""
    if not events:
        return {}
    ids = [i for ev in events for i in views.parse_ids(ev.incident_ids)]
    rows = data.by_id.loc[[i for i in ids if i in data.by_id.index]]
    out: dict[str, list[SimpleNamespace]] = {}
    for r in _records(rows.sort_values(["published", "id"], kind="stable")):
        out.setdefault(r.event_id, []).append(r)
    return out


def event_block(store, accounts, ev, gaz=None) -> tuple[str, list[tuple[str, SimpleNamespace]]]:
    """One event's escaped HTML: its summary line, and each account's card with the account's record
    (``accounts``: a frame, or records, oldest first)."""
    head = f'<div class="event-head">{event_summary(ev)} · {permalink(ev.event_id)}</div>'
    recs = _records(accounts) if isinstance(accounts, pd.DataFrame) else accounts
    return head, [(account_card(store, r, ev, gaz), r) for r in recs]


def render_event(store, accounts, ev, memo: dict | None = None, gaz=None) -> None:
    """One event: its summary, then each account (incident) beneath it (``accounts``: a frame or records,
    oldest first). With a ``memo`` (:func:`_panel_memo`) the HTML another run drew for this event is reused."""
    gaz = gaz if gaz is not None else ui.get_gazetteer()
    key = (ev.event_id, id(gaz))
    block = memo.get(key) if memo is not None else None
    if block is None:
        block = event_block(store, accounts, ev, gaz)
        if memo is not None:
            memo[key] = block
    head, cards = block
    with st.container(border=True, key=f"event_{ev.event_id}"):
        st.markdown(head, unsafe_allow_html=True)
        for card, r in cards:
            st.markdown(card, unsafe_allow_html=True)
            account_details(store, r, gaz)


def account_actions(incident_row, store=None, gaz=None) -> None:
    """Review controls (confirm / reject / correct, ``ui_review.review_controls``) under each account card,
    in a collapsed expander (the state is the card's badge: confirmed / corrected / rejected): the controls (and their queries)
    run only for an opened expander, so a panel of 50 accounts draws 50 labels, not 50 forms.
    ``incident_row`` is the account's row (an incident of the reviewed accounts frame)."""
    if store is None:
        return
    iid = int(incident_row.id)
    # a constant label: the expander's identity includes it, so a label telling the state would close it
    # on every review (the state is the badge on the card)
    exp = st.expander("Review", key=f"review_{iid}", on_change="rerun")
    if exp.open:
        with exp:
            ui_review.review_controls(store, {"id": iid, "report_id": int(incident_row.report_id)},
                                      key=f"panel-{iid}",
                                      gazetteer=gaz if gaz is not None else ui.get_gazetteer())


def report_link(r) -> str:
    """The account's report title (escaped), linked to its source URL when the report has one."""
    title = views.escape_md(views.shorten(r.report_title or "", 120))
    href = views.safe_href(getattr(r, "report_url", ""))
    if href:
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{title or "source"}</a>'
    return title


def account_card(store, r, ev=None, gaz=None) -> str:
    """An account's card (escaped HTML): date, outlet, publication date, report (linked), place when it is
    not the event's, counts, the highlighted excerpt, and the entry's sentence naming the place."""
    src = f"{r.source or 'unknown source'}" + (f", published {r.published}" if r.published else "")
    bits = [f"<b>{views.escape_md(r.date or 'undated')}</b>", views.escape_md(src)]
    link = report_link(r)
    if link:
        bits.append(link)
    if ev is None or r.place_id != ev.place_id:
        bits.append(views.escape_md(views.shorten(r.place, NAME_CHARS)))
    bits.append(f"fatalities {_fmt_num(r.fatalities)}")
    if r.injuries is not None and r.injuries is not pd.NA:
        bits.append(f"injuries {_fmt_num(r.injuries)}")
    excerpt = views.highlight_excerpt(r.excerpt, r.start, _mentions(r.mentions), r.place)
    where = place_context(store, r, gaz)
    where_html = (f'<div class="incident-place-sentence"><small>Where, from the same entry:</small> {where}</div>'
                  if where else "")
    state = getattr(r, "review", "machine") or "machine"
    if state in REVIEW_BADGES:
        bits.insert(0, f'<span class="review-badge review-{state}">{views.escape_md(REVIEW_BADGES[state])}</span>')
    return (f'<div class="account review-{views.escape_md(state)}"><div><small>{" · ".join(bits)}</small></div>'
            f'<div class="incident-excerpt">{excerpt}</div>{where_html}</div>')


def account_details(store, r, gaz=None) -> None:
    """Under an account's card: the whole entry, why it was read so, and the review controls, each in a
    collapsed expander whose content is read only when it is opened."""
    if r.entry_end and r.entry_end > (r.entry_start or 0):
        exp = st.expander("Whole entry", key=f"entry_{r.id}", on_change="rerun")
        if exp.open:
            with exp:
                st.text(store.entry_text(int(r.report_id), int(r.entry_start), int(r.entry_end)))
    exp = st.expander("Why", key=f"why_{r.id}", on_change="rerun")
    if exp.open:  # the rules, place cue, date expression and count phrases; read only when asked
        with exp:
            rows = store.incidents("id = ?", (int(r.id),))
            st.text("\n".join(views.explain_why(rows[0].get("why") if rows else None)) or "No explanation stored.")
    account_actions(r, store, gaz)


def open_event(backend, lo: date, hi: date, rejected: bool = False) -> str:
    """The event of a permalink (``?event=ID``): its place selected and, the first time, the date range
    widened to hold it. Returns the selected event id ("" for none)."""
    eid = ui.selected_event()
    if not eid:
        return ""
    if st.session_state.get("_event_opened") != eid:
        st.session_state["_event_opened"] = eid
        hit = backend.event(eid, rejected)
        if len(hit):
            row = hit.iloc[0]
            st.session_state[ui.PLACE_STATE] = str(row["place_id"])
            day = views.parse_day(row["date"])
            if day is not None:
                a, b = ui.requested_range(lo, hi)
                if not (a <= day <= b):
                    # on a session's first run the URL's range wins over any value set here: the slider is
                    # moved on the rerun that follows (after_slider)
                    st.session_state["_pending_range"] = (day, day)
    pending = st.session_state.get("_pending_range")
    if pending and st.session_state.get("_pending_rerun"):
        st.session_state.pop("_pending_range")
        st.session_state.pop("_pending_rerun")
        ui.set_range(pending)
    return eid


def after_slider() -> None:
    """A range a permalink asked for on the session's first run: applied on an immediate rerun."""
    if st.session_state.get("_pending_range") and not st.session_state.get("_pending_rerun"):
        st.session_state["_pending_rerun"] = True
        st.rerun()


@st.cache_resource(max_entries=16, show_spinner=False)
def _timeline_spec(lo: date, hi: date, unit: str = "day") -> str:
    """The timeline's Vega-Lite spec (JSON) for the dates ``lo``..``hi``, built and validated by Altair once
    per server and shared by every session: the data are named datasets (``bars``: the counts, ``band``: the
    selected range) sent beside it on each run, so a rerun neither rebuilds the chart nor validates it again.
    ``unit`` "week" or "month" (a long span, ``views.timeline_unit``): one bar per week or month, stacked by
    the server (``views.timeline_buckets``: rectangles from ``date`` to ``end``, ``y0`` to ``y1``)."""
    import altair as alt

    end = (hi + timedelta(days=1)).isoformat()
    x_scale = alt.Scale(domain=[lo.isoformat(), end])
    names = [*views.EVENT_COLORS, "Other"]
    colors = [*views.EVENT_COLORS.values(), views.OTHER_COLOR]
    band = alt.Chart(alt.Data(name="band")).mark_rect(color="#1f77b4", opacity=0.13).encode(
        x=alt.X("start:T", scale=x_scale, title=None), x2="end:T")
    span = alt.selection_interval(name=TIMELINE_PARAM, encodings=["x"])
    if unit != "day":
        color = alt.Color("event_type:N", scale=alt.Scale(domain=names, range=colors), legend=None)
        first = (alt.Tooltip("date:T", title="week from", format="%Y-%m-%d") if unit == "week"
                 else alt.Tooltip("date:T", title="month", format="%B %Y"))
        bars = alt.Chart(alt.Data(name="bars")).mark_bar().encode(
            x=alt.X("date:T", scale=x_scale, title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
            x2="end:T",
            y=alt.Y("y0:Q", title="events", axis=alt.Axis(tickMinStep=1)), y2="y1:Q",
            color=color,
            tooltip=[first, alt.Tooltip("event_type:N", title="type"), alt.Tooltip("events:Q", title="events")],
        ).add_params(span)
        spec = alt.layer(band, bars).properties(height=110).to_dict()
        spec.pop("config", None)
        return json.dumps(spec)
    bars = alt.Chart(alt.Data(name="bars")).mark_bar().encode(
        x=alt.X("utcyearmonthdate(date):T", scale=x_scale, title=None, axis=alt.Axis(format="%d %b", labelOverlap=True)),
        y=alt.Y("sum(events):Q", title="events", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("event_type:N", scale=alt.Scale(domain=names, range=colors), legend=None),
        tooltip=[alt.Tooltip("utcyearmonthdate(date):T", title="day", format="%Y-%m-%d"),
                 alt.Tooltip("event_type:N", title="type"), alt.Tooltip("sum(events):Q", title="events")],
    ).add_params(span)
    spec = alt.layer(band, bars).properties(height=110).to_dict()  # validated here, once
    spec.pop("config", None)  # Altair's default theme sizes (Streamlit draws the chart without them)
    return json.dumps(spec)


def timeline(counts: pd.DataFrame, lo: date, hi: date, rng: tuple[date, date]):
    """Events per day (``views.timeline_counts``; per week or month over a long span), stacked by type, for
    the current filters (dates aside); the selected range shaded. Dragging across it selects a span:
    :func:`apply_timeline` sets the range."""
    unit, bars, empty = ui.timeline_bars(counts, lo, hi)
    spec = json.loads(_timeline_spec(lo, hi, unit))
    spec["datasets"] = {
        "band": pd.DataFrame({"start": [rng[0].isoformat()], "end": [(rng[1] + timedelta(days=1)).isoformat()]}),
        "bars": bars,
    }
    st.vega_lite_chart(spec, key=TIMELINE_KEY, on_select="rerun", selection_mode=TIMELINE_PARAM, width="stretch")
    st.caption(f"Events per {unit} for the current filters; {empty} of {(hi - lo).days + 1} days have none. "
               "Drag across the chart to choose the dates.")


def apply_timeline(lo: date, hi: date) -> None:
    """A new span selected on the timeline sets the date range (before the slider is drawn)."""
    state = st.session_state.get(TIMELINE_KEY)
    sel = None
    try:
        sel = state["selection"] if state is not None else None
    except (KeyError, TypeError):
        sel = getattr(state, "selection", None)
    rng = views.selection_range(dict(sel) if sel else None, lo, hi)
    stamp = repr(rng)
    if rng is None or st.session_state.get("_timeline_applied") == stamp:
        return
    st.session_state["_timeline_applied"] = stamp
    ui.set_range(rng)


def with_rejected(places: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """``places`` with a ``rejected`` column: how many of each place's events are rejected (shown only with
    "Show rejected"; a place with nothing else is drawn grey)."""
    from incidents.backend import place_rejected

    return place_rejected(places, events)


def map_page() -> None:
    """The map, the linked dates and the panel, read through the backend (``ui.get_backend``): the SQLite
    store in memory, or a Parquet dataset through DuckDB (aggregates per place in SQL, excerpts only for
    the events the panel shows)."""
    ui.ensure_sample_data()
    backend = ui.get_backend()
    types, sources = ui.filter_options()
    st.title("Incident map")
    if backend.read_only:
        st.caption(ui.DATASET_READ_ONLY)
    f = ui.sidebar_filters(types, sources)
    tiles = ui.map_options()
    size_by, heat = ui.map_view()
    rejected = ui.show_rejected()
    bounds = backend.date_bounds(rejected)
    if bounds is None:
        st.info("No dated incidents yet. Add a report on the **Reports** page.")
        ui.sync_place_url()
        return
    lo, hi = bounds
    event_id = open_event(backend, lo, hi, rejected)
    with st.container():  # the play ticker comes and goes in here: what follows keeps its place (no remount)
        play_controls(lo, hi)
    f.place_ids = ui.place_query_ids(f.place_query, backend.place_ids(rejected)) if f.place_query else frozenset()
    if lo < hi:
        apply_timeline(lo, hi)
        timeline(backend.timeline(f, lo, hi), lo, hi, ui.current_range(lo, hi))
        c_slider, c_from, c_to = st.columns([6, 1.3, 1.3], vertical_alignment="bottom")
        with c_slider:
            f.start, f.end = ui.date_range(lo, hi, "Dates")
        after_slider()
        ui.date_inputs(lo, hi, (f.start, f.end), (c_from, c_to))
    else:
        f.start, f.end = ui.date_range(lo, hi, "Dates")
        st.session_state.pop("_pending_range", None)
    places = backend.places(f, rejected)

    # a click reported since the last run (st_folium stores it under its key)
    handle_click(st.session_state.get(MAP_KEY), places)
    tot = backend.totals(f, rejected)  # rejected events shown (marked) are not counted
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Events", f"{tot.events:,}", help=f"{tot.accounts:,} account(s) in the reports tell these events.")
    m2.metric("Fatalities", f"{tot.fatalities:,}", help="The best estimate of each event (the accounts' counts "
                                                         "may differ: see the range on each event).")
    m3.metric("Places", f"{len(places):,}")
    undated = backend.undated(rejected)
    m4.metric("Days", f"{(f.end - f.start).days + 1}", help=f"{undated} undated event(s) are not on the map")

    left, right = st.columns([3, 2], gap="medium")
    with left:
        if heat:
            layer = ui.heat_layer(places, size_by)
        else:
            layer = ui.marker_layer(places, ui.selected_place(), noun="event", size_by=size_by)
        value = streamlit_folium.st_folium(
            ui.base_map(backend.extent(), tiles=tiles, heat=heat),  # the extent as linked: a review never remounts
            key=MAP_KEY,
            height=620,
            width=None,  # the column's width
            feature_group_to_add=layer,
            returned_objects=RETURNED,
        )
        handle_click(value, places)
        approx = int((places["geo_precision"] >= 2).sum()) if len(places) else 0
        what = "fatalities" if size_by == "fatalities" else "events"
        if heat:
            st.caption(f"Heat map of {len(places):,} places, weighted by {what}. Turn the heat map off to click "
                       "a place.")
        else:
            rej = int((places["rejected"] >= places["count"]).sum()) if "rejected" in places.columns else 0
            st.caption(f"{len(places):,} places, sized by {what}; {approx} approximate (dashed, paler)"
                       + (f"; {rej} with rejected events only (grey, dotted; not counted)" if rej else "")
                       + ". Nearby places merge into grey bubbles when zoomed out: click one to zoom in.")
    with right:
        # the events the panel lists (a dataset reads only those, and their accounts; the count apart)
        panel = backend.panel(f, ui.selected_place(), ui.selected_event(), panel_size(), rejected)
        with backend.open_store() as store:
            render_panel(store, panel.data, panel.events_all, panel.events, places, ui.selected_place(),
                         ui.selected_event(), total=panel.total, backend=backend)
    ui.sync_place_url()


def main() -> None:
    st.set_page_config(page_title="Incident map", page_icon="🗺️", layout="wide")
    nav = st.navigation([
        st.Page(map_page, title="Map", icon=":material/map:", url_path="map", default=True),
        st.Page("pages/1_Incidents.py", title="Events", icon=":material/table:", url_path="incidents"),
        st.Page("pages/2_Reports.py", title="Reports", icon=":material/article:", url_path="reports"),
        st.Page("pages/3_Gazetteer.py", title="Gazetteer", icon=":material/location_on:", url_path="gazetteer"),
    ])
    nav.run()


main()
