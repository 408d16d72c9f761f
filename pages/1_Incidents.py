"""Events table: the dashboard's filters, sortable, with CSV and GeoJSON download of what is shown
(one row per event, with its outlets, report count and low/best/high counts), and the accounts
(the incidents the reports tell) as a second download. Reviews: a filter by review state, a ``review``
column in the table and every export (corrected values in place), and the review log (JSON Lines) to
download and to merge from another analyst's file.

CSV text cells are escaped against spreadsheet formula injection (views.frame_csv)."""
from __future__ import annotations

import io

import streamlit as st

import ui
import ui_review
from incidents import review, views

TABLE_CAP = 50_000  # rows sent to the browser; downloads are never capped
EVENT_REVIEW = ("review",)  # machine / confirmed / corrected / rejected (corrected values in place)

st.title("Events")

backend = ui.get_backend()  # the store in memory, or a Parquet dataset through DuckDB
types, sources = ui.filter_options()
f = ui.sidebar_filters(types, sources)
with st.sidebar:
    states = ui_review.review_filter("ev_review")
rejected = "rejected" in states
if backend.read_only:
    st.caption(ui.DATASET_READ_ONLY + " Reviews are made on a store.")
bounds = backend.date_bounds(rejected)
if bounds is None:
    st.info("No dated incidents yet. Add a report on the **Reports** page.")
    ui.sync_place_url()
    st.stop()
f.start, f.end = ui.date_range(*bounds, label="Dates")
f.place_ids = ui.place_query_ids(f.place_query, backend.place_ids(rejected)) if f.place_query else frozenset()

place_only = ""
if f.place_id:
    name = backend.event_place_name(f.place_id, rejected)
    gp = ui.get_gazetteer().get(f.place_id)
    label = name or (gp.name if gp is not None else "the selected place")
    if st.checkbox(f"Only the place selected on the map: {views.md_text(views.shorten(label, 80))}", value=True,
                   key="only_place"):
        place_only = f.place_id

# a dataset sends the browser the newest TABLE_CAP events (one query); the downloads query all of them
events = backend.table(f, place_only, states, cap=TABLE_CAP + 1 if backend.read_only else None)
data = backend.table_data(events, rejected)
shown = views.events_export_frame(events, data, extra=EVENT_REVIEW)
if backend.read_only:
    tot = backend.table_totals(f, place_only, states)
    n, dead, n_acc, n_places = tot.events, tot.fatalities, tot.accounts, tot.places
else:
    n, dead = views.event_totals(ui.counted(events))
    n_acc = int(ui.counted(events)["n_accounts"].sum()) if len(events) else 0
    n_places = shown["place_id"].nunique()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Events", f"{n:,}")
c2.metric("Accounts", f"{n_acc:,}", help="The incidents the reports tell: one event can have several.")
c3.metric("Fatalities", f"{dead:,}", help="The best estimate of each event.")
c4.metric("Places", f"{n_places:,}")


def _all_events():
    """Every event the filters select (what the downloads hold)."""
    return events if not backend.read_only else backend.table(f, place_only, states)


def _events_csv() -> bytes:
    ev = _all_events()
    return views.frame_csv(views.events_export_frame(ev, backend.table_data(ev, rejected), extra=EVENT_REVIEW),
                           bom=bom)


def _events_geojson() -> bytes:
    ev = _all_events()
    return views.events_geojson_bytes(ev, backend.table_data(ev, rejected), extra=EVENT_REVIEW)


def _accounts_csv() -> bytes:
    # rejected accounts only when the filter asks for them
    return views.accounts_csv(backend.table_accounts(_all_events(), rejected), bom=bom, extra=review.REVIEW_COLUMNS)


bom = st.checkbox("CSV for Excel (UTF-8 with a byte order mark)", key="csv_bom",
                  help="Excel reads a CSV as UTF-8 only when it starts with a byte order mark.")
d1, d2, d3, _ = st.columns([1, 1, 1, 2])
stem = f"events_{f.start}_{f.end}"
# the files are built only when a button is clicked (deferred): free for the reruns in between
d1.download_button("Download CSV", _events_csv, file_name=f"{stem}.csv",
                   mime="text/csv", key="dl_csv", width="stretch", help="One row per event.")
d2.download_button("Download GeoJSON", _events_geojson,
                   file_name=f"{stem}.geojson", mime="application/geo+json", key="dl_geojson", width="stretch")
d3.download_button("Download accounts CSV", _accounts_csv,
                   file_name=f"accounts_{f.start}_{f.end}.csv", mime="text/csv", key="dl_accounts",
                   width="stretch", help="One row per account (incident), with its event id.")

if max(len(shown), n if backend.read_only else 0) > TABLE_CAP:
    st.caption(f"The table shows the newest {TABLE_CAP:,} of {max(len(shown), n):,} rows; the downloads hold all "
               "of them.")
st.dataframe(
    shown.head(TABLE_CAP),
    hide_index=True,
    width="stretch",
    height=600,
    column_config={
        "excerpt": st.column_config.TextColumn("excerpt", width="large", help="The first account's excerpt"),
        "lat": st.column_config.NumberColumn("lat", format="%.4f"),
        "lon": st.column_config.NumberColumn("lon", format="%.4f"),
        "geo_precision": st.column_config.NumberColumn("geo precision", help="1 exact, 2 near, 3 region"),
        "n_accounts": st.column_config.NumberColumn("accounts", help="Incidents telling this event"),
    },
)

if backend.read_only:  # no review log in a dataset: the store it was exported from has it
    ui.sync_place_url()
    st.stop()
st.subheader("Review log")
st.caption("Every confirm, correction and rejection, with who and when (JSON Lines). Download it to share; "
           "upload another analyst's log to merge it: entries already here are skipped and, per account, "
           "the latest review wins.")
r1, r2 = st.columns([1, 2])


def _review_log() -> bytes:
    buf = io.StringIO()
    with ui.open_store() as store:
        review.export_log(store, buf)
    return buf.getvalue().encode("utf-8")


r1.download_button("Download review log", _review_log, file_name="review_log.jsonl", mime="application/jsonl",
                   key="dl_review_log", width="stretch")
up = r2.file_uploader("Merge a review log", type=["jsonl", "json", "txt"], key="review_log_upload",
                      help="A review log downloaded from this page (here or on another machine).")
if up is not None and st.session_state.get("_review_log_done") != up.file_id:
    try:
        lines = up.getvalue().decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        st.session_state["_review_log_done"] = up.file_id
        st.session_state["_review_log_summary"] = ("error", "The file is not UTF-8 text: nothing imported.")
    else:
        with ui.open_store() as store:
            summary = review.import_log(store, lines, origin=up.name)
        st.session_state["_review_log_done"] = up.file_id
        st.session_state["_review_log_summary"] = ("ok", ui_review.import_summary_text(summary))
        st.rerun()  # the table shows the merged reviews
done = st.session_state.get("_review_log_summary")
if up is not None and done:
    (st.error if done[0] == "error" else st.success)(done[1])
ui.sync_place_url()
