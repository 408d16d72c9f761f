"""Extraction in a reusable worker process, within a time budget (incidents/budget.py)."""
from __future__ import annotations

import threading
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
