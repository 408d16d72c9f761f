"""Sentence splitting that keeps character offsets.

A rule-based splitter tuned for news prose: it does not split after
abbreviations common in wire copy ("U.S.", "Lt. Col.", "Feb.", "a.m."),
initials, or numbers ("No. 3"), and it treats line breaks as hard
boundaries (live pages put one paragraph per line).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .rules import calendar
from .rules.prefilter import guarded

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "maj", "capt", "sgt",
    "cpl", "pvt", "adm", "cmdr", "st", "mt", "ft", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp",
    "approx", "est", "dept",
    "rev", "sr", "jr", "al", "u.s", "u.n", "u.k", "e.g", "i.e", "a.m", "p.m",
    # "Feb.", "Sept.", "Tues.": the calendar's abbreviations (rules/<lang>/vocab.toml)
    *calendar().month_abbreviations, *calendar().weekday_abbreviations,
}
# A match starts only where a run of end marks starts (a run that fails fails from every point inside
# it), and takes the run and its closing quotes whole: linear on 200 KB of dots.
# (behind a look-ahead of its first characters: Python's re does not skip ahead past a look-behind)
_BOUNDARY = guarded(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s+[\"'“‘(\[]?[A-Z0-9])|\n+")
_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")  # "u.s", "j.r.r": initials, no sentence end
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences of ``text`` with offsets (``+ offset``), whitespace trimmed."""
    if len(text) <= MAX_SENTENCE and not _may_end(text):
        # no end mark and no line break: one sentence (a live page's short lines, a list of words)
        stripped = text.strip()
        if not stripped:
            return []
        lead = len(text) - len(text.lstrip())
        return [Sentence(lead + offset, lead + len(stripped) + offset, stripped)]
    out: list[Sentence] = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        if m.group().startswith("\n"):
            cut = m.start()
        else:
            cut = m.end()
            tok = _token_before(text, pos, m.start()) if m.group()[0] == "." else None
            if tok is not None:
                word = tok.lower()
                nxt = text[m.end():m.end() + 3].lstrip()[:1]
                if word in ("no", "nos") and not nxt.isdigit():
                    pass
                elif word in ABBREVIATIONS or _INITIALS.fullmatch(word):
                    continue
        _add(out, text, pos, cut, offset)
        pos = m.end()
    _add(out, text, pos, len(text), offset)
    return out


def _may_end(text: str) -> bool:
    """Can ``_BOUNDARY`` match in ``text`` (an end mark or a line break in it)?"""
    return "." in text or "\n" in text or "!" in text or "?" in text or "…" in text


def _token_before(text: str, pos: int, dot: int) -> str | None:
    """The word (letters and dots, starting with a letter) that ends at the full stop ``text[dot]``.

    Scans back from the stop to ``pos`` at most across the word itself, so a sentence of many
    abbreviations stays linear (a regex search over ``text[pos:dot]`` made it quadratic).
    """
    j = dot
    while j > pos and text[j - 1] in _TOKEN_CHARS:
        j -= 1
    while j < dot and text[j] == ".":
        j += 1
    return text[j:dot] if j < dot else None


MAX_SENTENCE = 800  # characters; a longer run without a full stop (a table, a list) is cut at spaces


def _add(out: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    e = s + len(stripped)
    while e - s > MAX_SENTENCE:
        cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
        if cut <= s:
            cut = s + MAX_SENTENCE
        piece = text[s:cut].rstrip()
        if piece:
            out.append(Sentence(s + offset, s + len(piece) + offset, piece))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if s < e:
        out.append(Sentence(s + offset, e + offset, text[s:e]))
