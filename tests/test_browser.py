"""The dashboard and every page in headless Chromium with no network at all.

Every request that does not go to this machine is aborted (not answered with a copy):
the map, its plugins, styles and base map must all come from the app itself. Each test
checks that nothing was requested from outside and that the console shows no error.
Measurements are printed (run with -s), never asserted.
"""
from __future__ import annotations

import re
import time

import pytest

from ui_fixtures import (JS_MARKERS, JS_TAG_MARKER, OfflinePage, StreamlitLog, free_port,  # noqa: F401
                         seed_basic, seed_xss, server_log, start_app, stop_app)
from incidents.store import Store

pytestmark = pytest.mark.slow

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
WAIT_MS = 90_000
REPORT = ("Israel-Hamas war: Live updates\n\nWednesday, Feb. 7, 2024\n\n"
          "RAFAH, Gaza Strip (AP) — An Israeli airstrike on a house in Rafah killed 5 people on Wednesday, "
          "health officials said.\n")


@pytest.fixture(scope="module")
def app(tmp_path_factory, browser):
    tmp = tmp_path_factory.mktemp("browser")
    db, user = tmp / "incidents.db", tmp / "user_places.csv"
    with Store(db) as s:
        seed_basic(s)
        seed_xss(s)
    proc = start_app(db, user, free_port(), log=tmp / "server.log")
    yield proc
    stop_app(proc)


@pytest.fixture
def offline(browser):
    pages: list[OfflinePage] = []

    def make(**kw) -> OfflinePage:
        pages.append(OfflinePage(browser, **kw))
        return pages[-1]

    yield make
    for p in pages:
        p.close()


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


def single_input(page, label: str):
    """The one input labelled ``label``, once a rerun's stale copy of the form has gone."""
    page.wait_for_function(f"""() => document.querySelectorAll('input[aria-label="{label}"]').length === 1""",
                           timeout=WAIT_MS)
    return page.get_by_label(label, exact=True)


def current_map_frame(page, until: str):
    """The map's frame once the JS expression ``until`` holds in it.

    A rerun that redraws the map (a new view, a new range) may replace the iframe while
    we wait in it; a detached frame is not a failure, so wait again in the one that
    replaced it, up to WAIT_MS in all."""
    from playwright.sync_api import Error as PlaywrightError  # lazily: collection needs no browser

    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        page.wait_for_selector(IFRAME, timeout=WAIT_MS)
        frame = page.locator(IFRAME).first.element_handle().content_frame()
        left = max(1_000, int((deadline - time.monotonic()) * 1000))
        try:
            frame.wait_for_function(until, timeout=left)
            return frame
        except PlaywrightError as e:  # only a detached frame is waited out
            if "detached" not in str(e) or time.monotonic() > deadline:
                raise
            page.wait_for_timeout(200)


def map_frame(page, n_markers_min: int = 1):
    return current_map_frame(page, f"({JS_MARKERS})().length >= {n_markers_min}")


def wait_basemap(frame) -> None:
    """The offline base map is drawn: country polygons in the base map pane, labels in theirs."""
    frame.wait_for_function("() => document.querySelectorAll('.leaflet-basemap-pane path').length > 20",
                            timeout=WAIT_MS)


def assert_offline_and_clean(op: OfflinePage) -> None:
    assert op.aborted == [], f"requests that left the machine: {sorted(set(op.aborted))[:10]}"
    assert op.errors == [], "\n".join(op.errors)


def panel_text(page) -> str:
    return page.locator('[data-testid="stMainBlockContainer"]').inner_text()


