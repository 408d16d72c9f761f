"""Dashboard at scale: first map, slider update, map payload and server memory.

    python bench/bench_dashboard.py                       # 10,000 and 100,000 incidents
    python bench/bench_dashboard.py --sizes 300 --moves 1 # smoke run
    python bench/bench_dashboard.py --sizes 100000 --profile
    python bench/bench_dashboard.py --dataset --sizes 100000,1000000 --days 3653   # Parquet + DuckDB

For each size it writes a store with that many synthetic incidents (rows
inserted directly: plausible incidents over the curated gazetteer's places and
a year of dates, skewed so a few places get most of them, like real data),
starts ``streamlit run dashboard.py`` on a free local port with
``INCIDENTS_DB`` set to it (and an empty temp ``INCIDENTS_USER_GAZETTEER``),
and drives headless Chromium:

* **first map**: from navigation to Leaflet markers drawn inside
  ``iframe[title="streamlit_folium.st_folium"]``; once on a fresh server
  (cold: the script loads the store) and once more in a new tab (warm);
* **slider**: the end (or start) thumb of the date slider is focused and moved
  one day with the keyboard; the time until the "Events" metric shows a new
  count *and* the markers in the map changed (their tooltips carry counts);
* **payload**: the bytes of the arguments Streamlit hands the map component
  (the ``streamlit:render`` message inside the iframe: base map script, header,
  html and the marker layer), and the map iframe's HTML;
* **server RSS**: VmRSS and peak VmHWM of the streamlit process and its children.

Nothing is asserted; the figures are printed as a table. Offline: the app serves
every file the map needs itself (static/); every remote request is aborted by the
routing helper of tests/ui_fixtures.py.
``--dataset`` exports each store to a Parquet dataset (``python -m incidents export``, events
linked first) and serves that instead (the DuckDB backend, ``incidents.columnar.EventsBackend``).
``--profile`` times the dashboard's data path in-process (views/ui functions
and streamlit-folium's serialisation on the same store) and runs pyinstrument.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests", ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# the date slider's two thumbs: BaseWeb's role=slider divs, or react-aria's range inputs
SLIDER_THUMBS = '[data-testid="stSlider"] [role="slider"], [data-testid="stSlider"] input[type="range"]'
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 120_000
START = date(2024, 1, 1)

EVENTS = [  # (event_type, sub_event_type, weight)
    ("Explosions/Remote violence", "Air/drone strike", 40),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", 20),
    ("Battles", "Armed clash", 12),
    ("Violence against civilians", "Attack", 8),
    ("Protests", "Peaceful protest", 8),
    ("Riots", "Violent demonstration", 4),
    ("Strategic developments", "Arrests", 8),
]
SOURCES = ["AP", "CNN", "Reuters", "Al Jazeera", "The Guardian", "France 24"]
SENTENCES = {
    "Air/drone strike": "SYNTHETIC: An airstrike hit a house in {place} on {day}, killing {n} people.",
    "Shelling/artillery/missile attack": "SYNTHETIC: Shells landed in {place} on {day}, killing {n}.",
    "Armed clash": "SYNTHETIC: Fighters and troops clashed in {place} on {day}; {n} were killed.",
    "Attack": "SYNTHETIC: Gunmen attacked residents of {place} on {day}, killing {n}.",
    "Peaceful protest": "SYNTHETIC: Hundreds protested in {place} on {day}.",
    "Violent demonstration": "SYNTHETIC: Protesters clashed with police in {place} on {day}.",
    "Arrests": "SYNTHETIC: Troops arrested {n} people in {place} on {day}.",
}
LOCAL_KINDS = {"city", "town", "village", "camp", "neighbourhood", "settlement", "capital", "hospital",
               "crossing", "port", "junction", "base", "landmark", "governorate", "district", "region"}
COUNTRIES = {"PS", "IL", "LB", "SY", "IQ", "YE"}

# inside the map iframe: every Streamlit render message, its size and when it came
INIT_SCRIPT = """
(() => {
  if (window.__stPayloads) return;
  window.__stPayloads = [];
  window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || d.type !== 'streamlit:render' || !d.args) return;
    const a = d.args, size = (s) => (typeof s === 'string' ? new Blob([s]).size : 0);
    window.__stPayloads.push({t: performance.timeOrigin + performance.now(),
      bytes: new Blob([JSON.stringify(a)]).size, script: size(a.script), header: size(a.header),
      html: size(a.html), feature_group: size(a.feature_group)});
  });
})();
"""
JS_VISIBLE = "() => !!window.map && document.querySelectorAll('path.leaflet-interactive, .marker-cluster').length > 0"
JS_MARKER_SIG = """() => {
  const out = [];
  (window.feature_group || []).forEach(fg => {
    if (!window.map || !window.map.hasLayer(fg)) return;
    fg.eachLayer(l => (l.getLayers ? l.getLayers() : [l]).forEach(m => {
      const t = m.getTooltip && m.getTooltip(); out.push(t ? String(t.getContent()) : '');
    }));
  });
  return out.length + '|' + out.join('\\n');
}"""
JS_METRIC = """(label) => {
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    if (m.innerText.includes(label)) {
      const v = m.querySelector('[data-testid="stMetricValue"]'); return v ? v.innerText.trim() : null; }
  }
  return null;
}"""


# ---------------------------------------------------------------------- store
def plausible_places(seed: int = 1) -> list:
    """(place, weight) over the curated gazetteer: a few places get most incidents."""
    from gazetteer import Gazetteer

    gaz = Gazetteer.load(user=ROOT / "bench" / "no-user-places.csv")
    places = sorted((p for p in gaz.places.values() if p.kind in LOCAL_KINDS and p.country in COUNTRIES),
                    key=lambda p: p.id)
    rng = random.Random(seed)
    rng.shuffle(places)
    return [(p, 1.0 / (rank + 1) ** 0.8) for rank, p in enumerate(places)]


def build_store(path: Path, n: int, seed: int = 1, days: int | None = None) -> dict:
    """A store with ``n`` synthetic incidents in reports of 40; returns counts and timing."""
    from incidents.store import INCIDENT_COLUMNS, Store

    t0 = time.perf_counter()
    if path.exists():
        path.unlink()
    rng = random.Random(seed)
    weighted = plausible_places(seed)
    places = [p for p, _ in weighted]
    weights = [w for _, w in weighted]
    days = days or min(366, max(7, n // 10))
    ev_weights = [w for *_, w in EVENTS]
    per_report = 40
    with Store(path) as store:
        conn = store.conn
        conn.execute("BEGIN")
        cols = ", ".join(f'"{c}"' for c in INCIDENT_COLUMNS)
        marks = ", ".join("?" for _ in INCIDENT_COLUMNS)
        made = 0
        r = 0
        while made < n:
            k = min(per_report, n - made)
            source = rng.choice(SOURCES)
            picks = rng.choices(places, weights, k=k)
            evs = rng.choices(EVENTS, ev_weights, k=k)
            dates = sorted(START + timedelta(days=rng.randrange(days)) for _ in range(k))
            text, rows, entries = f"SYNTHETIC BENCHMARK REPORT {r}\n\n", [], []
            for place, (etype, sub, _w), day in zip(picks, evs, dates):
                dead = rng.choice([None, 0, 1, 2, 3, 5, 8, 12]) if sub != "Peaceful protest" else None
                sent = SENTENCES[sub].format(place=place.name, day=day.strftime("%B %-d"), n=dead or "no")
                start = len(text)
                text += sent + "\n\n"
                end = start + len(sent)
                i = sent.find(place.name)
                mentions = [{"surface": place.name, "start": start + i, "end": start + i + len(place.name),
                             "place_id": place.id}]
                prec = 3 if place.is_area else rng.choice([1, 1, 1, 2])
                inc = {"date": day.isoformat(), "time_precision": 1, "place": place.name, "place_id": place.id,
                       "lat": place.lat, "lon": place.lon, "geo_precision": prec, "event_type": etype,
                       "sub_event_type": sub, "fatalities": dead, "injuries": None, "source": source,
                       "published": dates[-1].isoformat(), "excerpt": sent, "start": start, "end": end,
                       "dateline": "", "country": place.country, "fatalities_text": str(dead) if dead else "",
                       "injuries_text": "", "entry_start": start, "entry_end": end,
                       "mentions": json.dumps(mentions),
                       "why": json.dumps({"rules": [{"rule": sub, "start": start}],
                                          "place": {"cue": "sentence:locative", "surface": place.name,
                                                    "start": start + i},
                                          "date": {"cue": "sentence"}})}
                rows.append(tuple(inc[c] for c in INCIDENT_COLUMNS))
                entries.append((start, end, "post", "", "", dates[-1].isoformat()))
            cur = conn.execute("INSERT INTO reports (hash, source, published, title, text) VALUES (?,?,?,?,?)",
                               (hashlib.sha256(text.encode()).hexdigest(), source, dates[-1].isoformat(),
                                f"Synthetic live updates {r}", text))
            rid = cur.lastrowid
            conn.executemany('INSERT INTO entries (report_id, start, "end", kind, dateline, headline, published) '
                             "VALUES (?,?,?,?,?,?,?)", [(rid, *e) for e in entries])
            conn.executemany(f"INSERT INTO incidents (report_id, {cols}) VALUES (?, {marks})",
                             [(rid, *row) for row in rows])
            made += k
            r += 1
        conn.execute("COMMIT")
        n_places = conn.execute("SELECT count(DISTINCT place_id) FROM incidents").fetchone()[0]
    return {"incidents": n, "reports": r, "places": n_places, "days": days,
            "seconds": time.perf_counter() - t0, "bytes": path.stat().st_size}


# ---------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, user: Path, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """``streamlit run dashboard.py``; returns the process once /_stcore/health answers."""
    env = {**os.environ, "INCIDENTS_DB": str(db), "INCIDENTS_USER_GAZETTEER": str(user)}
    t0 = time.perf_counter()
    out = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("streamlit did not become healthy in 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _children(pid: int) -> list[int]:
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            kids.append(int(d))
    return kids


def server_memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB of ``pid`` plus its descendants (psutil if installed, else /proc)."""
    try:
        import psutil

        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        rss = sum(p.memory_info().rss for p in procs) / 2**20
        hwm = rss
        for p in procs:  # psutil has no peak on Linux: read it from /proc
            hwm += _status_kb(p.pid, "VmHWM") / 1024 - p.memory_info().rss / 2**20
        return rss, hwm
    except ImportError:
        pass
    todo, rss, hwm = [pid], 0.0, 0.0
    while todo:
        p = todo.pop()
        rss += _status_kb(p, "VmRSS") / 1024
        hwm += _status_kb(p, "VmHWM") / 1024
        todo += _children(p)
    return rss, hwm


