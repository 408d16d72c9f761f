"""incidents/watch.py: refreshing pages on a schedule, with a fake clock (no real waiting)."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from incidents.errors import FetchError, FetchProblem, StoreError, WatchError
from incidents.fetch import FetchedPage
from incidents.watch import (
    MAX_BACKOFF_SECONDS,
    StopReason,
    backoff_seconds,
    parse_every,
    watch,
)
from tests.local_http import LocalServer, send

ROOT = Path(__file__).resolve().parent.parent
URL = "http://news.example/live"


class FakeClock:
    """clock() and sleep(): sleeping moves time on at once."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def html_page(body: str, url: str = URL, etag: str = "") -> FetchedPage:
    return FetchedPage(url=url, status=200, content_type="text/html", charset="utf-8",
                       content=f"<html><body><p>{body}</p></body></html>".encode(),
                       fetched_at=datetime.now(timezone.utc), etag=etag)


def not_modified(url: str = URL, etag: str = "") -> FetchedPage:
    return FetchedPage(url=url, status=304, content_type="", charset=None, content=b"",
                       fetched_at=datetime.now(timezone.utc), etag=etag)


class ScriptedFetcher:
    """Answers from a list (a page, or an exception to raise); stops the watch after the last one."""

    def __init__(self, answers, stop: threading.Event, clock: FakeClock):
        self.answers = list(answers)
        self.stop, self.clock = stop, clock
        self.calls: list[tuple[float, str, dict]] = []

    def __call__(self, url, **kw):
        self.calls.append((self.clock(), url, kw))
        answer = self.answers.pop(0)
        if not self.answers:
            self.stop.set()
        if isinstance(answer, BaseException):
            raise answer
        return answer


# ------------------------------------------------------------ intervals


@pytest.mark.parametrize("text, seconds", [
    ("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("1.5h", 5400), ("2m30s", 150),
    (" 15M ", 900), ("15 min", 900), ("30 seconds", 30), ("24h", 86400), ("1d", 86400),
])
def test_parse_every(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text, words", [
    ("0s", "at least 30s"), ("10s", "at least 30s"), ("-5m", "must be positive"), ("abc", "not understood"),
    ("15", "no unit"), ("2d", "more than a day"), ("25h", "more than a day"), ("", "a number and a unit"),
    ("1h1h", "unit appears twice"), ("5x", "not understood"), ("9" * 40 + "s", "a number and a unit"),
    ("1e3s", "not understood"),
])
def test_parse_every_refuses_bad_values(text, words):
    with pytest.raises(WatchError) as info:
        parse_every(text)
    assert words in str(info.value)
    assert str(info.value).startswith(f"bad interval '{text[:40]}'")


def test_backoff_doubles_up_to_a_cap():
    assert [backoff_seconds(900, n) for n in (1, 2, 3, 4, 5, 6, 99)] == \
        [1800, 3600, 7200, 14400, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS]
    assert backoff_seconds(86400, 3) == 86400  # never more than an interval when the interval is long


# ------------------------------------------------------------ scheduling


def test_refetches_every_interval_and_skips_unchanged_content():
    clock, stop = FakeClock(), threading.Event()
    fetcher = ScriptedFetcher([html_page("First post."), html_page("First post."),
                               html_page("Second post. First post."), html_page("Second post. First post.")],
                              stop, clock)
    reports, unchanged = [], []
    summary = watch([URL], 900, reports.append, stop_event=stop, fetcher=fetcher, clock=clock,
                    sleep=clock.sleep, on_unchanged=unchanged.append)
    assert [t for t, _, _ in fetcher.calls] == [1000, 1900, 2800, 3700]
    assert [r.text.strip() for r in reports] == ["First post.", "Second post. First post."]
    assert all(r.url == URL for r in reports)
    assert unchanged == [URL, URL]
    assert (summary.checks, summary.reports, summary.unchanged, summary.errors) == (4, 2, 2, 0)
    assert summary.stopped_by is StopReason.STOP_EVENT


def test_conditional_requests_use_the_last_etag():
    clock, stop = FakeClock(), threading.Event()
    fetcher = ScriptedFetcher([html_page("v1", etag='"a"'), not_modified(etag='"a"'), html_page("v2", etag='"b"'),
                               not_modified(etag='"b"')], stop, clock)
    read = []

    def reader(page):
        from incidents.fetch import report_from_page

        read.append(page.etag)
        return report_from_page(page)

    reports = []
    summary = watch([URL], 60, reports.append, stop_event=stop, fetcher=fetcher, reader=reader, clock=clock,
                    sleep=clock.sleep)
    assert [kw["if_none_match"] for _, _, kw in fetcher.calls] == [None, '"a"', '"a"', '"b"']
    assert read == ['"a"', '"b"']  # a 304 is not read at all
    assert len(reports) == 2 and summary.unchanged == 2


