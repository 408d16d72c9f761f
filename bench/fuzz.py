"""Fuzz run: thousands of bad inputs through read, extract and ingest, each with a time limit.

    python bench/fuzz.py --inputs 10000 --seed 1 [--workers 2] [--big]    # counts by class
    python bench/fuzz.py --shapes [--sizes 1,5]                            # slow shapes, s per MB
    python bench/fuzz.py --shapes --sizes 1 --against /tmp/base            # vs a base tree, alternated

Each input (``bench/fuzz_inputs.py``: random bytes, flips, truncations, Unicode, huge numbers,
odd dates, HTML, Markdown, long lines, runs, pattern-shaped and regex-pumped text) runs in a
worker process (forked after the gazetteer is loaded) that reads it (as file bytes or pasted
text), extracts it and ingests it twice into a temporary store, and checks :func:`check`'s
invariants. An input whose CPU time exceeds its limit (``--base`` seconds plus ``--per-mb``
seconds per MB) is counted *over limit*; a worker still busy after ten times the limit in
wall-clock time (the machine may be shared) is killed (and counted so). The run prints counts by class: ``ok``,
``refused`` (the project's own error, e.g. a binary file), ``crash: <exception type>``,
``invariant: <name>``, ``over limit``, with the first examples of each.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
from multiprocessing.connection import wait as wait_any
import os
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from fuzz_inputs import BIG_SHAPES, FuzzInput, inputs, sample_texts  # noqa: E402

REUSE_FROM = 250_000  # chars: inputs this long are saved with their extraction (see check)
COUNT_BOUND = 1_000_000  # no single incident kills or wounds more (the largest single events: thousands)


class Violation(Exception):
    """An invariant that does not hold: ``name`` is its class in the counts."""

    def __init__(self, name: str, detail: str):
        super().__init__(f"{name}: {detail}")
        self.name = name


def read(inp: FuzzInput, via_file: Path | None = None):
    """The report of an input, read the way the CLI (bytes, file) or the Reports page (pasted text) reads it."""
    from incidents.reading import normalise_text, read_bytes_report, read_report, report_from_text

    if via_file is not None:
        data = inp.data if isinstance(inp.data, bytes) else inp.data.encode("utf-8", "surrogatepass")
        via_file.write_bytes(data)
        return read_report(via_file, published=inp.published)
    if isinstance(inp.data, bytes):
        return read_bytes_report(inp.data, inp.filename, published=inp.published)
    kind = {".html": "html", ".htm": "html", ".md": "md"}.get(Path(inp.filename).suffix, "txt")
    return report_from_text(normalise_text(inp.data, kind), published=inp.published)


def check(inp: FuzzInput, gazetteer, store=None, via_file: Path | None = None) -> str:
    """Run one input through read, extract (and ingest into ``store``); ``"ok"``, ``"refused"`` or a raise.

    Raises :class:`Violation` when an invariant fails; any other exception is a crash.
    """
    from gazetteer.errors import IncidentMapError
    from incidents.dates import EARLIEST
    from incidents.extract import extract
    from incidents.ingest import ingest

    try:
        report = read(inp, via_file)
    except IncidentMapError:
        return "refused"
    text = report.text
    for field in ("text", "source", "title", "url", "path"):
        try:
            getattr(report, field).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Violation("unencodable text", f"{field}: {exc}") from None
    if report.published is not None and not EARLIEST <= report.published <= date.today() + timedelta(days=1) \
            and report.published != inp.published:
        raise Violation("absurd inferred date", report.published.isoformat())
    result = extract(report, gazetteer)
    today = date.today()
    for inc in result.incidents:
        if not (0 <= inc.start <= inc.end <= len(text)):
            raise Violation("span outside text", f"{inc.start}-{inc.end} of {len(text)}")
        if inc.excerpt != text[inc.start:inc.end]:
            raise Violation("excerpt differs from text", f"{inc.start}-{inc.end}")
        for m in inc.mentions:
            if text[m["start"]:m["end"]] != m["surface"]:
                raise Violation("mention differs from text", f"{m['start']}-{m['end']}")
        if not (isinstance(inc.lat, float) and isinstance(inc.lon, float) and math.isfinite(inc.lat)
                and math.isfinite(inc.lon) and -90 <= inc.lat <= 90 and -180 <= inc.lon <= 180):
            raise Violation("bad lat/lon", f"{inc.lat}, {inc.lon}")
        for name in ("fatalities", "injuries"):
            n = getattr(inc, name)
            if n is not None and not (isinstance(n, int) and 0 <= n <= COUNT_BOUND):
                raise Violation("implausible count", f"{name}={str(n)[:30]} from {getattr(inc, name + '_text')[:60]!r}")
        if inc.time_precision not in (1, 2, 3) or inc.geo_precision not in (1, 2, 3):
            raise Violation("bad precision", f"{inc.time_precision}, {inc.geo_precision}")
        if inc.date is not None:
            day = date.fromisoformat(inc.date)
            ref = date.fromisoformat(inc.published) if inc.published else today
            if not EARLIEST <= day <= ref + timedelta(days=1):
                raise Violation("date outside window", f"{inc.date} (published {inc.published})")
    if store is not None:
        # a big input is saved with the extraction just made, as the Reports page saves its preview (the CLI
        # extracts once too): its time is read + extract + save, not two extractions; below REUSE_FROM chars
        # ingest extracts by itself and must store what extract gave
        res = ingest(store, report, gazetteer, extraction=result if len(text) >= REUSE_FROM else None)
        rid, added, n = res
        rid2, added2, n2 = ingest(store, report, gazetteer)
        if (rid2, added2, n2) != (rid, False, n):
            raise Violation("ingest not idempotent", f"{(rid, n)} then {(rid2, added2, n2)}")
        # a new report stores what extraction gives (a new version of a stored one keeps the incidents of the
        # entries it shares with it; the same text may be stored already, with another date)
        if res.state == "added" and n != len(result.incidents):
            raise Violation("ingest differs from extract", f"{n} stored, {len(result.incidents)} extracted")
    return "ok"


def classify_exception(exc: BaseException) -> str:
    if isinstance(exc, Violation):
        return f"invariant: {exc.name}"
    return f"crash: {type(exc).__name__}"


# ------------------------------------------------------------------------ workers
def _worker(conn, gazetteer, workdir: str) -> None:
    from incidents.store import Store

    store = Store(Path(workdir) / f"fuzz-{os.getpid()}.db")
    via = Path(workdir) / f"input-{os.getpid()}"
    k = 0
    while True:
        try:
            inp = conn.recv()
        except EOFError:
            return
        if inp is None:
            return
        k += 1
        t = time.process_time()
        try:
            # every 5th input is read from a file, as the CLI reads it
            cls, detail = check(inp, gazetteer, store, via.with_suffix(Path(inp.filename).suffix) if k % 5 == 0 else None), ""
        except Exception as exc:  # noqa: BLE001 - every exception is counted by its class
            cls, detail = classify_exception(exc), "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]
            if cls.startswith("crash"):
                detail += " @ " + " < ".join(f"{Path(f.filename).name}:{f.lineno}"
                                            for f in reversed(traceback.extract_tb(exc.__traceback__)[-3:]))
        conn.send((cls, detail, time.process_time() - t))


class Pool:
    """Worker processes forked after the gazetteer is loaded; one killed and replaced on a time-out."""

    def __init__(self, workers: int, gazetteer, workdir: str, wall_factor: float = 10.0):
        self.ctx = mp.get_context("fork")
        self.wall_factor = wall_factor  # a worker is killed after this many times its limit in wall time
        self.gazetteer, self.workdir = gazetteer, workdir
        self.slots = [self._start() for _ in range(workers)]

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child, self.gazetteer, self.workdir), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, items, limit_of, on_result) -> None:
        """Feed ``items`` to the workers; ``on_result(inp, cls, detail, cpu_s, wall_s)`` for each."""
        it = iter(items)
        busy: dict[int, tuple] = {}  # slot -> (input, started, limit)
        while True:
            for k in range(len(self.slots)):
                if k not in busy:
                    inp = next(it, None)
                    if inp is not None:
                        self.slots[k][1].send(inp)
                        busy[k] = (inp, time.perf_counter(), limit_of(inp))
            if not busy:
                break
            now = time.perf_counter()
            conns = [self.slots[k][1] for k in busy]
            wait = max(0.0, min(started + limit * self.wall_factor - now for _, started, limit in busy.values()))
            ready = wait_any(conns, timeout=wait)
            now = time.perf_counter()
            for k in list(busy):
                inp, started, limit = busy[k]
                proc, conn = self.slots[k]
                if conn in ready:
                    try:
                        cls, detail, cpu = conn.recv()
                    except EOFError:  # the worker died (a segfault, the OOM killer)
                        cls, detail, cpu = "crash: worker died", f"exit code {proc.exitcode}", now - started
                        self._replace(k)
                    if cpu > limit:  # CPU time: other sessions' load on the machine does not count
                        cls, detail = "over limit", f"{cpu:.2f} CPU s > {limit:.2f} s ({cls})"
                    on_result(inp, cls, detail, cpu, now - started)
                    del busy[k]
                elif now - started > limit * self.wall_factor:
                    self._replace(k)
                    on_result(inp, "over limit", f"killed after {now - started:.1f} s wall", limit, now - started)
                    del busy[k]

    def _replace(self, k: int) -> None:
        proc, conn = self.slots[k]
        if proc.is_alive():
            proc.kill()
        proc.join()
        conn.close()
        self.slots[k] = self._start()

    def close(self) -> None:
        for proc, conn in self.slots:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def load_gazetteer():
    from gazetteer import Gazetteer

    gaz = Gazetteer.load(user=False, fallback=True)
    gaz.automaton  # built before the workers fork
    if gaz.fallback is not None and hasattr(gaz.fallback, "lookup"):
        gaz.fallback.lookup("Rafah")  # builds the GeoNames index once
    return gaz


# ------------------------------------------------------------------------ commands
def fuzz(args) -> int:
    from bench_common import run_header

    print(run_header(("incidents", "gazetteer", "bench/fuzz.py", "bench/fuzz_inputs.py")))
    gaz = load_gazetteer()
    counts: Counter = Counter()
    by_family: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    slowest: list[tuple[float, str, int]] = []
    per_mb: list[tuple[float, str, int]] = []
    t0 = time.perf_counter()

    def limit_of(inp: FuzzInput) -> float:
        return args.base + args.per_mb * inp.size / 1e6

    def on_result(inp, cls, detail, cpu, wall):
        counts[cls] += 1
        by_family[inp.family][cls] += 1
        if cls not in ("ok", "refused") and len(examples[cls]) < args.examples:
            examples[cls].append(f"{inp.id} ({inp.size:,} chars, published {inp.published}): {detail}")
        slowest.append((cpu, inp.id, inp.size))
        slowest.sort(reverse=True)
        del slowest[5:]
        if inp.size >= 250_000:
            per_mb.append((cpu / (inp.size / 1e6), inp.id, inp.size))
        done = sum(counts.values())
        if args.progress and done % 500 == 0:
            print(f"  {done:,} inputs, {time.perf_counter() - t0:.0f} s: {dict(counts)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="fuzz-") as workdir:
        pool = Pool(args.workers, gaz, workdir)
        try:
            pool.run(inputs(args.seed, args.inputs, big=args.big), limit_of, on_result)
        finally:
            pool.close()
    total = sum(counts.values())
    print(f"\n{total:,} inputs (seed {args.seed}{', with 1-5 MB inputs' if args.big else ''}) in "
          f"{time.perf_counter() - t0:.0f} s on {args.workers} workers; limit {args.base:g} s + "
          f"{args.per_mb:g} s/MB of CPU time per input")
    for cls, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {cls:32s} {n:7,}")
    print("\nby family (ok / refused / other):")
    for fam in sorted(by_family):
        c = by_family[fam]
        other = sum(v for k, v in c.items() if k not in ("ok", "refused"))
        print(f"  {fam:14s} {c['ok']:6,} / {c['refused']:6,} / {other:4,}")
    print("\nslowest inputs (CPU): " + ", ".join(f"{w:.2f} s ({i}, {s:,} chars)" for w, i, s in slowest))
    if per_mb:
        w, i, s = max(per_mb)
        print(f"worst seconds per MB over {len(per_mb)} inputs of 250 KB or more: {w:.2f} s/MB ({i}, {s:,} chars)")
    for cls, exs in sorted(examples.items()):
        print(f"\n{cls}:")
        for e in exs:
            print(f"  {e}")
    if args.json:
        Path(args.json).write_text(json.dumps({"counts": counts, "by_family": by_family}, indent=1))
    return 0 if all(k in ("ok", "refused") for k in counts) else 1


def _time_shape(conn, gazetteer, text: str, suffix: str) -> None:
    from incidents.extract import extract
    from incidents.reading import normalise_text, report_from_text

    t = time.process_time()
    report = report_from_text(normalise_text(text, "md" if suffix == ".md" else "txt"), published=date(2024, 2, 7))
    read_s = time.process_time() - t
    n = len(extract(report, gazetteer).incidents)
    conn.send((read_s, time.process_time() - t, n))


def shapes(args) -> int:
    """Each slow shape at the given sizes: CPU seconds per MB of read + extract (limit: 2 s/MB)."""
    from bench_common import run_header

    print(run_header(("incidents", "bench/fuzz.py", "bench/fuzz_inputs.py")))
    gaz = load_gazetteer()
    seeds = sample_texts()
    ctx = mp.get_context("fork")
    worst = 0.0
    print(f"{'shape':34s} {'MB':>5s} {'read s':>8s} {'total s':>8s} {'s/MB':>6s}  incidents")
    for name in (args.only.split(";") if args.only else BIG_SHAPES):
        for mb in (float(x) for x in args.sizes.split(",")):
            text = BIG_SHAPES[name](int(mb * 1e6), seeds).encode("utf-8")[:int(mb * 1e6)].decode("utf-8", "ignore")
            suffix = ".md" if name.endswith("(.md)") else ".txt"
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_time_shape, args=(child, gaz, text, suffix), daemon=True)
            proc.start()
            child.close()
            limit = args.timeout
            if parent.poll(limit):
                read_s, total, n = parent.recv()
                rate = total / (len(text.encode()) / 1e6)
                worst = max(worst, rate)
                print(f"{name:34s} {mb:5.1f} {read_s:8.2f} {total:8.2f} {rate:6.2f}  {n}", flush=True)
            else:
                print(f"{name:34s} {mb:5.1f} {'':8s} {'> ' + str(int(limit)):>8s} {'':6s}  (killed)", flush=True)
                worst = math.inf
            if proc.is_alive():
                proc.kill()
            proc.join()
    print(f"worst: {worst:.2f} s/MB (target <= 2)")
    return 0


# one shape timed in a fresh interpreter inside another source tree (``--against``): the text comes from a file
_SHAPE_CHILD = r"""
import dataclasses, hashlib, json, sys, time
from datetime import date
tree, path, suffix = sys.argv[1:4]
sys.path[:0] = [tree]
from gazetteer import Gazetteer
from incidents.extract import extract
from incidents.reading import normalise_text, report_from_text
gaz = Gazetteer.load(user=False, fallback=True)
gaz.automaton
if gaz.fallback is not None and hasattr(gaz.fallback, "lookup"):
    gaz.fallback.lookup("Rafah")
