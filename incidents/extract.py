"""The pipeline: report text -> entries -> sentences -> incidents.

1. :mod:`~incidents.entries` splits the report into entries (posts, dateline sections,
   captions, summary bullets);
2. :mod:`~incidents.candidates` reads each entry's sentences into candidates (trigger,
   day, places, counts);
3. :mod:`~incidents.clusters` groups the candidates of one event;
4. :mod:`~incidents.inherit` drops non-incidents and fills missing places and days by
   named strategies;
5. :func:`build_incident` turns a cluster into an :class:`~incidents.model.Incident`
   with its excerpt, counts and ``why``;
6. :mod:`~incidents.dedupe` keeps one incident per event across the entries.

>>> from gazetteer import Gazetteer
>>> from incidents.reading import report_from_text
>>> from incidents.extract import extract
>>> rep = report_from_text("BEIRUT (AP) — An Israeli strike hit the town of Khiam on Wednesday, killing two people.",
...                        published=date(2024, 2, 7), source="AP")
>>> [(i.place, i.date, i.fatalities) for i in extract(rep, Gazetteer.load()).incidents]
[('Khiam', '2024-02-07', 2)]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from gazetteer import Gazetteer
from gazetteer.gazetteer import Context

from .candidates import EntryContext, MentionIndex, entry_context, read_sentences
from .clusters import Cluster, cluster_candidates
from .casualties import is_vague
from .dates import in_range
from .dedupe import dedupe
from .entries import split_entries
from .events import BOOK, TriggerIndex, refine_cluster_type
from .inherit import settle
from .model import Entry, Incident, Mention, Report
from .places import find_mentions
from .settings import SETTINGS, Settings


@dataclass
class Extraction:
    report: Report
    entries: list[Entry]
    mentions: list[Mention]
    incidents: list[Incident]
    undated: list[Entry] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # excerpts of events with no place at all


def extract(report: Report, gazetteer: Gazetteer, settings: Settings = SETTINGS) -> Extraction:
    """Entries, place mentions and incidents of one report."""
    text = report.text
    entries = split_entries(text, report.published)
    mentions = MentionIndex(find_mentions(text, gazetteer, fallback=False))
    # where a trigger can match: one pre-filter pass; entries and sentences without one are skipped
    index = TriggerIndex(text)
    # the report's unambiguous places, summed up once (GeoNames choices in every event sentence summed them again)
    context = Context(p for m in mentions.mentions if m.reason != "context" and (p := gazetteer.get(m.place_id)) is not None)
    result = Extraction(report, entries, mentions.mentions, [])
    report_hash = report.hash
    live = sum(e.kind == "post" for e in entries) >= settings.live_posts
    found: list[tuple[Incident, Entry, int, bool]] = []
    for entry in entries:
        base = entry.published or report.published
        if base is not None and not in_range(base):
            base = None  # a publication date outside 1900-2100 says nothing: the entry is undated
        if base is None:
            result.undated.append(entry)
        if not index.any_in(entry.body_start if entry.kind != "caption" else entry.start, entry.end):
            continue
        ctx = entry_context(report, entry, base, gazetteer, mentions, index, settings, context,
                            live=live and entry.kind == "post")
        clusters = cluster_candidates(read_sentences(ctx), ctx)
        for cl in settle(clusters, ctx, result.unplaced):
            inc = build_incident(cl, ctx, report_hash)
            if inc is not None:
                found.append((inc, entry, len(cl.items), any(c.date is not None for c in cl.items), cl.told_in_parts))
    result.incidents = dedupe(found, gazetteer, settings)
    return result


def _event_day(cl: Cluster, ctx: EntryContext) -> tuple[date | None, int, dict]:
    if cl.date is not None:
        why = {"cue": cl.date_cue or "sentence", "expression": cl.date.surface, "kind": cl.date.kind,
               "start": cl.date.start}
        return cl.date.day, cl.date.precision, why
    if ctx.base is not None:
        return ctx.base, 1, {"cue": "publication"}
    return None, 1, {"cue": "none"}


def _told_counts(counts: list[tuple]) -> list:
    """The candidates whose count to take: those told in the reporter's voice, unless they give only a vague
    number ("several") and a quote gives one ("'Fourteen Palestinians were killed,' he said")."""
    given = [(c, n, text) for c, n, text in counts if n is not None]
    voiced = [t for t in given if not t[0].quoted]
    quoted_exact = [t for t in given if t[0].quoted and not is_vague(t[2])]
    if voiced and (quoted_exact and all(is_vague(t[2]) for t in voiced)):
        voiced = []
    return [c for c, _, _ in (voiced or quoted_exact or given)]


def _area_only(c, ctx: EntryContext) -> bool:
    """Does a candidate name only areas ("strikes on Gaza killed 48"), no town of its own?"""
    if not c.place_mentions:
        return False
    places = [ctx.gazetteer.get(m.place_id) for m in c.place_mentions]
    return all(p is None or p.is_area for p in places)


_PARTITIVE_TOTAL = BOOK.cue("partitive_total")


def _partitive_total(c, ctx: EntryContext) -> bool:
    """Is a candidate's count a total of which only a part is told of a place ("killed at least 40 people,
    half of them near an aid site")?"""
    if c.fatalities is None or c.fatalities_at < 0:
        return False
    rel = c.fatalities_at - c.sentence.start
    return bool(_PARTITIVE_TOTAL.match(c.sentence.text, rel))