def _status_kb(pid: int, field: str) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------------- browser
LOCAL_PREFIXES = ("http://127.0.0.1", "http://localhost", "ws://", "data:", "blob:")


class _RemoteOnly:
    """Hands the browser tests' handler only remote URLs: the app's own requests then never
    make a round trip through Playwright's driver (which would add seconds to a page load)."""

    def __init__(self, context):
        self.context = context

    def route(self, _pattern, handler) -> None:
        self.context.route(lambda url: not url.startswith(LOCAL_PREFIXES), handler)


def _route_offline():
    """The offline routing of the browser tests (tests/ui_fixtures.py), for remote URLs only."""
    from ui_fixtures import route_offline  # aborts remote requests: the app serves every file itself

    return lambda context, log=None: route_offline(_RemoteOnly(context), log)


def _map_frame(page):
    page.wait_for_selector(IFRAME, timeout=WAIT_MS)
    return page.locator(IFRAME).element_handle().content_frame()


def _wait_idle(page) -> None:
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached", timeout=WAIT_MS)


WS_FRAMES: dict[int, list[tuple[str, float]]] = {}  # per page: (direction, perf_counter) of websocket frames


def first_map(context, url: str, page=None) -> tuple[float, object, object]:
    """Seconds from navigation to markers drawn in the map iframe; returns (seconds, page, frame)."""
    page = page or context.new_page()
    frames: list[tuple[str, float]] = []
    WS_FRAMES[id(page)] = frames
    page.on("websocket", lambda ws: (
        ws.on("framesent", lambda _p: frames.append(("sent", time.perf_counter()))),
        ws.on("framereceived", lambda _p: frames.append(("received", time.perf_counter())))))
    epoch = time.time()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    frame = _map_frame(page)
    t_iframe = time.perf_counter() - t0
    frame.wait_for_function(JS_VISIBLE, timeout=WAIT_MS, polling=20)
    seconds = time.perf_counter() - t0
    first = frame.evaluate("() => (window.__stPayloads || [])[0] || null") or {}
    render_at = first["t"] / 1000 - epoch if first.get("t") else float("nan")
    _wait_idle(page)
    page.wait_for_function(f"({JS_METRIC})('Events') !== null", timeout=WAIT_MS)
    got = [t - t0 for d, t in frames if d == "received"]
    first_msg = f"first server message at {got[0]:.2f} s, " if got else ""
    print(f"    first map {seconds:.2f} s: {first_msg}map iframe attached at {t_iframe:.2f} s, map arguments reached it "
          f"at {render_at:.2f} s, markers drawn at {seconds:.2f} s", flush=True)
    return seconds, page, frame


