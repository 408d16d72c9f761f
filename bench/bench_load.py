"""The dashboard under load: K browser sessions on one server at once.

    python bench/bench_load.py                          # 20,000 incidents; 1, 5 and 10 sessions
    python bench/bench_load.py --size 300 --sessions 1,2 --moves 1   # smoke run
    python bench/bench_load.py --profile                # also: what one rerun spends, in-process
    python bench/bench_load.py --reruns --sessions 0    # only whole reruns' server time, in-process (AppTest)

One store of ``--size`` synthetic incidents (bench_dashboard.build_store), one
``streamlit run dashboard.py`` server, and for each K in ``--sessions`` K
headless Chromium sessions (one browser per thread, all on this machine's cores
with the server), started together:

* **first map**: all K open the dashboard at the same moment; the wall time from
  then until every one of them has markers drawn (and each one's own time);
* **slider**: each session moves the date slider one day ``--moves`` times, all
  together (bench_dashboard.move_slider: until the Events count and the markers
  changed); median and max over every move of every session;
* **click**: each session clicks a different marker (a drawn circle, not a
  cluster) at the same moment and waits until the panel is filled (its "Show
  all" button and the place's events drawn, the script idle); median and max.

Nothing is asserted; the figures are printed as a table with the load average
and the commit. ``--profile`` times one rerun's data path of dashboard.py
in-process (the ui/views calls map_page makes, in order) and lists what ui.py
caches across sessions (st.cache_resource / st.cache_data) and what runs again on
every rerun of every session. ``--reruns`` times whole reruns of dashboard.py
in-process (AppTest, no browser): what the server spends per session, apart from
the browsers that share its cores (``--wait`` lets a loaded machine's sessions
wait longer than 120 s).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests", ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import bench_dashboard  # noqa: E402
from bench_dashboard import (CHROMIUM, CHROMIUM_ARGS, INIT_SCRIPT, JS_METRIC, _route_offline,  # noqa: E402
                             _wait_idle, build_store, first_map, free_port, move_slider, server_memory_mb,
                             start_server, stop_server)

# the i-th place marker (i modulo their number); the map zooms onto it so it is drawn, not clustered
JS_SHOW_NTH = """(i) => {
  const leaves = [];
  (window.feature_group || []).forEach(fg => {
    if (!window.map || !window.map.hasLayer(fg)) return;
    fg.eachLayer(l => (l.getLayers ? l.getLayers() : [l]).forEach(m => {
      if (m.getTooltip && m.getTooltip() && m.getLatLng) leaves.push(m);
    }));
  });
  if (!leaves.length) return null;
  const m = leaves[(i * 7919) % leaves.length];
  window.__benchMarker = m;
  window.map.setView(m.getLatLng(), 15, {animate: false});
  return String(m.getTooltip().getContent());
}"""
JS_TAG_SHOWN = """() => { const m = window.__benchMarker;
  if (!m || !m._path || !m._path.isConnected) return false;
  document.querySelectorAll('[data-bench-marker]').forEach(e => e.removeAttribute('data-bench-marker'));
  m._path.setAttribute('data-bench-marker', '1'); return true; }"""
JS_PANEL_FILLED = """() => [...document.querySelectorAll('button')].some(b => b.innerText.trim() === 'Show all')
  && document.querySelectorAll('.event-head').length > 0
  && !!document.querySelector("[data-test-script-state='notRunning']")"""


class Session(threading.Thread):
    """One browser session (its own Playwright and Chromium: the sync API is per thread)."""

    def __init__(self, idx: int, url: str, moves: int, gates: dict, results: dict):
        super().__init__(daemon=True, name=f"session-{idx}")
        self.idx, self.url, self.moves, self.gates, self.results = idx, url, moves, gates, results
        self.error: BaseException | None = None

    def gate(self, name: str) -> float:
        self.gates[name].wait(timeout=bench_dashboard.WAIT_MS / 1000 * 3)
        return time.perf_counter()

    def run(self) -> None:
        from playwright.sync_api import sync_playwright

        out = self.results.setdefault(self.idx, {"moves": [], "click": None})
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(viewport={"width": 1500, "height": 1000})
                    _route_offline()(context, [])
                    context.add_init_script(INIT_SCRIPT)
                    self.gate("ready")
                    seconds, page, frame = first_map(context, self.url)
                    out["first_s"] = seconds
                    out["first_done"] = time.perf_counter()
                    out["events"] = page.evaluate(JS_METRIC, "Events")
                    plan = [(1, "ArrowLeft"), (0, "ArrowRight")]
                    for i in range(self.moves):
                        self.gate(f"move{i}")
                        out["moves"].append(move_slider(page, frame, *plan[i % len(plan)]))
                    self.gate("click")
                    _wait_idle(page)
                    tip = frame.evaluate(JS_SHOW_NTH, self.idx)  # zooming in reruns nothing
                    if tip is not None:
                        frame.wait_for_function(JS_TAG_SHOWN, timeout=bench_dashboard.WAIT_MS, polling=50)
                        t0 = time.perf_counter()
                        frame.locator("[data-bench-marker]").click(force=True)
                        page.wait_for_function(JS_PANEL_FILLED, timeout=bench_dashboard.WAIT_MS, polling=20)
                        out["click"] = time.perf_counter() - t0
                    page.wait_for_timeout(50)
                finally:
                    browser.close()
        except BaseException as exc:  # reported by the round; the others go on (run_round lets it leave the gates)
            self.error = exc


class Gate:
    """All sessions wait here until every live session arrived (a barrier that tolerates failures)."""

    def __init__(self, parties: int):
        self.cond = threading.Condition()
        self.parties, self.count, self.opened_at = parties, 0, None

    def wait(self, timeout: float) -> None:
        with self.cond:
            self.count += 1
            if self.count >= self.parties:
                self.opened_at = time.perf_counter()
                self.cond.notify_all()
            else:
                self.cond.wait_for(lambda: self.opened_at is not None, timeout=timeout)

    def leave(self) -> None:
        with self.cond:
            self.parties -= 1
            if self.count >= self.parties and self.opened_at is None:
                self.opened_at = time.perf_counter()
                self.cond.notify_all()


def run_round(url: str, k: int, moves: int, server_pid: int) -> dict:
    names = ["ready", *(f"move{i}" for i in range(moves)), "click"]
    gates = {n: Gate(k) for n in names}
    results: dict = {}
    sessions = [Session(i, url, moves, gates, results) for i in range(k)]
    load0 = os.getloadavg()[0]
    for s in sessions:
        s.start()
    alive = list(sessions)
    while alive:
        for s in list(alive):
            s.join(timeout=0.2)
            if not s.is_alive():
                alive.remove(s)
                for g in gates.values():  # it passes no more gates
                    g.leave()
    errors = [f"session {s.idx}: {type(s.error).__name__}: {str(s.error).splitlines()[0] if str(s.error) else ''}"
              for s in sessions if s.error]
    start = gates["ready"].opened_at
    firsts = [r["first_s"] for r in results.values() if "first_s" in r]
    done = [r["first_done"] - start for r in results.values() if "first_done" in r and start]
    moves_s = [m["seconds"] for r in results.values() for m in r["moves"]]
    # where a move's time goes (medians over every move): the server's first answer, the Events count drawn,
    # the map's new arguments in its iframe, the markers drawn
    phases = {k: _median([m.get(k, float("nan")) for r in results.values() for m in r["moves"]])
              for k in ("first_delta_s", "metric_s", "args_s", "map_s")}
    clicks = [r["click"] for r in results.values() if r.get("click") is not None]
    rss, hwm = server_memory_mb(server_pid)
    return {"k": k, "first_wall": max(done) if len(done) == k else float("nan"), "first": firsts,
            "moves": moves_s, "phases": phases, "clicks": clicks, "errors": errors, "load0": load0, "load": os.getloadavg()[0],
            "rss_mb": rss, "hwm_mb": hwm, "events": sorted({r.get("events") for r in results.values()} - {None})}


def _median(xs: list[float]) -> float:
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def _med_max(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} / {max(xs):.2f} s" if xs else "n/a"


def _commit() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def print_table(size: int, rows: list[dict]) -> None:
    head = ("sessions", "server", "first maps together (wall)", "first map each median/max", "slider median/max",
            "click to panel median/max", "moves", "server RSS (peak)", "load avg before/after", "errors")
    table = [head]
    for r in rows:
        table.append((str(r["k"]), "cold" if r.get("cold") else "warm", f"{r['first_wall']:.2f} s", _med_max(r["first"]), _med_max(r["moves"]),
                      _med_max(r["clicks"]), str(len(r["moves"])), f"{r['rss_mb']:.0f} MB ({r['hwm_mb']:.0f} MB)",
                      f"{r['load0']:.1f} / {r['load']:.1f}", str(len(r["errors"]))))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    print(f"\ndashboard under load: {size:,} incidents, commit {_commit()}, {os.cpu_count()} cores "
          f"(browsers and server on the same cores)")
    for i, row in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("first maps together = from all sessions opening the page at once until the last has markers; "
          "slider = key press until the Events count and the markers changed; click = marker click until the "
          "panel shows the place's events and the script is idle", flush=True)


# ---------------------------------------------------------------------- profile
def profile_rerun(db: Path, repeat: int = 3) -> str:
    """One dashboard rerun's data path, in-process, in map_page's order: what each step costs on a
    warm cache, and whether ui.py caches it across sessions or recomputes it on every rerun."""
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["INCIDENTS_DB"] = str(db)
    os.environ.setdefault("INCIDENTS_USER_GAZETTEER", str(db.with_name("no-user-places.csv")))
    import streamlit_folium

    import ui
    from incidents import views

    rows: list[tuple[str, float, str]] = []

    def timed(label: str, where: str, fn, *args, **kw):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = fn(*args, **kw)
            best = min(best, time.perf_counter() - t0)
        rows.append((label, 1000 * best, where))
        return out

    t0 = time.perf_counter()
    data = ui.load_event_data()
    cold = 1000 * (time.perf_counter() - t0)
    timed("ui.load_event_data (link check + events)", "cache_resource: shared", ui.load_event_data)
    ev_all = data.events
    timed("ui.filter_options", "cache_data: shared (copy per hit)", ui.filter_options)
    timed("ui.data_version (stat calls)", "every call", ui.data_version, ui.store_path())
    lo, hi = views.date_bounds(ev_all)
    f = views.Filters()
    timed("views.date_bounds", "every rerun", views.date_bounds, ev_all)
    timed("ui.timeline_counts", "cache_data: shared (copy per hit)", ui.timeline_counts, f, lo, hi)
    f.start, f.end = lo, hi - __import__("datetime").timedelta(days=1)
    in_range = timed("views.filter_events", "every rerun", views.filter_events, ev_all, f)
    places = timed("views.aggregate_places", "was every rerun (now shared)", views.aggregate_places, in_range)
    timed("views.event_totals", "every rerun", views.event_totals, in_range)
    timed("undated count (ev_all['day'] == UNDATED)", "every rerun",
          lambda: int((ev_all["day"] == views.UNDATED).sum()))
    from incidents import maps

    timed(f"maps.marker_layer ({len(places)} places)", "was every rerun (now shared)", maps.marker_layer, places, "",
          True, "event")
    layer = timed("ui.marker_layer (rows shared: hash + copy)", "every rerun", ui.marker_layer, places, "", "event")
    timed("ui.map_labels", "cache_resource: shared", ui.map_labels)
    m = timed("ui.base_map(ev_all)", "every rerun", ui.base_map, ev_all, tiles=False)
    timed("st_folium: base map script (_get_map_string)", "every rerun", streamlit_folium._get_map_string, m)
    timed("st_folium: marker layer JS (_get_feature_group_string)", "every rerun",
          streamlit_folium._get_feature_group_string, layer, map=m, idx=0)
    shown = timed("views.newest_first (panel, 50)", "every rerun", views.newest_first, in_range, 50)
    timed("views.accounts_by_event (panel)", "was every rerun (now shared)", views.accounts_by_event, data, shown)
    sel = str(places.iloc[0]["place_id"]) if len(places) else ""
    timed("panel rows of one place (df_range[place_id == X])", "every rerun",
          lambda: in_range[in_range["place_id"] == sel])
    # what dashboard.py now shares across sessions: built once per view, then a lookup
    dash = dashboard_functions()
    f2 = views.Filters(start=f.start, end=f.end)
    timed("ui.places_in_range (aggregate_places, shared)", "every rerun", ui.places_in_range, in_range, f2, False)
    timed("timeline: Altair chart built + validated (before)", "was every rerun (now shared)", _altair_timeline, dash,
          ui.timeline_counts(f, lo, hi), lo, hi)
    timed("timeline: shared spec, datasets attached (now)", "every rerun",
          lambda: dict(__import__("json").loads(dash["_timeline_spec"](lo, hi)), datasets={}))
    gaz = ui.get_gazetteer()
    events = dash["_records"](shown)
    with ui.open_store() as store:
        def panel_html():
            acc = dash["_accounts_of"](data, events)
            return [dash["event_block"](store, acc.get(ev.event_id, []), ev, gaz) for ev in events]
        blocks = timed("panel HTML of 50 events (first session to show them)", "was every rerun (now shared)",
                       panel_html)
        memo = {(ev.event_id, id(gaz)): b for ev, b in zip(events, blocks)}
        timed("panel HTML of 50 events (any later rerun: memo lookups)", "every rerun",
              lambda: [memo[(ev.event_id, id(gaz))] for ev in events])
        timed("panel records of 50 events (dashboard._records)", "every rerun", dash["_records"], shown)
    out = [f"--- one rerun's data path (best of {repeat}, warm caches; first load_event_data {cold:.0f} ms) ---"]
    out += [f"  {label:<58} {ms:9.1f} ms   {where}" for label, ms, where in rows]
    total = sum(ms for _, ms, where in rows if where == "every rerun")
    was = sum(ms for _, ms, where in rows if where.startswith("was every rerun"))
    out.append(f"  {'sum of the per-rerun steps (now)':<58} {total:9.1f} ms")
    out.append(f"  {'sum of what was per rerun and is now shared':<58} {was:9.1f} ms")
    out.append(f"  (events {len(ev_all):,}, in range {len(in_range):,}, places {len(places):,})")
    return "\n".join(out)


def rerun_costs(db: Path, moves: int = 6) -> str:
    """What the server spends on one session's rerun, in-process (AppTest; no browser): the slider moved a day
    at a time by a first session (each range new to the server), then by a second session over the same
    ranges (what another session finds shared), then a place selected (a marker click) three times."""
    import logging
    import sqlite3
    from datetime import timedelta

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["INCIDENTS_DB"] = str(db)
    os.environ.setdefault("INCIDENTS_USER_GAZETTEER", str(db.with_name("no-user-places.csv")))
    from streamlit.testing.v1 import AppTest

    with sqlite3.connect(db) as conn:
        busiest = [r[0] for r in conn.execute(
            "SELECT place_id FROM incidents GROUP BY place_id ORDER BY count(*) DESC LIMIT 3")]

    def session():
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(at.exception[0].value)
        return at, first

    def timed_run(at) -> float:
        t0 = time.perf_counter()
        at.run()
        return time.perf_counter() - t0

    out: dict[str, list[float]] = {"session's first run": []}
    for name in ("slider, first session", "slider, second session"):
        at, first = session()
        out["session's first run"].append(first)
        lo, hi = at.slider(key="dates").value
        out[name] = []
        for i in range(moves):
            at.slider(key="dates").set_value((lo, hi - timedelta(days=1 + i)))
            out[name].append(timed_run(at))
    at, first = session()
    out["session's first run"].append(first)
    out["place selected (a click)"] = []
    for pid in busiest:
        at.session_state["_place"] = pid
        out["place selected (a click)"].append(timed_run(at))
    lines = [f"--- server time of one session's rerun, in-process (AppTest), load average {os.getloadavg()[0]:.1f} ---"]
    for name, ts in out.items():
        lines.append(f"  {name:<28} median {1000 * statistics.median(ts):7.0f} ms   min {1000 * min(ts):7.0f}   "
                     f"max {1000 * max(ts):7.0f}   ({len(ts)} runs)")
    return "\n".join(lines)


def dashboard_functions() -> dict:
    """dashboard.py's functions without running its app (its last line, ``main()``, left out)."""
    src = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    assert src.rstrip().endswith("main()")
    ns: dict = {"__name__": "dashboard_bench", "__file__": str(ROOT / "dashboard.py")}
    exec(compile(src.rstrip()[: -len("main()")], str(ROOT / "dashboard.py"), "exec"), ns)
    return ns


