"""Shared fixtures. Tests never touch the real store or the user's gazetteer file."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

# one headless Chromium for the whole session, defined here once: a fixture imported into two test modules
# is two session fixtures, and a second sync_playwright inside the first one's loop fails
from ui_fixtures import browser  # noqa: E402,F401

FIXTURES = ROOT / "tests" / "fixtures"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """Every test gets its own store path and user gazetteer file."""
    monkeypatch.setenv("INCIDENTS_DB", str(tmp_path / "incidents.db"))
    monkeypatch.setenv("INCIDENTS_USER_GAZETTEER", str(tmp_path / "user_places.csv"))
    monkeypatch.delenv("INCIDENTS_ONLINE_GEOCODER", raising=False)


@pytest.fixture(scope="session")
def small_gazetteer():
    from gazetteer import Gazetteer
    from gazetteer.gazetteer import read_blockers
    from gazetteer.loader import read_places

    return Gazetteer(read_places(FIXTURES / "places_small.csv"), read_blockers())


@pytest.fixture(scope="session")
def gazetteer():
    """The real curated gazetteer (no user additions)."""
    from gazetteer import Gazetteer

    return Gazetteer.load(user=FIXTURES / "no-such-user-file.csv")


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not (SEEDS / "ap-live-2024-02-07.txt").exists():
        pytest.skip("../shared/seeds is not beside the checkout")
    return SEEDS


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from today's extraction output (after an intended change)")
