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

from gazetteer import AREA_KINDS, Gazetteer, haversine_km

from .model import Mention
from .events import BOOK
from .places import BETWEEN_BEFORE, REGION, RELATIVE_BEFORE, related
from .sentences import Sentence

ORIGIN_BEFORE = re.compile(r"\b(?:from|fled|fleeing|displaced from|evacuated from|launched from|fired from|to|towards?|into)\s+(?:the\s+)?$", re.I)
CLAUSE_SPLIT = BOOK.cue("clause_split")
INCLUDING = re.compile(r"^including\s+")


AFTER_CLAUSE = BOOK.cue("after_clause")
_SHORT_GAP = BOOK.cue("short_gap")


def short_gap(gap: str) -> bool:
    """Do the gap words of "comes ... after" put the earlier event within hours ("", "just hours")?"""
    return not gap or _SHORT_GAP.fullmatch(gap) is not None


def split_after(sent: Sentence) -> tuple[list[Sentence], Sentence | None, str]:
    """"The strike on Rafah comes after a Hamas ambush in Shejaiya killed 10 soldiers": the sentence cut
    before and after "comes after"; the second part (an event of its own) and the gap words ("hours",
    "days") that say how long before the first it happened. No cut: ``([sent], None, "")``."""
    m = AFTER_CLAUSE.search(sent.text) if not sent.text.isalnum() else None  # (one word: no clause)
    if m is None:
        return [sent], None, ""
    head = Sentence(sent.start, sent.start + m.start(), sent.text[:m.start()])
    tail = Sentence(sent.start + m.end(), sent.end, sent.text[m.end():])
    return [head, tail], tail, " ".join(m.group("gap").split()).lower()


def split_clauses(sent: Sentence) -> list[Sentence]:
    """Split "... late Wednesday, and another strike hit Bint Jbeil on Thursday" into its two events."""
    if sent.text.isalnum():
        return [sent]  # one word: no comma, semicolon or space to split at
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
    specific = [m for m in ms if m.kind not in AREA_KINDS and m.country in REGION]
    groups: list[list[Mention]] = []
    last: tuple[Mention, list[Mention]] | None = None
    for m in specific:
        place = gazetteer.get(m.place_id)
        if place is None:
            continue
        if ORIGIN_BEFORE.search(text[max(0, m.start - 30):m.start]):
            continue
        if last is not None and m.start - last[0].end <= LOCATOR_GAP and \
                RELATIVE_BEFORE.search(text[max(0, m.start - 40):m.start]):
            last[1].append(m)  # "Asira village, southwest of Nablus": Nablus only says where Asira is
            continue
        for g in groups:
            other = gazetteer.get(g[0].place_id)
            if other is not None and _one_place(place, other, gazetteer):
                g.append(m)
                last = (m, g)
                break
        else:
            groups.append([m])
            last = (m, groups[-1])
    if len(groups) < 2:
        return [ms]
    # the towns must be coordinated ("X and Y", "near X and ... in Y"), not "from X to Y"
    first, last = groups[0][0], groups[-1][0]
    between = text[first.end:last.start]
    if not re.search(r"\band\b", between) or len(between) > 120:
        return [ms]
    if BETWEEN_BEFORE.search(text[max(0, first.start - 45):first.start]):
        return [ms]  # "a vehicle between the villages of Toulin and Burj Qalaouiyeh": one place, between them
    rest = [m for m in ms if all(m is not g0 for g in groups for g0 in g)]
    return [groups[0] + rest] + groups[1:]


# towns, villages and camps (Place.is_settlement) are places of their own: two of them listed in one
# sentence are two incidents however close they lie ("strikes on Aitaroun and Blida", 5 km apart); only
# two points of one town are the same place
ONE_TOWN_KM = 1.0
LOCATOR_GAP = 40  # at most this many characters between a town and the place that locates it


def _one_place(a, b, gazetteer: Gazetteer) -> bool:
    """Are two places of one sentence the same incident's place (one inside the other, or near)?"""
    if a.is_settlement and b.is_settlement and a.id != b.id and \
            not (gazetteer.contains(a, b) or gazetteer.contains(b, a)):
        return haversine_km(a.lat, a.lon, b.lat, b.lon) < ONE_TOWN_KM
    return related(a, b, gazetteer)


def nearest_group(groups: list[list[Mention]], pos: int) -> int:
    if len(groups) < 2:
        return 0
    return min(range(len(groups)), key=lambda k: min(abs(m.start - pos) for m in groups[k]) if groups[k] else 10**9)
