"""Incidents table: the dashboard's filters, sortable, with CSV and GeoJSON download of what is shown.

CSV text cells are escaped against spreadsheet formula injection (views.to_csv)."""
from __future__ import annotations

import streamlit as st

import ui
from incidents import views

TABLE_CAP = 50_000  # rows sent to the browser; downloads are never capped

st.title("Incidents")

df = ui.load_incidents()
types, sources = ui.filter_options()
f = ui.sidebar_filters(types, sources)
bounds = views.date_bounds(df)
if bounds is None:
    st.info("No dated incidents yet. Add a report on the **Reports** page.")
    ui.sync_place_url()
    st.stop()
f.start, f.end = ui.date_range(*bounds, label="Dates")
f.place_ids = ui.place_query_ids(f.place_query, df)

place_only = ""
if f.place_id:
    name = df.loc[df["place_id"] == f.place_id, "place"]
    gp = ui.get_gazetteer().get(f.place_id)
    label = name.iloc[0] if len(name) else gp.name if gp is not None else "the selected place"
    if st.checkbox(f"Only the place selected on the map: {views.md_text(views.shorten(label, 80))}", value=True,
                   key="only_place"):
        place_only = f.place_id

shown = views.export_frame(views.newest_first(views.filter_frame(df, f, place_id=place_only), len(df)))
n, dead = views.totals(shown)
c1, c2, c3 = st.columns(3)
c1.metric("Incidents", f"{n:,}")
c2.metric("Fatalities", f"{dead:,}")
c3.metric("Places", f"{shown['place_id'].nunique():,}")

d1, d2, _ = st.columns([1, 1, 3])
stem = f"incidents_{f.start}_{f.end}"
# the files are built only when a button is clicked (deferred): free for the reruns in between
d1.download_button("Download CSV", lambda: views.to_csv(shown), file_name=f"{stem}.csv", mime="text/csv",
                   key="dl_csv", width="stretch")
d2.download_button("Download GeoJSON", lambda: views.to_geojson_bytes(shown), file_name=f"{stem}.geojson",
                   mime="application/geo+json", key="dl_geojson", width="stretch")

if len(shown) > TABLE_CAP:
    st.caption(f"The table shows the newest {TABLE_CAP:,} of {len(shown):,} rows; the downloads hold all of them.")
st.dataframe(
    shown.head(TABLE_CAP),
    hide_index=True,
    width="stretch",
    height=600,
    column_config={
        "excerpt": st.column_config.TextColumn("excerpt", width="large"),
        "lat": st.column_config.NumberColumn("lat", format="%.4f"),
        "lon": st.column_config.NumberColumn("lon", format="%.4f"),
        "geo_precision": st.column_config.NumberColumn("geo precision", help="1 exact, 2 near, 3 region"),
    },
)
ui.sync_place_url()
