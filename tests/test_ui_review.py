"""AppTest of ui_review.py (through tests/review_app.py): confirm, reject/restore, the correction form,
the state filter; unique widget keys for two incidents on one page."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from incidents import review
from incidents.ingest import ingest
from incidents.reading import report_from_text
from incidents.review import ReviewState
from incidents.store import Store

APP = str(Path(__file__).resolve().parent / "review_app.py")
PAGE = """Live updates: fighting in southern Gaza

KHAN YOUNIS, Gaza Strip (AP) — An Israeli airstrike hit a house in Khan Younis on Tuesday, killing four people, \
local health officials said.

RAFAH, Gaza Strip (AP) — Israeli tanks shelled the eastern edge of Rafah on Tuesday, killing two people \
who were trying to reach their farmland, relatives said.
"""


@pytest.fixture
def app(gazetteer, monkeypatch):
    path = os.environ["INCIDENTS_DB"]
    with Store(path) as store:
        ingest(store, report_from_text(PAGE, source="AP", published=date(2024, 3, 5)), gazetteer)
        ky = next(i for i in store.incidents() if i["place_id"] == "khan-younis")
    monkeypatch.setenv("REVIEW_APP_INCIDENT", str(ky["id"]))
    monkeypatch.setenv("INCIDENTS_REVIEWER", "tester")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    ok(at)
    return at, path, ky


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def state_of(path, iid):
    with Store(path) as store:
        return review.load(store).by_incident.get(iid)


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_confirm_then_reject_then_restore(app):
    at, path, ky = app
    assert "not reviewed" in markdown(at)
    ok(at.button(key="inc-a:confirm").click().run())
    rev = state_of(path, ky["id"])
    assert rev.state is ReviewState.CONFIRMED and rev.who == "tester"
    assert "**confirmed**" in markdown(at) and at.button(key="inc-a:confirm").disabled
    assert any("Confirmed by tester" in s.value for s in at.success)
    ok(at.button(key="inc-a:reject").click().run())
    assert state_of(path, ky["id"]).state is ReviewState.REJECTED
    assert "rejected" in markdown(at)
    ok(at.button(key="inc-a:restore").click().run())
    assert state_of(path, ky["id"]).state is ReviewState.MACHINE
    # the other incident's controls are independent (their own keys)
    ok(at.button(key="inc-b:reject").click().run())
    with Store(path) as store:
        res = review.load(store)
    assert res.state(ky["id"]) is ReviewState.MACHINE and ReviewState.REJECTED in {
        r.state for r in res.by_incident.values()}


def test_the_correction_form_writes_a_correction(app):
    at, path, ky = app
    ok(at.button(key="inc-a:correct").click().run())
    assert at.selectbox(key="inc-a:place").value == "khan-younis"
    assert at.number_input(key="inc-a:fatalities").value == 4
    save = next(b for b in at.button if b.label == "Save correction")
    ok(save.click().run())  # nothing changed: said so, nothing written
    assert any("Nothing to correct" in e.value for e in at.error) and state_of(path, ky["id"]) is None
    assert at.selectbox(key="inc-a:place").value == "khan-younis"  # the form stays open
    at.selectbox(key="inc-a:place").set_value("bani-suhaila")
    at.number_input(key="inc-a:fatalities").set_value(6)
    at.selectbox(key="inc-a:type").set_value(("Explosions/Remote violence", "Shelling/artillery/missile attack"))
    at.date_input(key="inc-a:date").set_value(date(2024, 3, 4))
    at.text_input(key="inc-a:note").set_value("<script>alert(1)</script> per the ministry")
    ok(next(b for b in at.button if b.label == "Save correction").click().run())
    rev = state_of(path, ky["id"])
    assert rev.state is ReviewState.CORRECTED and rev.who == "tester"
    assert (rev.place_id, rev.fatalities, rev.sub_event_type, rev.date) == (
        "bani-suhaila", 6, "Shelling/artillery/missile attack", "2024-03-04")
    assert rev.note.startswith("<script>")
    assert "**corrected**" in markdown(at) and "<script>" not in markdown(at)
    assert any("<script>" in t.value for t in at.text)  # the note is shown as plain text
    assert any("Extracted:" in t.value and "fatalities: 4" in t.value for t in at.text)


def test_review_filter_returns_the_states_chosen(app):
    at, _, _ = app
    assert at.text[-1].value == "states: confirmed,corrected,machine"
    ok(at.multiselect(key="review-filter").select("rejected").unselect("machine").run())
    assert at.text[-1].value == "states: confirmed,corrected,rejected"
