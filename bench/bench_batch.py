"""Batch extraction on Dask, and DuckDB queries over the Parquet dataset.

    python bench/bench_batch.py --reports 120 --workers 1,2 --sizes 100000,1000000
    python bench/bench_batch.py --reports 8 --workers 1 --sizes 2000 --repeat 2   # smoke run (tests/test_bench.py)

Batch: a synthetic corpus (bench/make_corpus.py) is extracted three ways in this process's
run: serially here (read_report + extract per file, the baseline), then with ``run_batch``
on a local cluster of 1 and of 2 worker processes (1 thread each). Each cluster does a cold
run (workers load the gazetteer) and a warm run (a fresh dataset, gazetteers loaded). The
parallel efficiency is T(1 worker) / (2 x T(2 workers)) on the warm runs. The scheduler's
cost per task is measured with 2,000 no-op tasks on the same cluster.

Columnar: a store of N synthetic incidents (bench_dashboard.build_store: Zipf-weighted
places, 10 years at 1M) is exported to Parquet, then each query is timed through
``incidents.columnar`` (cold = first call after opening, warm = median of --repeat) and
through the SQLite/pandas path of ``incidents.views`` on the same store (load_frame once,
then filter_frame + aggregate_places / newest_first), and the two answers are compared.
"""
from __future__ import annotations

import argparse
import gc
import logging
import resource
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_common import run_header  # noqa: E402

MEASURED = ("incidents/batch.py", "incidents/parquet.py", "incidents/columnar.py", "incidents/export.py",
            "bench/bench_batch.py")


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------- batch
def serial_baseline(files: list[Path]) -> dict:
    from gazetteer import Gazetteer

    from incidents.extract import extract
    from incidents.reading import read_report

    t0 = time.perf_counter()
    gaz = Gazetteer.load(fallback=True)
    load = time.perf_counter() - t0
    words = incidents = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for f in files:
        report = read_report(f)
        incidents += len(extract(report, gaz).incidents)
        words += len(report.text.split())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"words": words, "incidents": incidents, "seconds": wall, "cpu": cpu, "gazetteer_load": load}


def noop(x):
    return x


def batch_runs(corpus: Path, workers: int, workdir: Path, unit_reports: int) -> dict:
    from distributed import Client, LocalCluster

    from incidents.batch import run_batch

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.CRITICAL)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    try:
        runs = {}
        for kind in ("cold", "warm"):
            out = workdir / f"ds-{workers}w-{kind}"
            shutil.rmtree(out, ignore_errors=True)
            s = run_batch([str(corpus)], out, client=client, progress=False, unit_reports=unit_reports)
            assert not s.errors, s.errors[:3]
            runs[kind] = s
        # scheduler overhead: no-op tasks on the same cluster
        n = 2000
        t0 = time.perf_counter()
        client.gather(client.map(noop, range(n), pure=False))
        per_task_ms = (time.perf_counter() - t0) / n * 1000
    finally:
        client.close()
        cluster.close()
    return {"workers": workers, "startup": startup, "cold": runs["cold"], "warm": runs["warm"],
            "per_task_ms": per_task_ms}


# ---------------------------------------------------------------------- columnar
def timed(fn, repeat: int):
    t0 = time.perf_counter()
    first = fn()
    cold = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return first, cold * 1000, (statistics.median(times) * 1000 if times else cold * 1000)


