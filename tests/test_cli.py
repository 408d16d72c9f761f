"""The command line contract, run as a user runs it (subprocess)."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "event_type", "sub_event_type",
        "fatalities", "injuries", "source", "published", "excerpt", "start", "end", "dateline"}


def cli(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "incidents", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env=e, timeout=120)


def test_help():
    out = cli("--help")
    assert out.returncode == 0 and "extract" in out.stdout and "ingest" in out.stdout
    assert "--published" in cli("extract", "--help").stdout


def test_extract_prints_json_lines(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("BEIRUT (AP) \u2014 An Israeli strike hit the town of Khiam on Tuesday, killing a man.\n",
                 encoding="utf-8")
    out = cli("extract", f, "--published", "2024-02-07", "--source", "AP")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 1 and KEYS <= rows[0].keys()
    r = rows[0]
    assert (r["place_id"], r["date"], r["fatalities"], r["source"], r["published"]) == (
        "khiam", "2024-02-06", 1, "AP", "2024-02-07")
    assert f.read_text(encoding="utf-8")[r["start"]:r["end"]] == r["excerpt"]


def test_extract_seeds_infers_the_date(seeds):
    out = cli("extract", seeds / "ap-live-2024-02-07.txt", seeds / "cnn-live-2024-02-07.txt")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {r["source"] for r in rows} == {"AP", "CNN"}
    assert all(r["published"] == "2024-02-07" for r in rows)


def test_undated_entries_are_reported_on_stderr(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("An airstrike hit Rafah on Tuesday, killing two.\n", encoding="utf-8")
    out = cli("extract", f)
    assert out.returncode == 0
    assert "has no date" in out.stderr and "r.txt" in out.stderr


def test_bad_input_exits_2_with_one_line_naming_the_file(tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    for path, words in [(tmp_path / "missing.txt", "no such file"), (tmp_path, "directory"), (binary, "binary")]:
        out = cli("extract", path)
        assert out.returncode == 2, (path, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and words in lines[0]
        assert out.stdout == ""


def test_empty_file_gives_no_incidents(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_text("")
    out = cli("extract", f, "--published", "2024-02-07")
    assert out.returncode == 0 and out.stdout == ""


def test_windows_1252_file(tmp_path):
    f = tmp_path / "w.txt"
    f.write_bytes("BEIRUT \u2014 Israel\u2019s strike hit Khiam on Tuesday, killing a man.\n".encode("cp1252"))
    out = cli("extract", f, "--published", "2024-02-07")
    assert out.returncode == 0, out.stderr
    assert "Israel\u2019s strike" in json.loads(out.stdout.splitlines()[0])["excerpt"]


def test_ingest_db_option_env_and_idempotence(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("RAFAH, Gaza Strip \u2014 An airstrike killed two people in Rafah on Wednesday, Feb. 7, 2024.\n",
                 encoding="utf-8")
    db = tmp_path / "a.db"
    out = cli("ingest", f, "--db", db)
    assert out.returncode == 0 and "added: 1 entry, 1 incident" in out.stdout
    out = cli("ingest", f, "--db", db)
    assert "already stored" in out.stdout
    env_db = tmp_path / "env.db"
    out = cli("ingest", f, env={"INCIDENTS_DB": str(env_db)})
    assert out.returncode == 0 and env_db.exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1


def test_ingest_with_one_bad_file_writes_nothing(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("RAFAH, Gaza Strip \u2014 An airstrike killed two people in Rafah on Wednesday, Feb. 7, 2024.\n")
    db = tmp_path / "a.db"
    out = cli("ingest", good, tmp_path / "missing.txt", "--db", db)
    assert out.returncode == 2 and "missing.txt" in out.stderr
    assert not db.exists() or sqlite3.connect(db).execute("SELECT count(*) FROM reports").fetchone()[0] == 0


def test_malformed_user_gazetteer_row_is_named(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("An airstrike hit Rafah on Tuesday.\n", encoding="utf-8")
    user = tmp_path / "user_places.csv"
    user.write_text("id,name,kind,country,lat,lon\nok,Ok,town,PS,31.5,34.4\nbad,Bad,town,PS,north,34.4\n",
                    encoding="utf-8")
    out = cli("extract", f, "--published", "2024-02-07", env={"INCIDENTS_USER_GAZETTEER": str(user)})
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: {user}:3: lat/lon of 'bad' are not numbers: 'north', '34.4'"
    assert "bad,Bad" in user.read_text(encoding="utf-8")  # nothing lost


def test_ingest_fetches_a_url_and_refuses_private_addresses(tmp_path):
    from local_http import LocalServer, page

    html = ("<html><head><title>Strike in Rafah | Test News</title>"
            "<meta property='og:site_name' content='Test News'>"
            "<meta property='article:published_time' content='2024-02-07T10:00:00Z'></head><body><article>"
            "<h1>Strike in Rafah</h1><p>RAFAH, Gaza Strip (AP) — An Israeli airstrike hit a house in Rafah on "
            "Wednesday, killing four people, hospital officials said.</p></article></body></html>")
    server = LocalServer(routes={"/live": page(html)}).start()
    try:
        url = server.url("/live")
        db = tmp_path / "s.db"
        refused = cli("ingest", url, "--db", str(db))
        assert refused.returncode == 2 and "refused" in refused.stderr and refused.stderr.count("\n") == 1
        ok = cli("ingest", url, "--db", str(db), "--allow-private")
        assert ok.returncode == 0, ok.stderr
        assert "report 1 added" in ok.stdout
        again = cli("ingest", url, "--db", str(db), "--allow-private")
        assert "already stored" in again.stdout
    finally:
        server.stop()
    from incidents.store import Store

    with Store(db) as store:
        assert [r["url"] for r in store.reports()] == [url]
def test_fifos_and_devices_exit_2_at_once(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # blocked forever before; /dev/zero was a MemoryError traceback
    for path, words in [(fifo, "FIFO"), (Path("/dev/zero"), "device"), (Path("/dev/urandom"), "device")]:
        out = cli("extract", path, "--published", "2024-02-07")
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and len(lines) == 1 and str(path) in lines[0] and words in lines[0], out.stderr


def test_published_outside_1900_2100_exits_2(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("An airstrike hit Rafah on Tuesday.\n", encoding="utf-8")
    for bad in ("9999-12-31", "0001-01-01", "1899-12-31"):
        out = cli("extract", f, "--published", bad)
        assert out.returncode == 2 and f"publication date {bad} is outside 1900-2100" in out.stderr
        assert "Traceback" not in out.stderr and out.stdout == ""


def test_a_file_name_that_is_not_utf8_is_ingested_with_the_rest_of_the_batch(tmp_path):
    odd = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(odd, "wb") as fh:
        fh.write("RAFAH, Gaza Strip \u2014 An airstrike killed two people in Rafah on Wednesday.\n".encode())
    good = tmp_path / "good.txt"
    good.write_text("BEIRUT (AP) \u2014 An Israeli strike hit Khiam on Tuesday, killing a man.\n", encoding="utf-8")
    db = tmp_path / "a.db"
    out = subprocess.run([sys.executable, "-m", "incidents", "ingest", odd, str(good), "--db", str(db),
                          "--published", "2024-02-07"], cwd=ROOT, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    assert "caf\ufffd.txt: report 1 added" in out.stdout.decode()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 2


def test_an_empty_user_gazetteer_file_does_not_fail_commands(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("BEIRUT (AP) \u2014 An Israeli strike hit Khiam on Tuesday, killing a man.\n", encoding="utf-8")
    user = tmp_path / "user_places.csv"
    user.write_bytes(b"")  # every command failed on the missing header
    out = cli("extract", f, "--published", "2024-02-07", env={"INCIDENTS_USER_GAZETTEER": str(user)})
    assert out.returncode == 0 and json.loads(out.stdout.splitlines()[0])["place_id"] == "khiam", out.stderr


def test_gazetteer_check_reads_an_empty_user_file_as_empty(tmp_path):
    user = tmp_path / "user_places.csv"
    user.write_bytes(b"")
    out = cli("gazetteer", "check", "--user", user)
    assert "header lacks" not in out.stdout + out.stderr and "0 user" in out.stdout
