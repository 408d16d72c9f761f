"""The pipeline: report text -> entries -> sentences -> incidents.

>>> from gazetteer import Gazetteer
>>> from incidents.reading import report_from_text
>>> from incidents.extract import extract
>>> rep = report_from_text("BEIRUT (AP) — An Israeli strike hit the town of Khiam on Wednesday, killing two people.",
...                        published=date(2024, 2, 7), source="AP")
>>> [(i.place, i.date, i.fatalities) for i in extract(rep, Gazetteer.load()).incidents]
[('Khiam', '2024-02-07', 2)]
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from gazetteer import Gazetteer, Place
from gazetteer.gazetteer import Context
from gazetteer.text import fold

from .casualties import fatalities as _fatalities
from .casualties import injuries as _injuries
from .clauses import INCLUDING, nearest_group, separate_places, split_clauses
from .dates import DateExpr, find_dates, in_range
from .dedupe import dedupe
from .entries import body_segments, split_entries
from .events import BATTLES, COMBATANTS, STRATEGIC, VAC, EventHit
from .events import classify as _classify
from .events import in_history, is_background, triggers, trigger_positions
from .model import Entry, Incident, Mention, Report
from .places import choose_place, find_mentions, related, resolve_dateline
from .sentences import Sentence, split_sentences

# What a sentence says depends on its text alone: the same sentence repeated (a page pasted twice,
# a keyword list of trigger words, one per line) is read once. The results are immutable.
_SENTENCE_MEMO = 4096
classify = functools.lru_cache(maxsize=_SENTENCE_MEMO)(_classify)
count_fatalities = functools.lru_cache(maxsize=_SENTENCE_MEMO)(_fatalities)
count_injuries = functools.lru_cache(maxsize=_SENTENCE_MEMO)(_injuries)


@functools.lru_cache(maxsize=_SENTENCE_MEMO)
def _dates_in(text: str, base: date | None) -> tuple[DateExpr, ...]:
    return tuple(find_dates(text, base, 0))


def _sentence_dates(text: str, base: date | None, offset: int) -> list[DateExpr]:
    """``find_dates(text, base, offset)``, read once per distinct sentence."""
    return [replace(d, start=d.start + offset, end=d.end + offset) for d in _dates_in(text, base)]


BACKGROUND_DAYS = 45  # events dated this long before publication are background, not news
MAX_EXCERPT = 700
CLUSTER_KM = 3.0  # two places this close are one incident's place (Qabatiya, 6 km from Jenin, is not)

_NEW_EVENT = re.compile(
    r"\b(?:(?:another|a second|a separate|a third|a further|other)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:strikes?|airstrikes?|attacks?|raids?|drones?|missiles?|rockets?|shells?|explosions?|blasts?|bombings?|"
    r"incidents?|clash(?:es)?|shootings?|protests?)|separately|elsewhere|meanwhile|in a separate)\b",
    re.I,
)
_ANAPHORA = re.compile(r"^(?:The|That|This|Its)\s+(?:\w+\s+){0,2}(?:strike|airstrike|attack|raid|explosion|blast|shelling|protests?|"
                       r"men|man|woman|women|victims?|bodies|killing|incident|clash|fire|drone|missile|shell|rocket)(?:e?s)?\b", re.I)
_PERFECT_GENERIC = re.compile(r"\b(?:has|have)\s+(?:\w+\s+)?(?:uncovered|found|destroyed|carried out|conducted|launched|struck|hit|killed|arrested|detained|demolished)\b", re.I)
_UNKNOWN_PLACE = re.compile(r"\b(?:village|town|city|camp|area|neighbou?rhood|district|outskirts|suburb) of [A-Z]")
_SINCE_BEFORE = re.compile(r"\b(?:since|until|till|before|from)\s+$", re.I)


@dataclass
class Extraction:
    report: Report
    entries: list[Entry]
    mentions: list[Mention]
    incidents: list[Incident]
    undated: list[Entry] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # excerpts of events with no place at all


@dataclass
class _Candidate:
    sentence: Sentence
    hit: EventHit
    date: DateExpr | None
    place_mentions: list[Mention]
    fatalities: int | None
    fatalities_text: str
    injuries: int | None
    injuries_text: str


@dataclass
class _Cluster:
    entry: Entry
    items: list[_Candidate]
    place: Place | None = None
    place_mention: Mention | None = None
    precision: int = 3
    date: DateExpr | None = None
    # items are only ever appended: the best hit and "has a count" are folded in as they come
    # (recomputing them over every item for every sentence was quadratic in a long entry)
    _best: EventHit | None = field(default=None, repr=False)
    _best_seen: int = field(default=0, repr=False)
    _counted: bool = field(default=False, repr=False)
    _counted_seen: int = field(default=0, repr=False)

    @property
    def hit(self) -> EventHit:
        # what the event is: its own triggers first, not "the strike" said of another one:
        # its own specific trigger ("an airstrike"), else a specific one told back ("the strike on
        # Ghobeiry"), else a bare killing; the first of equals
        for c in self.items[self._best_seen:]:
            if self._best is None or _hit_rank(c.hit) < _hit_rank(self._best):
                self._best = c.hit
        self._best_seen = len(self.items)
        return self._best

    @property
    def has_fatalities(self) -> bool:
        """True when one of its sentences gives a death count."""
        if not self._counted:
            self._counted = any(c.fatalities is not None for c in self.items[self._counted_seen:])
            self._counted_seen = len(self.items)
        return self._counted


def _hit_rank(h: EventHit) -> tuple:
    return (h.priority >= 11, h.definite, h.priority)


def _event_date(sentence: Sentence, base: date | None, found: list[DateExpr] | None = None) -> DateExpr | None:
    for d in (find_dates(sentence.text, base, sentence.start) if found is None else found):
        rel = d.start - sentence.start
        if _SINCE_BEFORE.search(sentence.text[max(0, rel - 8):rel]):
            continue
        if base is not None and d.day > base + timedelta(days=1):
            continue
        return d
    return None


def _compatible(cluster: _Cluster, cand: _Candidate, gazetteer: Gazetteer) -> bool:
    if _NEW_EVENT.search(cand.sentence.text[:60]) and not _ANAPHORA.match(cand.sentence.text):
        return False
    if _ANAPHORA.match(cand.sentence.text):
        return True  # "The strike came on a main thoroughfare...": the same event told on
    a, b = cluster.hit, cand.hit
    own = choose_place(cand.place_mentions, "", gazetteer) if cand.place_mentions else None
    # follow-ups of one operation (arrests, interceptions, "the raid") join it; a killing joins anything;
    # so does anything told of the same town on the same day ("troops raided X ... clashes in X")
    same_place = (own is not None and cluster.place is not None and not cluster.place.is_area
                  and not own.place.is_area and related(own.place, cluster.place, gazetteer, near_km=0))
    same_kind = (a.sub_event_type == b.sub_event_type or a.priority >= 8 or b.priority >= 8
                 or bool(_ANAPHORA.match(cand.sentence.text)) or same_place)
    if not same_kind:
        return False
    if cand.date is not None and cluster.date is not None and cand.date.day != cluster.date.day:
        return False
    if own is not None and cluster.place is not None and not related(own.place, cluster.place, gazetteer, near_km=CLUSTER_KM):
        return False
    return True


def _absorb(cluster: _Cluster, cand: _Candidate, text: str, gazetteer: Gazetteer) -> None:
    first = not cluster.items
    anaphoric = not first and bool(_ANAPHORA.match(cand.sentence.text))
    choice = choose_place(cand.place_mentions, text, gazetteer) if cand.place_mentions else None
    if anaphoric:
        # "The strike came amid ... days after ... in Jordan": keep it with the event it
        # refers to, but take nothing from clauses about other times and places
        if cand.date is not None and cluster.date is not None and cand.date.day != cluster.date.day:
            return
        if choice is not None and cluster.place is not None and not cluster.place.is_area \
                and not related(choice.place, cluster.place, gazetteer, near_km=CLUSTER_KM):
            return
    cluster.items.append(cand)
    if cand.date is not None and (first or cand.date.precision == 1) and (
            cluster.date is None or (cluster.date.precision > 1 and cand.date.precision == 1)):
        cluster.date = cand.date
    if choice is None:
        return
    if cluster.place is None or choice.place.rank < cluster.place.rank or (
            choice.place.id != cluster.place.id and gazetteer.contains(cluster.place, choice.place)):
        # more specific, or inside the place so far ("the Ghobeiry district of the Dahiyeh")
        cluster.place, cluster.place_mention, cluster.precision = choice.place, choice.mention, choice.precision


def extract(report: Report, gazetteer: Gazetteer) -> Extraction:
    """Entries, place mentions and incidents of one report."""
    text = report.text
    entries = split_entries(text, report.published)
    mentions = find_mentions(text, gazetteer, fallback=False)
    starts = [m.start for m in mentions]
    # where a trigger word could be: sentences without one are skipped (most of a live page)
    trigger_at = trigger_positions(fold(text))
    report_hash = report.hash
    # summed up once: every sentence's GeoNames choice is made against it (summing it per sentence was quadratic)
    context = Context(p for m in mentions if m.reason != "context" and (p := gazetteer.get(m.place_id)) is not None)
    result = Extraction(report, entries, mentions, [])
    incidents: list[tuple[Incident, Entry, int, bool]] = []

    def mentions_in(s: int, e: int) -> list[Mention]:
        i = bisect.bisect_left(starts, s)
        out = []
        while i < len(mentions) and mentions[i].start < e:
            if mentions[i].end <= e:
                out.append(mentions[i])
            i += 1
        return out

    for entry in entries:
        base = entry.published or report.published
        if base is not None and not in_range(base):
            base = None  # a publication date near year 1 or 9999 dates nothing (and must not overflow)
        if base is None:
            result.undated.append(entry)
        if not _has(trigger_at, entry.body_start if entry.kind != "caption" else entry.start, entry.end):
            continue
        dateline_place = resolve_dateline(entry.dateline, gazetteer)
        headline_choice = None
        if entry.headline:
            hs = text.find(entry.headline, entry.start, entry.end)
            if hs >= 0:
                headline_choice = choose_place(mentions_in(hs, hs + len(entry.headline)), text, gazetteer)
        sentences: list[Sentence] = []
        segments = body_segments(text, entry) if entry.kind != "caption" else [(entry.start, entry.end)]
        parent_of: dict[int, Sentence] = {}  # "including ..." clauses -> the sentence they were cut from
        for s, e in segments:
            for sent in split_sentences(text[s:e], s):
                parts = split_clauses(sent)
                sentences.extend(parts)
                for part in parts[1:]:
                    if INCLUDING.match(part.text):
                        parent_of[part.start] = sent
        sentence_dates: dict[int, list[DateExpr]] = {}

        def dates_of(sent: Sentence) -> list[DateExpr]:
            if sent.start not in sentence_dates:
                sentence_dates[sent.start] = _sentence_dates(sent.text, base, sent.start)
            return sentence_dates[sent.start]

        clusters: list[_Cluster] = []
        current: _Cluster | None = None  # the cluster told last
        for sent in sentences:
            if not _has(trigger_at, sent.start, sent.end) and sent.start not in parent_of:
                continue
            found = dates_of(sent)
            d = _event_date(sent, base, found)
            low = sent.text.lower()
            fat = count_fatalities(sent.text) if any(w in low for w in _DEATH_WORDS) else None
            if fat is None and INCLUDING.match(sent.text):
                # "including 12 in a strike on a school": the count of the verb before the comma
                inc, verb = INCLUDING.match(sent.text), "killed "
                c = count_fatalities(verb + sent.text[inc.end():])
                if c is not None:
                    s0, e0 = inc.end() + max(0, c.start - len(verb)), inc.end() + c.end - len(verb)
                    fat = type(c)(c.value, sent.text[s0:e0], s0, e0)
            hit = classify(sent.text, fatalities=fat.value if fat else None)
            if hit is None and fat is not None and sent.start in parent_of:
                # "..., including eight members of one family whose home in Zeitoun was hit": the
                # weapon is the one of the sentence the clause was cut from
                weapons = [h for h in triggers(parent_of[sent.start].text) if h.priority < 11]
                if weapons:
                    hit = min(weapons, key=lambda h: h.priority)
            if fat is not None and hit is not None and in_history(sent.text, fat.start):
                fat = None  # "... a day after it said it killed a senior commander": not this event's toll
            if hit is None:
                if fat is not None and current is not None and current.items[-1].sentence.end >= sent.start - 400 \
                        and not is_background(sent.text, fat.value, fat.start) and not current.has_fatalities:
                    # "The dead included three children": the toll of the event just told
                    last = current.items[-1]
                    current.items.append(_Candidate(sent, last.hit, None, [], fat.value, fat.text, None, ""))
                continue
            ms = [m for m in mentions_in(sent.start, sent.end) if m.role == "place"]
            if gazetteer.fallback is not None:
                extra = _fallback_mentions(sent, gazetteer, context, ms)
                for m in extra:  # part of the report's mentions: highlighted, and recorded as GeoNames'
                    k = bisect.bisect_left(starts, m.start)
                    starts.insert(k, m.start)
                    mentions.insert(k, m)
                ms = sorted(ms + extra, key=lambda m: m.start)
            if d is None and not any(m.kind != "country" for m in ms) and _PERFECT_GENERIC.search(sent.text) \
                    and not _ANAPHORA.match(sent.text):
                continue  # "Israel has uncovered several tunnels in residential areas": background
            inj = count_injuries(sent.text) if any(w in low for w in _HURT_WORDS) else None
            places = separate_places(ms, sent, text, gazetteer)
            fat_k = nearest_group(places, sent.start + fat.start) if fat else 0
            inj_k = nearest_group(places, sent.start + inj.start) if inj else 0
            for k, group in enumerate(places):
                # "struck a site near Albu Kamal and a safe house in Mayadin": one incident per place,
                # each count with the place it is told of
                cand = _Candidate(sent, hit, d, group, fat.value if fat and k == fat_k else None,
                                  fat.text if fat and k == fat_k else "", inj.value if inj and k == inj_k else None,
                                  inj.text if inj and k == inj_k else "")
                target = _cluster_for(clusters, current, cand, gazetteer)
                if target is None:
                    target = _Cluster(entry, [])
                    clusters.append(target)
                _absorb(target, cand, text, gazetteer)
                current = target
        prev: _Cluster | None = None
        entry_choice = None
        entry_dates: list[DateExpr] | None = None  # the entry's stated days, worked out once if needed
        for cl in clusters:
            if _referential(cl):
                continue  # only "the strike" said of an event told elsewhere
            if _unlocated_claim(cl):
                continue  # "the Houthis say they fired missiles at a ship": a claim with no place of its own
            if cl.place is None and cl.date is not None and base is not None and abs((cl.date.day - base).days) > 1:
                # an earlier event with no place of its own: the entry's places are about today
                result.unplaced.append(cl.items[0].sentence.text)
                continue
            if cl.place is None:
                if entry_choice is None:
                    # the entry's places, except those that belong to its other incidents
                    taken = {(c.sentence.start, c.sentence.end) for other in clusters if other.place is not None
                             for c in other.items}
                    entry_choice = choose_place(
                        [m for m in mentions_in(entry.body_start, entry.end) if m.role == "place"
                         and not any(s <= m.start < e for s, e in taken)], text, gazetteer) or False
                if prev is not None and prev.place is not None:
                    cl.place, cl.precision = prev.place, max(prev.precision, 2)
                elif headline_choice is not None:
                    cl.place, cl.precision = headline_choice.place, headline_choice.precision
                elif entry_choice:
                    cl.place, cl.precision = entry_choice.place, max(entry_choice.precision, 2)
                elif dateline_place is not None:
                    cl.place, cl.precision = dateline_place, 3 if dateline_place.is_area else 2
                    if any(_UNKNOWN_PLACE.search(c.sentence.text) for c in cl.items):
                        # "near the village of X" that we cannot place: not the dateline city,
                        # only its country
                        country = gazetteer.countries().get(dateline_place.country)
                        if country is not None:
                            cl.place, cl.precision = country, 3
            if cl.date is None:
                if prev is not None and prev.date is not None:
                    cl.date = prev.date
                else:
                    if entry_dates is None:
                        entry_dates = [d for sent in sentences
                                       if (d := _event_date(sent, base, dates_of(sent))) is not None and d.precision == 1]
                    cl.date = entry_dates[0] if entry_dates else None
            prev = cl
            if cl.place is None:
                result.unplaced.append(cl.items[0].sentence.text)
                continue
            inc = _incident(cl, report, entry, base, text, mentions_in, report_hash)
            if inc is not None:
                incidents.append((inc, entry, len(cl.items), any(c.date is not None for c in cl.items)))
    result.incidents = dedupe(incidents, gazetteer)
    return result


def _has(positions: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(positions, start)
    return i < len(positions) and positions[i] < end


def _fallback_mentions(sent: Sentence, gazetteer: Gazetteer, context: Context, known: list[Mention]) -> list[Mention]:
    """Names the curated gazetteer lacks, placed offline through GeoNames (only in event sentences)."""
    from gazetteer.candidates import fallback_mentions

    # only where the text marks an unknown capitalised name as a place ("the village of X", "in X")
    if not any(not any(m.start <= sent.start + c.start(1) < m.end for m in known)
               for c in _CUED_NAME.finditer(sent.text)):
        return []
    out = []
    for s, e, place in fallback_mentions(sent.text, gazetteer, gazetteer.fallback, context):
        s, e = s + sent.start, e + sent.start
        if any(s < m.end and m.start < e for m in known):
            continue
        out.append(Mention(surface=sent.text[s - sent.start:e - sent.start], start=s, end=e, place_id=place.id,
                           place=place.name, lat=place.lat, lon=place.lon, kind=place.kind, country=place.country,
                           reason="fallback", gazetteer=place.origin))
    return out


# a count of deaths or injuries needs one of these words (cheap test before the count patterns)
_DEATH_WORDS = ("kill", "dead", "died", "slain", "slew", "martyr", "bodies", "lives", "perish", "death", "shot")
_HURT_WORDS = ("wound", "injur", "hurt", "maim")
_CUED_NAME = re.compile(r"\b(?:in|near|at|outside|of|from|into|toward|towards|hit|struck|targeted|raided|stormed)\s+"
                        r"(?:the\s+)?(?:(?:village|town|city|camp|area|neighbou?rhood|district|suburb)s?\s+of\s+)?"
                        r"((?:[Aa][ln]-|[Ee]l-)?[A-Z][\w'’\-]+)")
def _cluster_for(clusters: list[_Cluster], current: _Cluster | None, cand: _Candidate,
                 gazetteer: Gazetteer) -> _Cluster | None:
    """The cluster of this entry a sentence continues.

    A sentence that names a place continues the latest cluster at that place
    ("... late Wednesday and another strike hit Bint Jbeil. The strike on the
    southern suburbs flattened a building in Haret Hreik" goes back to the
    Dahiyeh strike); one that names none continues the cluster told last.
    """
    if not clusters:
        return None
    own = choose_place(cand.place_mentions, "", gazetteer) if cand.place_mentions else None
    if own is not None and not own.place.is_area and not _NEW_EVENT.search(cand.sentence.text[:60]):
        for cl in reversed(clusters):
            if cl.place is not None and not cl.place.is_area and related(own.place, cl.place, gazetteer, near_km=CLUSTER_KM) \
                    and _compatible(cl, cand, gazetteer):
                return cl
    current = current or clusters[-1]
    if own is None and cand.hit.definite and cand.hit.sub_event_type != current.hit.sub_event_type:
        # "the strike ..." with no place of its own: the latest strike told, not the latest event
        for cl in reversed(clusters):
            if cl.hit.sub_event_type == cand.hit.sub_event_type and _compatible(cl, cand, gazetteer):
                return cl
    if _compatible(current, cand, gazetteer):
        return current
    return None


_CLAIM = re.compile(r"\b(?:say|says|said|claim|claims|claimed|announce[sd]?)\s+(?:that\s+)?(?:it|they)\s+"
                    r"(?:had\s+|have\s+|has\s+)?(?:\w+ed|fired|struck|shot|hit|carried out|targeted)\b", re.I)


def _unlocated_claim(cl: _Cluster) -> bool:
    """An armed group's claim of an attack that names no town, camp or base (only a sea or a country)."""
    if not all(_CLAIM.search(c.sentence.text) for c in cl.items):
        return False
    if any(c.fatalities is not None or c.injuries is not None for c in cl.items):
        return False
    return cl.place is None or cl.place.is_area


