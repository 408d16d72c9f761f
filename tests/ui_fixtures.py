"""Fixtures and builders shared by the dashboard/page tests.

Each test gets its own store (``INCIDENTS_DB``) and user gazetteer
(``INCIDENTS_USER_GAZETTEER``) in a temp directory; incidents are built by
hand so these tests do not depend on extraction.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from incidents.model import Entry, Incident, Report
from incidents.store import Store

XSS_TEXT = (
    "GAZA CITY — An airstrike hit a house in Jabalia on Monday, killing 4 people "
    "<script>window.__pwned=1</script> <img src=x onerror=\"window.__pwned=2\"> "
    "and a `backtick` and ${1+1} and a back\\slash, officials said."
)

# (place, place_id, lat, lon, geo_precision, event_type, date, fatalities)
PLACES = {
    "rafah": ("Rafah", 31.2968, 34.2435),
    "khan-younis": ("Khan Younis", 31.3462, 34.3063),
    "jabalia": ("Jabalia", 31.5272, 34.4831),
    "khiam": ("Khiam", 33.3264, 35.6114),
    "gaza-strip": ("Gaza Strip", 31.4, 34.38),
    "evil": ('Beit <img src=x onerror="window.__pwned=3"> `${1+1}` \\', 31.45, 34.42),
}


def make_report(store: Store, sentences: list[tuple[str, str, str, str, int | None, int]],
                source: str = "AP", published: str = "2024-02-07", title: str = "Live updates") -> int:
    """Save one report whose entries are ``sentences``.

    Each sentence tuple: (text, place_id, date, event_type, fatalities, geo_precision).
    The excerpt is the sentence; the place name's offsets are given as a mention.
    """
    text = ""
    entries, incidents = [], []
    for sent, pid, day, etype, dead, prec in sentences:
        name, lat, lon = PLACES[pid]
        start = len(text)
        text += sent + "\n\n"
        end = start + len(sent)
        entries.append(Entry(start=start, end=end, kind="post", dateline=""))
        i = sent.find(name)
        mentions = [{"surface": name, "start": start + i, "end": start + i + len(name), "place_id": pid}] if i >= 0 else []
        sub = {"Explosions/Remote violence": "Air/drone strike", "Battles": "Armed clash",
               "Protests": "Peaceful protest"}.get(etype, "")
        incidents.append(Incident(
            date=day, time_precision=1, place=name, place_id=pid, lat=lat, lon=lon, geo_precision=prec,
            event_type=etype, sub_event_type=sub, fatalities=dead, injuries=None, source=source,
            published=published, excerpt=sent, start=start, end=end, country="PS",
            entry_start=start, entry_end=end, mentions=mentions))
    report = Report(text=text, source=source, published=date.fromisoformat(published), title=title)
    rid, _ = store.save(report, entries, incidents)
    return rid


def seed_basic(store: Store) -> None:
    """Five incidents over three days at four places (one approximate), two sources."""
    make_report(store, [
        ("An airstrike on Rafah killed 5 people on Monday.", "rafah", "2024-02-05",
         "Explosions/Remote violence", 5, 1),
        ("Clashes erupted in Khan Younis on Tuesday.", "khan-younis", "2024-02-06", "Battles", 2, 1),
        ("Another strike hit Rafah on Wednesday, killing 3.", "rafah", "2024-02-07",
         "Explosions/Remote violence", 3, 1),
        ("Shelling near the Gaza Strip border killed 1.", "gaza-strip", "2024-02-07",
         "Explosions/Remote violence", 1, 3),
    ], source="AP", published="2024-02-07")
    make_report(store, [
        ("Residents of Khiam protested on Tuesday.", "khiam", "2024-02-06", "Protests", None, 1),
    ], source="The National", published="2024-02-06", title="Lebanon")


def seed_xss(store: Store) -> None:
    make_report(store, [(XSS_TEXT, "jabalia", "2024-02-05", "Explosions/Remote violence", 4, 1),
                        ("Beit <img src=x onerror=\"window.__pwned=3\"> `${1+1}` \\ was shelled on Monday.",
                         "evil", "2024-02-05", "Battles", 1, 2)],
                source="Evil <b>Source</b> `$x`", published="2024-02-05", title="<script>x</script>")


@pytest.fixture
def ui_env(tmp_path, monkeypatch):
    """A temp store and user gazetteer for this test; returns (db_path, user_gazetteer_path)."""
    db = tmp_path / "incidents.db"
    user = tmp_path / "user_places.csv"
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.setenv("INCIDENTS_USER_GAZETTEER", str(user))
    monkeypatch.chdir(ROOT)
    return db, user


@pytest.fixture
def seeded(ui_env):
    db, user = ui_env
    with Store(db) as s:
        seed_basic(s)
    return db, user


class StreamlitLog:
    """Collects what Streamlit logs (its loggers do not propagate, so caplog misses them) and
    Python warnings, while the ``with`` block runs."""

    WORDS = ("deprecat", "use_container_width", "will be removed", "session state api", "no longer supported")

    def __enter__(self):
        import logging
        import warnings

        self.records: list[str] = []
        outer = self
        real = self._real = logging.Logger.callHandlers

        def call_handlers(logger, record):  # every logger, also those made later
            if record.levelno >= logging.WARNING and logger.name.split(".")[0] in ("streamlit", "streamlit_folium"):
                outer.records.append(record.getMessage())
            return real(logger, record)

        logging.Logger.callHandlers = call_handlers
        self._warn = warnings.catch_warnings(record=True)
        self.warnings = self._warn.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        import logging

        logging.Logger.callHandlers = self._real
        self._warn.__exit__(*exc)
        return False

    def deprecations(self) -> list[str]:
        msgs = self.records + [str(w.message) for w in self.warnings]
        return [m for m in msgs if any(k in m.lower() for k in self.WORDS)]


def map_args(at) -> dict:
    """What the dashboard gave st_folium in an AppTest run (the UnknownElement's json_args)."""
    els = [el for el in at.get("component_instance")
           if "st_folium" in (getattr(el.proto, "component_name", "") or "")]
    assert els, "no st_folium element rendered"
    return json.loads(els[0].proto.json_args)


def marker_rows(args: dict) -> list[dict]:
    """The place markers the dashboard sent (the JSON array inside the feature group's JavaScript)."""
    import re

    fg = args.get("feature_group") or ""
    m = re.search(r"\}\)\([\w]+, (\[.*?\])\);\n", fg, re.S)
    return json.loads(m.group(1)) if m else []


def marker_count(args: dict) -> int:
    return len(marker_rows(args))


def all_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "text", "info", "error", "warning", "success", "header",
                 "subheader", "title"):
        try:
            parts += [str(e.value) for e in at.get(kind)]
        except Exception:
            pass
    return "\n".join(parts)


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}")


