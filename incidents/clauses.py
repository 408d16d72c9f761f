"""Sentences that tell more than one incident, split into their parts.

* ``split_clauses``: "... late Wednesday, and another strike hit Bint Jbeil on
  Thursday" is two clauses; "killed 30 across Gaza, including 12 in a strike on
  X" gives the clause about X its own count.
* ``separate_places``: "struck a site near Albu Kamal and a safe house in
  Mayadin" is one incident per town; ``nearest_group`` gives each count to the
  town it is told of.
"""
from __future__ import annotations

import re

from gazetteer import Gazetteer

from .model import Mention
from .places import REGION, related
from .sentences import Sentence

ORIGIN_BEFORE = re.compile(r"\b(?:from|fled|fleeing|displaced from|evacuated from|launched from|fired from|to|towards?|into)\s+(?:the\s+)?$", re.I)
CLAUSE_SPLIT = re.compile(
    # a match never starts inside a run of spaces (it would have started where the run starts):
    # without the look-behind every space of a long run was a new start, quadratic in the run
    r"(?:,|;|(?<!\s))\s+(?:and|while|but|as)\s+(?=(?:another|a second|a separate|a third|a further)\b)|;\s+(?=[a-z])|"
    # "killed 30 people across Gaza, including 12 in a strike on a school in Nuseirat"
    r",\s+(?=including\s+(?:at least\s+)?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\w+teen|twenty|thirty|forty|fifty|several|dozens)\s+(?:[\w-]+\s+){0,5}?(?:in|at|when|near|whose|who|after)\b)"
)
INCLUDING = re.compile(r"^including\s+")


def split_clauses(sent: Sentence) -> list[Sentence]:
    """Split "... late Wednesday, and another strike hit Bint Jbeil on Thursday" into its two events."""
    out, pos = [], 0
    for m in CLAUSE_SPLIT.finditer(sent.text):
        out.append(Sentence(sent.start + pos, sent.start + m.start(), sent.text[pos:m.start()]))
        pos = m.end()
    if not out:
        return [sent]
    out.append(Sentence(sent.start + pos, sent.end, sent.text[pos:]))
    return [c for c in out if c.text.strip()]


def separate_places(ms: list[Mention], sent: Sentence, text: str, gazetteer: Gazetteer) -> list[list[Mention]]:
    """Mentions grouped by distinct place when one sentence names several towns joined by "and"."""
    specific = [m for m in ms if m.kind not in ("country", "region", "governorate", "district", "sea", "corridor")
                and m.country in REGION]
    groups: list[list[Mention]] = []
    for m in specific:
        place = gazetteer.get(m.place_id)
        if place is None:
            continue
        if ORIGIN_BEFORE.search(text[max(0, m.start - 30):m.start]):
            continue
        for g in groups:
            other = gazetteer.get(g[0].place_id)
            if other is not None and related(place, other, gazetteer):
                g.append(m)
                break
        else:
            groups.append([m])
    if len(groups) < 2:
        return [ms]
    # the towns must be coordinated ("X and Y", "near X and ... in Y"), not "from X to Y"
    first, last = groups[0][0], groups[-1][0]
    between = text[first.end:last.start]
    if not re.search(r"\band\b", between) or len(between) > 120:
        return [ms]
    rest = [m for m in ms if all(m is not g0 for g in groups for g0 in g)]
    return [groups[0] + rest] + groups[1:]


def nearest_group(groups: list[list[Mention]], pos: int) -> int:
    if len(groups) < 2:
        return 0
    return min(range(len(groups)), key=lambda k: min(abs(m.start - pos) for m in groups[k]) if groups[k] else 10**9)
