"""The dashboard on a Parquet dataset (the bundled samples' store exported) in headless Chromium, offline:
the map, the counts, a marker click filling the panel with an event's two accounts, and the read-only
Reports page."""
from __future__ import annotations

import pytest

from test_browser import (IFRAME, WAIT_MS, assert_offline_and_clean, map_frame, offline, panel_text,  # noqa: F401
                          wait_idle, wait_metric)
from ui_fixtures import JS_TAG_MARKER, free_port, start_app, stop_app  # noqa: F401
from incidents.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dataset_app(tmp_path_factory, browser):
    try:
        from incidents.samples import ensure_samples
    except ImportError:
        pytest.skip("no bundled samples")
    from gazetteer import Gazetteer

    from incidents.export import export_store

    tmp = tmp_path_factory.mktemp("browser-dataset")
    db, user, ds = tmp / "incidents.db", tmp / "user_places.csv", tmp / "dataset"
    with Store(db) as s:
        ensure_samples(s, Gazetteer.load())
    export_store(db, ds)
    db.unlink()  # only the dataset is served
    proc = start_app(ds, user, free_port(), log=tmp / "server.log")
    yield proc
    stop_app(proc)


def test_the_map_and_panel_on_a_dataset_offline(dataset_app, offline):
    op = offline()
    page = op.page
    page.goto(dataset_app.url, wait_until="domcontentloaded")
    frame = map_frame(page)
    wait_idle(page)
    wait_metric(page, "Events", "9")  # 10 incidents, 9 events: as on the store
    assert "Parquet dataset" in panel_text(page)
    assert frame.evaluate(JS_TAG_MARKER, "Al-Mashtal")
    frame.locator('[data-place="Al-Mashtal"]').click(force=True)
    page.get_by_role("heading", name="Al-Mashtal").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    head = page.locator(".event-head").first.inner_text()
    assert "1–3 killed" in head and "2 accounts" in head, head
    assert page.locator(".account").count() == 2
    assert page.locator(".account mark").count() >= 2
    assert_offline_and_clean(op)

    page.goto(dataset_app.url.rstrip("/") + "/reports", wait_until="domcontentloaded")
    wait_idle(page)
    page.get_by_text("add reports with").wait_for(timeout=WAIT_MS)
    assert "Traceback" not in dataset_app.log_path.read_text(errors="replace")