# ---------------------------------------------------------------------- pipeline
def _fake_extract_module():
    """A stand-in for incidents.extract / incidents.ingest with the documented signatures.

    Used only while the real pipeline has not landed: one incident per sentence
    naming a place of PLACES, dated by the report's publication date.
    """
    import re
    import types
    from dataclasses import dataclass, field as dfield

    @dataclass
    class Extraction:
        entries: list = dfield(default_factory=list)
        incidents: list = dfield(default_factory=list)
        mentions: list = dfield(default_factory=list)
        undated: list = dfield(default_factory=list)

    def extract(report, gazetteer):
        ex = Extraction(entries=[Entry(start=0, end=len(report.text))])
        for m in re.finditer(r"[^.\n]+[.]?", report.text):
            sent = m.group(0)
            for pid, (name, lat, lon) in PLACES.items():
                i = sent.find(name)
                if i < 0:
                    continue
                day = report.published.isoformat() if report.published else None
                if day is None:
                    ex.undated.append(sent)
                    break
                s = m.start() + i
                ex.incidents.append(Incident(
                    date=day, time_precision=1, place=name, place_id=pid, lat=lat, lon=lon, geo_precision=1,
                    event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                    fatalities=None, injuries=None, source=report.source,
                    published=report.published.isoformat() if report.published else None,
                    excerpt=sent.strip(), start=m.start(), end=m.end(), entry_start=0, entry_end=len(report.text),
                    mentions=[{"surface": name, "start": s, "end": s + len(name), "place_id": pid}]))
                break
        return ex

    def ingest(store, report, gazetteer):
        ex = extract(report, gazetteer)
        rid, added = store.save(report, ex.entries, ex.incidents)
        return rid, added, len(ex.incidents)

    mod_e = types.ModuleType("incidents.extract")
    mod_e.extract, mod_e.Extraction = extract, Extraction
    mod_i = types.ModuleType("incidents.ingest")
    mod_i.ingest = ingest
    return mod_e, mod_i


