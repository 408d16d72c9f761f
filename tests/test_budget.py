"""Extraction in a reusable worker process, within a time budget (incidents/budget.py)."""
from __future__ import annotations

import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from gazetteer import Gazetteer
from gazetteer.errors import IncidentMapError
from incidents.budget import BudgetExceeded, Extractor
from incidents.extract import extract
from incidents.model import Report
from incidents.reading import report_from_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "data" / "samples" / "ap-style-2024-02-07.txt").read_text(encoding="utf-8")
SMALL = "BEIRUT (AP) \u2014 An Israeli strike hit the town of Khiam on Wednesday, killing two people.\n"


@pytest.fixture(scope="module")
def user_file(tmp_path_factory):
    return tmp_path_factory.mktemp("budget") / "user_places.csv"


@pytest.fixture(scope="module")
def extractor(user_file):
    ex = Extractor(workers=1)
    ex.start(user=user_file, fallback=False)
    yield ex
    ex.close()


def _pids(ex: Extractor) -> set[int]:
    return {w.proc.pid for w in ex._all}


def test_the_worker_returns_what_extract_returns_and_is_reused(extractor, user_file):
    report = report_from_text(SAMPLE, published=date(2024, 2, 7))
    got = extractor.extract(report, 60, user=user_file, fallback=False)
    want = extract(report, Gazetteer.load(user=user_file))
    assert [i.to_dict() for i in got.incidents] == [i.to_dict() for i in want.incidents]
    assert got.incidents and got.report.text == report.text
    pids = _pids(extractor)
    extractor.extract(report_from_text(SMALL, published=date(2024, 2, 7)), 60, user=user_file, fallback=False)
    assert _pids(extractor) == pids  # the same process, its gazetteer already loaded


def test_a_report_over_its_budget_is_stopped_with_a_clear_error_and_the_next_one_works(extractor, user_file):
    big = report_from_text(SAMPLE * 400, published=date(2024, 2, 7), title="A very long page")  # ~1.3 MB: seconds
    before = _pids(extractor)
    with pytest.raises(BudgetExceeded, match=r"extraction of 'A very long page' stopped after 0.2 s") as err:
        extractor.extract(big, 0.2, user=user_file, fallback=False)
    assert isinstance(err.value, IncidentMapError)
    assert not (before & _pids(extractor))  # the busy worker was killed
    small = extractor.extract(report_from_text(SMALL, published=date(2024, 2, 7)), 60, user=user_file, fallback=False)
    assert [(i.place, i.fatalities) for i in small.incidents] == [("Khiam", 2)]


def test_a_change_to_the_user_gazetteer_reloads_the_worker(extractor, user_file):
    text = "An Israeli strike hit Qaryat Zubaydiyya on Wednesday, killing two people.\n"
    report = report_from_text(text, published=date(2024, 2, 7))
    assert extractor.extract(report, 60, user=user_file, fallback=False).incidents == []
    user_file.write_text("id,name,kind,country,lat,lon,aliases\nqaryat-zubaydiyya,Qaryat Zubaydiyya,village,LB,"
                         "33.2,35.4,\n", encoding="utf-8")
    got = extractor.extract(report, 60, user=user_file, fallback=False)
    assert [i.place_id for i in got.incidents] == ["qaryat-zubaydiyya"]


def test_concurrent_callers_share_the_workers(extractor, user_file):
    results, errors = [], []

    def call():
        try:
            rep = report_from_text(SMALL, published=date(2024, 2, 7))
            results.append(len(extractor.extract(rep, 60, user=user_file, fallback=False).incidents))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [1, 1, 1, 1]


def test_an_error_in_extraction_reaches_the_caller_and_the_worker_survives(extractor, user_file):
    with pytest.raises(AttributeError):
        extractor.extract(Report(text=None), 60, user=user_file, fallback=False)  # type: ignore[arg-type]
    assert extractor.extract(report_from_text(SMALL, published=date(2024, 2, 7)), 60, user=user_file,
                             fallback=False).incidents