def test_dashboard_offline_click_slide_and_no_injection(app, offline):
    op = offline()
    page = op.page
    t0 = time.perf_counter()
    page.goto(app.url, wait_until="domcontentloaded")
    frame = map_frame(page)
    first_map_s = time.perf_counter() - t0
    wait_basemap(frame)
    wait_idle(page)
    wait_metric(page, "Events", "7")
    tooltips = frame.evaluate(JS_MARKERS)
    assert len(tooltips) == 6, tooltips  # places, not events (Rafah has two)
    page.wait_for_load_state("networkidle")
    print(f"\n[browser] time to first map: {first_map_s:.2f} s; bytes received from the app "
          f"{op.bytes['local'] / 1024:.0f} KB (content-length), map iframe HTML "
          f"{len(frame.content().encode()) / 1024:.0f} KB; nothing from outside")
    # labels from the gazetteer are drawn under the markers, and the legend is a control
    assert frame.locator(".map-label", has_text="Gaza City").count() == 1
    assert frame.locator("details.incident-legend").count() == 1

    # -- click a marker: the panel lists that place's incidents
    assert frame.evaluate(JS_TAG_MARKER, "Khiam")
    frame.locator('[data-place="Khiam"]').click(force=True)
    page.get_by_role("heading", name="Khiam").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    panel = panel_text(page)
    assert "Residents of Khiam protested on Tuesday." in panel
    assert "Clashes erupted" not in panel and "Another strike hit" not in panel
    page.wait_for_function("() => location.search.includes('place=khiam')", timeout=WAIT_MS)

    # -- the map is not remounted by what follows: mark its window and remember the zoom
    frame.evaluate("() => { window.__same_map = 1; }")
    zoom = frame.evaluate("() => window.map.getZoom()")

    # -- move the slider's end thumb two days back with the keyboard
    thumbs = page.locator('[data-testid="stSlider"] input[type="range"]')
    assert thumbs.count() == 2
    for _ in range(2):  # one day at a time: a second press during the first one's rerun can be lost under load
        thumbs.nth(1).focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(300)
        wait_idle(page)
    wait_metric(page, "Events", "3")  # Feb 5 only: Rafah, Jabalia, the evil-named place
    frame.wait_for_function(f"({JS_MARKERS})().length === 3", timeout=WAIT_MS)
    after = frame.evaluate(JS_MARKERS)
    assert not any("Khiam" in t or "Khan Younis" in t for t in after), after
    assert frame.evaluate("() => window.__same_map") == 1, "the map iframe was reloaded"
    assert frame.evaluate("() => window.map.getZoom()") == zoom
    wait_idle(page)
    assert "No events at this place" in panel_text(page)  # Khiam stays selected, nothing in range
    page.get_by_role("heading", name="Khiam").wait_for(timeout=WAIT_MS)  # its name, not its id
    # the slider keeps the URL itself (bind="query-params"; Streamlit writes the days as epoch
    # microseconds, ?dates=2024-02-05&dates=2024-02-05 is read as well): the link reproduces the view
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('dates').length === 2",
                           timeout=WAIT_MS)
    shared = page.url
    assert "place=khiam" in shared
    other = offline()
    other.page.goto(shared, wait_until="domcontentloaded")
    map_frame(other.page)
    wait_idle(other.page)
    wait_metric(other.page, "Events", "3")
    other.page.get_by_role("heading", name="Khiam").wait_for(timeout=WAIT_MS)
    assert_offline_and_clean(other)

    # -- injection: open every tooltip, show all incidents in the panel, then check
    page.get_by_role("button", name="Show all").click()
    page.get_by_role("heading", name="All events in range").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    frame.evaluate("""() => (window.feature_group || []).forEach(fg => fg.eachLayer(l =>
        (l.getLayers ? l.getLayers() : [l]).forEach(m => m.openTooltip && m.getTooltip() && m.openTooltip())))""")
    page.wait_for_load_state("networkidle")
    panel = panel_text(page)
    assert "<script>window.__pwned=1</script>" in panel  # shown as text
    assert '<img src=x onerror="window.__pwned=2">' in panel
    assert "`backtick` and ${1+1}" in panel
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert frame.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert frame.locator('img[src="x"]').count() == 0

    # -- play animates: the one-day window (Feb 5) walks to the last day by itself, then stops
    page.get_by_text("▶ Play").click()
    for day in ("2024-02-06", "2024-02-07"):
        page.wait_for_function(
            """(day) => [...document.querySelectorAll('[data-testid="stSlider"] input[type="range"]')]
                 .map(i => i.getAttribute('aria-valuetext')).join(',') === day + ',' + day""",
            arg=day, timeout=WAIT_MS)
    wait_metric(page, "Events", "2")  # Feb 7: Rafah and the Gaza Strip
    frame.wait_for_function(f"({JS_MARKERS})().length === 2", timeout=WAIT_MS)
    page.wait_for_function(
        """() => { const t = [...document.querySelectorAll('[data-testid="stCheckbox"] input, input[role="switch"]')];
                   return t.length > 0 && t.some(i => i.closest('label') && i.closest('label').innerText.includes('Play'))
                     && t.filter(i => i.closest('label') && i.closest('label').innerText.includes('Play'))
                         .every(i => !i.checked); }""", timeout=WAIT_MS)
    assert frame.evaluate("() => window.__same_map") == 1, "play reloaded the map iframe"
    assert_offline_and_clean(op)


