"""Direct speech in a report: the spans between quotation marks.

Quoted speech elaborates an event the reporter tells ("'Neighbours pulled seven bodies from the
rubble,' he said"), or gives opinions, fears and claims ("'We are fighting with determination,'
the minister said"). Extraction lets a trigger inside a quote start an incident only when the quote
itself names the town it happened in.
"""
from __future__ import annotations

import bisect
import re

MIN_WORDS = 4  # shorter quotes are scare quotes ('a "defensive" strike'), not speech


def quote_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (absolute offsets, inside the marks) of the quotations in ``text[start:end]``, line by line.

    Curly quotes pair “ with ”; straight double quotes pair in order; a quotation still open at the end
    of a paragraph ends there (news style opens each paragraph of a long quote again).
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        _line_spans(text, pos, line_end, spans)
        pos = line_end + 1
    return [(s, e) for s, e in spans if len(text[s:e].split()) >= MIN_WORDS]


_MARKS = re.compile('[“”"]')


def _line_spans(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    open_at = -1
    straight = -1
    for m in _MARKS.finditer(text, start, end):  # only the marks, not every character, in Python
        i = m.start()
        ch = text[i]
        if ch == "“":
            if open_at < 0:
                open_at = i + 1
        elif ch == "”":
            if open_at >= 0:
                out.append((open_at, i))
                open_at = -1
        else:  # '"'
            if straight < 0:
                straight = i + 1
            else:
                out.append((straight, i))
                straight = -1
    for s in (open_at, straight):
        if s >= 0:
            out.append((s, end))


class QuoteIndex:
    """Which offsets of a report lie inside a quotation."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = sorted(spans)
        self._starts = [s for s, _ in self.spans]

    def span_at(self, pos: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and self.spans[i][0] <= pos < self.spans[i][1]:
            return self.spans[i]
        return None