def columnar_bench(n: int, workdir: Path, repeat: int, pandas_baseline: bool, reuse: bool = False) -> dict:
    import sqlite3

    import pandas as pd
    from bench_dashboard import build_store

    from incidents import views
    from incidents.columnar import ColumnarStore
    from incidents.export import export_store
    from incidents.views import PLACE_COLUMNS, Filters

    db = workdir / f"store-{n}.db"
    ds = workdir / f"dataset-{n}"
    days = 3650 if n >= 1_000_000 else 366
    built = None
    if reuse and db.exists():  # a store this benchmark built before, with the same size
        with sqlite3.connect(db) as conn:
            have = conn.execute("SELECT count(*), count(DISTINCT place_id) FROM incidents").fetchone()
        if have[0] == n:
            built = {"places": have[1], "seconds": 0.0, "reused": True}
    if built is None:
        built = build_store(db, n, days=days)
    shutil.rmtree(ds, ignore_errors=True)
    t0 = time.perf_counter()
    exp = export_store(db, ds)
    export_s = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in ds.rglob("*.parquet"))
    inc_size = sum(p.stat().st_size for p in (ds / "incidents").rglob("*.parquet"))

    start = date(2024, 1, 1)
    month = Filters(start=start + timedelta(days=days // 2), end=start + timedelta(days=days // 2 + 30))
    full = Filters(start=start, end=start + timedelta(days=days))
    out = {"n": n, "days": days, "places": built["places"], "store_build": built["seconds"],
           "reused": built.get("reused", False), "export": export_s,
           "export_summary": exp, "bytes": size, "incident_bytes": inc_size, "db_bytes": db.stat().st_size}
    rss0 = rss_mb()
    t0 = time.perf_counter()
    col = ColumnarStore(ds)
    out["open_ms"] = (time.perf_counter() - t0) * 1000
    res = {}
    res["date_range"] = timed(col.date_range, repeat)
    res["aggregate_month"] = timed(lambda: col.place_aggregates(month), repeat)
    res["aggregate_all"] = timed(lambda: col.place_aggregates(full), repeat)
    top = res["aggregate_month"][0]["place_id"].iloc[0]
    res["totals_month"] = timed(lambda: col.totals(month), repeat)
    res["place_month"] = timed(lambda: col.place_incidents(top, month, 50), repeat)
    res["place_all"] = timed(lambda: col.place_incidents(top, full, 50), repeat)
    res["daily_all"] = timed(lambda: col.daily_counts(full), repeat)
    out["columnar"] = {k: (v[1], v[2]) for k, v in res.items()}
    out["columnar_rss"] = (rss0, rss_mb())
    out["top_place"] = top
    if pandas_baseline:
        gc.collect()
        with sqlite3.connect(db) as conn:
            t0 = time.perf_counter()
            df = views.load_frame(conn)
            out["pandas_load_ms"] = (time.perf_counter() - t0) * 1000
        out["rss_pandas_loaded"] = rss_mb()
        pd_res = {}
        pd_res["date_range"] = timed(lambda: views.date_bounds(df), repeat)
        pd_res["aggregate_month"] = timed(lambda: views.aggregate_places(views.filter_frame(df, month)), repeat)
        pd_res["aggregate_all"] = timed(lambda: views.aggregate_places(views.filter_frame(df, full)), repeat)
        pd_res["totals_month"] = timed(lambda: views.totals(views.filter_frame(df, month)), repeat)
        pd_res["place_month"] = timed(lambda: views.newest_first(views.filter_frame(df, month, place_id=top), 50),
                                      repeat)
        pd_res["place_all"] = timed(lambda: views.newest_first(views.filter_frame(df, full, place_id=top), 50), repeat)
        pd_res["daily_all"] = timed(lambda: views.filter_frame(df, full).groupby(["date", "event_type"]).size(),
                                    repeat)
        out["pandas"] = {k: (v[1], v[2]) for k, v in pd_res.items()}
        out["rss_after_pandas"] = rss_mb()
        # same answers
        for key in ("aggregate_month", "aggregate_all"):
            pd.testing.assert_frame_equal(res[key][0][list(PLACE_COLUMNS)].reset_index(drop=True),
                                          pd_res[key][0][list(PLACE_COLUMNS)].reset_index(drop=True),
                                          check_dtype=False)
        assert res["totals_month"][0] == pd_res["totals_month"][0]
        assert list(res["place_all"][0]["id"]) == list(pd_res["place_all"][0]["id"])
        assert res["date_range"][0] == pd_res["date_range"][0]
        out["same_answers"] = True
        del df
        gc.collect()
    col.close()
    return out


# ---------------------------------------------------------------------- report
def print_batch(base: dict, runs: list[dict], n_files: int) -> None:
    print(f"\n## Batch: {n_files} reports, {base['words']:,} words, {base['incidents']:,} incidents")
    print(f"serial in this process: {base['seconds']:.2f} s wall, {base['cpu']:.2f} s CPU -> "
          f"{base['words'] / base['seconds']:,.0f} words/s ({base['words'] / base['cpu']:,.0f} words/CPU-s), "
          f"{n_files / base['seconds']:.2f} reports/s "
          f"(gazetteer load {base['gazetteer_load']:.2f} s, not counted)")
    print("| workers | cluster start s | run | seconds | reports/s | words/s | in-task wall s | in-task CPU s | "
          "words/CPU-s | vs serial (wall) | incidents | files |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        for kind in ("cold", "warm"):
            s = r[kind]
            print(f"| {r['workers']} | {r['startup']:.2f} | {kind} | {s.seconds:.2f} | {s.reports / s.seconds:.2f} | "
                  f"{s.words / s.seconds:,.0f} | {s.task_seconds:.2f} | {s.task_cpu_seconds:.2f} | "
                  f"{s.words / s.task_cpu_seconds:,.0f} | {base['seconds'] / s.seconds:.2f}x | "
                  f"{s.incidents:,} | {s.files_written} |")
    by = {r["workers"]: r for r in runs}
    if 1 in by and 2 in by:
        t1, t2 = by[1]["warm"].seconds, by[2]["warm"].seconds
        print(f"parallel efficiency (warm) T1/(2*T2) = {t1:.2f}/(2*{t2:.2f}) = {t1 / (2 * t2):.2f}; "
              f"speed-up {t1 / t2:.2f}x")
        c1, c2 = by[1]["cold"].seconds, by[2]["cold"].seconds
        print(f"parallel efficiency (cold) = {c1 / (2 * c2):.2f}")
        w1, w2 = by[1]["warm"], by[2]["warm"]
        print(f"CPU-normalised: {w1.words / w1.task_cpu_seconds:,.0f} vs {w2.words / w2.task_cpu_seconds:,.0f} "
              f"words per task-CPU-second (1 vs 2 workers)")
    for r in runs:
        print(f"scheduler: {r['per_task_ms']:.2f} ms per no-op task on {r['workers']} worker(s); "
              f"{r['warm'].units} extract tasks of <= {r['warm'].reports / max(1, r['warm'].units):.0f} reports")
    assert all(r["warm"].incidents == base["incidents"] for r in runs), "batch and serial disagree on incidents"
    print("same incident count serially and on every cluster: yes")


def print_columnar(rows: list[dict]) -> None:
    print("\n## Columnar queries (ms: cold first call / warm median)")
    for r in rows:
        e = r["export_summary"]
        built = "reused" if r.get("reused") else f"built in {r['store_build']:.1f} s"
        print(f"\n{r['n']:,} incidents, {r['places']} places, {r['days']} days: store {r['db_bytes'] / 1e6:.0f} MB "
              f"{built}; export {r['export']:.1f} s ({e.files} files, "
              f"{r['bytes'] / 1e6:.1f} MB Parquet, incidents {r['incident_bytes'] / 1e6:.1f} MB); "
              f"open {r['open_ms']:.1f} ms; process RSS {r['columnar_rss'][0]:.0f} MB before opening, "
              f"{r['columnar_rss'][1]:.0f} MB after the DuckDB queries")
        has_pd = "pandas" in r
        print("| query | DuckDB cold | DuckDB warm |" + (" pandas warm | pandas / DuckDB |" if has_pd else ""))
        print("|---|---|---|" + ("---|---|" if has_pd else ""))
        for k, (cold, warm) in r["columnar"].items():
            line = f"| {k} | {cold:.1f} | {warm:.1f} |"
            if has_pd:
                pw = r["pandas"][k][1]
                line += f" {pw:.1f} | {pw / warm:.1f}x |"
            print(line)
        if has_pd:
            print(f"pandas path: load_frame {r['pandas_load_ms'] / 1000:.1f} s once; process RSS with the frame "
                  f"{r['rss_pandas_loaded']:.0f} MB; same answers: {r['same_answers']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=120, help="synthetic reports in the batch corpus")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", default="1,2", help="cluster sizes to run (comma-separated)")
    ap.add_argument("--reports-per-task", type=int, default=None)
    ap.add_argument("--sizes", default="100000,1000000", help="incident counts for the columnar part ('' = skip)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-pandas", dest="pandas", action="store_false", help="skip the SQLite/pandas baseline")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--reuse-stores", action="store_true", help="keep a store of the right size from an earlier run")
    ap.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "batch")
    a = ap.parse_args(argv)
    a.workdir.mkdir(parents=True, exist_ok=True)
    print(run_header(MEASURED))
    if not a.skip_batch and a.reports:
        import make_corpus

        from incidents.batch import UNIT_REPORTS

        corpus = a.workdir / "corpus"
        n, size, words = make_corpus.write_corpus(corpus, reports=a.reports, seed=a.seed)
        print(f"corpus: {n} reports, {size / 1e6:.1f} MB, {words:,} words")
        files = sorted(corpus.glob("*.txt"))
        base = serial_baseline(files)
        runs = [batch_runs(corpus, int(w), a.workdir, a.reports_per_task or UNIT_REPORTS)
                for w in a.workers.split(",") if w]
        print_batch(base, runs, len(files))
    sizes = [int(s) for s in a.sizes.split(",") if s]
    if sizes:
        rows = [columnar_bench(n, a.workdir, a.repeat, a.pandas, a.reuse_stores) for n in sizes]
        print_columnar(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
