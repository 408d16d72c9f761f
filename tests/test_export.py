"""``python -m incidents export``: a SQLite store into the batch dataset layout."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from incidents.parquet import Dataset, iter_rows
from incidents.store import Store

ROOT = Path(__file__).resolve().parent.parent


def cli(*args):
    return subprocess.run([sys.executable, "-m", "incidents", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_writes_every_row_once_and_again_only_new_ones(tmp_path):
    db, ds = tmp_path / "s.db", tmp_path / "ds"
    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    assert cli("ingest", samples[0], "--db", db).returncode == 0
    before = _sha(db)
    out = cli("export", "--db", db, "--to", ds)
    assert out.returncode == 0, out.stderr
    assert _sha(db) == before  # read-only
    with Store(db) as store:
        n_inc, n_ent = store.count("incidents"), store.count("entries")
        stored = store.incidents()
    assert f"export: 1 reports, {n_ent} entries, {n_inc} incidents" in out.stdout
    rows = list(iter_rows(Dataset(ds).files("incidents")))
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in stored)  # the store's ids
    by_id = {r["id"]: r for r in rows}
    for s in stored:
        r = by_id[s["id"]]
        assert (r["place_id"], r["excerpt"], r["fatalities"], str(r["date"])) == (
            s["place_id"], s["excerpt"], s["fatalities"], s["date"])
    report = next(iter_rows(Dataset(ds).files("reports")))
    with Store(db) as store:
        assert report["text"] == store.report_text(report["report_id"])

    assert cli("ingest", *samples, "--db", db).returncode == 0
    out = cli("export", "--db", db, "--to", ds)
    assert out.returncode == 0 and "(1 already in the dataset)" in out.stdout
    with Store(db) as store:
        assert len(list(iter_rows(Dataset(ds).files("incidents")))) == store.count("incidents")
        assert len(list(iter_rows(Dataset(ds).files("reports")))) == store.count("reports")


def test_export_refuses_another_store_and_bad_paths(tmp_path):
    a, b, ds = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "ds"
    sample = sorted((ROOT / "data" / "samples").glob("*.txt"))[0]
    for db in (a, b):
        assert cli("ingest", sample, "--db", db).returncode == 0
    assert cli("export", "--db", a, "--to", ds).returncode == 0
    out = cli("export", "--db", b, "--to", ds)
    assert out.returncode == 2 and "ids would clash" in out.stderr and out.stderr.count("\n") == 1
    out = cli("export", "--db", tmp_path / "missing.db", "--to", tmp_path / "ds2")
    assert out.returncode == 2 and out.stderr.strip() == f"error: {tmp_path / 'missing.db'}: no such store"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    out = cli("export", "--db", junk, "--to", tmp_path / "ds3")
    assert out.returncode == 2 and "not an incidents store" in out.stderr