def test_waiting_for_a_busy_worker_counts_against_the_budget(user_file):
    ex = Extractor(workers=1)
    try:
        ex.start(user=user_file, fallback=False)
        big = report_from_text(SAMPLE * 400, published=date(2024, 2, 7))
        slow = threading.Thread(target=ex.extract, args=(big, 60, user_file, False))
        slow.start()
        while ex._idle.qsize():
            threading.Event().wait(0.01)
        with pytest.raises(BudgetExceeded, match="every extraction worker is busy"):
            ex.extract(report_from_text(SMALL, published=date(2024, 2, 7)), 0.2, user=user_file, fallback=False)
        slow.join()
    finally:
        ex.close()


# ---------------------------------------------------------------------- fetch + read in a worker
PAGE = ("<html><head><title>Strike in Khiam</title></head><body><main><article><p>" + SMALL
        + "</p></article></main></body></html>")


@pytest.fixture
def web():
    from tests.local_http import LocalServer, page

    server = LocalServer().start()
    server.routes["/page"] = page(PAGE)

    def trickle(h):  # headers at once, then a byte every 50 ms: each read is quick, the whole page is not
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not server.release.wait(0.05):
            h.wfile.write(b"x")
            h.wfile.flush()

    server.routes["/trickle"] = trickle
    # a large page (under the size limit) of many small elements: reading it takes far longer than 0.3 s
    huge = "<html><body><main>" + "<div><span>Gaza</span> <b>x</b></div>" * 120_000 + "</main></body></html>"
    server.routes["/huge"] = page(huge)
    yield server
    server.stop()


@pytest.fixture
def fetcher():
    ex = Extractor(workers=1)
    yield ex
    ex.close()


LOCAL = {"allow_addresses": ["127.0.0.1"]}


def test_a_page_is_fetched_and_read_in_a_worker(fetcher, web):
    rep = fetcher.fetch(web.url("/page"), 30, **LOCAL)
    assert rep.title == "Strike in Khiam" and "Khiam" in rep.text and rep.url == web.url("/page")
    pids = _pids(fetcher)
    assert pids and os.getpid() not in pids  # another process
    fetcher.fetch(web.url("/page"), 30, **LOCAL)
    assert _pids(fetcher) == pids  # reused


def test_a_slow_site_is_stopped_at_the_budget_and_the_next_fetch_works(fetcher, web):
    fetcher.fetch(web.url("/page"), 30, **LOCAL)  # the worker is up
    before = _pids(fetcher)
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded, match=r"fetching and reading the page stopped after 0.5 s") as err:
        fetcher.fetch(web.url("/trickle"), 0.5, **LOCAL)
    assert time.monotonic() - t0 < 5  # not the fetch's own 10 s deadline
    assert isinstance(err.value, IncidentMapError) and "\n" not in str(err.value)
    assert web.url("/trickle") in str(err.value)
    assert not (before & _pids(fetcher))  # the stuck worker was killed
    assert fetcher.fetch(web.url("/page"), 30, **LOCAL).title == "Strike in Khiam"


def test_a_huge_page_is_stopped_while_it_is_read(fetcher, web):
    fetcher.fetch(web.url("/page"), 30, **LOCAL)
    with pytest.raises(BudgetExceeded, match="stopped after 0.3 s"):
        fetcher.fetch(web.url("/huge"), 0.3, **LOCAL)


def test_fetch_errors_reach_the_caller_as_they_are(fetcher, web):
    from incidents.errors import FetchError, FetchProblem

    with pytest.raises(FetchError) as err:
        fetcher.fetch(web.url("/page"), 30)  # the private-address guard stays on without the option
    assert err.value.problem is not None and web.url("/page") in str(err.value)
    assert err.value.problem != FetchProblem.NO_TEXT


def test_a_worker_starts_under_an_app_script_as_main(tmp_path, monkeypatch, web):
    """``streamlit run`` puts the page's script in ``sys.modules["__main__"]``; spawn would run it again in
    the worker (drawing the page there and starting a worker of its own), and the worker died at once."""
    import sys
    import types

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('the page ran in the worker')\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    ex = Extractor(workers=1)
    try:
        assert ex.fetch(web.url("/page"), 30, **LOCAL).title == "Strike in Khiam"
        assert sys.modules["__main__"] is page  # put back
    finally:
        ex.close()
