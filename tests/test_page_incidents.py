"""AppTest of pages/1_Incidents.py: shared filters, the events table, downloads of exactly what is shown
(events; their accounts as a second file)."""
from __future__ import annotations

import csv
import io
import json

from datetime import date

from streamlit.testing.v1 import AppTest

from ui_fixtures import ROOT, downloads, metric, seeded, ui_env  # noqa: F401

PAGE = str(ROOT / "pages" / "1_Incidents.py")


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at):
    return at.dataframe[0].value


def test_table_follows_filters_and_url(seeded):
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    assert len(table(at)) == 5 and metric(at, "Events") == "5"
    at.slider(key="dates").set_value((date(2024, 2, 6), date(2024, 2, 7)))
    ok(at.run())
    df = table(at)
    assert len(df) == 4 and set(df["date"]) == {"2024-02-06", "2024-02-07"}
    assert list(df["date"]) == sorted(df["date"], reverse=True)  # newest first
    at.multiselect(key="type").set_value(["Explosions/Remote violence"])
    ok(at.run())
    assert len(table(at)) == 2

    # a link with the same state reproduces the table
    at2 = AppTest.from_file(PAGE, default_timeout=60)
    at2.query_params["type"] = "Explosions/Remote violence"
    at2.query_params["dates"] = ["2024-02-06", "2024-02-07"]
    ok(at2.run())
    assert len(table(at2)) == 2


def test_selected_place_and_downloads_match_the_table(seeded, downloads):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["place"] = "rafah"
    ok(at.run())
    df = table(at)
    assert set(df["place_id"]) == {"rafah"} and len(df) == 2
    csv_name = [n for n in downloads if n.startswith("events_") and n.endswith(".csv")]
    geo_name = [n for n in downloads if n.endswith(".geojson")]
    acc_name = [n for n in downloads if n.startswith("accounts_") and n.endswith(".csv")]
    assert csv_name and geo_name and acc_name, downloads.keys()
    rows = list(csv.DictReader(io.StringIO(downloads[csv_name[-1]].decode())))
    assert [r["event_id"] for r in rows] == list(df["event_id"])  # one row per event, as the table
    assert {r["place"] for r in rows} == {"Rafah"}
    assert {r["sources"] for r in rows} == {"AP"} and {r["n_reports"] for r in rows} == {"1"}
    assert sorted(r["fatalities_best"] for r in rows) == ["3", "5"]
    assert all(r["fatalities_low"] == r["fatalities_high"] == r["fatalities_best"] for r in rows)
    gj = json.loads(downloads[geo_name[-1]])
    assert [f["properties"]["event_id"] for f in gj["features"]] == list(df["event_id"])
    assert gj["features"][0]["geometry"]["coordinates"] == [34.2435, 31.2968]
    assert gj["features"][0]["properties"]["sources"] == ["AP"]
    accounts = list(csv.DictReader(io.StringIO(downloads[acc_name[-1]].decode())))
    assert sorted(r["event_id"] for r in accounts) == sorted(df["event_id"])  # one account each here
    assert {r["place"] for r in accounts} == {"Rafah"} and all(r["id"] and r["excerpt"] for r in accounts)
    at.checkbox(key="only_place").uncheck()
    ok(at.run())
    assert len(table(at)) == 5


def test_csv_cells_cannot_become_formulas(ui_env, downloads):
    db, _ = ui_env
    from ui_fixtures import make_report
    from incidents.store import Store

    with Store(db) as s:
        make_report(s, [("=HYPERLINK(\"http://x\") An airstrike on Rafah killed 5 people on Monday.", "rafah",
                         "2024-02-05", "Explosions/Remote violence", 5, 1)],
                    source="=cmd|' /C calc'!A0", title="+SUM(1)")
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    data = downloads[[n for n in downloads if n.startswith("events_") and n.endswith(".csv")][-1]].decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows[0]["sources"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["excerpt"].startswith("'=HYPERLINK")
    assert rows[0]["lon"] == "34.2435" and rows[0]["fatalities_best"] == "5"  # numbers stay numbers
    data = downloads[[n for n in downloads if n.startswith("accounts_")][-1]].decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows[0]["source"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["excerpt"].startswith("'=HYPERLINK")
    assert rows[0]["report_title"] == "'+SUM(1)"
    assert rows[0]["lon"] == "34.2435" and rows[0]["fatalities"] == "5"


def test_csv_for_excel_starts_with_a_byte_order_mark(seeded, downloads):
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    plain = downloads[[n for n in downloads if n.startswith("events_")][-1]]
    assert not plain.startswith(b"\xef\xbb\xbf")
    at.checkbox(key="csv_bom").check()
    ok(at.run())
    for prefix in ("events_", "accounts_"):
        data = downloads[[n for n in downloads if n.startswith(prefix) and n.endswith(".csv")][-1]]
        assert data.startswith(b"\xef\xbb\xbf") and b"event_id" in data[:40]
    assert list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))[0]["event_id"]
