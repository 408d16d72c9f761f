"""The literal index of a report: a gated cue is searched only where one of its literals lies."""
from __future__ import annotations

import random
import re

from gazetteer.text import fold
from incidents.gates import EVENT_CUES, GATE, PLACE_CUES, cues_in
from incidents.rules import load
from incidents.rules.prefilter import LiteralGate

TEXT = ("RAFAH, Gaza Strip — An Israeli strike hit a house in Rafah on Wednesday, killing four people, a day after "
        "the attack on Khan Younis. Families fled from Khan Younis to Rafah. The ministry in Gaza said 30% of the "
        "dead since the start of the war were children. Troops found weapons near Jenin, north of Nablus.\n"
        "In retaliation for the strike, rockets were fired from southern Lebanon.")


def _windows(text: str, rnd: random.Random, n: int = 400):
    for _ in range(n):
        a = rnd.randrange(len(text) + 1)
        yield a, min(len(text), a + rnd.choice([5, 20, 40, 80, 300]))


def test_a_window_without_literals_has_no_match():
    """Sound: wherever the index says a cue cannot match, its regex finds nothing in that window."""
    book, rnd = load(), random.Random(5)
    texts = [TEXT, TEXT.upper(), TEXT.replace(" ", "  "), TEXT.replace("-", "—")]
    for text in texts:
        index = GATE.index(fold(text))
        for name in EVENT_CUES + PLACE_CUES:
            rx = book.cue(name)
            for a, b in _windows(text, rnd):
                if not index.possible(name, a, b):
                    assert rx.search(text[a:b]) is None, (name, text[a:b])
    # and it gates: most short windows of a cue with rare literals are skipped
    index = GATE.index(fold(TEXT))
    assert not index.possible("generic", 0, 60) and index.possible("generic", 0, len(TEXT))
    assert index.possible("from_before", TEXT.index("fled"), TEXT.index("fled") + 4)
    assert not index.possible("from_before", TEXT.index("fled"), TEXT.index("fled") + 3)  # literal cut off


def test_characters_the_fold_does_not_equate_disable_the_gate():
    """'ſ' matches 's' ignoring case but folds to itself: such a text is searched everywhere."""
    gate = LiteralGate({"x": re.compile(r"\bsince\b", re.I)})
    assert not gate.index(fold("the war")).possible("x", 0, 7)
    assert gate.index(fold("ſince the war")).possible("x", 0, 13)
    assert re.compile(r"\bsince\b", re.I).search("ſince")


def test_a_regex_without_literals_is_always_possible_and_names_in():
    gate = LiteralGate({"any": re.compile(r"\w+"), "lit": re.compile(r"near")})
    index = gate.index(fold("far away"))
    assert index.possible("any", 0, 3) and not index.possible("lit", 0, 8)
    assert index.names_in(("any", "lit"), 0, 8) == frozenset({"any"})


def test_cues_in_keeps_the_last_reports_index():
    a, b = TEXT, TEXT[:100] + " "
    assert cues_in(a) is cues_in(a)
    first = cues_in(a)
    cues_in(b)
    assert cues_in(a) is not first  # rescanned after another text, and still right
    assert cues_in(a).possible("generic", 0, len(a))


def test_names_in_is_possible_for_each_name():
    rnd = random.Random(9)
    for text in (TEXT, TEXT * 3):
        index = GATE.index(fold(text))
        names = EVENT_CUES + PLACE_CUES
        for a, b in _windows(text, rnd):
            assert index.names_in(names, a, b) == frozenset(n for n in names if index.possible(n, a, b))
