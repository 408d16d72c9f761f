"""Refreshing live pages on a schedule: ``ingest --watch URL --every 15m``.

:func:`watch` re-fetches each URL every N seconds and hands each new version
of its report to a callback (the command line passes the store's ingest, which
stores it as a new version of the same report). Unchanged pages are skipped: by
the server's answer to a conditional request (304) or by the hash of the
report's text. Errors are reported through a callback and the URL is retried
later, backing off (2x, 4x, ... the interval, at most six hours or one
interval); the watch goes on. It stops cleanly — never in the middle of a
callback — within a second of ``stop_event`` being set, a KeyboardInterrupt,
or (with ``handle_signals=True``) SIGTERM / SIGINT: a fetch in progress runs in
a helper thread that is abandoned (it ends by its own timeout).

:func:`parse_every` reads intervals such as ``"90s"``, ``"15m"``, ``"1h"``,
``"1h30m"``.
"""
from __future__ import annotations

import functools
import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import WatchError
from .fetch import FetchedPage, check_url, fetch, report_from_page
from .model import Report

log = logging.getLogger(__name__)

MIN_EVERY_SECONDS = 30.0          # polite: no outlet needs to be asked more often
MAX_EVERY_SECONDS = 24 * 3600.0   # more than a day is not watching
MAX_BACKOFF_SECONDS = 6 * 3600.0  # after errors, retry at least this often (or once an interval, if longer)
POLL_SECONDS = 0.2                # how often a stop request is noticed while waiting

_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_EVERY = re.compile(r"(?:(\d{1,6}(?:\.\d{1,3})?)(d|h|m|s))+")
_EVERY_PART = re.compile(r"(\d{1,6}(?:\.\d{1,3})?)(d|h|m|s)")
_ALIASES = (("days", "d"), ("day", "d"), ("hours", "h"), ("hour", "h"), ("hrs", "h"), ("hr", "h"),
            ("minutes", "m"), ("minute", "m"), ("mins", "m"), ("min", "m"),
            ("seconds", "s"), ("second", "s"), ("secs", "s"), ("sec", "s"))


def parse_every(value: str) -> float:
    """Seconds in an interval like "90s", "15m", "1h", "1h30m", "1.5h" (30 s to one day).

    A bad value is a WatchError saying what is wrong: "0s" (too short), "-5m"
    (negative), "abc" or "15" (no unit), "2d" (more than a day)."""
    raw = value if isinstance(value, str) else str(value)
    s = raw.strip().lower().replace(" ", "")
    for word, unit in _ALIASES:
        s = s.replace(word, unit)
    example = "use a number and a unit, like 90s, 15m, 1h or 1h30m"
    if not s or len(s) > 32:
        raise WatchError(f"bad interval '{raw[:40]}': {example}")
    if s.startswith("-"):
        raise WatchError(f"bad interval '{raw}': must be positive ({example})")
    if not _EVERY.fullmatch(s):
        hint = "no unit" if re.fullmatch(r"\d+(?:\.\d+)?", s) else "not understood"
        raise WatchError(f"bad interval '{raw}': {hint}; {example}")
    units = [u for _, u in _EVERY_PART.findall(s)]
    if len(set(units)) != len(units):
        raise WatchError(f"bad interval '{raw}': a unit appears twice; {example}")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _EVERY_PART.findall(s))
    if seconds < MIN_EVERY_SECONDS:
        raise WatchError(f"bad interval '{raw}': at least {MIN_EVERY_SECONDS:g}s between fetches of a page")
    if seconds > MAX_EVERY_SECONDS:
        raise WatchError(f"bad interval '{raw}': more than a day (at most 24h)")
    return seconds


def backoff_seconds(every: float, failures: int) -> float:
    """The wait after ``failures`` consecutive errors: 2x, 4x, 8x ... the interval, capped at six
    hours (or at the interval itself when that is longer)."""
    return min(every * 2.0 ** min(failures, 30), max(every, MAX_BACKOFF_SECONDS))


class StopReason(str, Enum):
    STOP_EVENT = "stop-event"
    SIGNAL = "signal"
    INTERRUPT = "interrupt"  # KeyboardInterrupt


@dataclass
class WatchSummary:
    """What a watch did, returned when it stops."""

    checks: int = 0      # fetches attempted
    reports: int = 0     # new versions handed to on_report
    unchanged: int = 0   # fetches that found the same content (304 or same hash)
    errors: int = 0      # failed fetches, reads or on_report calls
    stopped_by: StopReason = StopReason.STOP_EVENT


@dataclass
class _Watched:
    url: str
    due: float
    last_hash: str = ""
    etag: str = ""
    last_modified: str = ""
    failures: int = 0


class _Stopped(Exception):
    """A stop was requested while a fetch was in progress."""


OnReport = Callable[[Report], Any]
OnError = Callable[[str, BaseException, float], Any]
Fetcher = Callable[..., FetchedPage]
Reader = Callable[[FetchedPage], Report]


def _log_error(url: str, exc: BaseException, retry_in: float) -> None:
    log.warning("%s (retrying in %.0f s)", exc, retry_in)