def last_payload(frame) -> dict:
    p = frame.evaluate("() => (window.__stPayloads || []).slice(-1)[0] || null")
    return p or {}


def move_slider(page, frame, thumb: int, key: str) -> dict:
    """Press ``key`` on slider thumb ``thumb``; seconds until the count and the markers changed."""
    _wait_idle(page)
    metric0 = page.evaluate(JS_METRIC, "Events")
    sig0 = frame.evaluate(JS_MARKER_SIG)
    thumbs = page.locator(SLIDER_THUMBS)
    thumbs.nth(thumb).focus()
    renders0 = frame.evaluate("() => (window.__stPayloads || []).length")
    epoch = time.time()
    t0 = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_function(f"([old]) => {{ const v = ({JS_METRIC})('Events'); return v !== null && v !== old; }}",
                           arg=[metric0], timeout=WAIT_MS, polling=20)
    t_metric = time.perf_counter() - t0
    frame.wait_for_function(f"([old]) => ({JS_MARKER_SIG})() !== old", arg=[sig0], timeout=WAIT_MS, polling=20)
    t_map = time.perf_counter() - t0
    _wait_idle(page)
    t_idle = time.perf_counter() - t0
    metric1 = page.evaluate(JS_METRIC, "Events")
    markers = int(frame.evaluate(JS_MARKER_SIG).split("|", 1)[0])
    ws = [(d, t - t0) for d, t in WS_FRAMES.get(id(page), []) if t >= t0]
    sent = [t for d, t in ws if d == "sent"]
    got = [t for d, t in ws if d == "received" and t <= t_idle]
    new = frame.evaluate("(n) => (window.__stPayloads || []).slice(n)", renders0)
    args_s = new[0]["t"] / 1000 - epoch if new else float("nan")
    return {"seconds": max(t_metric, t_map), "metric_s": t_metric, "map_s": t_map, "idle_s": t_idle,
            "args_s": args_s, "sent_s": sent[0] if sent else float("nan"),
            "first_delta_s": got[0] if got else float("nan"), "last_delta_s": got[-1] if got else float("nan"),
            "from": metric0, "to": metric1, "markers": markers}


