import sqlite3

import pytest

from incidents.extract import extract
from incidents.ingest import ingest
from incidents.reading import report_from_text
from incidents.store import Store, default_db_path

TEXT = "RAFAH, Gaza Strip (AP) \u2014 An Israeli airstrike killed two people in Rafah on Wednesday, Feb. 7, 2024.\n"


def test_default_path_env_and_explicit(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    assert default_db_path(tmp_path / "x.db") == tmp_path / "x.db"
    monkeypatch.delenv("INCIDENTS_DB")
    assert default_db_path().parts[-2:] == ("data", "incidents.db")


def test_ingest_is_idempotent(tmp_path, small_gazetteer):
    with Store(tmp_path / "s.db") as store:
        rid, added, n = ingest(store, report_from_text(TEXT), small_gazetteer)
        assert added and n == 1
        rid2, added2, n2 = ingest(store, report_from_text(TEXT), small_gazetteer)
        assert (rid2, added2, n2) == (rid, False, 1)
        assert store.count("reports") == 1 and store.count("incidents") == 1
        inc = store.incidents()[0]
        assert inc["place_id"] == "rafah" and inc["fatalities"] == 2 and inc["date"] == "2024-02-07"
        assert inc["mentions"][0]["surface"] == "Rafah"
        assert store.entry_text(rid, inc["start"], inc["end"]) == inc["excerpt"]
        assert store.reports()[0]["incidents"] == 1
        assert store.delete_report(rid) and store.count("incidents") == 0


def test_failed_ingest_leaves_the_store_unchanged(tmp_path, small_gazetteer):
    path = tmp_path / "s.db"
    with Store(path) as store:
        ingest(store, report_from_text(TEXT), small_gazetteer)
    report = report_from_text(TEXT.replace("two", "three"))
    result = extract(report, small_gazetteer)
    broken = list(result.incidents) + [object()]  # fails half-way through the incident inserts
    with Store(path) as store:
        with pytest.raises(Exception):
            store.save(report, result.entries, broken)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 1
