"""Stage 1 of extraction: the sentences of one entry, read one by one into candidates.

A :class:`Candidate` is what one sentence (or one clause, or one town of a sentence
naming several) says of an incident: the trigger that fired, the day it states, the
places it names and the counts it gives. A sentence with a count but no trigger of its
own ("The dead included three children") is a *toll* candidate: stage 2 gives it to
the event told just before.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from gazetteer import Gazetteer, Place
from gazetteer.gazetteer import Context

from .casualties import Count, elliptic_count
from .casualties import fatalities as count_fatalities
from .casualties import injuries as count_injuries
from .clauses import INCLUDING, nearest_group, separate_places, split_after, split_clauses
from .dates import DateExpr, anchored_shift, find_dates, is_anchor
from .entries import body_segments
from .gates import EVENT_CUES, cues_in
from .events import BOOK, DEATH_STEMS, HURT_STEMS, EventHit, TriggerIndex, classify, in_history, triggers
from .model import Entry, Mention, Report
from .places import PlaceChoice, choose_place, resolve_dateline
from .quotes import QuoteIndex, quote_spans
from .sentences import Sentence, split_sentences
from .settings import Settings

# what a sentence says depends on its text only: read once per distinct text (live pages repeat
# sentences in summaries, captions and posts; a page of one repeated line was quadratic)
_MEMO = 4096
_classify = functools.lru_cache(maxsize=_MEMO)(classify)
_fatalities = functools.lru_cache(maxsize=_MEMO)(count_fatalities)
_injuries = functools.lru_cache(maxsize=_MEMO)(count_injuries)


@functools.lru_cache(maxsize=_MEMO)
def _find_dates(text: str, base: date) -> tuple[DateExpr, ...]:
    return tuple(find_dates(text, base))
# does the lower-cased sentence contain a death / injury stem (one C scan instead of a substring test per stem)
_DEATH_STEM = re.compile("|".join(map(re.escape, DEATH_STEMS)))
_HURT_STEM = re.compile("|".join(map(re.escape, HURT_STEMS)))
_ANAPHORA = BOOK.cue("anaphora")
_PERFECT_GENERIC = BOOK.cue("perfect_generic")
_PROGRESSIVE_GENERIC = BOOK.cue("progressive_generic")
_SINCE_BEFORE = BOOK.cue("since_before")
_CUED_NAME = BOOK.cue("cued_name")
_BACKGROUND_BEFORE = BOOK.cue("date_background_before")
_REPORTING_BEFORE = BOOK.cue("date_reporting_before")
_FACILITY_REF = BOOK.cue("facility_ref")
_OCCURRENCE = BOOK.cue("occurrence")


class MentionIndex:
    """The report's place mentions in text order, with range lookups; GeoNames finds are inserted."""

    def __init__(self, mentions: list[Mention]):
        self.mentions = mentions
        self._starts = [m.start for m in mentions]

    def within(self, start: int, end: int) -> list[Mention]:
        i = bisect.bisect_left(self._starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def insert(self, m: Mention) -> None:
        k = bisect.bisect_left(self._starts, m.start)
        self._starts.insert(k, m.start)
        self.mentions.insert(k, m)


@dataclass
class EntryContext:
    """What every stage needs to know about the entry being read."""

    report: Report
    entry: Entry
    base: date | None  # the entry's publication date: what "Wednesday" is relative to
    gazetteer: Gazetteer
    mentions: MentionIndex
    triggers: TriggerIndex
    settings: Settings
    context_places: list[Place] | Context  # the report's unambiguous places (GeoNames disambiguation), summed up once
    dateline_place: Place | None = None
    headline_choice: PlaceChoice | None = None
    sentences: list[Sentence] = field(default_factory=list)
    parent_of: dict[int, Sentence] = field(default_factory=dict)  # "including ..." clauses -> their sentence
    after_gap: dict[int, str] = field(default_factory=dict)  # "... comes days after X": X's start -> "days"
    whole_of: dict[int, Sentence] = field(default_factory=dict)  # the part before "comes after" -> its sentence
    quotes: QuoteIndex = field(default_factory=lambda: QuoteIndex([]))
    live: bool = False  # the entry is a post of a live page (posts run on past the page's date)
    _dates: dict[int, list[DateExpr]] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.report.text

    def dates_of(self, sent: Sentence) -> list[DateExpr]:
        if sent.start not in self._dates:
            if self.base is None:  # resolved against today: not memoised
                self._dates[sent.start] = find_dates(sent.text, self.base, sent.start)
            else:  # the same line again (a live page's summary, caption and post): read once, placed here
                self._dates[sent.start] = [replace(d, start=d.start + sent.start, end=d.end + sent.start)
                                           for d in _find_dates(sent.text, self.base)]
        return self._dates[sent.start]

    def event_date(self, sent: Sentence) -> DateExpr | None:
        """The day a sentence tells its event on: its first date that is not "since ...", not the start of
        something else ("a siege that began 20 days ago") nor in the future; "a day later" counts from
        the day told just before."""
        found = self.dates_of(sent)
        for k, d in enumerate(found):
            rel = d.start - sent.start
            if _SINCE_BEFORE.search(sent.text[max(0, rel - 8):rel]) or \
                    _BACKGROUND_BEFORE.search(sent.text[max(0, rel - 30):rel]):
                continue
            if k + 1 < len(found) and (is_anchor(found[k + 1]) or (anchored_shift(found[k + 1]) or 0) < 0) and \
                    _REPORTING_BEFORE.search(sent.text[max(0, rel - 30):rel]):
                continue  # "said on Saturday that seven were killed on Friday": Friday
            shift = anchored_shift(d)
            if shift is not None:
                anchor = self._anchor_before(sent, d)
                if anchor is not None:
                    d = replace(d, day=anchor.day + timedelta(days=shift))
                elif shift > 0:
                    continue  # "the next day" with nothing before it to count from
            if self.live and d.kind == "weekday" and self.base is not None and (self.base - d.day).days == 6 \
                    and not d.surface.lower().startswith("last"):
                # a live page dated Friday whose post says "Saturday morning": the next day, not six days ago
                d = replace(d, day=self.base + timedelta(days=1))
            if self.base is not None and d.day > self.base + timedelta(days=self.settings.future_days):
                continue
            return d
        return None

    def _anchor_before(self, sent: Sentence, expr: DateExpr) -> DateExpr | None:
        """The latest day stated on its own before ``expr``: in its sentence, else in the entry's earlier sentences."""
        here = [d for d in self.dates_of(sent) if d.end <= expr.start and is_anchor(d)]
        if here:
            return here[-1]
        k = bisect.bisect_left(self._sentence_starts(), sent.start)
        for prev in reversed(self.sentences[max(0, k - self.settings.anchor_sentences):k]):
            found = [d for d in self.dates_of(prev) if is_anchor(d)]
            if found:
                return found[-1]
        return None

    def sentence_index(self, pos: int) -> int | None:
        """The index of the first sentence starting at or after ``pos`` (None past the last)."""
        k = bisect.bisect_left(self._sentence_starts(), pos)
        return k if k < len(self.sentences) else None

    def _sentence_starts(self) -> list[int]:
        if len(self._starts) != len(self.sentences):
            self._starts[:] = [s.start for s in self.sentences]
        return self._starts

    def news_time(self, d: DateExpr | None) -> bool:
        """Is ``d`` a day of the entry's news (a few days before publication at most), not history?"""
        if d is None:
            return False
        if self.base is None:
            return True
        return self.base - timedelta(days=self.settings.inherit_days) <= d.day <= self.base + timedelta(
            days=self.settings.future_days)

    def place_mentions(self, start: int, end: int) -> list[Mention]:
        return [m for m in self.mentions.within(start, end) if m.role == "place"]


def entry_context(report: Report, entry: Entry, base: date | None, gazetteer: Gazetteer, mentions: MentionIndex,
                  index: TriggerIndex, settings: Settings, context_places: list[Place] | Context, live: bool = False) -> EntryContext:
    text = report.text
    ctx = EntryContext(report, entry, base, gazetteer, mentions, index, settings, context_places, live=live)
    ctx.dateline_place = resolve_dateline(entry.dateline, gazetteer)
    if entry.headline:
        hs = text.find(entry.headline, entry.start, entry.end)
        if hs >= 0:
            ctx.headline_choice = choose_place(mentions.within(hs, hs + len(entry.headline)), text, gazetteer)
    segments = body_segments(text, entry) if entry.kind != "caption" else [(entry.start, entry.end)]
    ctx.quotes = QuoteIndex(quote_spans(text, entry.start, entry.end))
    for s, e in segments:
        for whole in split_sentences(text[s:e], s):
            pieces, tail, gap = split_after(whole)
            if tail is not None:
                ctx.after_gap[tail.start] = gap
                ctx.whole_of[pieces[0].start] = whole
            for sent in pieces:
                parts = split_clauses(sent)
                ctx.sentences.extend(parts)
                for part in parts[1:]:
                    if INCLUDING.match(part.text):
                        ctx.parent_of[part.start] = sent
    return ctx


@dataclass
class Candidate:
    sentence: Sentence
    hit: EventHit | None  # None: a toll sentence with no trigger of its own
    date: DateExpr | None
    place_mentions: list[Mention]
    fatalities: int | None
    fatalities_text: str
    injuries: int | None
    injuries_text: str
    fatalities_at: int = -1  # where the count phrase starts in the report
    injuries_at: int = -1
    toll: bool = False  # a count with no trigger of its own; stage 2 gives it the hit of the event it joins
    quoted: bool = False  # the trigger is inside direct speech
    quote_names_town: bool = False  # ... and the quote itself names a town-level place
    place_ref: str = ""  # the place is told in an earlier sentence this one refers back to ("facility_ref")
    part: int = 0  # which of its sentence's places this is ("strikes on A and B": A is 0, B is 1)
    parts: int = 1  # how many places its sentence was separated into (each an incident of its own)
    occurrence: bool = False  # no trigger or count: "the attacks took place Tuesday in X", the day and town of the event told


def _count_of(sent: Sentence) -> Count | None:
    low = sent.text.lower()
    fat = _fatalities(sent.text) if _DEATH_STEM.search(low) else None
    inc = INCLUDING.match(sent.text)
    if fat is None and inc:
        # "including 12 in a strike on a school": the count of the verb before the comma
        verb = "killed "
        c = _fatalities(verb + sent.text[inc.end():])
        if c is not None:
            s0, e0 = inc.end() + max(0, c.start - len(verb)), inc.end() + c.end - len(verb)
            fat = Count(c.value, sent.text[s0:e0], s0, e0)
    return fat


def read_sentences(ctx: EntryContext) -> list[Candidate]:
    """Every candidate the entry's sentences give, in text order."""
    out: list[Candidate] = []
    for sent in ctx.sentences:
        if not ctx.triggers.any_in(sent.start, sent.end) and sent.start not in ctx.parent_of:
            if _ANAPHORA.match(sent.text) and _OCCURRENCE.search(sent.text):  # the anchored test first
                out.append(Candidate(sent, None, ctx.event_date(sent), ctx.place_mentions(sent.start, sent.end),
                                     None, "", None, "", toll=True, occurrence=True))
            continue
        out.extend(_read(sent, ctx))
    return out


def _read(sent: Sentence, ctx: EntryContext) -> list[Candidate]:
    d = ctx.event_date(sent)
    fat = _count_of(sent)
    cues = cues_in(ctx.text).names_in(EVENT_CUES, sent.start, sent.end)
    hit = _classify(sent.text, fat.value if fat else None, ctx.triggers.rules_in(sent.start, sent.end), cues)
    if hit is None and fat is not None and sent.start in ctx.parent_of:
        # "..., including eight members of one family whose home in Zeitoun was hit": the
        # weapon is the one of the sentence the clause was cut from
        weapons = [h for h in triggers(ctx.parent_of[sent.start].text) if not h.is_bare]
        if weapons:
            hit = min(weapons, key=lambda h: h.tier)
    if fat is not None and hit is not None and in_history(sent.text, fat.start, cues):
        fat = None  # "... a day after it said it killed a senior commander": not this event's toll
    if hit is None:
        if fat is None:
            return []
        return [Candidate(sent, None, None, [], fat.value, fat.text, None, "", sent.start + fat.start, toll=True,
                          quoted=ctx.quotes.span_at(sent.start + fat.start) is not None)]
    ms = ctx.place_mentions(sent.start, sent.end)
    if ctx.gazetteer.fallback is not None:
        extra = _fallback_mentions(sent, ctx, ms)
        for m in extra:  # part of the report's mentions: highlighted, and recorded as GeoNames'
            ctx.mentions.insert(m)
        ms = sorted(ms + extra, key=lambda m: m.start)
    if d is None and not _ANAPHORA.match(sent.text) and (
            (not any(m.kind != "country" for m in ms) and _PERFECT_GENERIC.search(sent.text))
            or (not any(_town_level(m, ctx) for m in ms) and _PROGRESSIVE_GENERIC.search(sent.text))):
        # "Israel has uncovered several tunnels in residential areas", "raids are also being carried out in
        # the West Bank": background (no day, no town)
        return []
    ref = ""
    if not any(m.kind != "country" for m in ms):
        told = _facility_place(sent, ctx)
        if told is not None:
            ms, ref = [told], "facility_ref"
    low = sent.text.lower()
    inj = _injuries(sent.text) if _HURT_STEM.search(low) else None
    places = separate_places(ms, sent, ctx.text, ctx.gazetteer)
    fat_k = nearest_group(places, sent.start + fat.start) if fat else 0
    inj_k = nearest_group(places, sent.start + inj.start) if inj else 0
    quote = ctx.quotes.span_at(sent.start + hit.start)
    out = []
    for k, group in enumerate(places):
        # "struck a site near Albu Kamal and a safe house in Mayadin": one incident per place,
        # each count with the place it is told of
        f = fat if fat and k == fat_k else None
        if fat and f is None and group:
            # "At least 32 have been killed in Khan Younis and five in Rafah": this place's own count
            f = elliptic_count(sent.text, group[0].start - sent.start)
        i = inj if inj and k == inj_k else None
        out.append(Candidate(sent, hit, d, group, f.value if f else None, f.text if f else "",
                             i.value if i else None, i.text if i else "",
                             sent.start + f.start if f else -1, sent.start + i.start if i else -1,
                             quoted=quote is not None, place_ref=ref, part=k, parts=len(places),
                             quote_names_town=quote is not None and any(
                                 quote[0] <= m.start < quote[1] and _town_level(m, ctx) for m in group)))
    return out


def _facility_place(sent: Sentence, ctx: EntryContext) -> Mention | None:
    """"At least 35 were killed when the school was hit", a sentence before naming "Fahmi Al-Jargawi School in
    Gaza City": the place told with the building the sentence refers back to (a place the noun is part of or
    follows closely, else one right after it; none further off), from the entry's last few sentences."""
    ref = _FACILITY_REF.search(sent.text)
    if ref is None:
        return None
    noun = re.compile(r"\b" + re.escape(ref.group("noun")) + r"s?\b", re.I)
    k = bisect.bisect_left(ctx._sentence_starts(), sent.start)
    for prev in reversed(ctx.sentences[max(0, k - ctx.settings.facility_lookback):k]):
        found = noun.search(prev.text)
        if found is None:
            continue
        ms = [m for m in ctx.place_mentions(prev.start, prev.end) if m.kind != "country"]
        if not ms:
            continue
        at, end = prev.start + found.start(), prev.start + found.end()
        # the place the building is named with: "Far'a refugee camp" (the noun is part of it or just after it),
        # "Fahmi Al-Jargawi School in Gaza City" (just after it); else none (not a guess from far away)
        for m in ms:
            if m.start <= at < m.end or 0 <= at - m.end <= ctx.settings.facility_near:
                return m
        after = [m for m in ms if 0 <= m.start - end <= ctx.settings.facility_near]
        return after[0] if after else None
    return None


def _town_level(m: Mention, ctx: EntryContext) -> bool:
    place = ctx.gazetteer.get(m.place_id)
    return place is not None and not place.is_area


def _fallback_mentions(sent: Sentence, ctx: EntryContext, known: list[Mention]) -> list[Mention]:
    """Names the curated gazetteer lacks, placed offline through GeoNames (only in event sentences)."""
    from gazetteer.candidates import fallback_mentions

    # only where the text marks an unknown capitalised name as a place ("the village of X", "in X")
    if not any(not any(m.start <= sent.start + c.start(1) < m.end for m in known)
               for c in _CUED_NAME.finditer(sent.text)):
        return []
    gaz = ctx.gazetteer
    out = []
    for s, e, place in fallback_mentions(sent.text, gaz, gaz.fallback, ctx.context_places):
        s, e = s + sent.start, e + sent.start
        if any(s < m.end and m.start < e for m in known):
            continue
        out.append(Mention(surface=sent.text[s - sent.start:e - sent.start], start=s, end=e, place_id=place.id,
                           place=place.name, lat=place.lat, lon=place.lon, kind=place.kind, country=place.country,
                           reason="fallback", gazetteer=place.origin))
    return out
