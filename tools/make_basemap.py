"""Build data/basemap/countries.geojson: country outlines of the region, for an offline map background.

    npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    python tools/make_basemap.py package/countries-50m.json

world-atlas redistributes Natural Earth's 1:50m countries (public domain) as
TopoJSON (ISC licence). This decodes the TopoJSON, keeps the countries the
reports are about and their neighbours (COUNTRIES), rounds coordinates to 0.01 degree, thins
points closer than ~4 km
and writes GeoJSON with each country's name. Run once; the output is committed,
so nothing is downloaded when the dashboard runs.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "basemap" / "countries.geojson"
BBOX = (24.0, 10.0, 62.0, 42.0)  # west, south, east, north
MIN_STEP = 0.06  # degrees (~6 km)
COUNTRIES = {"Israel", "Palestine", "Lebanon", "Syria", "Jordan", "Egypt", "Iraq", "Saudi Arabia", "Yemen", "Iran",
             "Turkey", "Cyprus", "N. Cyprus", "Kuwait", "Qatar", "United Arab Emirates", "Bahrain", "Oman",
             "Djibouti", "Eritrea", "Somalia", "Somaliland", "Sudan"}


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 2), round(y * sy + ty, 2)))
        arcs.append(pts)
    return arcs


def ring(indices: list[int], arcs) -> list[list[float]]:
    out: list[tuple[float, float]] = []
    for i in indices:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    # thin the ring: drop points closer than MIN_STEP degrees to the last kept one (big coasts lose
    # detail, the Gaza Strip keeps its shape); the ring stays closed
    kept = [out[0]]
    for p in out[1:-1]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= MIN_STEP:
            kept.append(p)
    kept.append(out[-1])
    return [list(p) for p in kept]


def touches(coords, bbox=BBOX) -> bool:
    w, s, e, n = bbox
    return any(w <= x <= e and s <= y <= n for poly in coords for r in poly for x, y in r)


def main(src: str) -> int:
    topo = json.loads(Path(src).read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    features = []
    for geom in topo["objects"]["countries"]["geometries"]:
        if geom.get("type") == "Polygon":
            polys = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["arcs"]
        else:
            continue
        coords = [[ring(r, arcs) for r in poly] for poly in polys]
        coords = [[r for r in poly if len(r) >= 4] for poly in coords]
        coords = [poly for poly in coords if poly]
        if not coords or not touches(coords) or geom.get("properties", {}).get("name") not in COUNTRIES:
            continue
        features.append({"type": "Feature", "properties": {"name": geom.get("properties", {}).get("name", "")},
                         "geometry": {"type": "MultiPolygon", "coordinates": coords}})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features,
                               "attribution": "Natural Earth (public domain) via world-atlas"},
                              separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {len(features)} countries, {OUT.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "package/countries-50m.json"))
