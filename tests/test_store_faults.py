"""The store under faults: concurrent ingests, kill -9 mid-ingest, a corrupt, read-only or full
database, counts too big for SQLite, file names that are not UTF-8.

Every report here is written for these tests. The command-line tests run ``python -m incidents``
in subprocesses, as users and scripts do.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from incidents.errors import StoreError
from incidents.ingest import ingest
from incidents.reading import report_from_text
from incidents.store import Store

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = "2024-03-05"
TOWNS = [("RAFAH", "Rafah"), ("KHAN YOUNIS", "Khan Younis"), ("DEIR AL-BALAH", "Deir al-Balah"),
         ("JENIN", "Jenin"), ("NABLUS", "Nablus"), ("TULKAREM", "Tulkarem"), ("BEIT LAHIA", "Beit Lahia")]
ACTS = ["An Israeli airstrike hit a house in {town} on Tuesday, killing {n} people, medics said.",
        "Israeli troops shot dead {n} men during a raid on {town} on Tuesday, the health ministry said.",
        "Shelling struck a school sheltering families in {town} on Tuesday, killing {n} people."]


def report_text(i: int, posts: int = 3) -> str:
    """A small live page of our own with ``posts`` datelined posts, each one incident."""
    lines = [f"Test live page number {i}: events of the day", ""]
    for k in range(posts):
        upper, town = TOWNS[(i + k) % len(TOWNS)]
        act = ACTS[(i + 2 * k) % len(ACTS)].format(town=town, n=(i + k) % 6 + 2)
        lines += [f"{upper}, West Bank \u2014 {act} Neighbours said post {k} of page {i} was the worst night yet.", ""]
    return "\n".join(lines)


def write_reports(folder: Path, n: int, posts: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"page-{i:03d}.txt"
        p.write_text(report_text(i, posts), encoding="utf-8")
        out.append(p)
    return out


def ingest_cmd(files, db, *extra) -> list[str]:
    return [sys.executable, "-m", "incidents", "ingest", *map(str, files), "--db", str(db),
            "--published", PUBLISHED, "--source", "Test Wire", *extra]


def run(cmd, timeout=300, prefix=()):
    return subprocess.run([*prefix, *cmd], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def one_line_error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def expected_counts(files, gazetteer) -> dict[str, int]:
    """Incidents per report title, from extracting each file in this process."""
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import read_report

    out = {}
    for f in files:
        rep = read_report(f, source="Test Wire", published=date.fromisoformat(PUBLISHED))
        out[rep.title] = len(extract(rep, gazetteer).incidents)
    return out


def check_consistent(db: Path, expected: dict[str, int]) -> int:
    """Integrity ok, and every stored report complete (its version, entries and all its incidents)."""
    with Store(db) as store:
        assert store.integrity() == "ok"
        reports = store.reports()
        for r in reports:
            assert r["incidents"] == expected[r["title"]], r
            assert r["versions"] == 1 and store.count("report_versions") >= 1
        assert len({r["title"] for r in reports}) == len(reports)  # nothing stored twice
        n_entries = store.conn.execute("SELECT count(DISTINCT report_id) FROM entries").fetchone()[0]
        assert n_entries == len(reports)
        events = store.events()
        assert sorted(i for e in events for i in e.incident_ids) == sorted(i["id"] for i in store.incidents())
        return len(reports)


# ---------------------------------------------------------------------- concurrency
@pytest.mark.slow
@pytest.mark.parametrize("n_procs", [2, 4])
def test_concurrent_ingests_store_every_file_once(tmp_path, gazetteer, n_procs):
    files = write_reports(tmp_path / "in", 12)
    db = tmp_path / "shared.db"
    rng = random.Random(n_procs)
    batches = []
    for k in range(n_procs):  # overlapping batches: each process gets 9 of the 12 files, in its own order
        batch = files[3 * k % 12:] + files[:3 * k % 12]
        batch = batch[:9]
        rng.shuffle(batch)
        batches.append(batch)
    procs = [subprocess.Popen(ingest_cmd(b, db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for b in batches]
    outs = [p.communicate(timeout=300) for p in procs]
    added: dict[str, int] = {}
    for p, (out, err), batch in zip(procs, outs, batches):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err, err
        lines = out.splitlines()
        assert len(lines) == len(batch)
        for f, line in zip(batch, lines):
            assert line.startswith(f"{f}: report "), line
            if " added: " in line:
                added[f.name] = added.get(f.name, 0) + 1
            else:  # the store was empty and no batch repeats a file: another process stored it first
                assert "already stored by another process" in line, line
    covered = {f.name for b in batches for f in b}
    assert added == {name: 1 for name in covered}  # each file stored by exactly one process
    assert check_consistent(db, expected_counts(files, gazetteer)) == len(covered)


def test_a_text_stored_by_another_connection_meanwhile_is_reported_as_such(tmp_path, small_gazetteer, monkeypatch):
    """The race itself, made deterministic: another writer stores the text while this one extracts."""
    import incidents.ingest as ingest_mod

    text = "RAFAH, Gaza Strip \u2014 An airstrike killed two people in Rafah on Wednesday, Feb. 7, 2024.\n"
    db = tmp_path / "s.db"
    real_extract = ingest_mod.extract

    def racing_extract(report, gaz):
        with Store(db) as other:
            ex = real_extract(report, gaz)
            other.save_version(report, ex.entries, ex.incidents)
        return real_extract(report, gaz)

    monkeypatch.setattr(ingest_mod, "extract", racing_extract)
    with Store(db) as store:
        res = ingest(store, report_from_text(text), small_gazetteer)
        assert res.state == "stored-elsewhere" and not res.added and res.incidents == 1
        assert "already stored by another process" in res.message
        assert store.count("reports") == 1 and store.count("incidents") == 1


# ---------------------------------------------------------------------- kill -9
@pytest.mark.slow
def test_kill_9_during_ingest_leaves_the_store_consistent_and_a_rerun_completes_it(tmp_path, gazetteer):
    files = write_reports(tmp_path / "in", 24, posts=6)
    expected = expected_counts(files, gazetteer)
    rng = random.Random(9)
    for trial in range(3):
        db = tmp_path / f"killed-{trial}.db"
        proc = subprocess.Popen(ingest_cmd(files, db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.6))  # a random point once it has started writing
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if db.exists():
            stored = check_consistent(db, expected)
            assert stored <= len(files)
        again = run(ingest_cmd(files, db))
        assert again.returncode == 0, again.stderr
        assert check_consistent(db, expected) == len(files)


# ---------------------------------------------------------------------- damaged, read-only, full
def test_corrupt_database_files_give_one_line_and_stay_as_they_were(tmp_path):
    (f,) = write_reports(tmp_path / "in", 1)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all\n" * 500)
    before = junk.read_bytes()
    for cmd in (ingest_cmd([f], junk), [sys.executable, "-m", "incidents", "events", "--db", str(junk)]):
        line = one_line_error(run(cmd))
        assert "damaged" in line and str(junk) in line
    assert junk.read_bytes() == before and not Path(str(junk) + "-wal").exists()
    # a real store whose pages were overwritten in the middle
    db = tmp_path / "torn.db"
    assert run(ingest_cmd(write_reports(tmp_path / "more", 6, posts=6), db)).returncode == 0
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page:len(data) - page] = b"\xa5" * (len(data) - 3 * page)
    db.write_bytes(bytes(data))
    torn = db.read_bytes()
    line = one_line_error(run(ingest_cmd([f], db)))
    assert "damaged" in line or "malformed" in line
    assert db.read_bytes() == torn
    with pytest.raises(StoreError):
        with Store(db) as store:
            store.reports()


def _unprivileged() -> list[str] | None:
    """A command prefix under which file permissions apply (root ignores them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def test_read_only_store_and_folder_give_one_line_and_change_nothing(tmp_path):
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    files = write_reports(tmp_path / "in", 2)
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "s.db"
    assert run(ingest_cmd(files[:1], db)).returncode == 0
    before = db.read_bytes()
    try:
        db.chmod(0o444)  # the file read-only, its folder writable
        line = one_line_error(run(ingest_cmd(files[1:], db), prefix=prefix))
        assert "cannot be written" in line and str(db) in line
        out = run([sys.executable, "-m", "incidents", "events", "--db", str(db)], prefix=prefix)
        assert out.returncode == 0 and len(out.stdout.splitlines()) == 3  # reading still works
        db.chmod(0o644)
        folder.chmod(0o555)  # the folder read-only: no journal can be made
        line = one_line_error(run(ingest_cmd(files[1:], db), prefix=prefix))
        assert str(db) in line
        line = one_line_error(run(ingest_cmd(files[1:], folder / "new.db"), prefix=prefix))
        assert "new.db" in line and not (folder / "new.db").exists()
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    assert db.read_bytes() == before
    with Store(db) as store:
        assert store.count("reports") == 1


def test_a_full_disk_leaves_the_store_as_it_was(tmp_path, small_gazetteer):
    db = tmp_path / "s.db"
    small = "RAFAH, Gaza Strip \u2014 An airstrike killed two people in Rafah on Wednesday, Feb. 7, 2024.\n"
    big = "".join(f"KHAN YOUNIS, Gaza Strip \u2014 Shelling killed {k % 9 + 2} people in Khan Younis on Wednesday, "
                  f"Feb. 7, 2024, in strike number {k} of a long night.\n\n" for k in range(400))
    with Store(db) as store:
        ingest(store, report_from_text(small), small_gazetteer)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is full after two more pages
        with pytest.raises(StoreError) as err:
            ingest(store, report_from_text(big), small_gazetteer)
        assert "no space left" in str(err.value) and "\n" not in str(err.value)
        assert store.count("reports") == 1 and store.count("incidents") == 1 and store.count("entries") == 1
        assert store.integrity() == "ok"
    with Store(db) as store:  # space again: it goes in
        res = ingest(store, report_from_text(big), small_gazetteer)
        assert res.state == "added" and res.incidents >= 1 and store.count("reports") == 2


# ---------------------------------------------------------------------- odd values at the boundary
def test_a_huge_count_does_not_stop_the_batch(tmp_path):
    files = write_reports(tmp_path / "in", 1)
    huge = tmp_path / "in" / "huge.txt"
    huge.write_text("Test page with an absurd toll\n\nRAFAH, Gaza Strip \u2014 An Israeli airstrike hit a house in "
                    "Rafah on Tuesday, killing 99999999999999999999 people, a post claimed.\n", encoding="utf-8")
    db = tmp_path / "s.db"
    out = run(ingest_cmd([huge, *files], db))
    assert out.returncode == 0, out.stderr
    with Store(db) as store:
        assert store.count("reports") == 2
        for inc in store.incidents("place_id = 'rafah' AND excerpt LIKE '%99999999999999999999%'"):
            assert inc["fatalities"] is None or inc["fatalities"] <= 1_000_000


def test_a_file_name_that_is_not_utf8_is_ingested(tmp_path):
    folder = tmp_path / "in"
    (good,) = write_reports(folder, 1)
    odd = os.path.join(os.fsencode(folder), b"p\xe9ge-\xff.txt")
    with open(odd, "wb") as fh:
        fh.write(report_text(5).encode("utf-8"))
    db = tmp_path / "s.db"
    cmd = [os.fsencode(sys.executable), b"-m", b"incidents", b"ingest", odd, os.fsencode(good), b"--db",
           os.fsencode(db), b"--published", PUBLISHED.encode(), b"--source", b"Test Wire"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    out = proc.stdout.decode("utf-8")
    assert "p\ufffdge-\ufffd.txt: report 1 added" in out and "page-000.txt: report 2 added" in out
    with Store(db) as store:
        assert store.count("reports") == 2
        assert any(r["path"].endswith("p\ufffdge-\ufffd.txt") for r in store.reports())
    missing = os.path.join(os.fsencode(folder), b"gone-\xfe.txt")
    proc = subprocess.run([*cmd[:4], missing, *cmd[5:]], cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr and b"no such file" in proc.stderr


def test_sqlite_errors_become_store_errors(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.conn.execute("DROP TABLE events")  # something outside breaks the schema
        with pytest.raises(StoreError) as err:
            store.events(where="1")
        assert str(db) in str(err.value) and "\n" not in str(err.value)
