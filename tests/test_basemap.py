"""The offline country outlines shipped for the map background (data/basemap, tools/make_basemap.py)."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from make_basemap import decode_arcs, ring  # noqa: E402


def test_shipped_outlines_cover_the_region_and_stay_small():
    path = ROOT / "data" / "basemap" / "countries.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"Israel", "Palestine", "Lebanon", "Syria", "Iraq", "Yemen", "Jordan", "Egypt"} <= names
    assert path.stat().st_size < 120_000  # it is part of every map page
    for f in data["features"]:
        for poly in f["geometry"]["coordinates"]:
            for r in poly:
                assert r[0] == r[-1] and len(r) >= 4  # closed rings


def test_topojson_decoding():
    topo = {"transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
            "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, -2]]]}
    arcs = decode_arcs(topo)
    assert arcs[0] == [(10.0, 20.0), (11.0, 20.0), (11.0, 21.0)]
    assert ring([0, 1], arcs) == [[10.0, 20.0], [11.0, 20.0], [11.0, 21.0], [10.0, 20.0]]
    assert ring([~1], arcs)[0] == [10.0, 20.0]
