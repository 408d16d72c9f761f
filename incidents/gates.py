"""Which cues can match where in a report: one literal pass over the folded text, looked up by position.

The cues below are searched in windows of every sentence or around every place name; most windows hold
none of a cue's required literals (:func:`incidents.rules.prefilter.required_literals`, derived from
the patterns in ``rules/<lang>/*.toml``), so the search is skipped there. :func:`cues_in` scans a text
once and keeps the last text's index (extraction looks the same report up many times).
"""
from __future__ import annotations

from gazetteer.text import fold

from .rules import load
from .rules.prefilter import LiteralGate, LiteralIndex

# searched per sentence (events) and per place mention (places); the others are cheap or always present
EVENT_CUES = ("generic", "aggregate", "discovery", "backref", "time_after")
PLACE_CUES = ("org_before", "from_before", "near_before", "relative_before")

_BOOK = load()
GATE = LiteralGate({name: _BOOK.cue(name) for name in EVENT_CUES + PLACE_CUES})
_LAST: tuple[str, LiteralIndex] | None = None


def cues_in(text: str) -> LiteralIndex:
    """The literal index of ``text`` (the last text's is kept: one scan per report)."""
    global _LAST
    last = _LAST  # one read: another thread may replace it meanwhile
    if last is None or last[0] is not text:
        last = (text, GATE.index(fold(text)))
        _LAST = last
    return last[1]