def watch(urls: Iterable[str], every_seconds: float, on_report: OnReport, *,
          stop_event: threading.Event | None = None, on_error: OnError | None = None,
          on_unchanged: Callable[[str], Any] | None = None, fetch_options: Mapping[str, Any] | None = None,
          fetcher: Fetcher = fetch, reader: Reader = report_from_page,
          clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] | None = None,
          handle_signals: bool = False) -> WatchSummary:
    """Re-fetch each URL every ``every_seconds`` and call ``on_report(report)`` with each new version.

    ``fetch_options`` (``timeout``, ``max_bytes``, ``allow_private``, ... of
    :func:`incidents.fetch.fetch`) go to every fetch; ``fetcher(url, if_none_match=...,
    if_modified_since=..., **fetch_options)`` gets a page (default ``fetch``; tests pass
    a fake) and ``reader(page)`` reads it (default ``report_from_page``; a
    ``functools.partial`` can fix ``source``). ``on_error(url, exc, retry_in_seconds)`` hears
    about failures (default: a logging warning); ``on_unchanged(url)`` about pages
    that did not change. ``clock``/``sleep`` can be replaced (tests); the default
    sleep waits on ``stop_event``. URLs are checked up front (scheme, syntax,
    literal addresses, with the ``allow_private``/``allow_addresses`` of ``fetch_options``) so a bad one fails at
    once with a WatchError instead of being retried forever.
    Returns a :class:`WatchSummary` once stopped.
    """
    if not (MIN_EVERY_SECONDS <= every_seconds <= MAX_EVERY_SECONDS):
        raise WatchError(f"bad interval {every_seconds:g} s: between {MIN_EVERY_SECONDS:g} s and one day")
    options = dict(fetch_options or {})
    ordered: list[str] = []
    for url in urls:
        try:
            canonical = check_url(url, allow_private=bool(options.get("allow_private", False)),
                                  allow_addresses=options.get("allow_addresses", ())).url
        except Exception as exc:  # FetchError: one line naming the URL
            raise WatchError(f"cannot watch {exc}") from None
        if canonical not in ordered:
            ordered.append(canonical)
    if not ordered:
        raise WatchError("no URL to watch")
    fetch_page = functools.partial(fetcher, **options) if options else fetcher
    stop = stop_event if stop_event is not None else threading.Event()
    wait = sleep if sleep is not None else (lambda seconds: stop.wait(min(seconds, 0.5)))
    report_error = on_error or _log_error
    summary = WatchSummary()
    start = clock()
    watched = [_Watched(url, due=start) for url in ordered]
    with _signals_stop(stop, summary, handle_signals):
        try:
            while not stop.is_set():
                item = min(watched, key=lambda w: w.due)
                now = clock()
                if item.due > now:
                    wait(item.due - now)
                    continue
                _check(item, every_seconds, on_report, fetch_page, reader, report_error, on_unchanged, clock,
                       stop, summary)
        except (_Stopped, KeyboardInterrupt) as exc:
            if isinstance(exc, KeyboardInterrupt):
                summary.stopped_by = StopReason.INTERRUPT
    return summary


def _check(item: _Watched, every: float, on_report: OnReport, fetcher: Fetcher, reader: Reader,
           report_error: OnError, on_unchanged: Callable[[str], Any] | None, clock: Callable[[], float],
           stop: threading.Event, summary: WatchSummary) -> None:
    summary.checks += 1
    try:
        page, report = _interruptible(lambda: _fetch_and_read(item, fetcher, reader), stop)
        if page is not None:
            item.etag, item.last_modified = page.etag, page.last_modified
        if report is None or report.hash == item.last_hash:
            summary.unchanged += 1
            if on_unchanged is not None:
                on_unchanged(item.url)
        else:
            on_report(report)  # in this thread: a stop request waits for it to finish
            item.last_hash = report.hash
            summary.reports += 1
    except (_Stopped, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is reported and the watch goes on
        item.failures += 1
        summary.errors += 1
        retry_in = backoff_seconds(every, item.failures)
        item.due = clock() + retry_in
        report_error(item.url, exc, retry_in)
        return
    item.failures = 0
    item.due = clock() + every


def _fetch_and_read(item: _Watched, fetcher: Fetcher, reader: Reader) -> tuple[FetchedPage, Report | None]:
    page = fetcher(item.url, if_none_match=item.etag or None, if_modified_since=item.last_modified or None)
    if page.not_modified:
        return page, None
    return page, reader(page)


def _interruptible(work: Callable[[], Any], stop: threading.Event) -> Any:
    """Run ``work`` in a helper thread; give up on it (it ends by its own timeout) if a stop is requested."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the watching thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="watch-fetch", daemon=True).start()
    while not done.wait(POLL_SECONDS):
        if stop.is_set():
            raise _Stopped
    if "error" in box:
        raise box["error"]
    return box["value"]


@contextmanager
def _signals_stop(stop: threading.Event, summary: WatchSummary, enabled: bool) -> Iterator[None]:
    """While watching, SIGTERM and SIGINT set the stop event (main thread only) instead of killing
    the process mid-write; the previous handlers come back afterwards."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        summary.stopped_by = StopReason.SIGNAL
        stop.set()

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


__all__ = ["MAX_EVERY_SECONDS", "MIN_EVERY_SECONDS", "StopReason", "WatchSummary", "backoff_seconds",
           "parse_every", "watch"]
