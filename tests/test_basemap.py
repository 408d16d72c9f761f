"""The offline base map shipped in static/basemap (tools/make_basemap.py; sources in data/basemap/README.md)."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # tools/ is scripts, not a package

from make_basemap import decode_arcs, inner_boundaries, ring, thin  # noqa: E402

BASEMAP = ROOT / "static" / "basemap" / "basemap.json"


def test_shipped_base_map_covers_the_region_and_stays_small():
    data = json.loads(BASEMAP.read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in data["countries"]["features"]}
    assert {"Israel", "Palestine", "Lebanon", "Syria", "Iraq", "Yemen", "Jordan", "Egypt", "Iran",
            "Saudi Arabia", "Turkey", "Cyprus"} <= names
    assert BASEMAP.stat().st_size < 400_000  # fetched once per browser; everything shipped stays < 2 MB
    for f in data["countries"]["features"]:
        for poly in f["geometry"]["coordinates"]:
            for r in poly:
                assert r[0] == r[-1] and len(r) >= 4  # closed rings
    lines = data["admin1"]["features"][0]["geometry"]["coordinates"]
    assert len(lines) > 50
    # governorate boundaries lie inside the region (e.g. Iraq's and Syria's), never out at sea
    xs = [x for ln in lines for x, _ in ln]
    ys = [y for ln in lines for _, y in ln]
    assert 24 <= min(xs) and max(xs) <= 60 and 11 <= min(ys) and max(ys) <= 38


def test_gaza_strip_keeps_its_shape():
    data = json.loads(BASEMAP.read_text(encoding="utf-8"))
    gaza = next(f for f in data["countries"]["features"] if f["properties"]["name"] == "Palestine")
    rings = [r for poly in gaza["geometry"]["coordinates"] for r in poly]
    strip = [r for r in rings if all(x < 34.6 for x, _ in r)]
    assert strip and len(strip[0]) >= 8  # a polygon, not a dot


def test_topojson_decoding():
    topo = {"transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
            "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, -2]]]}
    arcs = decode_arcs(topo)
    assert arcs[0] == [(10.0, 20.0), (11.0, 20.0), (11.0, 21.0)]
    assert ring([0, 1], arcs, step=0) == [[10.0, 20.0], [11.0, 20.0], [11.0, 21.0], [10.0, 20.0]]
    assert ring([~1], arcs)[0] == [10.0, 20.0]
    # clamped into a box: the part outside runs along the box's edge
    assert all(x <= 10.5 for x, _ in ring([0, 1], arcs, step=0, clip=(0, 0, 10.5, 90)))
    assert thin([[0, 0], [0.001, 0], [1, 0]], 0.5) == [[0, 0], [1, 0]]


def test_inner_boundaries_keep_only_edges_shared_inside_one_country():
    sq = lambda x0, x1: [[[x0, 0], [x1, 0], [x1, 1], [x0, 1], [x0, 0]]]  # noqa: E731
    admin = {"features": [
        {"properties": {"iso_a2": "PS", "adm1_code": "a"}, "geometry": {"type": "Polygon", "coordinates": sq(0, 1)}},
        {"properties": {"iso_a2": "PS", "adm1_code": "b"}, "geometry": {"type": "Polygon", "coordinates": sq(1, 2)}},
        {"properties": {"iso_a2": "IL", "adm1_code": "c"}, "geometry": {"type": "Polygon", "coordinates": sq(2, 3)}},
    ]}
    lines = inner_boundaries(admin, {"PS", "IL"}, step=0)
    assert lines == [[[1, 0], [1, 1]]] or lines == [[[1, 1], [1, 0]]]
