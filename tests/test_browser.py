"""The dashboard in headless Chromium: click a marker -> panel; slide -> markers change; no script injection.

Offline: folium's CDN files come from tests/.assets (tools/fetch-map-assets.sh),
map tiles and anything else remote get an empty 200. Measurements are printed
(run with -s), never asserted.
"""
from __future__ import annotations

import re
import time
import os
from pathlib import Path

import pytest

from ui_fixtures import (ASSETS, CHROMIUM, CHROMIUM_ARGS, JS_MARKERS, JS_TAG_MARKER, free_port,  # noqa: F401
                         route_offline, seed_basic, seed_xss, start_app, stop_app)
from incidents.store import Store

playwright_api = pytest.importorskip("playwright.sync_api")

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
WAIT_MS = 90_000


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (tools/install-test-deps.sh installs it)"
    if not (ASSETS / "leaflet-1.9.3" / "dist" / "leaflet.js").exists():
        return "tests/.assets missing: run bash tools/fetch-map-assets.sh"
    return None


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")  # never a silent skip in CI
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("browser")
    db, user = tmp / "incidents.db", tmp / "user_places.csv"
    with Store(db) as s:
        seed_basic(s)
        seed_xss(s)
    port = free_port()
    proc = start_app(db, user, port)
    yield f"http://127.0.0.1:{port}/"
    stop_app(proc)


def metric_value(page, label: str) -> str:
    m = page.locator('[data-testid="stMetric"]', has_text=label).first
    return m.locator('[data-testid="stMetricValue"]').inner_text().strip()


def wait_metric(page, label: str, value: str) -> None:
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
             m.innerText.includes(label) &&
             (m.querySelector('[data-testid="stMetricValue"]') || {}).innerText === value)""",
        arg=[label, value], timeout=WAIT_MS)


def wait_idle(page) -> None:
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached", timeout=WAIT_MS)


def test_click_slide_and_no_injection(app):
    from playwright.sync_api import sync_playwright

    unmapped: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1000})
            route_offline(context, unmapped)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            t0 = time.perf_counter()
            page.goto(app, wait_until="domcontentloaded")
            page.wait_for_selector(IFRAME, timeout=WAIT_MS)
            frame = page.locator(IFRAME).element_handle().content_frame()
            frame.wait_for_function(f"({JS_MARKERS})().length > 0", timeout=WAIT_MS)
            first_map_s = time.perf_counter() - t0
            wait_idle(page)
            wait_metric(page, "Incidents", "7")
            tooltips = frame.evaluate(JS_MARKERS)
            assert len(tooltips) == 6, tooltips  # places, not incidents (Rafah has two)
            html_kb = len(page.content().encode()) / 1024
            frame_kb = len(frame.content().encode()) / 1024
            print(f"\n[browser] time to first map: {first_map_s:.2f} s; page HTML {html_kb:.0f} KB, "
                  f"map iframe HTML {frame_kb:.0f} KB")

            # -- click a marker: the panel lists that place's incidents
            assert frame.evaluate(JS_TAG_MARKER, "Khiam")
            frame.locator('[data-place="Khiam"]').click(force=True)
            page.get_by_role("heading", name="Khiam").wait_for(timeout=WAIT_MS)
            wait_idle(page)
            panel = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
            assert "Residents of Khiam protested on Tuesday." in panel
            assert "Clashes erupted" not in panel and "Another strike hit" not in panel
            assert "place=khiam" in page.url

            # -- the map is not remounted by what follows: mark its window and remember the zoom
            frame.evaluate("() => { window.__same_map = 1; }")
            zoom = frame.evaluate("() => window.map.getZoom()")

            # -- move the slider's end thumb two days back with the keyboard
            # (react-aria slider: each thumb is a visually hidden <input type=range>)
            thumbs = page.locator('[data-testid="stSlider"] input[type="range"]')
            assert thumbs.count() == 2
            thumbs.nth(1).focus()
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
            wait_metric(page, "Incidents", "3")  # Feb 5 only: Rafah, Jabalia, the evil-named place
            frame.wait_for_function(f"({JS_MARKERS})().length === 3", timeout=WAIT_MS)
            after = frame.evaluate(JS_MARKERS)
            assert not any("Khiam" in t or "Khan Younis" in t for t in after), after
            assert frame.evaluate("() => window.__same_map") == 1, "the map iframe was reloaded"
            assert frame.evaluate("() => window.map.getZoom()") == zoom
            wait_idle(page)
            panel = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
            assert "No incidents at this place" in panel  # Khiam stays selected, nothing in range
            assert re.search(r"to=2024-02-05", page.url)

            # -- injection: open every tooltip, show all incidents in the panel, then check
            page.get_by_role("button", name="Show all").click()
            page.get_by_role("heading", name="All incidents in range").wait_for(timeout=WAIT_MS)
            wait_idle(page)
            frame.evaluate("""() => (window.feature_group || []).forEach(fg => fg.eachLayer(l =>
                (l.getLayers ? l.getLayers() : [l]).forEach(m => m.openTooltip && m.getTooltip() && m.openTooltip())))""")
            page.wait_for_load_state("networkidle")
            panel = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
            assert "<script>window.__pwned=1</script>" in panel  # shown as text
            assert '<img src=x onerror="window.__pwned=2">' in panel
            assert "`backtick` and ${1+1}" in panel
            assert page.evaluate("() => typeof window.__pwned") == "undefined"
            assert frame.evaluate("() => typeof window.__pwned") == "undefined"
            assert page.locator('img[src="x"]').count() == 0
            assert frame.locator('img[src="x"]').count() == 0
            assert not [e for e in errors if "pwned" in e], errors

            # -- play animates: the one-day window (Feb 5) walks to the last day by itself, then stops
            page.get_by_text("▶ Play").click()
            for day in ("2024-02-06", "2024-02-07"):
                page.wait_for_function(
                    """(day) => [...document.querySelectorAll('[data-testid="stSlider"] input[type="range"]')]
                         .map(i => i.getAttribute('aria-valuetext')).join(',') === day + ',' + day""",
                    arg=day, timeout=WAIT_MS)
            wait_metric(page, "Incidents", "2")  # Feb 7: Rafah and the Gaza Strip
            frame.wait_for_function(f"({JS_MARKERS})().length === 2", timeout=WAIT_MS)
            page.wait_for_function(
                """() => { const t = [...document.querySelectorAll('[data-testid="stCheckbox"] input, input[role="switch"]')];
                           return t.length > 0 && t.every(i => !i.checked); }""", timeout=WAIT_MS)
            assert frame.evaluate("() => window.__same_map") == 1, "play reloaded the map iframe"
            print(f"[browser] unmapped remote requests answered empty: {sorted(set(unmapped))[:8]}")
        finally:
            browser.close()