COUNTRY = {"khiam": "LB"}
KIND = {"gaza-strip": "region"}


def ensure_test_places(user_path: Path) -> None:
    """Put the test places the gazetteer does not know by name into the temp user gazetteer."""
    from gazetteer import CURATED_PATH, Gazetteer, Place
    from gazetteer.loader import read_places, write_places

    known = Gazetteer.load(user=user_path) if Path(CURATED_PATH).exists() else Gazetteer([])
    extra = [Place(id=pid, name=name, kind=KIND.get(pid, "town"), country=COUNTRY.get(pid, "PS"),
                   lat=lat, lon=lon, source="test")
             for pid, (name, lat, lon) in PLACES.items()
             if pid != "evil" and not known.lookup(name) and pid not in known]
    if extra:
        write_places(user_path, read_places(user_path, origin="user") + extra)


@pytest.fixture
def downloads(monkeypatch):
    """Captures what each download button would serve: {file name: bytes} (deferred data is called)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    got: dict[str, bytes] = {}
    real = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        data = data_callable()
        got[file_name] = data if isinstance(data, bytes) else str(data).encode()
        return real(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return got


@pytest.fixture
def extract_calls(monkeypatch) -> dict:
    """Counts extractions (``{"n": calls}``): calls of ``incidents.extract.extract`` in this process and of
    ``incidents.budget.extract_within`` (the worker process the Reports page extracts in): a page that
    saves its preview must not extract again."""
    import incidents.budget as budget_mod
    import incidents.extract as extract_mod

    calls = {"n": 0}

    def counted(real):
        def counting(*a, **k):
            calls["n"] += 1
            return real(*a, **k)
        return counting

    monkeypatch.setattr(extract_mod, "extract", counted(extract_mod.extract))
    monkeypatch.setattr(budget_mod, "extract_within", counted(budget_mod.extract_within))
    return calls


@pytest.fixture
def pipeline(monkeypatch, ui_env):
    """The real extract/ingest when they exist, else the stand-in; returns True when real."""
    try:
        import incidents.extract  # noqa: F401
        import incidents.ingest  # noqa: F401
        ensure_test_places(ui_env[1])
        return True
    except ImportError:
        mod_e, mod_i = _fake_extract_module()
        monkeypatch.setitem(sys.modules, "incidents.extract", mod_e)
        monkeypatch.setitem(sys.modules, "incidents.ingest", mod_i)
        return False


# ---------------------------------------------------------------------- real browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_PREFIXES = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:",
                  "about:")


def block_remote(context, log: list | None = None) -> None:
    """Abort every request that does not go to this machine (no copies, no empty answers): the
    app must need nothing from the network. Aborted URLs are appended to ``log``."""
    def handle(route):
        url = route.request.url
        if url.startswith(LOCAL_PREFIXES):
            return route.continue_()
        if log is not None:
            log.append(url)
        return route.abort("internetdisconnected")

    context.route("**/*", handle)


route_offline = block_remote  # the name bench/bench_dashboard.py uses


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(db: Path, user: Path, port: int, script: str = "dashboard.py", log: Path | None = None):
    """``streamlit run`` on 127.0.0.1:port with the given store; returns the Popen once healthy.

    The server's output goes to ``log`` (``proc.log_path``; a temp file by default), so a test can
    read what it printed (deprecations, tracebacks) without a pipe that could fill up.
    """
    import os
    import subprocess
    import tempfile
    import time
    import urllib.request

    log = Path(log) if log else Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log")[1])
    env = {**os.environ, "INCIDENTS_DB": str(db), "INCIDENTS_USER_GAZETTEER": str(user)}
    out = open(log, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    proc.log_path = log
    proc.url = f"http://127.0.0.1:{port}/"
    for _ in range(600):  # up to ~60 s for the server to come up
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.1)
    stop_app(proc)
    raise RuntimeError("streamlit did not become healthy")


def stop_app(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
            proc.wait()


def server_log(proc) -> str:
    return Path(proc.log_path).read_text(encoding="utf-8", errors="replace")


def browser_skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (tools/install-test-deps.sh installs it)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (tools/install-test-deps.sh installs it)"
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test (Debian's, through Playwright)."""
    import os

    reason = browser_skip_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")  # never a silent skip in CI
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# Console lines that are Streamlit's own behaviour, not a missing file: on a deep link
# (/incidents) the frontend first probes /incidents/_stcore/health and host-config to find the
# base URL (404, then it tries /), and the very first session of a fresh server opening a page
# other than the main one is told "does not seem to exist" before st.navigation has registered
# the pages (the page is shown all the same: the tests check it).
STREAMLIT_NOISE = re.compile(r"/_stcore/(?:health|host-config)$|does not seem to exist\. Running the app's main page")