text = open(path, encoding="utf-8").read()
t = time.process_time()
report = report_from_text(normalise_text(text, "md" if suffix == ".md" else "txt"), published=date(2024, 2, 7))
read_s = time.process_time() - t
incs = extract(report, gaz).incidents
total = time.process_time() - t
digest = hashlib.sha256(repr([dataclasses.asdict(i) for i in incs]).encode()).hexdigest()[:12]
print(json.dumps({"read": read_s, "total": total, "n": len(incs), "digest": digest}))
"""


def _time_in_tree(tree: Path, path: Path, suffix: str, timeout: float) -> dict | None:
    import subprocess

    try:
        out = subprocess.run([sys.executable, "-c", _SHAPE_CHILD, str(tree), str(path), suffix], cwd=tree,
                             capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(tree)})
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise RuntimeError(f"{tree}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def against(args) -> int:
    """Each shape timed in this tree and in ``--against`` (another checkout, e.g. ``git archive`` of a base),
    alternated ``--rounds`` times, each run a fresh process; CPU s/MB, the branch/base ratio of the medians
    (load moves both alike) and whether both give the same incidents."""
    import statistics

    from bench_common import run_header

    print(run_header(("incidents", "gazetteer", "bench/fuzz.py", "bench/fuzz_inputs.py")))
    base_tree = Path(args.against).resolve()
    print(f"base: {base_tree}; {args.rounds} alternating rounds per shape and size")
    seeds = sample_texts()
    print(f"{'shape':36s} {'MB':>4s} {'base s/MB':>10s} {'this s/MB':>10s} {'ratio':>6s}  same incidents")
    with tempfile.TemporaryDirectory(prefix="shapes-") as tmp:
        for name in (args.only.split(";") if args.only else BIG_SHAPES):
            for mb in (float(x) for x in args.sizes.split(",")):
                text = BIG_SHAPES[name](int(mb * 1e6), seeds).encode("utf-8")[:int(mb * 1e6)].decode("utf-8", "ignore")
                size = len(text.encode()) / 1e6
                path = Path(tmp) / "shape.txt"
                path.write_text(text, encoding="utf-8")
                suffix = ".md" if name.endswith("(.md)") else ".txt"
                runs: dict[str, list] = {"base": [], "this": []}
                for _ in range(args.rounds):
                    for label, tree in (("base", base_tree), ("this", ROOT)):
                        runs[label].append(_time_in_tree(tree, path, suffix, args.timeout))
                med = {k: (statistics.median(r["total"] for r in v) / size if all(v) else math.inf)
                       for k, v in runs.items()}
                digests = {r["digest"] for v in runs.values() for r in v if r}
                same = "yes" if len(digests) == 1 and all(all(v) for v in runs.values()) else "NO"
                ratio = med["this"] / med["base"] if med["base"] not in (0, math.inf) else math.nan
                print(f"{name:36s} {mb:4.1f} {med['base']:10.2f} {med['this']:10.2f} {ratio:6.2f}  {same}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--big", action="store_true", help="include 1-5 MB inputs (one in 400)")
    ap.add_argument("--base", type=float, default=2.0, help="time limit per input: this many seconds ...")
    ap.add_argument("--per-mb", type=float, default=2.0, help="... plus this many seconds per MB")
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--json", metavar="PATH", help="also write the counts as JSON")
    ap.add_argument("--shapes", action="store_true", help="time the slow shapes instead (s per MB)")
    ap.add_argument("--sizes", default="1,5", help="MB, with --shapes")
    ap.add_argument("--only", help="shape names separated by ;, with --shapes")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per shape, with --shapes")
    ap.add_argument("--against", metavar="TREE", help="with --shapes: also time another source tree (a base "
                    "checkout, e.g. `git archive REV | tar -x -C TREE`), alternated; ratios and same-output check")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per shape, with --against")
    args = ap.parse_args(argv)
    if args.shapes and args.against:
        return against(args)
    return shapes(args) if args.shapes else fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
