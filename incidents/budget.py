"""Extraction, and fetching a page, off the caller's thread, in a worker process, within a time budget.

A report that takes too long must not hold the server: a catastrophic regular expression
holds the GIL, so a thread cannot be stopped and would stall every other session. The
extraction runs in a separate process instead, which is killed when the budget runs out.
Workers are reused between calls (each loads the gazetteer once, and again only when the
user gazetteer file changes), so a call costs the pickling of the report and its result.

API (for the dashboard's Reports page and any other caller)::

    from incidents.budget import BudgetExceeded, extract_within

    try:
        extraction = extract_within(report, seconds=30)   # an incidents.extract.Extraction
    except BudgetExceeded as exc:                          # an IncidentMapError
        st.error(str(exc))   # "extraction of 'title' stopped after 30 s (the time budget) ..."

* ``extract_within(report, seconds=DEFAULT_SECONDS, user=None, fallback=True)`` runs
  ``incidents.extract.extract(report, gazetteer)`` in the shared :class:`Extractor` (created on
  first use; ``user`` is the user gazetteer path, default ``gazetteer.default_user_path()``;
  ``fallback`` attaches the offline GeoNames fallback, as ``python -m incidents extract`` does).
  Returns the :class:`~incidents.extract.Extraction`, or raises

  - :class:`BudgetExceeded` when no result came within ``seconds`` (waiting for a free worker
    included); the worker is killed and a fresh one replaces it on the next call;
  - :class:`WorkerFailed` when the worker process died (out of memory, a signal);
  - the extraction's own exception, unchanged, when extraction raised one (a bug: extraction
    raises nothing on purpose).

  Both errors derive from :class:`~gazetteer.errors.IncidentMapError` and say what happened
  and what to do, in one line.
* ``Extractor(workers=1)``: a pool of its own (tests, batch tools); ``.extract(report,
  seconds, user=None, fallback=True)``, ``.start()`` to spawn the workers ahead of the first
  call (the gazetteer is loaded then), ``.close()``. Thread-safe: concurrent calls are served
  by the free workers, the others wait (within their budget).

* ``fetch_within(url, seconds=DEFAULT_FETCH_SECONDS, **options)`` fetches the page and reads it
  (``incidents.fetch.report_from_url(url, **options)``: the HTML parsing holds the GIL) in the
  shared fetch pool (two workers without a gazetteer, apart from extraction's); returns the
  Report, or raises :class:`BudgetExceeded` ("URL: fetching and reading the page stopped after
  N s ..."), :class:`WorkerFailed`, or the fetch's own ``FetchError`` unchanged.
  ``Extractor.fetch(url, seconds, **options)`` does the same in a pool of one's own.

Workers are started with the ``spawn`` method (no fork of a multi-threaded server).
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import queue
import sys
import threading
import types
import time
from dataclasses import dataclass
from pathlib import Path

from gazetteer.errors import IncidentMapError

from .model import Report

DEFAULT_SECONDS = 60.0  # a 5 MB upload extracts in about 10 s; anything slower is a runaway
DEFAULT_FETCH_SECONDS = 30.0  # fetch (its own 10 s network deadline) plus reading a page of up to 5 MB


class BudgetExceeded(IncidentMapError):
    """Extraction did not finish within its time budget; it was stopped."""


class WorkerFailed(IncidentMapError):
    """The extraction worker process died before answering."""


@dataclass(frozen=True)
class _GazetteerSpec:
    """Which gazetteer a worker needs, and the state of the user file it was loaded from."""

    user: str
    fallback: bool
    stamp: tuple[int, int] | None  # (mtime_ns, size) of the user file, None when it is missing

    @classmethod
    def of(cls, user: str | os.PathLike | None, fallback: bool) -> "_GazetteerSpec":
        from gazetteer import default_user_path

        path = str(user) if user is not None else str(default_user_path())
        try:
            st = os.stat(path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        return cls(path, fallback, stamp)


def _serve(conn) -> None:
    """The worker: extract each report it is sent, with a gazetteer loaded once per spec."""
    from gazetteer import Gazetteer

    from .extract import extract

    loaded: tuple[_GazetteerSpec, Gazetteer] | None = None
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        report, spec = job
        if spec is None:  # a fetch: (url, options); no gazetteer needed
            try:
                conn.send(("ok", _fetch_report(*report)))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
                _send_error(conn, exc)
            continue
        try:
            if loaded is None or loaded[0] != spec:
                loaded = (spec, Gazetteer.load(user=spec.user, fallback=True if spec.fallback else None))
            if report is None:  # a warm-up: load the gazetteer only
                conn.send(("ok", None))
                continue
            conn.send(("ok", extract(report, loaded[1])))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            _send_error(conn, exc)


def _send_error(conn, exc: BaseException) -> None:
    try:
        conn.send(("error", exc))
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _fetch_report(url: str, options: dict) -> Report:
    """In the worker: fetch the page and read it (HTML parsing holds the GIL) as a Report keeping its URL."""
    from .fetch import report_from_url

    return report_from_url(url, **options)


_MAIN_LOCK = threading.Lock()


def _start_clean(proc) -> None:
    """Start a spawned process without running the caller's ``__main__`` again in it. ``spawn`` re-runs the
    parent's main script in the child; under ``streamlit run`` that is the app's page (Streamlit puts the
    running script in ``sys.modules["__main__"]``), which would draw the page in the worker and try to start
    a worker of its own there, so the worker died at once. The worker needs nothing from ``__main__``: for
    the start, a bare module stands in for it."""
    main = sys.modules.get("__main__")
    with _MAIN_LOCK:
        sys.modules["__main__"] = types.ModuleType("__main__")  # no __file__, no __spec__: nothing to re-run
        try:
            proc.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="incidents-extract")
        _start_clean(self.proc)
        child.close()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class Extractor:
    """A pool of reusable extraction workers; see the module docstring."""

    def __init__(self, workers: int = 1):
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._idle.put(None)  # a slot; its worker is spawned on first use

    def start(self, user: str | os.PathLike | None = None, fallback: bool = True) -> None:
        """Spawn every worker now and load its gazetteer (so the first report waits for neither)."""
        slots = [self._idle.get() for _ in range(self._idle.qsize())]
        try:
            for i, w in enumerate(slots):
                slots[i] = w = w or self._spawn()
                w.conn.send((None, _GazetteerSpec.of(user, fallback)))
            for w in slots:
                w.conn.recv()
        finally:
            for w in slots:
                self._idle.put(w)

    def _spawn(self) -> _Worker:
        w = _Worker(self._ctx)
        with self._lock:
            self._all.add(w)
        return w

    def _discard(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)

    def extract(self, report: Report, seconds: float = DEFAULT_SECONDS, user: str | os.PathLike | None = None,
                fallback: bool = True):
        """The extraction of ``report``, or :class:`BudgetExceeded` after ``seconds``."""
        label = _label(report)
        return self._call((report, _GazetteerSpec.of(user, fallback)), seconds, Messages(
            busy=f"extraction of {label} did not start within {seconds:g} s: every extraction worker is busy "
                 "with other reports; try again in a moment",
            over=f"extraction of {label} stopped after {seconds:g} s (the time budget); the report is too long "
                 "or too unusual to read here: split it into smaller parts, or run 'python -m incidents "
                 "extract' on it",
            died=f"the extraction worker for {label} died (exit code {{code}}), probably out of memory; try a "
                 "smaller report"))

    def fetch(self, url: str, seconds: float = DEFAULT_FETCH_SECONDS, **options):
        """``incidents.fetch.report_from_url(url, **options)`` (fetch, then read the page) in a worker, or
        :class:`BudgetExceeded` after ``seconds``; fetch errors (``FetchError``) are raised as they are."""
        from .fetch import shown_url

        shown = shown_url(url, 120)
        return self._call(((url, dict(options)), None), seconds, Messages(
            busy=f"{shown}: the page was not fetched within {seconds:g} s: every fetch worker is busy with "
                 "other pages; try again in a moment",
            over=f"{shown}: fetching and reading the page stopped after {seconds:g} s (the time budget); the "
                 "site is too slow or the page too large to read here: try again later, or save the page and "
                 "upload the file",
            died=f"{shown}: the fetch worker died (exit code {{code}}), probably out of memory"))

    def _call(self, job: tuple, seconds: float, msg: "Messages"):
        if self._closed:
            raise WorkerFailed("the worker pool is closed")
        deadline = time.monotonic() + seconds
        try:
            w = self._idle.get(timeout=max(0.0, seconds))
        except queue.Empty:
            raise BudgetExceeded(msg.busy) from None
        answered = False
        try:
            if w is None or not w.proc.is_alive():
                if w is not None:
                    self._discard(w)
                w = self._spawn()
            w.conn.send(job)
            if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                raise BudgetExceeded(msg.over)
            try:
                status, value = w.conn.recv()
            except (EOFError, OSError):
                raise WorkerFailed(msg.died.format(code=w.proc.exitcode)) from None
            answered = True
        finally:
            if w is not None and not answered:
                self._discard(w)  # still busy (over budget, interrupted) or dead: a fresh one takes the slot
                w = None
            self._idle.put(w)
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            try:
                w.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            w.proc.join(2)
            w.kill()


@dataclass(frozen=True)
class Messages:
    """What a caller is told (one line each) when no worker was free, the budget ran out, or the worker died."""

    busy: str
    over: str
    died: str  # may hold {code}: the worker's exit code


def _label(report: Report) -> str:
    name = report.title or Path(report.path).name or "the report"
    return repr(name[:60] + ("…" if len(name) > 60 else ""))


_shared: dict[str, Extractor] = {}  # pool name -> its process-wide extractor
_shared_lock = threading.Lock()


def _shared_pool(name: str, workers: int) -> Extractor:
    """A process-wide pool, created on first use and closed at exit."""
    with _shared_lock:
        if name not in _shared:
            _shared[name] = Extractor(workers=workers)
            atexit.register(_shared[name].close)
        return _shared[name]


def shared_extractor() -> Extractor:
    """The process-wide extractor (one worker)."""
    return _shared_pool("extract", 1)


def shared_fetcher() -> Extractor:
    """The process-wide fetch pool (two workers, no gazetteer: a slow site does not hold up extraction, and
    one slow site does not hold up another page's fetch)."""
    return _shared_pool("fetch", 2)


def fetch_within(url: str, seconds: float = DEFAULT_FETCH_SECONDS, **options) -> Report:
    """``incidents.fetch.report_from_url(url, **options)`` in a shared fetch worker, within ``seconds``."""
    return shared_fetcher().fetch(url, seconds, **options)


def extract_within(report: Report, seconds: float = DEFAULT_SECONDS, user: str | os.PathLike | None = None,
                   fallback: bool = True):
    """``extract(report, gazetteer)`` in the shared worker, within ``seconds``; see the module docstring."""
    return shared_extractor().extract(report, seconds, user=user, fallback=fallback)
