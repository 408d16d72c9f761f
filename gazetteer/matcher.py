"""One-pass multi-pattern search of gazetteer names in a text.

An Aho-Corasick automaton (pyahocorasick) holds every folded name and alias,
plus "blocker" phrases that contain a place name but are not a place
("Islamic Resistance in Iraq", "Times of Israel"). A scan keeps the
leftmost-longest matches that sit on word boundaries and are capitalised in
the original text, so "Iraqi" never matches "Iraq" and a blocker hides the
place name inside it.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

import ahocorasick

from .text import fold, fold_key

ARTICLES = ("al ", "el ", "ad ", "ed ", "ash ", "as ", "at ", "az ", "an ", "ar ", "adh ", "ath ")
BLOCK = "\x00block"
DIRECTIONS = {"northern", "southern", "eastern", "western", "central", "north", "south", "east", "west", "occupied",
              "upper", "lower", "greater", "northeast", "northwest", "southeast", "southwest", "northeastern",
              "northwestern", "southeastern", "southwestern", "the"}
# "Iran-backed militias", "Gaza-based groups": the name is part of an adjective, not a place
_COMPOUND_AFTER = re.compile(
    r"[-\u2010\u2011](?:backed|based|bound|led|aligned|allied|linked|affiliated|sponsored|funded|born|made|style|era|"
    r"controlled|run|registered|flagged|owned|supported|trained|armed)\b",
    re.I,
)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def name_variants(name: str) -> set[str]:
    """Folded keys under which ``name`` is matched (article-less and al/el forms)."""
    key = fold_key(name)
    keys = {key}
    for art in ARTICLES:
        if key.startswith(art) and len(key) - len(art) >= 4:
            rest = key[len(art):]
            keys.add(rest)
            if art in ("al ", "el "):
                keys.add("el " + rest if art == "al " else "al " + rest)
    # "Deir al-Balah" / "Deir el-Balah": the article inside a name is spelt both ways
    for k in list(keys):
        for a, b in ((" al ", " el "), (" el ", " al ")):
            if a in k:
                keys.add(k.replace(a, b))
    if key.endswith(" camp") and " refugee camp" not in key:
        keys.add(key[: -len(" camp")] + " refugee camp")
    if key.endswith(" governorate"):  # "Nabatieh Governorate" is "Nabatieh province" in most reports
        keys |= {k[: -len(" governorate")] + " province" for k in list(keys) if k.endswith(" governorate")}
    for k in list(keys):
        keys |= _nisba_variants(k)
    return {k for k in keys if len(k) >= 2}


# the Arabic place-name ending -iyya spelt every way reports spell it: "Nabatieh", "Nabatiyeh", "Nabatiya",
# "Nabatiyah"; "Jabalia" too (but only a long stem: "Syria" is no "Syrieh")
_NISBA = re.compile(r"(?:iyyeh|iyyah|iyya|iyeh|iyah|iya|iye|ieh|iah)$")
_NISBA_IA = re.compile(r"(?<=[a-z]{5})ia$")
_NISBA_FORMS = ("ieh", "iyeh", "iyah", "iya", "iye")


def _nisba_variants(key: str) -> set[str]:
    """The other spellings of a name whose last word ends in -iyya ("nabatieh" -> "nabatiya", ...)."""
    m = _NISBA.search(key) or _NISBA_IA.search(key)
    if m is None or m.start() - (key.rfind(" ") + 1) < 3:
        return set()
    stem = key[:m.start()]
    return {stem + form for form in _NISBA_FORMS}


class NameAutomaton:
    """Maps folded names to opaque values and finds them in text in one pass."""

    def __init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        self._values: dict[str, set[str]] = {}
        self._built = False

    def add(self, key: str, value: str) -> None:
        self._values.setdefault(key, set()).add(value)
        self._built = False

    def add_name(self, name: str, value: str) -> None:
        for key in name_variants(name):
            self.add(key, value)

    def build(self) -> None:
        automaton = ahocorasick.Automaton()
        for key, values in self._values.items():
            automaton.add_word(key, (len(key), tuple(sorted(values))))
        if len(self._values):
            automaton.make_automaton()
        self._automaton = automaton
        self._built = True

    def values(self, key: str) -> tuple[str, ...]:
        return tuple(sorted(self._values.get(fold_key(key), ())))

    def __len__(self) -> int:
        return len(self._values)

    def scan(self, text: str) -> Iterator[tuple[int, int, tuple[str, ...]]]:
        """Yield ``(start, end, values)`` for leftmost-longest, boundary-checked hits."""
        if not self._built:
            self.build()
        if not self._values or not text:
            return
        folded = fold(text)
        n = len(text)
        hits: list[tuple[int, int, tuple[str, ...]]] = []
        for end_idx, (length, values) in self._automaton.iter(folded):
            start = end_idx - length + 1
            end = end_idx + 1
            if start > 0 and _is_word_char(folded[start - 1]):
                continue
            if end < n and _is_word_char(folded[end]):
                continue
            if BLOCK not in values:
                if not is_capitalised(text[start:end]):
                    continue
                if end < n and text[end] in "-\u2010\u2011" and _COMPOUND_AFTER.match(text, end):
                    continue
            hits.append((start, end, values))
        if not hits:
            return
        # leftmost-longest, non-overlapping
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        last_end = -1
        for start, end, values in hits:
            if start < last_end:
                continue
            last_end = end
            if BLOCK in values:
                continue
            yield start, end, values


def is_capitalised(surface: str) -> bool:
    """True when the name is written as a proper noun ("Gaza", "al-Mashtal", "Tel Aviv")."""
    words = surface.replace("-", " ").split()
    if not words:
        return False
    for word in words:
        if fold(word) + " " in ARTICLES or fold(word) in DIRECTIONS:
            continue
        first = word.lstrip("'\u2018\u2019\u02bf\u02be")[:1]
        return bool(first) and (first.isupper() or not first.isalpha() or not first.islower())
    return False


def build_automaton(entries: Iterable[tuple[str, str]], blockers: Iterable[str] = ()) -> NameAutomaton:
    automaton = NameAutomaton()
    for name, value in entries:
        automaton.add_name(name, value)
    for phrase in blockers:
        automaton.add(fold_key(phrase), BLOCK)
    automaton.build()
    return automaton