def cpu_profile_moves(page, frame, moves: int = 3, top: int = 30) -> str:
    """Chromium's CPU profile (CDP ``Profiler``, 1 ms sampling) over ``moves`` slider moves: self time summed
    per script file and per function, so the browser side of a move can be split (Vega, Leaflet, Streamlit's
    front end, the component). The map iframe is same-origin, so it runs on the page's main thread too."""
    from collections import Counter

    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
    cdp.send("Profiler.start")
    plan = [(1, "ArrowLeft"), (0, "ArrowRight")]
    secs = [move_slider(page, frame, *plan[i % len(plan)])["idle_s"] for i in range(moves)]
    prof = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    return _profile_summary(prof, f"{moves} slider moves (rerun done {', '.join(f'{s:.2f}' for s in secs)} s", top)


def cpu_profile_first_map(context, url: str, top: int = 30) -> str:
    """Chromium's CPU profile of a new tab's first map (a warm server): navigation to markers drawn."""
    page = context.new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
    cdp.send("Profiler.start")
    seconds, page, _ = first_map(context, url, page)
    prof = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    page.close()
    return _profile_summary(prof, f"a new tab's first map ({seconds:.2f} s", top)


def _profile_summary(prof: dict, what: str, top: int) -> str:
    from collections import Counter

    nodes = {n["id"]: n for n in prof["nodes"]}
    deltas = prof.get("timeDeltas") or []
    self_ms: Counter = Counter()
    for sid, dt in zip(prof.get("samples") or [], deltas):
        self_ms[sid] += dt / 1000.0
    by_file: Counter = Counter()
    by_fn: Counter = Counter()
    for nid, ms in self_ms.items():
        cf = nodes[nid]["callFrame"]
        url = cf.get("url") or ""
        fn = cf.get("functionName") or ""
        name = url.rsplit("/", 1)[-1].split("?")[0] or (fn if fn.startswith("(") else "(no file)")
        by_file[name] += ms
        by_fn[f"{cf.get('functionName') or '(anonymous)'}  [{name}:{cf.get('lineNumber', 0) + 1}]"] += ms
    total = sum(self_ms.values())
    lines = [f"--- Chromium CPU profile over {what}; {total:,.0f} ms sampled, idle included) ---",
             "  by script file (self ms):"]
    lines += [f"    {ms:9.0f}  {name}" for name, ms in by_file.most_common(12)]
    lines.append(f"  by function (self ms, top {top}):")
    lines += [f"    {ms:9.0f}  {name}" for name, ms in by_fn.most_common(top)]
    return "\n".join(lines)


