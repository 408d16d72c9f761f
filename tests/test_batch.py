"""``python -m incidents batch``: the same incidents as ``extract``, on a real Dask cluster.

One local cluster of 2 worker processes (1 thread each, so never more than this
machine's 2 cores) is started for the module and stopped at its end; the tests reach
it with ``--scheduler`` exactly as a user reaches an existing cluster. One test runs
the default path (the command starts its own local cluster) in a subprocess.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from incidents import cli
from incidents.parquet import RUNS, Dataset, iter_rows

ROOT = Path(__file__).resolve().parent.parent
EVAL_TEXTS = ROOT.parent / "shared" / "eval" / "texts"
SAMPLES = ROOT / "data" / "samples"

KHIAM = "BEIRUT (AP) \u2014 An Israeli strike hit the town of Khiam on Tuesday, killing a man, local officials said.\n"
RAFAH = ("RAFAH, Gaza Strip (AP) \u2014 An airstrike on a house in Rafah on Monday killed four people, "
         "hospital officials said.\n")


@pytest.fixture(scope="module")
def cluster():
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as c:
        yield c.scheduler_address


def batch(*args, scheduler: str) -> tuple[int, str, str]:
    """``python -m incidents batch ARGS --scheduler ADDRESS`` in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["batch", *map(str, args), "--scheduler", scheduler])
    return code, out.getvalue(), err.getvalue()


def extract_lines(path: Path, gazetteer) -> list[dict]:
    """What ``python -m incidents extract PATH`` prints, through the CLI's own function."""
    from incidents.reading import read_report

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli._extract([read_report(path)], gazetteer)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def dataset_lines(ds: Path) -> dict[str, list[dict]]:
    """The dataset's incidents as ``extract`` JSON objects, per report path, in extraction order."""
    path_of = {r["hash"]: r["path"] for r in iter_rows(Dataset(ds).files("reports"), ["hash", "path"])}
    by: dict[str, list[tuple[int, dict]]] = {}
    for r in iter_rows(Dataset(ds).files("incidents")):
        d = {k: r[k] for k in cli.OUTPUT_KEYS}
        for k in ("date", "published"):
            d[k] = d[k].isoformat() if d[k] is not None else None
        if "why" in d:  # JSON text in the dataset
            d["why"] = json.loads(d["why"])
        by.setdefault(path_of[r["report_hash"]], []).append((r["seq"], d))
    return {p: [d for _, d in sorted(rows, key=lambda x: x[0])] for p, rows in by.items()}


def parquet_files(ds: Path) -> list[str]:
    """The committed files (a run's private folder is not part of the dataset)."""
    return sorted(str(p.relative_to(ds)) for p in ds.rglob("*.parquet") if not p.relative_to(ds).parts[0] == RUNS)


@pytest.fixture(scope="module")
def full_gazetteer():
    from gazetteer import Gazetteer

    return Gazetteer.load(fallback=True)


