"""Smoke runs of the benchmarks in bench/: they run and print their figures.

Tiny sizes (3 reports; a 300-incident store with one slider move) so they keep
working; no timing is asserted. The dashboard run needs Debian's chromium
(tools/install-test-deps.sh) and is skipped without it.
"""
from __future__ import annotations

import re
import subprocess
import sys
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


def _run(args: list[str], timeout: int = 120) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    text = _run([str(BENCH / "make_corpus.py"), "--reports", "3", "--seed", "5", "--out", str(out)])
    assert re.search(r"wrote 3 reports", text)
    return out


def test_corpus_is_marked_synthetic_deterministic_and_in_live_formats(corpus, tmp_path):
    import make_corpus

    files = sorted(corpus.glob("*.txt"))
    assert len(files) == 3
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert all(t.startswith(make_corpus.HEADER + "\n") for t in texts)
    again = tmp_path / "again"
    make_corpus.write_corpus(again, reports=3, seed=5)
    assert [f.read_bytes() for f in sorted(again.glob("*.txt"))] == [f.read_bytes() for f in files]
    # every format appears in a slightly bigger corpus; size-bounded runs stop near the size
    more = tmp_path / "more"
    n, size, words = make_corpus.write_corpus(more, megabytes=0.3, seed=2)
    assert size >= 300_000 and words > 0 and n == len(list(more.glob("*.txt")))
    joined = "\n".join(p.read_text(encoding="utf-8") for p in more.glob("*.txt"))
    assert "Link Copied!" in joined and "From CNN's" in joined and "(AP Photo/" in joined
    assert "(Reuters) -" in joined and re.search(r"^[A-Z' -]+, [A-Za-z ]+ —", joined, re.M)


def test_bench_extract_prints_rates_ratio_memory_cli_and_profile(corpus):
    out = _run([str(BENCH / "bench_extract.py"), "--corpus", str(corpus), "--cli-files", "1",
                "--profile", "--profile-files", "1"])
    assert re.search(r"pipeline .*: [\d,]+ words in .* = [\d,]+ words/s", out), out
    assert re.search(r"bare scan .*= [\d,]+ words/s", out), out
    assert re.search(r"ratio: pipeline is [\d.]+x slower", out), out
    assert re.search(r"[\d,]+ incidents", out) and "peak memory:" in out
    assert re.search(r"CLI .*[\d,]+ words/s", out), out
    assert "pyinstrument" in out and "extract" in out


def test_bench_extract_refuses_a_missing_corpus(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "bench_extract.py"), "--corpus", str(tmp_path / "none")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "make_corpus.py" in proc.stderr


def test_bench_dashboard_store_rows_are_plausible(tmp_path):
    import bench_dashboard

    from incidents.store import Store

    info = bench_dashboard.build_store(tmp_path / "s.db", 300)
    assert info["incidents"] == 300 and info["places"] > 20
    with Store(tmp_path / "s.db") as s:
        rows = s.incidents()
        assert len(rows) == 300
        r = rows[0]
        assert r["excerpt"].startswith("SYNTHETIC") and r["place"] in r["excerpt"]
        m = r["mentions"][0]
        text = s.report_text(r["report_id"])
        assert text[m["start"]:m["end"]] == r["place"] and text[r["start"]:r["end"]] == r["excerpt"]


def test_bench_dashboard_smoke_300_incidents_one_slider_move():
    import bench_dashboard
    if not Path(bench_dashboard.CHROMIUM).exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"{bench_dashboard.CHROMIUM} is not installed (tools/install-test-deps.sh installs it)")
    out = _run([str(BENCH / "bench_dashboard.py"), "--sizes", "300", "--moves", "1", "--profile"], timeout=240)
    assert re.search(r"\[300\] slider move: [\d,]+ -> [\d,]+ events", out), out  # the count shown is events now
    assert re.search(r"^\| 300 +\| \d+ ", out, re.M), out
    assert "server RSS" in out and "first map cold" in out
    assert "_get_feature_group_string" in out and "views.aggregate_places" in out


@pytest.mark.slow
def test_bench_dashboard_smoke_on_a_dataset():  # ~60 s: a store, its export, a server and a browser
    import bench_dashboard
    if not Path(bench_dashboard.CHROMIUM).exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"{bench_dashboard.CHROMIUM} is not installed (tools/install-test-deps.sh installs it)")
    out = _run([str(BENCH / "bench_dashboard.py"), "--dataset", "--sizes", "300", "--moves", "1"], timeout=300)
    assert re.search(r"\[300\] dataset: export \(events linked first\) [\d.]+ s, [\d,]+ events", out), out
    assert re.search(r"\[300\] slider move: [\d,]+ -> [\d,]+ events", out), out
    assert re.search(r"^\| 300 +\| \d+ .*\| Parquet \+ DuckDB \|$", out, re.M), out


@pytest.mark.slow
def test_bench_batch_smoke_one_worker_and_a_small_dataset(tmp_path):  # ~20 s: a cluster, a corpus, a store
    out = _run([str(BENCH / "bench_batch.py"), "--reports", "3", "--workers", "1", "--sizes", "1500",
                "--repeat", "1", "--workdir", str(tmp_path)], timeout=300)
    assert re.search(r"serial in this process: .* words/s", out), out
    assert re.search(r"^\| 1 \| [\d.]+ \| warm \| ", out, re.M), out
    assert "scheduler: " in out and "ms per no-op task" in out
    assert "same incident count serially and on every cluster: yes" in out
    assert re.search(r"^\| aggregate_month \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", out, re.M), out
    assert "same answers: True" in out


def test_bench_review_smoke(tmp_path):
    import bench_review

    out = bench_review.run(300, 0.5, tmp_path)
    assert out["size"] == 300 and 100 < out["reviews"] < 200
    assert all(out[k] >= 0 for k in ("load_frame", "review.load", "fallback", "apply_frame", "export"))


@pytest.mark.slow
def test_bench_load_smoke_one_and_two_sessions_300_incidents(tmp_path):  # ~60 s: two rounds of browsers
    import bench_dashboard
    if not Path(bench_dashboard.CHROMIUM).exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"{bench_dashboard.CHROMIUM} is not installed (tools/install-test-deps.sh installs it)")
    out = _run([str(BENCH / "bench_load.py"), "--size", "300", "--sessions", "1,2", "--moves", "1",
                "--profile", "--workdir", str(tmp_path)], timeout=400)
    assert "dashboard under load: 300 incidents, commit " in out, out
    assert re.search(r"^\| 1 +\| cold +\| [\d.]+ s ", out, re.M), out
    assert re.search(r"^\| 2 +\| warm +\| [\d.]+ s +\| [\d.]+ / [\d.]+ s +\| [\d.]+ / [\d.]+ s +\| [\d.]+ / [\d.]+ s",
                     out, re.M), out
    assert "views.aggregate_places" in out and "cache_resource: shared" in out


@pytest.mark.slow
def test_bench_load_reruns_in_process_300_incidents(tmp_path):  # ~30 s: AppTest reruns, no browser
    out = _run([str(BENCH / "bench_load.py"), "--size", "300", "--sessions", "0", "--reruns",
                "--workdir", str(tmp_path)], timeout=400)
    for name in ("session's first run", "slider, first session", "slider, second session", "place selected"):
        assert re.search(rf"^  {re.escape(name)}.* median +\d+ ms", out, re.M), out
    assert "dashboard under load" not in out  # no browser round