def measure(url: str, proc: subprocess.Popen, moves: int, browser, cpu_profile: bool = False) -> dict:
    route_offline = _route_offline()
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        unmapped: list[str] = []
        route_offline(context, unmapped)
        context.add_init_script(INIT_SCRIPT)
        cold, page, frame = first_map(context, url)
        payload = last_payload(frame)
        frame_html = len(frame.content().encode())
        page_html = len(page.content().encode())
        markers0 = int(frame.evaluate(JS_MARKER_SIG).split("|", 1)[0])
        metric0 = page.evaluate(JS_METRIC, "Events")
        warm, page2, _ = first_map(context, url)
        page2.close()
        plan = [(1, "ArrowLeft"), (0, "ArrowRight")]
        results = [move_slider(page, frame, *plan[i % len(plan)]) for i in range(moves)]
        if cpu_profile:
            print(cpu_profile_first_map(context, url), flush=True)
            print(cpu_profile_moves(page, frame), flush=True)
        payload_after = last_payload(frame)
        reloaded = frame.evaluate("() => window.__stPayloads.length")
        rss, hwm = server_memory_mb(proc.pid)
        return {"first_cold_s": cold, "first_warm_s": warm, "payload": payload, "payload_after": payload_after,
                "frame_html": frame_html, "page_html": page_html, "markers": markers0, "incidents_shown": metric0,
                "moves": results, "renders": reloaded, "rss_mb": rss, "hwm_mb": hwm}
    finally:
        context.close()