def _local_counts(cl: Cluster, ctx: EntryContext) -> list:
    """The candidates whose counts can be the incident's: when the incident has a town and some of its
    sentences count at that level ("The deadliest hit Nuseirat, where 19 died"), a count told of a whole
    area ("Israeli strikes on Gaza killed 48 people") is the area's toll, not this strike's."""
    # "killed at least 25 people on Thursday, including 12 in a strike on a school": 25 is the day's
    # total of several strikes; the part that says "including 12 in a strike" is this one's
    parts = {ctx.parent_of[c.sentence.start].start for c in cl.items
             if c.fatalities is not None and c.sentence.start in ctx.parent_of}
    if parts:
        items = [c for c in cl.items if c.fatalities is None or c.sentence.start not in parts]
        if any(c.fatalities is not None for c in items):
            return items
    if cl.place is None or cl.place.is_area:
        return cl.items
    counted = [c for c in cl.items if c.fatalities is not None]
    local = [c for c in counted if not (_area_only(c, ctx) or _partitive_total(c, ctx))]
    if not local or len(local) == len(counted):
        return cl.items
    return [c for c in cl.items if c.fatalities is None or c in local]


def _fired(cl: Cluster) -> list[dict]:
    """The rules that fired for a cluster, once each (a sentence naming two towns gives two candidates)."""
    out, seen = [], set()
    for c in cl.items:
        rule = "occurrence" if c.occurrence else "toll-follow-up" if c.toll else c.hit.rule_id
        start = c.sentence.start + (0 if c.toll else c.hit.start)
        if (rule, start) not in seen:
            seen.add((rule, start))
            out.append({"rule": rule, "text": "" if c.toll else c.hit.trigger, "start": start})
    return out


def build_incident(cl: Cluster, ctx: EntryContext, report_hash: str = "") -> Incident | None:
    """The incident a settled cluster tells, or None when it is background (too old, a vague past)."""
    report, entry, base, text = ctx.report, ctx.entry, ctx.base, ctx.text
    day, tp, date_why = _event_day(cl, ctx)
    if day is not None and base is not None and day < base - timedelta(days=ctx.settings.background_days):
        return None
    if day is not None and base is not None and (tp == 3 or (tp == 2 and day < base - timedelta(days=3))):
        return None  # "last week", "late last month": context for today's news, not an event to map
    first, last = cl.items[0].sentence, cl.items[-1].sentence
    # "The strike on Rafah comes" (cut before "after ..."): the excerpt is its whole sentence
    start, end = first.start, ctx.whole_of.get(last.start, last).end
    if end - start > ctx.settings.max_excerpt:
        best = max(cl.items, key=lambda c: (c.fatalities is not None, bool(c.place_mentions), -c.sentence.start))
        start, end = best.sentence.start, best.sentence.end
    # counts told in the reporter's voice first; a count only quoted ("'... seven bodies,' he said") if none is
    items = _local_counts(cl, ctx)
    fats = _told_counts([(c, c.fatalities, c.fatalities_text) for c in items])
    injs = _told_counts([(c, c.injuries, c.injuries_text) for c in items])
    fat = max(fats, key=lambda c: c.fatalities) if fats else None
    inj = max(injs, key=lambda c: c.injuries) if injs else None
    hit = cl.hit
    event_type, sub, refined = refine_cluster_type(hit, [c.sentence.text for c in cl.items],
                                                   fat.fatalities if fat else None)
    place = cl.place
    if place.kind == "country" and fat is None and inj is None:
        return None  # "rockets crossed into Israel": no town, no toll — nothing a map can place
    why = {
        "rules": _fired(cl),
        "type": {"rule": hit.rule_id, **({"refined": refined} if refined else {})},
        "place": {"cue": cl.place_cue or "sentence",
                  **({"surface": cl.place_mention.surface, "start": cl.place_mention.start,
                      "reason": cl.place_mention.reason} if cl.place_mention is not None and
                     (cl.place_cue or "sentence").startswith(("sentence", "facility_ref")) else {})},
        "date": date_why,
    }
    if entry.rules:  # the outlet line formats that made the entry: its dateline, time stamp, caption...
        why["entry"] = {"kind": entry.kind, "rules": list(entry.rules)}
    if fat is not None:
        why["fatalities"] = {"phrase": fat.fatalities_text, "start": fat.fatalities_at}
    if inj is not None:
        why["injuries"] = {"phrase": inj.injuries_text, "start": inj.injuries_at}
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
        fatalities=fat.fatalities if fat else None,
        injuries=inj.injuries if inj else None,
        source=report.source,
        published=base.isoformat() if base else None,
        excerpt=text[start:end],
        start=start,
        end=end,
        dateline=entry.dateline,
        country=place.country,
        fatalities_text=fat.fatalities_text if fat else "",
        injuries_text=inj.injuries_text if inj else "",
        entry_start=entry.start,
        entry_end=entry.end,
        report_hash=report_hash or report.hash,
        mentions=[{"surface": m.surface, "start": m.start, "end": m.end, "place_id": m.place_id, "place": m.place,
                   "role": m.role, "reason": m.reason, "gazetteer": m.gazetteer} for m in ctx.mentions.within(start, end)],
        why=why,
    )
