"""Typed records of the pipeline: Report -> Entry -> Mention -> Incident.

Every Entry, Mention and Incident keeps character offsets into its report's
``text`` so the dashboard can show and highlight the exact source.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with UTF-16 surrogates made whole: a pair becomes its character, a lone one U+FFFD.

    Pasted text and library callers can carry them; they cannot be encoded as UTF-8, so they
    must not reach hashing or storage.
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def content_hash(text: str) -> str:
    """Identity of a report: re-ingesting the same text changes nothing."""
    return hashlib.sha256(without_surrogates(text).encode("utf-8")).hexdigest()


@dataclass
class Report:
    text: str
    source: str = ""
    published: date | None = None
    title: str = ""
    url: str = ""
    path: str = ""

    @property
    def hash(self) -> str:
        return content_hash(self.text)


@dataclass
class Entry:
    """One post of a live page, one dateline section, a caption or a summary."""

    start: int
    end: int
    kind: str = "post"  # post, caption, summary
    dateline: str = ""
    headline: str = ""
    published: date | None = None  # the entry's own publication date, if it has one
    body_start: int = 0  # where the body text begins (after dateline/headline)
    rules: tuple[str, ...] = ()  # the ids of the line rules (rules/<lang>/outlets.toml) that shaped it

    def text(self, report_text: str) -> str:
        return report_text[self.start:self.end]


@dataclass
class Mention:
    """A place name found in the text and what it resolved to."""

    surface: str
    start: int
    end: int
    place_id: str
    place: str
    lat: float
    lon: float
    kind: str
    country: str
    reason: str  # dateline, locative ("in X"), alias, context, possessive, organisation, ...
    gazetteer: str = "curated"  # which gazetteer resolved it: curated, user, geonames
    role: str = "place"  # place | attribute ("Gaza's Health Ministry") | actor ("Israel carried out") | campaign
    # ("its bombardments of Lebanon") | dateline | person


@dataclass
class Incident:
    date: str | None
    time_precision: int
    place: str
    place_id: str
    lat: float
    lon: float
    geo_precision: int
    event_type: str
    sub_event_type: str
    fatalities: int | None
    injuries: int | None
    source: str
    published: str | None
    excerpt: str
    start: int
    end: int
    dateline: str = ""
    country: str = ""
    fatalities_text: str = ""
    injuries_text: str = ""
    entry_start: int = 0
    entry_end: int = 0
    report_hash: str = ""
    mentions: list[dict] = field(default_factory=list)  # place names inside the excerpt, offsets relative to the report
    # why it exists: the rules that fired, the cue that chose its place, its date expression, its count phrases
    why: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.date) if self.date else None


@dataclass
class EventLink:
    """Why one account joined an event: the account it matched and the rules that held."""

    incident_id: int
    linked_to: int  # the account of the event it was compared with (its best match)
    rules: list[str]  # rule ids, e.g. same-day, place-inside, same-sub-type, compatible-counts
    detail: str = ""  # the same in words: "Al-Mashtal inside Baghdad; 1 and 3 killed"


@dataclass
class Event:
    """One thing that happened, however many entries, page versions and outlets tell it.

    Its accounts are incidents (``incident_ids``); the fields are the best of
    them (see :mod:`incidents.linking` for the rules).
    """

    event_id: str
    date: str | None
    time_precision: int
    place: str
    place_id: str
    lat: float | None
    lon: float | None
    geo_precision: int
    country: str
    event_type: str
    sub_event_type: str
    fatalities_low: int | None
    fatalities_best: int | None
    fatalities_high: int | None
    injuries_low: int | None
    injuries_best: int | None
    injuries_high: int | None
    sources: list[str]
    n_reports: int
    incident_ids: list[int]
    why: list[EventLink] = field(default_factory=list)
    anchor: str = ""  # the place cell the event was linked in (its settlement, or the area itself)

    def to_dict(self) -> dict:
        d = {f: getattr(self, f) for f in _EVENT_FIELDS}
        d["sources"] = list(self.sources)
        d["incident_ids"] = list(self.incident_ids)
        d["why"] = [{"incident_id": w.incident_id, "linked_to": w.linked_to, "rules": list(w.rules),
                     "detail": w.detail} for w in self.why]
        return d


_EVENT_FIELDS = tuple(f.name for f in fields(Event))