def test_clusters_never_select_and_markers_work_from_the_keyboard(app, offline):
    op = offline()
    page = op.page
    page.goto(app.url, wait_until="domcontentloaded")
    frame = map_frame(page)
    wait_idle(page)
    # zoom out until the Gaza places merge into a bubble
    frame.evaluate("() => window.map.setZoom(6, {animate: false})")
    frame.wait_for_selector(".incident-cluster", timeout=WAIT_MS)
    z0 = frame.evaluate("() => window.map.getZoom()")
    cluster = frame.locator(".incident-cluster").first
    assert cluster.get_attribute("tabindex") == "0" and cluster.get_attribute("role") == "button"
    assert "nearby" in cluster.inner_text(timeout=WAIT_MS) or "places" in cluster.text_content()
    cluster.click()
    frame.wait_for_function(f"() => window.map.getZoom() > {z0}", timeout=WAIT_MS)
    page.wait_for_timeout(1500)  # a click would have reached Streamlit by now
    wait_idle(page)
    assert "place=" not in page.url
    page.get_by_role("heading", name="All events in range").wait_for(timeout=WAIT_MS)

    # the keyboard: Enter on a cluster zooms in; Enter on a circle selects its place
    frame.evaluate("() => window.map.setZoom(6, {animate: false})")
    frame.wait_for_selector(".incident-cluster", timeout=WAIT_MS)
    z1 = frame.evaluate("() => window.map.getZoom()")
    frame.locator(".incident-cluster").first.focus()
    page.keyboard.press("Enter")
    frame.wait_for_function(f"() => window.map.getZoom() > {z1}", timeout=WAIT_MS)
    frame.evaluate("() => window.map.setZoom(11, {animate: false})")
    frame.evaluate("() => window.map.setView([33.3264, 35.6114], 11, {animate: false})")
    assert frame.evaluate(JS_TAG_MARKER, "Khiam")
    khiam = frame.locator('[data-place="Khiam"]')
    assert khiam.get_attribute("tabindex") == "0" and "Khiam" in (khiam.get_attribute("aria-label") or "")
    khiam.focus()
    page.keyboard.press(" ")
    page.get_by_role("heading", name="Khiam").wait_for(timeout=WAIT_MS)
    assert_offline_and_clean(op)


def _rect(frame, selector: str):
    return frame.evaluate(f"""() => {{ const e = document.querySelector({selector!r});
        if (!e) return null; const r = e.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom]; }}""")


