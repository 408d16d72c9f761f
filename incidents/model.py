"""Typed records of the pipeline: Report -> Entry -> Mention -> Incident.

Every Entry, Mention and Incident keeps character offsets into its report's
``text`` so the dashboard can show and highlight the exact source.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
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
    role: str = "place"  # place | attribute (e.g. "Gaza's Health Ministry") | dateline


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

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.date) if self.date else None
