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


def test_outlets_are_data_scanned_in_one_pass():
    scan = load().outlets
    ids = [o.id for o in scan.outlets]
    assert len(ids) == len(set(ids)) and "ap" in ids and "cnn" in ids
    votes = dict(zip(ids, scan.votes("From CNN's Jane Doe\nBEIRUT (AP) — A strike, Reuters and AP Photo said.")))
    assert votes["cnn"] == (1, True)
    assert votes["ap"] == (2, True)  # "(AP) —" is a sign and decisive; "AP Photo" a sign
    assert votes["reuters"] == (1, False)


def test_a_bad_outlet_names_the_file_and_line(tmp_path):
    (tmp_path / "triggers.toml").write_text('[[rule]]\nid = "x"\ntier = "air"\nevent_type = "A"\n'
                                            'sub_event_type = "B"\npatterns = ["a"]\n', encoding="utf-8")
    (tmp_path / "outlets.toml").write_text('[[outlet]]\nid = "wire"\nname = "W"\nsigns = ["W"]\n\n'
                                           '[[outlet]]\nid = "wire"\nname = "V"\nsigns = ["V"]\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"outlets.toml:7: outlet wire: every outlet needs a unique id"):
        load("xo", tmp_path)


@pytest.mark.parametrize("pattern, chars", [
    (r"\(AP\)|\bAP Photo\b", {"(", "A"}),
    (r"(?:Mon|Tue)?day", {"M", "T", "d"}),
    (r"(?i:ab)|x", {"(?i)a", "x"}),
    (r"\w+", {"\\w"}),
    (r"(?:x)?", None),
])
def test_first_characters_of_a_pattern(pattern, chars):
    from incidents.rules.prefilter import first_chars, guarded

    got = first_chars(pattern)
    assert (set(got) if got else None) == chars
    text = "Monday, today (AP) AP Photo abx XAB \u212a"
    assert [m.span() for m in guarded(pattern).finditer(text)] == [m.span() for m in re.finditer(pattern, text)]


def test_line_formats_are_data_with_rule_ids():
    book = load()
    m = book.line("furniture").match("Reporting by Jane Roe; Editing by Sam Poe")
    assert m and m.lastgroup == "byline"
    assert book.line("furniture").match("Share on Facebook").lastgroup == "share_bar"
    assert book.line("caption").search("Smoke rises over the town (AP Photo/John Doe)")
    assert "caption" in book.line_search
    m = book.line("dateline").match("GAZA, March 4 (Reuters) - A strike hit.")
    assert m.group("dateline") == "GAZA" and m.group("date") == ", March 4"  # {{months3}} from vocab.toml


def test_a_line_rule_names_its_file_and_line(tmp_path):
    (tmp_path / "triggers.toml").write_text('[[rule]]\nid = "x"\ntier = "air"\nevent_type = "A"\n'
                                            'sub_event_type = "B"\npatterns = ["a"]\n', encoding="utf-8")
    (tmp_path / "outlets.toml").write_text('[[line]]\nid = "stamp"\nkind = "timestamp"\npatterns = ["(x"]\n',
                                           encoding="utf-8")
    with pytest.raises(RulesError, match=r"outlets.toml:2: .*line stamp: bad pattern"):
        load("xl", tmp_path)
    (tmp_path / "outlets.toml").write_text('[[line]]\nid = "stamp"\nkind = "timestamp"\npatterns = ["{{nope}}"]\n',
                                           encoding="utf-8")
    with pytest.raises(RulesError, match=r"names no word list"):
        load("xm", tmp_path)


def test_the_calendar_is_one_vocabulary_everyone_reads():
    from gazetteer import candidates, geonames
    from incidents import dates, sentences
    from incidents.rules import calendar

    cal = calendar()
    assert cal.month_names[8] == "september" and cal.months["sept"] == 9
    assert dates.MONTHS == cal.months and dates.WEEKDAYS == list(cal.weekdays)
    assert candidates.MONTHS == set(cal.months) and set(cal.weekdays) <= geonames.STOPLIST
    assert set(cal.month_abbreviations) <= sentences.ABBREVIATIONS


def test_the_rule_of_a_kind_with_several_rules_is_named():
    from incidents.rules import load

    book = load()
    m = book.line("furniture").match("Advertisement")
    assert book.line_rule("furniture", m) == "navigation"
    m = book.line("furniture").match("This post has been updated with new figures.")
    assert book.line_rule("furniture", m) == "update_note"


def test_cues_are_guarded_and_match_as_written():
    """Every cue is compiled behind its first-character guard; the matches are those of its patterns as written."""
    from incidents.rules import RULES_DIR, _read, compile_patterns

    book = load()
    assert sum(c.pattern.startswith("(?=") for c in book.cues.values()) > len(book.cues) // 2
    assert all(r.regex.pattern.startswith("(?=") for r in book.triggers)  # trigger rules too
    texts = ["Israeli strikes would hit Khan Younis, officials warned on Monday.", "  the strike", "",
             "In retaliation for the attack on January 28, a drone killed three fighters.", "ſtrike K \u212a İı"]
    for path in sorted((RULES_DIR / "en").glob("*.toml")):
        if path.stem == "triggers":
            continue
        for name, spec in _read(path).items():
            if name in ("vocab", "outlet", "line"):
                continue
            plain, cue = compile_patterns(spec, name), book.cue(name)
            for text in texts:
                assert [m.span() for m in cue.finditer(text)] == [m.span() for m in plain.finditer(text)], name
                assert bool(cue.match(text)) == bool(plain.match(text)), name


def test_guard_takes_leading_inline_flags_and_keeps_matches():
    from incidents.rules.prefilter import guard

    for pattern in [r"(?i)\b(?:killing|death) of \d+", r"\b(?:were|was)\s+killed\b", r"(?i)\bshot dead\b"]:
        g = guard(pattern)
        text = "The KILLING of 3 men; they were killed. Two were Shot Dead, death of 12."
        assert [m.span() for m in g.finditer(text)] == [m.span() for m in re.finditer(pattern, text)]
        assert g.pattern.startswith("(?=")
    assert guard(re.compile(r".*")).pattern == ".*"  # no first characters: compiled as written
