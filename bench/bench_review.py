"""Reviews at scale: attaching and applying analysts' reviews on 10,000 and 100,000 synthetic incidents.

    python bench/bench_review.py                          # sizes 10000,100000; 10% of incidents reviewed
    python bench/bench_review.py --sizes 300 --share 0.5  # smoke run

A store from ``bench_dashboard.build_store`` gets incident keys, then a review
for ``--share`` of its incidents (a third corrected, a third rejected, a third
confirmed) written straight into the log in one transaction. Timed in one
process, per size (best of three):

* ``load_frame``: the dashboard's one query (the baseline),
* ``review.load``: the current reviews attached to incidents by key,
* ``fallback``: the same with every key lost (attached by span in the entry),
* ``apply_frame``: the reviewed values on the frame, rejected rows dropped,
* ``export``: ``review.to_csv`` of the reviewed frame.

Each is printed in seconds and as a ratio to ``load_frame`` at the same size;
the ratio of the largest to the smallest size shows the growth (10.0 = linear
for 10k -> 100k).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def add_reviews(db: Path, share: float, seed: int = 1) -> int:
    import random

    from incidents import review
    from incidents.store import Store

    rng = random.Random(seed)
    with Store(db) as store:
        conn = store.conn
        conn.execute("BEGIN")
        conn.execute("UPDATE incidents SET key = report_id || ':' || printf('%016x', id) || ':0-40', "
                     "entry_hash = printf('%032x', id), span_start = 0, span_end = 40")
        rows = conn.execute("SELECT id, report_id, key, excerpt FROM incidents").fetchall()
        picked = [r for r in rows if rng.random() < share]
        for k, r in enumerate(picked):
            state = ("corrected", "rejected", "confirmed")[k % 3]
            fields = {"fatalities": k % 20} if state == "corrected" else {}
            d = {"key": r["key"], "report_id": r["report_id"], "report": "", "entry_hash": f"{r['id']:032x}",
                 "span_start": 0, "span_end": 40, "incident_id": r["id"], "excerpt": r["excerpt"], "state": state,
                 "fields": fields, "changes": {}, "note": "", "who": "bench", "origin": "",
                 "at": f"2024-01-01T00:00:{k % 60:02d}.{k % 1000:03d}Z"}
            d["uid"] = review._uid(d)
            review._insert(conn, d)
        conn.execute("COMMIT")
        conn.execute("DELETE FROM link_dirty")
    return len(picked)


def best(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def run(size: int, share: float, workdir: Path) -> dict:
    import bench_dashboard

    from incidents import review, views
    from incidents.store import Store

    db = workdir / f"review-{size}.db"
    bench_dashboard.build_store(db, size)
    n_reviews = add_reviews(db, share)
    out = {"size": size, "reviews": n_reviews}
    with Store(db) as store:
        out["load_frame"], df = best(lambda: views.load_frame(store.conn))
        out["review.load"], res = best(lambda: review.load(store))
        assert len(res.by_incident) == n_reviews and not res.orphans
        out["apply_frame"], shown = best(lambda: review.apply_frame(df, res))
        assert len(shown) == len(df) - sum(r.state.value == "rejected" for r in res.by_incident.values())
        out["export"], _ = best(lambda: review.to_csv(shown), repeat=1)
        store.conn.execute("UPDATE incidents SET key = 'lost:' || id")
        out["fallback"], res2 = best(lambda: review.load(store))
        assert len(res2.by_incident) == n_reviews and set(res2.how.values()) == {"span"}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--share", type=float, default=0.1, help="share of incidents reviewed (default 0.1)")
    ap.add_argument("--workdir", default=str(HERE / "out" / "review"))
    args = ap.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = [run(n, args.share, workdir) for n in sizes]
    keys = ("load_frame", "review.load", "fallback", "apply_frame", "export")
    print(f"{'size':>8} {'reviews':>8} " + " ".join(f"{k:>22}" for k in keys))
    for r in results:
        cells = [f"{r[k]:8.3f}s ({r[k] / r['load_frame']:5.2f}x)" for k in keys]
        print(f"{r['size']:>8} {r['reviews']:>8} " + " ".join(f"{c:>22}" for c in cells))
    if len(results) > 1:
        lo, hi = results[0], results[-1]
        growth = " ".join(f"{k} {hi[k] / lo[k]:.1f}" for k in keys)
        print(f"growth {lo['size']} -> {hi['size']} ({hi['size'] / lo['size']:.0f}x the incidents): {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