def test_errors_are_reported_backed_off_and_the_watch_goes_on():
    clock, stop = FakeClock(), threading.Event()
    timeout = FetchError("timed out after 10 s", URL, FetchProblem.TIMEOUT)
    gone = FetchError("HTTP 503 Service Unavailable", URL, FetchProblem.HTTP_STATUS, 503)
    fetcher = ScriptedFetcher([timeout, gone, html_page("Back."), html_page("Back again.")], stop, clock)
    errors, reports = [], []
    summary = watch([URL], 600, reports.append, stop_event=stop, fetcher=fetcher, clock=clock, sleep=clock.sleep,
                    on_error=lambda url, exc, retry: errors.append((url, str(exc), retry)))
    assert errors == [(URL, str(timeout), 1200), (URL, str(gone), 2400)]
    # 1000: timeout -> +1200; 2200: 503 -> +2400; 4600: ok -> +600 (back to the interval)
    assert [t for t, _, _ in fetcher.calls] == [1000, 2200, 4600, 5200]
    assert [r.text.strip() for r in reports] == ["Back.", "Back again."]
    assert summary.errors == 2 and summary.reports == 2


def test_a_failed_on_report_is_retried_with_the_same_content():
    clock, stop = FakeClock(), threading.Event()
    fetcher = ScriptedFetcher([html_page("Post."), html_page("Post.")], stop, clock)
    delivered, errors = [], []

    def flaky_store(report):
        if not delivered:
            delivered.append(None)
            raise StoreError("database is locked")
        delivered.append(report)

    watch([URL], 60, flaky_store, stop_event=stop, fetcher=fetcher, clock=clock, sleep=clock.sleep,
          on_error=lambda url, exc, retry: errors.append(str(exc)))
    assert errors == ["database is locked"]
    assert delivered[1].text.strip() == "Post."  # not skipped as "unchanged": it was never stored


def test_several_urls_each_on_its_schedule():
    clock, stop = FakeClock(), threading.Event()
    other = "http://other.example/page"
    calls = []

    def fetcher(url, **kw):
        calls.append((clock(), url))
        if len(calls) == 6:
            stop.set()
        if url == other and len(calls) == 2:
            raise FetchError("HTTP 500", url, FetchProblem.HTTP_STATUS, 500)
        return html_page(f"{url} at {clock()}", url=url)

    watch([URL, other, URL + "#fragment-is-the-same-page"], 100, lambda r: None, stop_event=stop,
          fetcher=fetcher, clock=clock, sleep=clock.sleep, on_error=lambda *a: None)
    assert calls == [(1000, URL), (1000, other), (1100, URL), (1200, URL), (1200, other), (1300, URL)]


def test_a_keyboard_interrupt_stops_cleanly():
    clock = FakeClock()

    def interrupted_sleep(seconds):
        raise KeyboardInterrupt

    reports = []
    summary = watch([URL], 60, reports.append, stop_event=threading.Event(),
                    fetcher=lambda url, **kw: html_page("x"), clock=clock, sleep=interrupted_sleep)
    assert summary.stopped_by is StopReason.INTERRUPT and len(reports) == 1


def test_bad_watch_arguments():
    stop = threading.Event()
    for every in (0, 10, -60, 86401):
        with pytest.raises(WatchError, match="bad interval"):
            watch([URL], every, print, stop_event=stop)
    with pytest.raises(WatchError, match="no URL to watch"):
        watch([], 60, print, stop_event=stop)
    with pytest.raises(WatchError, match="cannot watch file:///etc/passwd: refused scheme"):
        watch(["file:///etc/passwd"], 60, print, stop_event=stop)
    with pytest.raises(WatchError, match="127.0.0.1 is a loopback address"):
        watch(["http://127.0.0.1:8080/"], 60, print, stop_event=stop)
    with pytest.raises(WatchError, match="169.254.169.254"):
        watch([URL, "http://169.254.169.254/"], 60, print, stop_event=stop)


def test_fetch_options_reach_every_fetch_and_the_upfront_check():
    clock, stop = FakeClock(), threading.Event()
    fetcher = ScriptedFetcher([html_page("x")], stop, clock)
    local = "http://127.0.0.1:8080/live"
    watch([local], 60, lambda r: None, stop_event=stop, fetcher=fetcher, clock=clock, sleep=clock.sleep,
          fetch_options={"allow_private": True, "timeout": 3})
    assert fetcher.calls == [(1000, local, {"allow_private": True, "timeout": 3, "if_none_match": None,
                                            "if_modified_since": None})]