def _marker_rects(frame):
    return frame.evaluate("""() => [...document.querySelectorAll('path.incident-place, .incident-cluster')]
        .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")


def _overlaps(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


@pytest.mark.parametrize("width, height", [(1500, 1000), (390, 844)])
def test_markers_are_inside_the_map_and_clear_of_legend_and_attribution(app, offline, width, height):
    op = offline(width=width, height=height)
    page = op.page
    page.goto(app.url, wait_until="domcontentloaded")
    frame = map_frame(page)
    wait_idle(page)
    frame.wait_for_selector("details.incident-legend", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    box = _rect(frame, "#map_div")
    legend = _rect(frame, "details.incident-legend")
    attribution = _rect(frame, ".leaflet-control-attribution")
    rects = _marker_rects(frame)
    assert rects
    for r in rects:
        assert box[0] <= r[0] and r[2] <= box[2] and box[1] <= r[1] and r[3] <= box[3], (r, box)  # not cut
        assert not _overlaps(r, legend), (r, legend)
        if attribution:
            assert not _overlaps(r, attribution), (r, attribution)
    opened = frame.evaluate("() => document.querySelector('details.incident-legend').open")
    if width < 700:
        assert not opened  # a phone: the legend starts closed, one small button
        assert (legend[2] - legend[0]) * (legend[3] - legend[1]) < 0.05 * (box[2] - box[0]) * (box[3] - box[1])
    assert_offline_and_clean(op)


def test_every_page_works_offline(app, offline):
    op = offline()
    page = op.page
    base = app.url.rstrip("/")
    # Incidents: the table
    page.goto(base + "/incidents", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Events").wait_for(timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=WAIT_MS)
    wait_idle(page)

    # Reports: paste, preview on a map drawn offline
    page.goto(base + "/reports", wait_until="domcontentloaded")
    area = page.locator("textarea").first
    area.wait_for(timeout=WAIT_MS)
    area.fill(REPORT)
    area.press("Control+Enter")
    frame = map_frame(page)
    wait_basemap(frame)
    assert any("Rafah" in t for t in frame.evaluate(JS_MARKERS))
    wait_idle(page)

    # Gazetteer: search shows places on the same base map; Add place empties its form
    page.goto(base + "/gazetteer", wait_until="domcontentloaded")
    search = page.get_by_label("Search places")
    search.wait_for(timeout=WAIT_MS)
    search.fill("Khan")
    search.press("Enter")
    frame = map_frame(page)
    wait_basemap(frame)
    wait_idle(page)
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="added by users")
    search.fill("")
    search.press("Enter")
    wait_idle(page)
    caption.first.wait_for(timeout=WAIT_MS)
    assert "(0 added by users)" in caption.first.inner_text()
    single_input(page, "Name").fill("Wadi Testa")
    page.get_by_label("Latitude").fill("31.45")
    page.get_by_label("Longitude").fill("34.40")
    page.get_by_role("button", name="Add place").click()
    page.get_by_text("Added Wadi Testa").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert single_input(page, "Name").input_value() == ""
    assert page.get_by_label("Latitude").input_value() == ""
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
        .some(c => c.innerText.includes('(1 added by users)'))""", timeout=WAIT_MS)
    # the country picker shows names
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stSelectbox"]')]
        .some(b => (b.innerText + ' ' + [...b.querySelectorAll('input')].map(i => i.value).join(' '))
                   .includes('Palestine (PS)'))""", timeout=WAIT_MS)
    assert_offline_and_clean(op)


def test_review_in_the_panel_offline(app, offline):
    """Reject an account in the panel: the counts drop; "Show rejected" brings it back, marked; Restore
    leaves the shared store as it was."""
    op = offline()
    page = op.page
    page.goto(app.url, wait_until="domcontentloaded")
    frame = map_frame(page)
    wait_idle(page)
    wait_metric(page, "Events", "7")
    assert frame.evaluate(JS_TAG_MARKER, "Khiam")
    frame.locator('[data-place="Khiam"]').click(force=True)
    page.get_by_role("heading", name="Khiam").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    main = page.locator('[data-testid="stMainBlockContainer"]')
    review = main.locator('[data-testid="stExpander"] summary').get_by_text("Review", exact=True)
    assert review.count() == 1  # one account at Khiam, its controls collapsed
    review.first.click()
    main.get_by_role("button", name="Reject").click()
    wait_metric(page, "Events", "6")
    frame.wait_for_function(f"({JS_MARKERS})().length === 5", timeout=WAIT_MS)
    wait_idle(page)
    assert "Residents of Khiam" not in panel_text(page)

    page.locator('[data-testid="stSidebar"]').get_by_text("Show rejected").click()
    page.wait_for_function("() => document.body.innerText.includes('✗ rejected')", timeout=WAIT_MS)
    wait_idle(page)
    assert "Residents of Khiam protested on Tuesday." in panel_text(page)
    assert metric_value(page, "Events") == "6"  # shown, not counted

    review.first.click()  # hidden, the account's expander was forgotten: open it again
    page.wait_for_timeout(300)
    wait_idle(page)  # the expander's rerun draws the controls: click Restore once it is done
    restore = main.get_by_role("button", name="Restore")
    restore.wait_for(timeout=WAIT_MS)
    restore.click()
    page.wait_for_function("() => !document.body.innerText.includes('✗ rejected')", timeout=WAIT_MS)
    page.locator('[data-testid="stSidebar"]').get_by_text("Show rejected").click()
    wait_metric(page, "Events", "7")
    wait_idle(page)
    assert_offline_and_clean(op)


def test_no_deprecation_or_error_in_the_server_log(app):
    """After the click-throughs above: Streamlit printed no deprecation warning and no traceback."""
    log = server_log(app)
    bad = [ln for ln in log.splitlines() if any(k in ln.lower() for k in StreamlitLog.WORDS)]
    assert not bad, bad
    assert "Traceback" not in log, log[-3000:]
    assert re.search(r"You can now view", log)


# ---------------------------------------------------------------------- events and the timeline
@pytest.fixture(scope="module")
def samples_app(tmp_path_factory, browser):
    """The app over the bundled samples (AP and CNN tell the Baghdad strike: one event, two accounts)."""
    try:
        from incidents.samples import ensure_samples
    except ImportError:
        pytest.skip("no bundled samples")
    from gazetteer import Gazetteer

    tmp = tmp_path_factory.mktemp("browser-samples")
    db, user = tmp / "incidents.db", tmp / "user_places.csv"
    with Store(db) as s:
        ensure_samples(s, Gazetteer.load())
        two = [e for e in s.events() if len(e.incident_ids) == 2]
    assert len(two) == 1
    proc = start_app(db, user, free_port(), log=tmp / "server.log")
    proc.event = two[0]
    yield proc
    stop_app(proc)


def test_timeline_and_an_event_with_two_accounts_offline(samples_app, offline):
    op = offline()
    page = op.page
    page.goto(samples_app.url, wait_until="domcontentloaded")
    frame = map_frame(page)
    wait_idle(page)
    wait_metric(page, "Events", "9")  # 10 incidents, 9 events

    # the timeline: drawn by the Vega-Lite that ships with Streamlit (nothing fetched), one mark per bar
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=WAIT_MS)
    page.wait_for_function("""() => { const c = document.querySelector('[data-testid="stVegaLiteChart"]');
        return c && c.querySelector('canvas, svg') && c.getBoundingClientRect().height > 50; }""", timeout=WAIT_MS)
    assert "of 14 days have none" in panel_text(page)

    # -- the Baghdad strike: one event, AP and CNN beneath it, the 1–3 range
    assert frame.evaluate(JS_TAG_MARKER, "Al-Mashtal")
    frame.locator('[data-place="Al-Mashtal"]').click(force=True)
    page.get_by_role("heading", name="Al-Mashtal").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    heads = page.locator(".event-head")
    assert heads.count() == 1
    head = heads.first.inner_text()
    assert "1–3 killed" in head and "2 accounts from AP (sample); CNN (sample)" in head, head
    cards = page.locator(".account")
    assert cards.count() == 2
    texts = [cards.nth(i).inner_text() for i in range(2)]
    assert any("AP (sample)" in t for t in texts) and any("CNN (sample)" in t for t in texts), texts
    assert page.locator(".account mark").count() >= 2  # the place highlighted in each excerpt

    # -- its permalink opens the map on it in a new session, panel filled
    href = heads.first.locator("a.event-link").get_attribute("href")
    assert href == f"?event={samples_app.event.event_id}"
    other = offline()
    other.page.goto(samples_app.url.rstrip("/") + "/" + href, wait_until="domcontentloaded")
    map_frame(other.page)
    wait_idle(other.page)
    other.page.get_by_role("heading", name="Al-Mashtal").wait_for(timeout=WAIT_MS)
    other.page.locator(".account").nth(1).wait_for(timeout=WAIT_MS)
    assert other.page.locator(".event-head").count() == 1
    assert_offline_and_clean(other)

    # -- drag across the timeline's last days: the range (slider and URL) follows
    page.get_by_role("button", name="Show all").click()
    wait_idle(page)
    box = chart.bounding_box()
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(box["x"] + box["width"] * 0.80, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.90, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.995, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        """() => { const v = [...document.querySelectorAll('[data-testid="stSlider"] input[type="range"]')]
                     .map(i => i.getAttribute('aria-valuetext')); return v.length === 2 && v[1] === '2024-02-07'
                     && v[0] > '2024-01-28'; }""", timeout=WAIT_MS)
    wait_idle(page)
    wait_metric(page, "Events", "7")  # the seven events of 7 Feb
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('dates').length === 2",
                           timeout=WAIT_MS)

    # -- the heat-map view: Leaflet.heat from the app's static files draws its canvas
    page.get_by_text("Heat map", exact=True).click()
    wait_idle(page)
    heat = current_map_frame(page, "() => document.querySelector('canvas.leaflet-heatmap-layer') !== null")
    assert heat.evaluate("() => typeof L.heatLayer") == "function"
    assert_offline_and_clean(op)