# ---------------------------------------------------------------------- profile
def profile_data_path(db: Path, top_lines: int = 45) -> str:
    """Time each step of one dashboard rerun's data path in-process on ``db`` (no browser)."""
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["INCIDENTS_DB"] = str(db)
    import sqlite3

    import streamlit_folium
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    import ui
    from incidents import views

    lines = []

    def timed(label, fn, *args, **kw):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        lines.append(f"  {label:<58} {1000 * (time.perf_counter() - t0):9.1f} ms")
        return out

    conn = sqlite3.connect(str(db))
    df = timed("views.load_frame (cold cache: SQLite -> pandas)", views.load_frame, conn)
    conn.close()
    ui.load_incidents()  # fills st.cache_data (memory storage in bare mode)
    timed("ui.load_incidents, st.cache_data hit (unpickles a copy)", ui.load_incidents)
    timed("ui.filter_options, st.cache_data hit", ui.filter_options)
    import pickle

    blob = pickle.dumps(df, protocol=pickle.HIGHEST_PROTOCOL)
    lines.append(f"  {'pickled frame (what each cache hit copies)':<58} {len(blob) / 1e6:9.1f} MB")
    timed("ui.data_version (runs on every rerun)", ui.data_version, db)
    lo, hi = views.date_bounds(df)
    prof = Profiler(interval=0.0005)
    prof.start()
    for end in (hi, hi - timedelta(days=1)):
        f = views.Filters(start=lo, end=end)
        in_range = timed(f"views.filter_frame (to {end})", views.filter_frame, df, f)
        places = timed("views.aggregate_places", views.aggregate_places, in_range)
        timed("views.totals", views.totals, in_range)
        shown = timed("views.newest_first(200)", views.newest_first, in_range, 200)
        timed("highlight_excerpt x200 (panel)", lambda: [views.highlight_excerpt(
            r.excerpt, r.start, json.loads(r.mentions or "[]"), r.place) for r in shown.itertuples()])
        m = timed("ui.base_map(df)", ui.base_map, df)
        leaflet = timed("st_folium: base map script (_get_map_string)", streamlit_folium._get_map_string, m)
        fg = timed(f"ui.marker_layer ({len(places)} places)", ui.marker_layer, places, "")
        fgs = timed("st_folium: marker layer JS (_get_feature_group_string)",
                    streamlit_folium._get_feature_group_string, fg, map=m, idx=0)
        lines.append(f"  {'sizes: base map script / marker layer JS':<58} {len(leaflet):,} / {len(fgs):,} bytes")
    prof.stop()
    lines += apptest_reruns(db)
    tree = ConsoleRenderer(unicode=False, color=False, short_mode=True).render(prof.last_session)
    tree = "\n".join(tree.splitlines()[:top_lines])
    return "--- one rerun's data path, timed in-process ---\n" + "\n".join(lines) + \
        f"\n--- pyinstrument (top {top_lines} lines) ---\n{tree}"


def apptest_reruns(db: Path, moves: int = 3) -> list[str]:
    """Server-side script time of dashboard.py itself (Streamlit's AppTest, no browser, no websocket)."""
    from streamlit.testing.v1 import AppTest

    os.environ["INCIDENTS_DB"] = str(db)
    os.environ.setdefault("INCIDENTS_USER_GAZETTEER", str(db.with_name("no-user-places.csv")))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    out = []
    t0 = time.perf_counter()
    at.run()
    out.append(f"  {'AppTest: dashboard.py first run (data cache warm from above)':<58} "
               f"{1000 * (time.perf_counter() - t0):9.1f} ms")
    t0 = time.perf_counter()
    at.run()
    out.append(f"  {'AppTest: rerun, nothing changed':<58} {1000 * (time.perf_counter() - t0):9.1f} ms")
    for _ in range(moves):
        if not at.slider:
            break
        a, b = at.slider[0].value
        t0 = time.perf_counter()
        at.slider[0].set_value((a, b - timedelta(days=1))).run()
        out.append(f"  {'AppTest: rerun after moving the slider one day':<58} "
                   f"{1000 * (time.perf_counter() - t0):9.1f} ms")
    return out


