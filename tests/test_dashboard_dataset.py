"""AppTest of the dashboard and its pages on a Parquet dataset (``INCIDENTS_DB`` = a dataset folder,
read through DuckDB): the same map, counts, slider and panel as on the store it was exported from;
the writing pages read-only with a one-line message; nothing crashes."""
from __future__ import annotations

from datetime import date

import pytest
import streamlit_folium
from streamlit.testing.v1 import AppTest

from ui_fixtures import ROOT, all_text, map_args, marker_count, marker_rows, metric, seed_basic, ui_env  # noqa: F401
from incidents.export import export_store
from incidents.store import Store

APP = str(ROOT / "dashboard.py")
PAGES = ROOT / "pages"


@pytest.fixture
def dataset(ui_env, monkeypatch, tmp_path):
    db, user = ui_env
    with Store(db) as s:
        seed_basic(s)
    ds = tmp_path / "dataset"
    export_store(db, ds)
    monkeypatch.setenv("INCIDENTS_DB", str(ds))
    return ds


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_map_slider_and_click_on_a_dataset(dataset, monkeypatch):
    clicks = {"value": None}
    real = streamlit_folium.st_folium

    def fake(*a, **k):
        real(*a, **k)  # drawn, so the test sees the map's arguments
        return clicks["value"]

    monkeypatch.setattr(streamlit_folium, "st_folium", fake)
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    assert (metric(at, "Events"), metric(at, "Fatalities"), metric(at, "Places")) == ("5", "11", "4")
    assert marker_count(map_args(at)) == 4
    text = all_text(at)
    assert "Parquet dataset" in text and "All events in range" in text and "<mark>Rafah</mark>" in text
    script = map_args(at)["script"]

    at.slider(key="dates").set_value((date(2024, 2, 7), date(2024, 2, 7)))
    ok(at.run())
    assert metric(at, "Events") == "2" and metric(at, "Fatalities") == "4"
    assert {r["id"] for r in marker_rows(map_args(at))} == {"rafah", "gaza-strip"}
    assert map_args(at)["script"] == script  # same base map: no remount

    at.slider(key="dates").set_value((date(2024, 2, 5), date(2024, 2, 7)))
    clicks["value"] = {"last_object_clicked_tooltip": "Rafah — 2 events",
                       "last_object_clicked": {"lat": 31.2968, "lng": 34.2435}, "last_object_clicked_count": 1}
    ok(at.run())
    text = all_text(at)
    assert "#### Rafah" in text
    assert "An airstrike on <mark>Rafah</mark>" in text and "Another strike hit <mark>Rafah</mark>" in text
    assert "Clashes erupted" not in text
    assert at.query_params["place"] == "rafah"


def test_a_permalink_and_the_review_expander_on_a_dataset(dataset, monkeypatch):
    from incidents.columnar import EventsBackend

    b = EventsBackend(dataset)
    row = b.table(None, "khiam", set()).iloc[0]
    b.close()
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: None)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["event"] = row["event_id"]
    ok(at.run())
    text = all_text(at)
    assert "#### Khiam" in text and "Residents of <mark>Khiam</mark> protested" in text
    review = next(e for e in at.expander if e.label == "Review")
    assert review is not None  # drawn; opened it says reviews are made on a store (ui_review)


def test_events_page_on_a_dataset(dataset):
    at = ok(AppTest.from_file(str(PAGES / "1_Incidents.py"), default_timeout=60).run())
    assert metric(at, "Events") == "5" and metric(at, "Accounts") == "5" and metric(at, "Places") == "4"
    df = at.dataframe[0].value
    assert len(df) == 5 and list(df["date"]) == sorted(df["date"], reverse=True)
    at.slider(key="dates").set_value((date(2024, 2, 6), date(2024, 2, 7)))
    ok(at.run())
    assert len(at.dataframe[0].value) == 4
    text = all_text(at)
    assert "Parquet dataset" in text and "Review log" not in text


@pytest.mark.parametrize("page", ["2_Reports.py", "3_Gazetteer.py"])
def test_the_other_pages_do_not_crash_on_a_dataset(dataset, page):
    at = ok(AppTest.from_file(str(PAGES / page), default_timeout=60).run())
    if page == "2_Reports.py":
        assert [i.value for i in at.info] == ["This is a Parquet dataset: add reports with `python -m incidents batch`."]