def _altair_timeline(dash: dict, counts, lo, hi) -> dict:
    """The timeline as it was built on every rerun before: the Altair chart and its validated dict."""
    import altair as alt
    import pandas as pd

    from incidents import views

    end = (hi + __import__("datetime").timedelta(days=1)).isoformat()
    x_scale = alt.Scale(domain=[lo.isoformat(), end])
    band = alt.Chart(pd.DataFrame({"start": [lo.isoformat()], "end": [end]})).mark_rect(opacity=0.13).encode(
        x=alt.X("start:T", scale=x_scale, title=None), x2="end:T")
    bars = alt.Chart(counts).mark_bar().encode(
        x=alt.X("utcyearmonthdate(date):T", scale=x_scale, title=None),
        y=alt.Y("sum(events):Q", title="events"),
        color=alt.Color("event_type:N", scale=alt.Scale(domain=[*views.EVENT_COLORS, "Other"]), legend=None),
    ).add_params(alt.selection_interval(name="span", encodings=["x"]))
    return alt.layer(band, bars).properties(height=110).to_dict()


# ---------------------------------------------------------------------- main
def run(size: int, sessions: list[int], moves: int, workdir: Path, seed: int = 1, profile: bool = False,
        reruns: bool = False) -> list[dict]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing (tools/install-test-deps.sh installs it)")
    from bench_common import run_header

    print(run_header(("dashboard.py", "ui.py", "incidents/views.py", "incidents/maps.py")), flush=True)
    db = workdir / f"load-{size}.db"
    built = build_store(db, size, seed)
    print(f"store: {built['incidents']:,} incidents, {built['places']} places, {built['reports']} reports over "
          f"{built['days']} days, built in {built['seconds']:.1f} s", flush=True)
    if reruns:
        print(rerun_costs(db), flush=True)
    if profile:
        print(profile_rerun(db), flush=True)
    if not sessions:
        return []
    port = free_port()
    proc, up = start_server(db, workdir / "no-user-places.csv", port, workdir / "streamlit-load.log")
    rows = []
    try:
        print(f"server up in {up:.1f} s", flush=True)
        url = f"http://127.0.0.1:{port}/"
        for k in sessions:
            print(f"[{k} session(s)] load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
            r = run_round(url, k, moves, proc.pid)
            r["cold"] = not rows  # the first round meets a fresh server (first script run, data loaded)
            print(f"[{k} session(s)] first maps together {r['first_wall']:.2f} s; slider {_med_max(r['moves'])}; "
                  f"click {_med_max(r['clicks'])}; events shown {r['events']}", flush=True)
            ph = r["phases"]
            print(f"[{k} session(s)] a slider move (medians): first answer {ph['first_delta_s']:.2f} s, Events "
                  f"count {ph['metric_s']:.2f} s, map arguments in the iframe {ph['args_s']:.2f} s, markers drawn "
                  f"{ph['map_s']:.2f} s", flush=True)
            for e in r["errors"]:
                print(f"[{k} session(s)] error: {e}", flush=True)
            rows.append(r)
    finally:
        stop_server(proc)
    print_table(size, rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="The dashboard under load: K headless Chromium sessions at once.")
    ap.add_argument("--size", type=int, default=20_000, help="incidents in the store (default 20000)")
    ap.add_argument("--sessions", type=lambda s: [int(x) for x in s.split(",")], default=[1, 5, 10],
                    help="comma-separated session counts (default 1,5,10)")
    ap.add_argument("--moves", type=int, default=3, help="slider moves per session (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="where the store and the server log go (default: a temp dir)")
    ap.add_argument("--profile", action="store_true", help="also time one rerun's data path in-process")
    ap.add_argument("--reruns", action="store_true",
                    help="also time whole reruns in-process (AppTest): slider moves of a first and a second session, "
                         "a place selected; --sessions 0 for these alone")
    ap.add_argument("--wait", type=float, default=bench_dashboard.WAIT_MS / 1000,
                    help="seconds a session waits for its first map, a move or a click before it gives up "
                         f"(default {bench_dashboard.WAIT_MS / 1000:g}; a loaded machine with 10 sessions needs more)")
    a = ap.parse_args(argv)
    bench_dashboard.WAIT_MS = int(a.wait * 1000)  # read at each wait by bench_dashboard's helpers and here
    if a.workdir:
        a.workdir.mkdir(parents=True, exist_ok=True)
        run(a.size, [k for k in a.sessions if k > 0], a.moves, a.workdir, a.seed, a.profile, a.reruns)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            run(a.size, [k for k in a.sessions if k > 0], a.moves, Path(tmp), a.seed, a.profile, a.reruns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