def server_side(stores: list[Path], moves: int = 7) -> str:
    """dashboard.py's own rerun time (AppTest, no browser) on each store or dataset, in one process and
    interleaved (move k on each in turn), so the load of a shared machine weighs on all alike: the first
    run of a session (caches warm), then ``moves`` one-day slider moves; medians and the ratio to the first."""
    from streamlit.testing.v1 import AppTest

    os.environ.setdefault("INCIDENTS_USER_GAZETTEER", str(ROOT / "bench" / "no-user-places.csv"))
    apps, first, times = [], [], [[] for _ in stores]
    for i, path in enumerate(stores):
        os.environ["INCIDENTS_DB"] = str(path)
        AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600).run()  # fill the caches
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        t0 = time.perf_counter()
        at.run()
        first.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
        apps.append(at)
    for k in range(moves):
        for i, (path, at) in enumerate(zip(stores, apps)):
            os.environ["INCIDENTS_DB"] = str(path)
            a, b = at.slider(key="dates").value
            at.slider(key="dates").set_value((a, b - timedelta(days=1)))
            t0 = time.perf_counter()
            at.run()
            times[i].append(time.perf_counter() - t0)
    lines = ["| store | first run of a session (warm caches) | slider move: median / max | ratio to the first |",
             "|---|---|---|---|"]
    base = statistics.median(times[0])
    for path, f0, ts in zip(stores, first, times):
        kind = "Parquet + DuckDB" if Path(path).is_dir() else "SQLite"
        lines.append(f"| {kind} `{Path(path).name}` | {f0 * 1000:,.0f} ms | {statistics.median(ts) * 1000:,.0f} / "
                     f"{max(ts) * 1000:,.0f} ms | {statistics.median(ts) / base:.2f}x |")
    lines.append(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- main
def _kb(n) -> str:
    return f"{(n or 0) / 1024:,.0f} KB"


def export_dataset(db: Path, ds: Path) -> dict:
    """``python -m incidents export`` of a bench store (its events linked first: the rows were inserted
    directly), timed; returns counts, seconds and the dataset's size."""
    import shutil

    from incidents.export import export_store

    if ds.exists():
        shutil.rmtree(ds)
    t0 = time.perf_counter()
    summary = export_store(db, ds)
    size = sum(p.stat().st_size for p in ds.rglob("*.parquet"))
    return {"seconds": time.perf_counter() - t0, "events": summary.events, "bytes": size,
            "files": len(list(ds.rglob("*.parquet")))}


def run(sizes: list[int], moves: int, workdir: Path, seed: int = 1, profile: bool = False,
        keep: bool = False, dataset: bool = False, days: int | None = None, reuse: bool = False,
        cpu_profile: bool = False) -> list[dict]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing (tools/install-test-deps.sh installs it)")
    from bench_common import run_header

    print(run_header(("dashboard.py", "ui.py", "incidents/views.py", "incidents/store.py", "incidents/columnar.py",
                      "incidents/backend.py")), flush=True)
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for n in sizes:
                db = workdir / f"bench-{n}.db"
                served = workdir / f"bench-{n}-dataset"
                if dataset and reuse and (served / "events").is_dir():
                    from incidents.columnar import ColumnarStore

                    with ColumnarStore(served) as col:
                        n_places = col.conn.execute("SELECT count(DISTINCT place_id) FROM incidents").fetchone()[0]
                    built = {"places": n_places}
                    print(f"[{n:,}] dataset reused: {served}", flush=True)
                    reused = True
                else:
                    reused = False
                    built = build_store(db, n, seed, days)
                if not reused:
                    print(f"[{n:,}] store: {built['incidents']:,} incidents, {built['places']} places, "
                          f"{built['reports']} reports over {built['days']} days, {built['bytes'] / 1e6:.1f} MB, "
                          f"built in {built['seconds']:.1f} s", flush=True)
                if not dataset:
                    served = db
                elif not reused:
                    ex = export_dataset(db, served)
                    print(f"[{n:,}] dataset: export (events linked first) {ex['seconds']:.1f} s, {ex['events']:,} "
                          f"events, {ex['files']} files, {ex['bytes'] / 1e6:.1f} MB", flush=True)
                    if not keep:
                        db.unlink(missing_ok=True)
                print(f"[{n:,}] load average before the run (2 cores; other processes count): "
                      f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
                port = free_port()
                log = workdir / f"streamlit-{n}.log"
                proc, up = start_server(served, workdir / "no-user-places.csv", port, log)
                try:
                    res = measure(f"http://127.0.0.1:{port}/", proc, moves, browser, cpu_profile)
                finally:
                    stop_server(proc)
                res.update(n=n, places=built["places"], server_up_s=up, load=os.getloadavg()[0],
                           kind="Parquet + DuckDB" if dataset else "SQLite")
                for mv in res["moves"]:
                    print(f"[{n:,}] slider move: {mv['from']} -> {mv['to']} events, {mv['markers']} markers: "
                          f"rerun request sent {mv['sent_s']:.2f} s, first/last server message {mv['first_delta_s']:.2f}/"
                          f"{mv['last_delta_s']:.2f} s, count shown {mv['metric_s']:.2f} s, map args in iframe "
                          f"{mv['args_s']:.2f} s, markers redrawn "
                          f"{mv['map_s']:.2f} s, script idle {mv['idle_s']:.2f} s",
                          flush=True)
                rows.append(res)
                if profile and not dataset:
                    print(profile_data_path(db), flush=True)
                if not keep and not reused:
                    db.unlink(missing_ok=True)
                    if dataset:
                        import shutil

                        shutil.rmtree(served, ignore_errors=True)
        finally:
            browser.close()
    print_table(rows)
    return rows


def print_table(rows: list[dict]) -> None:
    head = ("incidents", "places", "markers", "first map cold", "first map warm", "slider median",
            "slider max", "rerun done median/max", "map payload", "marker layer", "payload after move", "iframe HTML", "server RSS (peak)",
            "load avg", "store")
    table = [head]
    for r in rows:
        secs = [m["seconds"] for m in r["moves"]] or [float("nan")]
        idle = [m["idle_s"] for m in r["moves"]] or [float("nan")]
        table.append((f"{r['n']:,}", str(r["places"]), str(r["markers"]), f"{r['first_cold_s']:.2f} s",
                       f"{r['first_warm_s']:.2f} s", f"{statistics.median(secs):.2f} s", f"{max(secs):.2f} s",
                       f"{statistics.median(idle):.2f} / {max(idle):.2f} s",
                       _kb(r["payload"].get("bytes")), _kb(r["payload"].get("feature_group")),
                       _kb(r["payload_after"].get("bytes")), _kb(r["frame_html"]),
                       f"{r['rss_mb']:.0f} MB ({r['hwm_mb']:.0f} MB)", f"{r['load']:.1f}", r.get("kind", "SQLite")))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    print()
    for i, row in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("slider = key press until the Events count and the map markers both changed; rerun done = until the "
          "script state is notRunning again (panel included)")
    print("targets: slider < 1 s at 100,000 incidents; payload bounded by places, not incidents; server < 1 GB",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Dashboard benchmark in headless Chromium.")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000],
                    help="comma-separated incident counts (default 10000,100000)")
    ap.add_argument("--moves", type=int, default=5, help="slider moves per size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="where stores and server logs go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the stores")
    ap.add_argument("--profile", action="store_true", help="also time/profile the data path in-process")
    ap.add_argument("--dataset", action="store_true",
                    help="serve a Parquet dataset (the store exported: python -m incidents export) through DuckDB")
    ap.add_argument("--reuse", action="store_true",
                    help="with --dataset --workdir: serve bench-N-dataset there if it exists (no build)")
    ap.add_argument("--days", type=int, help="days the incidents span (default: n/10, at most a year; "
                                             "3653 = the issue's 10 years)")
    ap.add_argument("--cpu-profile", action="store_true",
                    help="also record Chromium's CPU profile over 3 more slider moves (self time per file/function)")
    ap.add_argument("--profile-store", type=Path, metavar="DB",
                    help="only time/profile the data path on this existing store (no browser)")
    ap.add_argument("--server-side", type=Path, nargs="+", metavar="DB_OR_DATASET",
                    help="only dashboard.py's rerun time (AppTest, no browser) on these stores/datasets, "
                         "interleaved in one process")
    a = ap.parse_args(argv)
    if a.server_side:
        print(server_side(a.server_side, a.moves))
        return 0
    if a.profile_store:
        print(profile_data_path(a.profile_store))
        return 0
    if a.workdir:
        a.workdir.mkdir(parents=True, exist_ok=True)
        run(a.sizes, a.moves, a.workdir, a.seed, a.profile, a.keep, a.dataset, a.days, a.reuse, a.cpu_profile)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
            run(a.sizes, a.moves, Path(tmp), a.seed, a.profile, a.keep, a.dataset, a.days, a.reuse, a.cpu_profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