class OfflinePage:
    """A page in its own context with every non-local request aborted; console errors, page
    errors and aborted URLs collected (Streamlit's base-URL probes left out: STREAMLIT_NOISE)."""

    def __init__(self, browser, width: int = 1500, height: int = 1000):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.aborted: list[str] = []
        self.errors: list[str] = []
        self.bytes = {"local": 0}
        block_remote(self.context, self.aborted)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}")
                     if r.url.startswith(LOCAL_PREFIXES) else None)
        self.page.on("response", self._count)

    def _console(self, msg):
        if msg.type != "error" or STREAMLIT_NOISE.search(msg.text):
            return
        if msg.text.startswith("Failed to load resource") and STREAMLIT_NOISE.search(msg.location.get("url", "")):
            return
        self.errors.append(msg.text)

    def _count(self, response):
        try:
            length = int(response.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        self.bytes["local"] += length
        if response.status >= 400 and not STREAMLIT_NOISE.search(response.url):
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def close(self):
        self.context.close()


# JavaScript run inside the map iframe
JS_MARKERS = """() => {
  const out = [];
  (window.feature_group || []).forEach(fg => {
    if (!window.map || !window.map.hasLayer(fg)) return;
    fg.eachLayer(l => {
      const leaves = l.getLayers ? l.getLayers() : [l];
      leaves.forEach(m => { const t = m.getTooltip && m.getTooltip(); out.push(t ? String(t.getContent()) : ''); });
    });
  });
  return out;
}"""
JS_TAG_MARKER = """(name) => {
  let found = null;
  (window.feature_group || []).forEach(fg => {
    if (!window.map || !window.map.hasLayer(fg)) return;
    fg.eachLayer(l => (l.getLayers ? l.getLayers() : [l]).forEach(m => {
      const t = m.getTooltip && m.getTooltip();
      if (t && String(t.getContent()).includes(name) && m._path) { m._path.setAttribute('data-place', name); found = m; }
    }));
  });
  return !!found;
}"""
