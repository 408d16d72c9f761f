"""Screenshot of the dashboard for docs/dashboard.png, in headless Chromium, offline.

    python tools/screenshot.py [--out docs/dashboard.png] [--db PATH]

Without --db it builds a temp store from the bundled sample reports
(data/samples). It starts ``streamlit run dashboard.py`` on a free port, opens
it with every remote request aborted (what a machine without a network sees:
the offline base map, no tiles), clicks the marker with the most incidents and
saves a screenshot. ``--zoom N`` sets the map's zoom after the click.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # a script run from tools/: the checkout and its test helpers

from ui_fixtures import (CHROMIUM, CHROMIUM_ARGS, JS_MARKERS, JS_TAG_MARKER, OfflinePage, free_port,  # noqa: E402
                         seed_basic, start_app, stop_app)

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def build_store(db: Path) -> None:
    from incidents.store import Store

    with Store(db) as store:
        n = 0
        try:
            from gazetteer import Gazetteer
            from incidents.samples import ensure_samples

            n = ensure_samples(store, Gazetteer.load())
        except Exception as exc:  # noqa: BLE001 - fall back to the test fixtures
            print(f"samples not loaded ({exc}); using test fixtures", file=sys.stderr)
        if not n:
            seed_basic(store)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "dashboard.png"))
    ap.add_argument("--db", help="an existing store (default: a temp store with the sample reports)")
    ap.add_argument("--width", type=int, default=1500)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--zoom", type=int, help="the map's zoom after the click")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="screenshot-"))
    db = Path(args.db) if args.db else tmp / "incidents.db"
    if not args.db:
        build_store(db)
    proc = start_app(db, tmp / "user_places.csv", free_port())
    url = f"http://127.0.0.1:{proc.args[proc.args.index('--server.port') + 1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            op = OfflinePage(browser, width=args.width, height=args.height)
            page = op.page
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector(IFRAME, timeout=90_000)
            frame = page.locator(IFRAME).element_handle().content_frame()
            frame.wait_for_function(f"({JS_MARKERS})().length > 0", timeout=90_000)
            frame.wait_for_function("() => document.querySelectorAll('.leaflet-basemap-pane path').length > 20",
                                    timeout=90_000)
            page.wait_for_selector("[data-test-script-state='notRunning']", state="attached", timeout=90_000)
            # click the place with the most incidents that is drawn on its own (not inside a cluster)
            labels = frame.evaluate(JS_MARKERS)
            ranked = sorted(labels, key=lambda t: -int((t.rsplit("—", 1)[-1].split() or ["0"])[0] or 0)
                            if "—" in t else 0)
            for label in ranked:
                name = label.replace("<div>", "").replace("</div>", "").strip().rsplit(" — ", 1)[0]
                if frame.evaluate(JS_TAG_MARKER, name):
                    frame.locator(f'[data-place="{name}"]').click()
                    page.get_by_role("heading", name=name).wait_for(timeout=90_000)
                    break
            page.wait_for_selector("[data-test-script-state='notRunning']", state="attached", timeout=90_000)
            if args.zoom:
                frame.evaluate(f"() => window.map.setZoom({int(args.zoom)}, {{animate: false}})")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)
            if op.aborted:
                print(f"requests that left the machine: {op.aborted[:5]}", file=sys.stderr)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=args.out, full_page=False)
            browser.close()
    finally:
        stop_app(proc)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
