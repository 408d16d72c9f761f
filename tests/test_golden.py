"""Every evaluation text's full extraction output against its stored golden copy.

A failure prints a readable diff (incident by incident, excerpt included). When a
change is intended, run ``python3 -m pytest tests/test_golden.py --update-golden`` and
commit the rewritten files with the change that caused them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import golden  # noqa: E402

CASES = golden.cases()


def test_every_set_has_golden_cases():
    sets = {c.set for c in CASES}
    assert {"cases", "heldout", "heldout2"} <= sets
    if (golden.SHARED / "eval" / "gold.json").exists():
        assert {"seeds", "eval"} <= sets
        assert sum(c.set == "eval" for c in CASES) == 30
    orphans = sorted(p.relative_to(golden.GOLDEN_DIR).as_posix() for p in golden.GOLDEN_DIR.glob("*/*.jsonl")
                     if p not in {c.golden for c in CASES})
    assert not orphans, f"golden files without a case: {orphans}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_extraction_matches_golden(case, request):
    actual = golden.extract_records(case)
    if request.config.getoption("--update-golden"):
        golden.write(case, actual)
        return
    expected = golden.load(case)
    assert expected is not None, f"no golden file {case.golden}: run pytest --update-golden"
    if expected != actual:
        pytest.fail(f"extraction of {case.id} changed:\n{golden.diff(case, expected, actual)}", pytrace=False)


def test_shared_texts_are_not_copied_into_goldens():
    """Goldens of texts we do not own hold hashes, never the publishers' words."""
    for case in CASES:
        if case.owned or not case.golden.exists():
            continue
        for rec in golden.load(case):
            for key in golden.TEXT_FIELDS:
                value = rec.get(key)
                assert not value or str(value).startswith("sha1:"), f"{case.id}: {key} is stored as text"
            for value in golden.copied_text(rec.get("why", {})):
                assert value.startswith("sha1:"), f"{case.id}: why holds report text {value[:20]!r}"
