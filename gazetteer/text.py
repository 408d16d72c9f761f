"""Length-preserving folding of text for name matching.

``fold(s)`` has exactly ``len(s)`` characters, so an offset found in the folded
text is the same offset in the original. It lower-cases, strips accents (only
accents: non-Latin letters are kept, never transliterated), turns curly quotes
and ayin/hamza marks into ``'`` and hyphens/dashes into spaces, so that
"Khān Yūnis", "Khan-Yunis" and "khan yunis" fold alike.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

_SPECIAL = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u02bb": "'", "\u02bf": "'",
    "\u02be": "'", "`": "'", "\u00b4": "'", "\u2032": "'",
    "-": " ", "\u2010": " ", "\u2011": " ", "\u2012": " ", "\u2013": " ",
    "\u2014": " ", "\u00a0": " ", "\t": " ", "\n": " ", "\r": " ",
}


@lru_cache(maxsize=None)
def _fold_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    low = ch.lower()
    if len(low) != 1:
        low = low[0]
    if ord(low) < 128:
        return low
    base = unicodedata.normalize("NFD", low)
    if base and unicodedata.category(base[0])[0] in "LN" and all(
        unicodedata.combining(c) for c in base[1:]
    ):
        return base[0]
    return low


class _FoldTable(dict):
    def __missing__(self, code: int) -> str:
        value = _fold_char(chr(code))
        self[code] = value
        return value


_TABLE = _FoldTable()


_LONG = 4096  # a text this long is likely a whole report, folded by several stages: the last one is kept
_LAST: tuple[str, str] | None = None


def fold(text: str) -> str:
    """Fold ``text`` for matching; the result has the same length."""
    global _LAST
    if len(text) >= _LONG:
        last = _LAST  # one read: another thread may replace it meanwhile
        if last is not None and last[0] is text:
            return last[1]
    out = text.translate(_TABLE)
    assert len(out) == len(text)
    if len(text) >= _LONG:
        _LAST = (text, out)
    return out


def fold_key(name: str) -> str:
    """Fold a gazetteer name into its matching key (whitespace collapsed)."""
    return " ".join(fold(name).split())


def strip_accents(name: str) -> str:
    """Remove accents only ("Khān Yūnis" -> "Khan Yunis"); non-Latin scripts are kept."""
    decomposed = unicodedata.normalize("NFD", name)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