def _referential(cl: _Cluster) -> bool:
    """A cluster made only of back-references ("the strike") with nothing of its own."""
    if not all(c.hit.definite for c in cl.items):
        return False
    if any(c.fatalities is not None or c.injuries is not None for c in cl.items):
        return False
    return cl.place is None or cl.place.kind == "country"


def _incident(cl: _Cluster, report: Report, entry: Entry, base: date | None, text: str, mentions_in,
              report_hash: str = "") -> Incident | None:
    if cl.date is not None:
        day, tp = cl.date.day, cl.date.precision
    elif base is not None:
        day, tp = base, 1
    else:
        day, tp = None, 1
    if day is not None and base is not None and day < base - timedelta(days=BACKGROUND_DAYS):
        return None
    if day is not None and base is not None and (tp == 3 or (tp == 2 and day < base - timedelta(days=3))):
        return None  # "last week", "late last month": context for today's news, not an event to map
    first, last = cl.items[0].sentence, cl.items[-1].sentence
    start, end = first.start, last.end
    if end - start > MAX_EXCERPT:
        best = max(cl.items, key=lambda c: (c.fatalities is not None, bool(c.place_mentions), -c.sentence.start))
        start, end = best.sentence.start, best.sentence.end
    fats = [(c.fatalities, c.fatalities_text) for c in cl.items if c.fatalities is not None]
    injs = [(c.injuries, c.injuries_text) for c in cl.items if c.injuries is not None]
    fat, fat_text = max(fats, key=lambda t: t[0]) if fats else (None, "")
    inj, inj_text = max(injs, key=lambda t: t[0]) if injs else (None, "")
    hit = cl.hit
    event_type, sub = hit.event_type, hit.sub_event_type
    if event_type == STRATEGIC and sub in ("Other", "Arrests") and fat:
        joined = " ".join(c.sentence.text for c in cl.items)
        if COMBATANTS.search(joined) or re.search(r"\b(?:clash|gunfight|exchange of fire|battle|gunmen|armed)", joined, re.I):
            event_type, sub = BATTLES, "Armed clash"
        else:
            event_type, sub = VAC, "Attack"
    place = cl.place
    return Incident(
        date=day.isoformat() if day else None,
        time_precision=tp,
        place=place.name,
        place_id=place.id,
        lat=place.lat,
        lon=place.lon,
        geo_precision=cl.precision,
        event_type=event_type,
        sub_event_type=sub,
        fatalities=fat,
        injuries=inj,
        source=report.source,
        published=base.isoformat() if base else None,
        excerpt=text[start:end],
        start=start,
        end=end,
        dateline=entry.dateline,
        country=place.country,
        fatalities_text=fat_text,
        injuries_text=inj_text,
        entry_start=entry.start,
        entry_end=entry.end,
        report_hash=report_hash or report.hash,
        mentions=[{"surface": m.surface, "start": m.start, "end": m.end, "place_id": m.place_id, "place": m.place,
                   "role": m.role, "reason": m.reason, "gazetteer": m.gazetteer} for m in mentions_in(start, end)],
    )
