"""incidents.maps: local assets only, the base map's parts, markers, labels."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import streamlit_folium

from incidents import maps, views

ROOT = Path(__file__).resolve().parent.parent
STATIC = "/app/static/"


def places_frame():
    return pd.DataFrame([
        dict(place_id="rafah", place="Rafah", lat=31.29, lon=34.24, count=3, fatalities=5, geo_precision=1,
             event_type="Battles", last_date="2024-02-07"),
        dict(place_id="gaza-strip", place="Gaza <b>Strip</b>", lat=31.4, lon=34.38, count=1, fatalities=0,
             geo_precision=3, event_type="Protests", last_date="2024-02-07"),
    ])


def links_of(m) -> list[str]:
    """The JS/CSS links st_folium would load for this map (its own walk over the elements)."""
    m.render()
    out = []

    def walk(el):
        out.extend(u for _, u in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])])
        for c in getattr(el, "_children", {}).values():
            walk(c)

    walk(m)
    return out


def test_every_file_the_map_needs_is_shipped_and_local():
    m = maps.base_map([31.3, 33.3], [34.2, 35.6], STATIC, labels=[["Gaza City", 31.5, 34.46, 6, "city"]])
    maps.marker_layer(places_frame(), "").add_to(m)
    links = links_of(m)
    assert links and maps.remote_links(m) == []
    for url in links:
        assert url.startswith(STATIC), url
        assert (ROOT / "static" / url[len(STATIC):]).is_file(), url
    html = m.get_root().render()
    assert "cdn." not in html and "cdnjs" not in html and "code.jquery" not in html
    assert "tile.openstreetmap" not in html  # no tiles unless asked for
    css = (ROOT / "static" / "vendor" / "leaflet-1.9.3" / "leaflet.css").read_text()
    for ref in re.findall(r"url\(([^)]+)\)", css):
        ref = ref.strip("'\"")
        if not ref.startswith(("data:", "#")):
            assert (ROOT / "static" / "vendor" / "leaflet-1.9.3" / ref).is_file(), ref


def test_folium_defaults_stay_untouched_for_other_maps():
    import folium

    maps.base_map([31.3], [34.2], STATIC)
    assert any("leaflet" in u and "cdn" in u for _, u in folium.Map.default_js)  # class lists not mutated


def test_online_tiles_only_when_asked():
    html = maps.base_map([31.3], [34.2], STATIC, tiles=True).get_root().render()
    assert "tile.openstreetmap.org" in html


def test_licences_of_shipped_files_are_documented():
    text = (ROOT / "static" / "README.md").read_text(encoding="utf-8")
    for name in ("Leaflet", "markercluster", "Natural Earth", "BSD", "MIT", "ISC"):
        assert name in text
    for d in ("vendor/leaflet-1.9.3", "vendor/leaflet.markercluster-1.1.0"):
        assert (ROOT / "static" / d / "LICENSE").is_file()
    assert (ROOT / "data" / "basemap" / "README.md").is_file()
    total = sum(p.stat().st_size for p in (ROOT / "static").rglob("*") if p.is_file())
    assert total < 2_000_000


def test_marker_rows_are_escaped_sized_and_visible():
    rows = {r["id"]: r for r in maps.marker_rows(places_frame(), "rafah")}
    assert rows["gaza-strip"]["t"] == "Gaza &lt;b&gt;Strip&lt;/b&gt; — 1 incident"
    assert rows["gaza-strip"]["d"] and rows["gaza-strip"]["fo"] >= 0.3  # approximate, dashed, still visible
    assert rows["rafah"]["r"] >= 1.8 * rows["gaza-strip"]["r"]  # 3 vs 1
    assert rows["rafah"]["c"] == "#111"  # selected


def test_cluster_bubbles_are_neutral_and_say_so():
    markers = next(iter(maps.marker_layer(places_frame(), "")._children.values()))
    js = markers._template.module.script(markers)
    assert "incident-cluster" in js and json.dumps(views.CLUSTER_HINT) in js
    css = (ROOT / "static" / "map" / "incident-map.css").read_text()
    block = css[css.index(".incident-cluster {"):]
    colors = set(re.findall(r"#[0-9a-f]{6}", block[:400].lower()))
    assert not colors & {c.lower() for c in views.EVENT_COLORS.values()}


def test_city_labels_come_from_the_gazetteer(gazetteer):
    labels = maps.city_labels(gazetteer.places.values())
    names = {row[0] for row in labels}
    assert {"Gaza City", "Beirut", "Baghdad", "Damascus"} <= names
    assert any(row[4] == "camp" for row in labels)  # camps too
    zoom = {row[0]: row[3] for row in labels}
    assert zoom["Baghdad"] < zoom["Nuseirat camp"]  # capitals before camps
    assert "Washington" not in names  # only the region


def test_base_map_script_is_the_same_for_the_same_data():
    a = maps.base_map([31.3, 33.3], [34.2, 35.6], STATIC)
    b = maps.base_map([31.3, 33.3], [34.2, 35.6], STATIC)
    assert streamlit_folium._get_map_string(a) == streamlit_folium._get_map_string(b)
