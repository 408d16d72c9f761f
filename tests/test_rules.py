"""The rulebook: rules and cues as data, compiled once, errors that say where."""
from __future__ import annotations

import re

import pytest

from incidents.errors import RulesError
from incidents.rules import Tier, load
from incidents.rules.prefilter import check_sound, required_literals


def test_rulebook_loads_once_with_ids_tiers_and_cues():
    book = load()
    assert book is load()
    ids = [r.id for r in book.triggers]
    assert len(ids) == len(set(ids)) >= 15
    assert {r.tier for r in book.triggers} <= set(Tier)
    assert book.cue("hedge").search("Israel could launch strikes")
    assert book.vocab("casualty_stems")["death"]


def test_unknown_names_are_project_errors():
    with pytest.raises(RulesError, match="no cue named 'nope'"):
        load().cue("nope")


@pytest.mark.parametrize("pattern, text, lits", [
    (r"\b(?:air ?strikes?)\b", "An air strike hit", {"air strike", "airstrike"}),
    (r"\b(?:(?:strike|attack) by (?:a |an )?drones?)\b", "attack by a drone", None),
    (r"\b(?:shot(?! down))\b", "shot dead", {"shot"}),
    (r"[A-Z]\w+(?:'s|’s) strikes?", "Israel’s strikes", {"'s strike"}),
])
def test_required_literals_are_sound(pattern, text, lits):
    rx = re.compile(pattern, re.I)
    req = required_literals(pattern, re.I)
    assert req, pattern
    assert check_sound(rx, req, text)
    if lits:
        assert lits <= req


def test_a_pattern_that_can_match_anything_has_no_prefilter():
    assert required_literals(r"\w+ed", re.I) is None
    assert required_literals(r"(?:foo)?bar|\d+", re.I) is None


def test_malformed_rule_files_name_the_file_and_entry(tmp_path):
    (tmp_path / "triggers.toml").write_text('[[rule]]\nid = "x"\ntier = "nope"\nevent_type = "A"\n'
                                            'sub_event_type = "B"\npatterns = ["a"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"triggers.toml.*rule x: unknown tier 'nope'"):
        load("xx", tmp_path)
    (tmp_path / "triggers.toml").write_text('[[rule]]\nid = "x"\ntier = "air"\nevent_type = "A"\n'
                                            'sub_event_type = "B"\npatterns = ["(a"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"bad pattern '\(a'"):
        load("xy", tmp_path)
    (tmp_path / "triggers.toml").write_text('[[rule]\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"triggers.toml:1: not valid TOML"):
        load("xz", tmp_path)