@pytest.fixture(scope="module")
def corpus_slice(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    import make_corpus

    out = tmp_path_factory.mktemp("corpus")
    make_corpus.write_corpus(out, reports=12, seed=11)
    return out


def test_batch_on_two_workers_equals_extract_row_for_row(cluster, corpus_slice, full_gazetteer, tmp_path):
    inputs = [corpus_slice, SAMPLES]
    if EVAL_TEXTS.is_dir():
        inputs.insert(0, EVAL_TEXTS)
    ds = tmp_path / "ds"
    code, out, err = batch(*inputs, "--out", ds, "--reports-per-task", "3", scheduler=cluster)
    assert code == 0, err
    files = [p for d in inputs for p in sorted(Path(d).rglob("*")) if p.suffix in (".txt", ".md", ".html")]
    assert len(files) >= 14
    got = dataset_lines(ds)
    n = 0
    for f in files:
        want = extract_lines(f, full_gazetteer)
        assert got.get(str(f), []) == want, f"{f}: batch and extract differ"
        n += len(want)
    assert n > 100 and sum(len(v) for v in got.values()) == n
    assert f"batch: {len(files)} reports, {n} incidents" in out and "words/s" in out and "2 workers" in out
    # every report once, with its text; entries as extract splits them
    reports = list(iter_rows(Dataset(ds).files("reports")))
    assert sorted(r["path"] for r in reports) == sorted(map(str, files))
    assert all(r["n_incidents"] == len(got.get(r["path"], [])) for r in reports)
    assert sum(r["n_entries"] for r in reports) == sum(1 for _ in iter_rows(Dataset(ds).files("entries")))
    # partitioned by month; nothing left of the run
    months = {p.split("/")[1] for p in parquet_files(ds) if p.startswith("incidents/")}
    assert "month=2024-02" in months and len(months) > 3
    assert not (ds / RUNS).exists()

    # again: every text is already done, nothing is written
    before = parquet_files(ds)
    code, out, err = batch(*inputs, "--out", ds, scheduler=cluster)
    assert code == 0, err
    assert f"batch: 0 reports, {len(files)} already done, 0 incidents" in out
    assert parquet_files(ds) == before


def test_bad_inputs_one_line_each_the_rest_proceeds(cluster, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(KHIAM, encoding="utf-8")
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    ds = tmp_path / "ds"
    code, out, err = batch(good, binary, tmp_path / "missing.txt", tmp_path / "none-*.txt", "--out", ds,
                           "--published", "2024-02-07", scheduler=cluster)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3, err
    assert any("photo.jpg: binary file" in ln for ln in lines)
    assert any("missing.txt: no such file" in ln for ln in lines)
    assert any("none-*.txt: no file matches" in ln for ln in lines)
    assert "batch: 1 reports, 3 failed, 1 incidents" in out
    rows = dataset_lines(ds)[str(good)]
    assert [(r["place_id"], r["date"], r["fatalities"]) for r in rows] == [("khiam", "2024-02-06", 1)]


def test_articles_from_json_lines_and_parquet(cluster, tmp_path, full_gazetteer):
    from incidents.extract import extract
    from incidents.reading import report_from_text

    jl = tmp_path / "articles.jsonl"
    jl.write_text("\n".join([
        json.dumps({"text": KHIAM, "source": "AP", "published": "2024-02-07", "url": "https://example.org/a"}),
        "",
        "{not json",
        json.dumps({"title": "no text here"}),
        json.dumps({"text": RAFAH, "published": "2024-03-05T10:00:00Z"}),
    ]) + "\n", encoding="utf-8")
    pqf = tmp_path / "articles.parquet"
    pq.write_table(pa.table({"text": [RAFAH.replace("four", "two"), KHIAM.replace("a man", "three people")],
                             "published": ["2024-04-02", "2024-04-10"], "source": ["Reuters", None]}), pqf)
    ds = tmp_path / "ds"
    code, out, err = batch(jl, pqf, "--out", ds, scheduler=cluster)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert f"{jl}:3: not a JSON object" in lines[0] and f"{jl}:4: no 'text' string" in lines[1]
    got = dataset_lines(ds)
    assert sorted(got) == [f"{jl}:1", f"{jl}:5", f"{pqf}:1", f"{pqf}:2"]
    reports = {r["path"]: r for r in iter_rows(Dataset(ds).files("reports"))}
    assert reports[f"{jl}:1"]["url"] == "https://example.org/a" and reports[f"{jl}:1"]["source"] == "AP"
    assert str(reports[f"{pqf}:1"]["published"]) == "2024-04-02" and reports[f"{pqf}:1"]["source"] == "Reuters"
    # the same incidents as extracting each article's text with its metadata
    want = extract(report_from_text(RAFAH.replace("four", "two"), source="Reuters",
                                    published=reports[f"{pqf}:1"]["published"]), full_gazetteer)
    assert got[f"{pqf}:1"] == [cli.incident_record(i) for i in want.incidents]
    assert [(r["place_id"], r["date"], r["fatalities"]) for r in got[f"{jl}:5"]] == [("rafah", "2024-03-04", 4)]


def test_a_text_given_twice_is_extracted_once(cluster, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(KHIAM, encoding="utf-8")
    b.write_text(KHIAM, encoding="utf-8")
    ds = tmp_path / "ds"
    code, out, err = batch(a, b, "--out", ds, "--published", "2024-02-07", "--reports-per-task", "1",
                           scheduler=cluster)
    assert code == 0, err
    assert "batch: 1 reports, 1 already done, 1 incidents" in out
    assert list(dataset_lines(ds)) == [str(a)]


def test_a_run_stopped_before_its_commit_leaves_the_dataset_as_it_was(cluster, tmp_path, monkeypatch):
    from incidents import batch as batch_mod

    first = tmp_path / "first.txt"
    first.write_text(KHIAM, encoding="utf-8")
    ds = tmp_path / "ds"
    assert batch(first, "--out", ds, "--published", "2024-02-07", scheduler=cluster)[0] == 0
    before = parquet_files(ds)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_mod, "link_events_hook", interrupted)  # after the merge, before the commit
    more = tmp_path / "more"
    shutil.copytree(SAMPLES, more)
    with pytest.raises(KeyboardInterrupt):
        batch(more, "--out", ds, scheduler=cluster)
    assert parquet_files(ds) == before and not (ds / RUNS).exists()
    monkeypatch.undo()
    code, out, _ = batch(more, first, "--out", ds, scheduler=cluster)
    assert code == 0 and "1 already done" in out
    assert len(dataset_lines(ds)) == 1 + len(list(more.glob("*.txt")))


def test_a_run_stopped_while_moving_its_files_is_finished_by_the_next(cluster, tmp_path, monkeypatch):
    from incidents import parquet

    ds = tmp_path / "ds"
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        if "month=" in str(dst):
            calls.append(dst)
            if len(calls) == 2:  # the COMMIT manifest and one partition file got there
                raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(parquet.os, "replace", failing_replace)
    code, _, err = batch(SAMPLES, "--out", ds, scheduler=cluster)
    monkeypatch.undo()
    assert code == 2 and "No space left on device" in err and "the next batch or export" in err
    assert (ds / RUNS).exists() and len(parquet_files(ds)) == 1  # half moved, the manifest kept
    assert Dataset(ds).done_hashes() == set()  # reports move last: nothing counts as done yet
    code, out, err = batch(SAMPLES, "--out", ds, scheduler=cluster)  # finishes the first run, then has nothing to do
    assert code == 0, err
    assert f"0 reports, {len(list(SAMPLES.glob('*.txt')))} already done" in out
    assert not (ds / RUNS).exists()
    rows = dataset_lines(ds)
    ids = [(r["start"], r["end"], r["place_id"]) for v in rows.values() for r in v]
    assert len(ids) == len(set(ids)) == 10  # the ten sample incidents, none twice


@pytest.mark.slow
def test_default_local_cluster_from_the_command_line(tmp_path):  # ~6 s: a fresh interpreter and cluster
    good = tmp_path / "r.txt"
    good.write_text(KHIAM, encoding="utf-8")
    ds = tmp_path / "ds"
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "incidents", "batch", str(good), "--out", str(ds), "--workers", "1",
                           "--published", "2024-02-07"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "batch: 1 reports, 1 incidents" in proc.stdout and "1 workers" in proc.stdout
    assert "[" not in proc.stderr  # no progress bar when stderr is not a terminal
    proc = subprocess.run([sys.executable, "-m", "incidents", "batch", str(tmp_path / "nothing.txt"), "--out",
                           str(ds), "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2 and proc.stderr.strip().endswith("nothing.txt: no such file")


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    good = tmp_path / "r.txt"
    good.write_text(KHIAM, encoding="utf-8")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code, out, err = batch(good, "--out", tmp_path / "ds", scheduler=f"tcp://127.0.0.1:{port}")
    assert code == 2 and err.count("\n") == 1 and "cannot reach the Dask scheduler" in err


def test_batch_links_events_over_the_dataset_as_link_does(cluster, corpus_slice, full_gazetteer, tmp_path):
    """The events batch writes (Dask tasks over blocks of place cells) are those ``linking.link`` gives over
    all the dataset's incidents at once; a second run relinks the whole dataset and replaces them."""
    from incidents import linking
    from incidents.parquet import EVENT_SCHEMA
    from incidents.views import EVENT_FRAME_COLUMNS

    ds = tmp_path / "ds"
    # the bundled samples tell the Baghdad strike in two outlets: something links across reports
    code, out, err = batch(corpus_slice, SAMPLES, "--out", ds, "--reports-per-task", "3", scheduler=cluster)
    assert code == 0, err

    def linked_here() -> dict:
        recs = []
        for r in iter_rows(Dataset(ds).files("incidents")):
            r = dict(r, key=f"{r['report_hash']}:{r['seq']}")
            for c in ("date", "published"):
                r[c] = r[c].isoformat() if r[c] is not None else None
            recs.append(r)
        return {ev.event_id: ev for ev in linking.link(recs, full_gazetteer)}

    def stored() -> dict:
        return {r["event_id"]: r for r in iter_rows(Dataset(ds).files("events"))}

    want, got = linked_here(), stored()
    assert set(EVENT_FRAME_COLUMNS) <= set(EVENT_SCHEMA.names)
    assert len(want) > 10 and set(got) == set(want)
    assert any(len(ev.incident_ids) > 1 for ev in want.values())  # something was linked across reports
    for eid, ev in want.items():
        row = got[eid]
        assert row["incident_ids"] == ",".join(map(str, ev.incident_ids))
        assert (row["place_id"], row["event_type"], row["fatalities_best"], row["n_reports"]) == (
            ev.place_id, ev.event_type, ev.fatalities_best, ev.n_reports)
        assert (row["date"].isoformat() if row["date"] else None) == ev.date
        assert json.loads(row["sources"]) == list(ev.sources) == row["source_list"]
    n_files = len(Dataset(ds).files("events"))

    code, out, err = batch(SAMPLES, "--out", ds, scheduler=cluster)
    assert code == 0, err
    want, got = linked_here(), stored()
    assert set(got) == set(want) and len(want) > n_files  # whole, no stale events left from the first run
    ids = [i for r in got.values() for i in r["incident_ids"].split(",")]
    assert len(ids) == len(set(ids)) == sum(1 for _ in iter_rows(Dataset(ds).files("incidents"), ["id"]))
