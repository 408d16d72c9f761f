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


def _events_of(db, place_id: str) -> list[tuple[str, str]]:
    from gazetteer import Gazetteer

    with Store(db) as s:
        if s.stale_places():
            s.relink(Gazetteer.load(user=False))
        return s.conn.execute("SELECT event_id, incident_ids FROM events WHERE place_id = ?", (place_id,)).fetchall()


def test_a_permalink_to_a_rejected_event_on_a_dataset_says_rejected(ui_env, monkeypatch, tmp_path):
    """As on the store: a rejected event's link says it was rejected (Show rejected shows it), not that it is
    gone; an unknown id still says it is no longer in the store."""
    from incidents import review

    db, _ = ui_env
    with Store(db) as s:
        seed_basic(s)
    (eid, ids), = _events_of(db, "khiam")
    with Store(db) as s:
        review.reject(s, int(ids), note="not an incident")
    ds = tmp_path / "dataset"
    export_store(db, ds)
    monkeypatch.setenv("INCIDENTS_DB", str(ds))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: None)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["event"] = eid
    ok(at.run())
    infos = [i.value for i in at.info]
    assert any("rejected in review" in v and "Show rejected" in v for v in infos), infos
    assert not any("no longer in the store" in v for v in infos)
    at.toggle(key="show_rejected").set_value(True)
    ok(at.run())
    assert "Residents of <mark>Khiam</mark> protested" in all_text(at)

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["event"] = "no-such-event"
    ok(at.run())
    assert any("no longer in the store" in i.value for i in at.info)


def test_the_panel_counts_and_pages_every_event_in_range_on_a_dataset(ui_env, monkeypatch, tmp_path):
    """The dataset's panel reads only the events it lists, but says how many there are in range (not the
    cap), pages 50 at a time up to the cap of 200, then says it shows the newest 200 of all."""
    import random

    from incidents.columnar import EventsBackend
    from incidents.model import Report
    from incidents.views import Filters
    from test_columnar import synthetic_incidents

    db, _ = ui_env
    rng = random.Random(3)
    with Store(db) as s:
        for r in range(8):
            text = f"SYNTHETIC PANEL REPORT {r}\n" + "x" * 300
            s.save(Report(text=text, source="AP", published=date(2024, 1, 20)), [], synthetic_incidents(rng, 60, text))
    _events_of(db, "rafah")  # links them
    ds = tmp_path / "dataset"
    export_store(db, ds)
    b = EventsBackend(ds)
    lo, hi = b.date_bounds()
    n = b.count(Filters(start=lo, end=hi))
    b.close()
    assert n > 250
    monkeypatch.setenv("INCIDENTS_DB", str(ds))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: None)
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    assert metric(at, "Events") == f"{n:,}"
    assert f"Newest 50 of {n:,} events." in [c.value for c in at.caption]
    for shown in (100, 150, 200):
        at.button(key="panel_more").click()
        ok(at.run())
        assert f"Newest {shown} of {n:,} events." in [c.value for c in at.caption]
    captions = [c.value for c in at.caption]
    assert f"Showing the newest 200 of {n:,} events; narrow the dates or filters to see others." in captions
    assert not [b for b in at.button if b.key == "panel_more"]


def test_the_review_controls_on_a_dataset_explain_why_and_how(dataset):
    """A dataset is read-only: the Review expander says why a review is not saved there and gives the
    commands that review the account in its store and export it again (no form that would fail)."""
    def app():
        import ui
        import ui_review
        from incidents.columnar import EventsBackend

        b = EventsBackend(ui.store_path())
        with b.open_store() as store:
            ui_review.review_controls(store, {"id": 7, "report_id": 1}, key="t", gazetteer=None)

    at = ok(AppTest.from_function(app, default_timeout=60).run())
    text = " ".join(c.value for c in at.caption)
    assert "Reviews are not saved on a Parquet dataset" in text and "Why:" in text
    assert "python -m incidents review set 7 --reject --db STORE" in text
    assert "python -m incidents export --db STORE --to DATASET" in text
    assert not at.button and not at.text_input
