"""Cross-report event linking at scale: 10,000 and 100,000 synthetic incidents.

    python bench/bench_linking.py                      # link() on 10k and 100k, ratio, linking quality
    python bench/bench_linking.py --store              # also the store: full relink, `events` CLI, one ingest
    python bench/bench_linking.py --sizes 500 --store  # smoke run

The incidents are generated directly (no extraction): reports of 40 incidents
from 6 outlets over a year, at the curated gazetteer's local places with
Zipf-like weights (a few places get most incidents, like real data). About a
third of the incidents retell an event an earlier report of another outlet
told: the same place or its enclosing town, the same day (a tenth on the next
day, "overnight"), the count the same or off by one or two, the same sub-type
or a compatible one (shelling for an air strike). The rest are new events,
several per place and day at busy places, so the linker must keep them apart.

Printed: seconds of ``incidents.linking.link`` per size (CPU and wall, in one
process), the 100k/10k ratio (10.0 = linear), events made, and the linking
quality against the generator's truth: the share of retellings linked to their
event, and the share of accounts merged into an event they do not belong to.
With ``--store``: a store of the largest size written through
``Store.save_version``, then a full ``Store.relink``, ``python -m incidents
events`` (a subprocess, start-up included), and one more report saved and
relinked (the incremental path every ingest takes).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_common import run_header  # noqa: E402

START = date(2024, 1, 1)
SOURCES = ["AP", "CNN", "Reuters", "Al Jazeera", "The Guardian", "AFP"]
LOCAL_KINDS = {"city", "town", "village", "camp", "neighbourhood", "settlement", "capital", "hospital",
               "crossing", "junction", "base", "landmark"}
COUNTRIES = {"PS", "IL", "LB", "SY", "IQ", "YE"}
TYPES = [  # (event_type, sub_event_type, weight, weapon words for the excerpt)
    ("Explosions/Remote violence", "Air/drone strike", 45, "An airstrike"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", 20, "Shelling"),
    ("Battles", "Armed clash", 12, "Fighting"),
    ("Violence against civilians", "Attack", 8, "Gunfire"),
    ("Strategic developments", "Arrests", 8, "A raid"),
    ("Protests", "Peaceful protest", 7, "A march"),
]
COMPATIBLE = {"Air/drone strike": ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Shelling"),
              "Shelling/artillery/missile attack": ("Explosions/Remote violence", "Air/drone strike", "A strike")}
TARGETS = ["a car", "a house", "a tent", "a school", "a market", "an apartment building", "a checkpoint", ""]
PER_REPORT = 40


def _places(seed: int):
    from gazetteer import Gazetteer

    gaz = Gazetteer.load(user=ROOT / "bench" / "no-user-places.csv")
    places = sorted((p for p in gaz.places.values() if p.kind in LOCAL_KINDS and p.country in COUNTRIES),
                    key=lambda p: p.id)
    rng = random.Random(seed)
    rng.shuffle(places)
    return gaz, places, [1.0 / (rank + 1) ** 0.8 for rank in range(len(places))]


def synthetic(n: int, seed: int, gaz, places, weights, days: int = 366) -> tuple[list[dict], dict[int, int]]:
    """``n`` incident records (dicts with the store's column names) and the truth: incident id -> event number."""
    rng = random.Random(seed)
    ev_weights = [w for _, _, w, _ in TYPES]
    recent: dict[int, list[dict]] = {}  # day -> events told so far that day
    records, truth = [], {}
    n_events = 0
    iid = 0
    rid = 0
    while len(records) < n:
        rid += 1
        source = rng.choice(SOURCES)
        pub = START + timedelta(days=rng.randrange(days))
        for _ in range(min(PER_REPORT, n - len(records))):
            iid += 1
            day = pub - timedelta(days=1) if rng.random() < 0.15 else pub
            pool = recent.get(day.toordinal(), [])
            told = [e for e in pool if source not in e["sources"]]
            if told and rng.random() < 0.5:  # a retelling by another outlet
                ev = rng.choice(told)
                ev["sources"].add(source)
                place = ev["place"]
                parent = gaz.parent(place)
                if parent is not None and parent.kind in LOCAL_KINDS and rng.random() < 0.2:
                    place = parent  # "in Baghdad" for a strike another outlet put in Al-Mashtal
                etype, sub, weapon = ev["type"]
                if sub in COMPATIBLE and rng.random() < 0.15:
                    etype, sub, weapon = COMPATIBLE[sub]
                dead = ev["dead"]
                if dead is not None and rng.random() < 0.4:
                    dead = max(0, dead + rng.choice([-2, -1, 1, 2]))
                target = ev["target"] if rng.random() < 0.6 else ""
                when = ev["day"]
                overnight = ""
                if rng.random() < 0.1:
                    when, overnight = when + timedelta(days=1), " overnight"
                number = ev["n"]
            else:
                n_events += 1
                number = n_events
                place = rng.choices(places, weights)[0]
                t = rng.choices(TYPES, ev_weights)[0]
                etype, sub, weapon = t[0], t[1], t[3]
                dead = rng.choice([None, 0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 20, 30])
                target = rng.choice(TARGETS)
                when, overnight = day, ""
                ev = {"n": number, "place": place, "type": (etype, sub, weapon), "dead": dead, "target": target,
                      "day": day, "sources": {source}}
                recent.setdefault(day.toordinal(), []).append(ev)
            hit = f" hit {target}" if target else ""
            killed = f", killing {dead} people" if dead else ""
            excerpt = f"{weapon}{hit} in {place.name}{overnight} on {when:%B %-d}{killed}."
            records.append({
                "id": iid, "report_id": rid, "key": f"{rid}:{iid}", "date": when.isoformat(), "time_precision": 1,
                "place": place.name, "place_id": place.id, "lat": place.lat, "lon": place.lon,
                "geo_precision": 1, "country": place.country, "event_type": etype, "sub_event_type": sub,
                "fatalities": dead, "injuries": None, "source": source, "published": pub.isoformat(),
                "excerpt": excerpt,
            })
            truth[iid] = number
    return records, truth


def quality(events, truth: dict[int, int]) -> tuple[float, float, int]:
    """(share of retellings linked to their event's first account, share of accounts in a wrong event, events)."""
    retold = linked = wrong = 0
    first_of: dict[int, int] = {}
    for iid in sorted(truth):
        first_of.setdefault(truth[iid], iid)
    event_of = {}
    for ev in events:
        for iid in ev.incident_ids:
            event_of[iid] = ev.event_id
        majority: dict[int, int] = {}
        for iid in ev.incident_ids:
            majority[truth[iid]] = majority.get(truth[iid], 0) + 1
        top = max(majority.values())
        wrong += len(ev.incident_ids) - top
    for iid, num in truth.items():
        if first_of[num] != iid:
            retold += 1
            linked += event_of[iid] == event_of[first_of[num]]
    return linked / max(1, retold), wrong / max(1, len(truth)), len(events)


def time_link(records, gaz) -> tuple[float, float, list]:
    from incidents.linking import PlaceIndex, link

    index = PlaceIndex(gaz)
    c0, w0 = time.process_time(), time.perf_counter()
    events = link(records, index)
    return time.process_time() - c0, time.perf_counter() - w0, events


def store_run(records: list[dict], gaz, workdir: Path) -> None:
    from incidents.model import Entry, Incident, Report
    from incidents.store import Store

    db = workdir / "bench-linking.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    by_report: dict[int, list[dict]] = {}
    for r in records:
        by_report.setdefault(r["report_id"], []).append(r)

    def save(store, rid, rows, tag=""):
        text, entries, incs = f"SYNTHETIC LINKING BENCHMARK REPORT {rid}{tag}\n\n", [], []
        for r in rows:
            start = len(text)
            text += r["excerpt"] + "\n\n"
            end = start + len(r["excerpt"])
            entries.append(Entry(start=start, end=end, body_start=start))
            incs.append(Incident(
                date=r["date"], time_precision=1, place=r["place"], place_id=r["place_id"], lat=r["lat"],
                lon=r["lon"], geo_precision=1, event_type=r["event_type"], sub_event_type=r["sub_event_type"],
                fatalities=r["fatalities"], injuries=None, source=r["source"], published=r["published"],
                excerpt=r["excerpt"], start=start, end=end, country=r["country"], entry_start=start, entry_end=end))
        report = Report(text=text, source=rows[0]["source"], published=date.fromisoformat(rows[0]["published"]),
                        title=f"Synthetic linking report {rid}{tag}")
        store.save_version(report, entries, incs)

    with Store(db) as store:
        for rid, rows in by_report.items():
            save(store, rid, rows)
        t_write = time.perf_counter() - t0
        c0, w0 = time.process_time(), time.perf_counter()
        cells = store.relink(gaz, full=True)
        t_relink = (time.process_time() - c0, time.perf_counter() - w0)
        n_events = store.count("events")
        c0 = time.process_time()
        evs = store.events()
        t_read = time.process_time() - c0
        extra = [dict(r, report_id=0) for r in records[:PER_REPORT]]
        c0 = time.process_time()
        save(store, max(by_report) + 1, extra, tag=" (again)")
        cells_inc = store.relink(gaz)
        t_inc = time.process_time() - c0
    env = dict(os.environ, INCIDENTS_USER_GAZETTEER=str(ROOT / "bench" / "no-user-places.csv"))
    w0 = time.perf_counter()
    c0 = os.times()
    out = subprocess.run([sys.executable, "-m", "incidents", "events", "--db", str(db)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    t_cli = time.perf_counter() - w0
    c1 = os.times()
    t_cli_cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stderr
    first = json.loads(lines[0]) if lines else {}
    print(f"store: {len(records):,} incidents in {len(by_report):,} reports written via save_version in {t_write:.1f} s; "
          f"{db.stat().st_size / 1e6:.1f} MB")
    print(f"store: full relink {t_relink[0]:.2f} CPU-s / {t_relink[1]:.2f} s wall ({cells:,} place cells, "
          f"{n_events:,} events); Store.events() read {t_read:.2f} CPU-s ({len(evs):,} events)")
    print(f"store: one more report of {PER_REPORT} incidents saved + relinked in {t_inc:.2f} CPU-s "
          f"({cells_inc} place cells relinked)")
    print(f"store: `python -m incidents events` {t_cli_cpu:.2f} CPU-s, {t_cli:.2f} s wall for {len(lines):,} lines "
          f"(keys: {', '.join(list(first)[:6])}, ...)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated incident counts")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--same-density", action="store_true",
                    help="scale the days with the size (the largest size spans a year), so incidents per place and "
                         "day stay the same; default: every size spans a year (denser as it grows)")
    ap.add_argument("--store", action="store_true", help="also measure the store path at the largest size")
    ap.add_argument("--workdir", type=Path, default=None, help="where the store goes (default: a temp dir)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(run_header(("incidents/linking.py", "incidents/store.py", "incidents/data/linking.json")), flush=True)
    gaz, places, weights = _places(args.seed)
    results = {}
    biggest = None
    for n in sizes:
        days = max(1, round(366 * n / max(sizes))) if args.same_density else 366
        records, truth = synthetic(n, args.seed, gaz, places, weights, days=days)
        cpu, wall, events = time_link(records, gaz)
        linked, wrong, n_ev = quality(events, truth)
        multi = sum(1 for e in events if len(e.incident_ids) > 1)
        results[n] = cpu
        print(f"link {n:>9,} incidents over {days} days: {cpu:6.2f} CPU-s, {wall:6.2f} s wall; {n_ev:,} events ({multi:,} with "
              f"several accounts); retellings linked {linked:.1%}, accounts in a wrong event {wrong:.2%}",
              flush=True)
        biggest = records
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        print(f"ratio {b:,}/{a:,}: {results[b] / max(results[a], 1e-9):.1f}x CPU time for {b / a:.0f}x incidents")
    if args.store and biggest:
        with tempfile.TemporaryDirectory() as tmp:
            store_run(biggest, gaz, args.workdir or Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