# ------------------------------------------------------------ stopping in real time (fractions of a second)


def test_stop_event_interrupts_a_fetch_in_progress():
    stop, started, release = threading.Event(), threading.Event(), threading.Event()
    reports = []

    def hanging_fetch(url, **kw):
        started.set()
        release.wait(10)  # a slow server: the fetch's own timeout would end it
        return html_page("too late")

    result = {}
    t = threading.Thread(target=lambda: result.setdefault(
        "summary", watch([URL], 60, reports.append, stop_event=stop, fetcher=hanging_fetch)))
    t.start()
    assert started.wait(5)
    stop.set()
    t.join(timeout=3)
    try:
        assert not t.is_alive(), "watch did not stop while a fetch was hanging"
        assert not release.is_set()  # it did not wait for the fetch to finish
        assert reports == [] and result["summary"].stopped_by is StopReason.STOP_EVENT
    finally:
        release.set()


def test_stop_event_ends_the_wait_between_fetches():
    stop = threading.Event()

    def on_report(report):
        threading.Timer(0.05, stop.set).start()

    result = {}
    t = threading.Thread(target=lambda: result.setdefault(
        "summary", watch([URL], 3600, on_report, stop_event=stop, fetcher=lambda url, **kw: html_page("x"))))
    t.start()
    t.join(timeout=3)  # the next fetch is an hour away
    assert not t.is_alive()
    assert result["summary"].reports == 1


CHILD = textwrap.dedent("""
    import sys, threading, time
    sys.path.insert(0, sys.argv[1])
    from datetime import datetime, timezone
    from incidents.fetch import FetchedPage
    from incidents.watch import watch

    def fetcher(url, **kw):
        return FetchedPage(url=url, status=200, content_type="text/plain", charset="utf-8",
                           content=b"A post.", fetched_at=datetime.now(timezone.utc))

    def on_report(report):
        print("in-report", flush=True)
        time.sleep(0.4)  # a signal arriving now must not cut the write short
        print("report-done", flush=True)

    summary = watch(["http://news.example/live"], 3600, on_report, fetcher=fetcher, handle_signals=True)
    print("stopped", summary.stopped_by.value, summary.reports, flush=True)
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_cleanly_after_the_current_report(signum):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert child.stdout.readline().strip() == "in-report"
        child.send_signal(signum)
        out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert out.splitlines() == ["report-done", "stopped signal 1"]


def test_signal_handlers_are_restored():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    stop = threading.Event()
    watch([URL], 60, lambda r: stop.set(), stop_event=stop, fetcher=lambda url, **kw: html_page("x"),
          handle_signals=True)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


# ------------------------------------------------------------ against a live page on a local server


def test_watching_a_live_page_on_a_local_server():
    posts = ["<article><p>GAZA CITY \u2014 An airstrike hit a house in Gaza City on Monday, medics said.</p></article>"]
    seen_conditions = []

    def live(h):
        body = f"<html><head><title>Live</title></head><body>{''.join(reversed(posts))}</body></html>".encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        seen_conditions.append(h.headers.get("If-None-Match"))
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
        else:
            send(h, 200, body, headers={"ETag": etag})

    server = LocalServer(routes={"/live": live}).start()
    try:
        clock, stop = FakeClock(), threading.Event()
        url = server.url("/live")
        reports = []

        def on_report(report):
            reports.append(report)
            if len(reports) == 2:
                stop.set()

        def on_unchanged(u):  # the page gets a new post after one unchanged check
            posts.append("<article><p>RAFAH \u2014 Shelling hit a street in Rafah on Monday.</p></article>")

        errors = []

        def on_error(u, exc, retry_in):
            errors.append(str(exc))
            stop.set()

        summary = watch([url], 900, on_report, stop_event=stop, clock=clock, sleep=clock.sleep,
                        fetch_options={"timeout": 5, "allow_private": True}, on_unchanged=on_unchanged,
                        on_error=on_error)
        assert errors == []
        assert [r.url for r in reports] == [url, url]  # the same report, in a new version
        assert "Rafah" not in reports[0].text and "Rafah" in reports[1].text and "Gaza City" in reports[1].text
        assert seen_conditions[0] is None and seen_conditions[1] is not None  # second fetch was conditional
        assert (summary.checks, summary.reports, summary.unchanged) == (3, 2, 1)
        assert clock.sleeps == [900, 900]
    finally:
        server.stop()
