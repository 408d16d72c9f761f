"""Extraction speed: the full pipeline against a bare multi-pattern scan.

    python bench/make_corpus.py --megabytes 50 --out bench/out/corpus
    python bench/bench_extract.py --corpus bench/out/corpus [--megabytes 10] [--profile]

In one process and one run:

* **pipeline**: ``incidents.reading.read_report(path)`` then
  ``incidents.extract.extract(report, gazetteer)`` for every file, which is
  what ``python -m incidents extract`` does minus printing JSON;
* **bare scan**: a pyahocorasick ``Automaton`` of every folded gazetteer key
  (``gazetteer.names()``) iterated over ``gazetteer.text.fold(text)`` of the
  same texts, the practical ceiling for gazetteer matching.

Prints both rates in words per second (words = whitespace-separated tokens),
their ratio (target: pipeline within 5x of the bare scan), the incidents
found and the peak resident memory; then times the real CLI once on a subset
via subprocess. ``--profile`` runs pyinstrument over the pipeline on a subset
and prints the top of the profile (call tree and self-time table).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT, ROOT / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

MORDECAI_V2_WPS = 3_700  # words/s reported for an NER-based geoparser (PRODUCT.md)


def corpus_files(corpus: Path, megabytes: float | None = None, limit: int | None = None) -> list[Path]:
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".html"))
    out, size = [], 0
    for p in files:
        if megabytes is not None and size >= megabytes * 1_000_000:
            break
        if limit is not None and len(out) >= limit:
            break
        out.append(p)
        size += p.stat().st_size
    return out


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pipeline(files: list[Path], gaz, progress: bool = False) -> dict:
    from incidents.extract import extract
    from incidents.reading import read_report

    words = incidents = undated = chars = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for i, path in enumerate(files):
        report = read_report(path)
        result = extract(report, gaz)
        words += len(report.text.split())
        chars += len(report.text)
        incidents += len(result.incidents)
        undated += len(result.undated)
        if progress and i % 100 == 99:
            el = time.perf_counter() - t0
            print(f"  ... {i + 1}/{len(files)} files, {words / el:,.0f} words/s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu": time.process_time() - c0, "words": words, "chars": chars,
            "incidents": incidents, "undated": undated}


def run_bare_scan(files: list[Path], gaz) -> dict:
    """Aho-Corasick over the folded text with the same names; reading the files is not timed."""
    import ahocorasick

    from gazetteer.text import fold
    from incidents.reading import read_report

    t0 = time.perf_counter()
    auto = ahocorasick.Automaton()
    for key in gaz.names():
        auto.add_word(key, key)
    auto.make_automaton()
    build = time.perf_counter() - t0
    texts = [read_report(p).text for p in files]
    words = sum(len(t.split()) for t in texts)
    hits = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for text in texts:
        for _end, _key in auto.iter(fold(text)):
            hits += 1
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu": time.process_time() - c0, "words": words, "hits": hits, "names": len(auto), "build_seconds": build}


def run_cli(files: list[Path]) -> dict:
    """The real ``python -m incidents extract`` once, via subprocess (includes start-up)."""
    from incidents.reading import read_report

    words = sum(len(read_report(p).text.split()) for p in files)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "incidents", "extract", *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"CLI exited {proc.returncode}: {proc.stderr[-2000:]}")
    lines = sum(1 for ln in proc.stdout.splitlines() if ln.strip())
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import incidents.cli; from gazetteer import Gazetteer; "
                    "Gazetteer.load().automaton"], cwd=ROOT, check=True, capture_output=True)
    startup = time.perf_counter() - t0
    return {"seconds": seconds, "words": words, "incidents": lines, "files": len(files), "startup": startup}


def profile_pipeline(files: list[Path], gaz, top_lines: int = 60) -> str:
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    prof = Profiler(interval=0.0005)
    prof.start()
    run_pipeline(files, gaz)
    prof.stop()
    session = prof.last_session
    tree = ConsoleRenderer(unicode=False, color=False, show_all=False, short_mode=True).render(session)
    flat = ConsoleRenderer(unicode=False, color=False, flat=True, flat_time="self").render(session)

    top_flat = "\n".join([ln for ln in flat.splitlines() if ln[:1].isdigit()][:25])

    def head(s: str, n: int) -> str:
        return "\n".join(s.splitlines()[:n])

    return (f"--- pyinstrument call tree (top {top_lines} lines) ---\n{head(tree, top_lines)}\n"
            f"--- pyinstrument self time by function (top 25) ---\n{top_flat}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Words per second of extraction against a bare Aho-Corasick scan.")
    ap.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus",
                    help="directory of report files (bench/make_corpus.py writes one)")
    ap.add_argument("--megabytes", type=float, help="use only the first M MB of the corpus")
    ap.add_argument("--files", type=int, help="use only the first N files")
    ap.add_argument("--cli-files", type=int, default=20, help="files for the one timed CLI run (0: skip)")
    ap.add_argument("--profile", action="store_true", help="profile the pipeline with pyinstrument")
    ap.add_argument("--profile-files", type=int, default=40, help="files profiled with --profile")
    ap.add_argument("--progress", action="store_true", help="progress on stderr every 100 files")
    a = ap.parse_args(argv)

    if not a.corpus.is_dir():
        print(f"error: no corpus at {a.corpus}: run bench/make_corpus.py --out {a.corpus}", file=sys.stderr)
        return 2
    files = corpus_files(a.corpus, a.megabytes, a.files)
    if not files:
        print(f"error: no .txt/.md/.html files in {a.corpus}", file=sys.stderr)
        return 2
    mb = sum(p.stat().st_size for p in files) / 1e6

    from gazetteer import Gazetteer

    t0 = time.perf_counter()
    gaz = Gazetteer.load()
    gaz.automaton  # noqa: B018 - built once, like the CLI does before the first report
    load_s = time.perf_counter() - t0
    rss_start = peak_rss_mb()

    from bench_common import run_header

    print(run_header(("incidents", "gazetteer")))
    print(f"corpus: {len(files)} files, {mb:.1f} MB from {a.corpus}; gazetteer {len(gaz)} places, "
          f"{len(gaz.names())} names, loaded in {load_s:.2f} s; cores: {os.cpu_count()}")
    pipe = run_pipeline(files, gaz, a.progress)
    rss_pipe = peak_rss_mb()
    bare = run_bare_scan(files, gaz)
    pipe_wps = pipe["words"] / pipe["seconds"]
    bare_wps = bare["words"] / bare["seconds"]
    pipe_cps = pipe["words"] / max(pipe["cpu"], 1e-9)
    bare_cps = bare["words"] / max(bare["cpu"], 1e-9)
    ratio = bare_cps / pipe_cps  # CPU time: robust to other processes sharing the cores
    print(f"pipeline (read_report + extract): {pipe['words']:,} words in {pipe['seconds']:.1f} s = "
          f"{pipe_wps:,.0f} words/s wall, {pipe_cps:,.0f} words per CPU-second "
          f"({pipe['chars'] / pipe['seconds'] / 1e6:.2f} MB/s of text); "
          f"{pipe['incidents']:,} incidents, {pipe['undated']} undated entries")
    print(f"bare scan (pyahocorasick over fold(text), {bare['names']} names): {bare['words']:,} words in "
          f"{bare['seconds']:.2f} s = {bare_wps:,.0f} words/s wall, {bare_cps:,.0f} words per CPU-second; "
          f"{bare['hits']:,} raw hits")
    verdict = "within" if ratio <= 5 else "NOT within"
    print(f"ratio: pipeline is {ratio:.1f}x slower than the bare scan in CPU time "
          f"({bare_wps / pipe_wps:.1f}x wall; {verdict} the 5x target); "
          f"{pipe_cps / MORDECAI_V2_WPS:.1f}x Mordecai v2's ~3.7k words/s")
    print(f"peak memory: {rss_pipe:.0f} MB RSS after the pipeline (start {rss_start:.0f} MB), "
          f"{peak_rss_mb():.0f} MB after the bare scan (which holds all texts)")

    if a.cli_files:
        cli = run_cli(files[:a.cli_files])
        print(f"CLI (python -m incidents extract, {cli['files']} files, one process): {cli['words']:,} words in "
              f"{cli['seconds']:.2f} s = {cli['words'] / cli['seconds']:,.0f} words/s including "
              f"{cli['startup']:.2f} s start-up; {cli['incidents']:,} JSON lines")
    if a.profile:
        print(profile_pipeline(files[:a.profile_files], gaz))
    return 0


if __name__ == "__main__":
    sys.exit(main())
