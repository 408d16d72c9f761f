"""Adding reports to the store (extraction, then one transaction per report) and re-extracting them.

* :func:`ingest` extracts a report and saves it: a new report, a new version
  of a stored one (entry-level: unchanged entries keep their incidents), or
  nothing when the text is stored already. Events are relinked afterwards.
* :func:`reextract` runs extraction again on stored reports (after a gazetteer
  or rule change), keeping report ids and the ids and keys of incidents that
  are still found.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Iterable, Iterator

from gazetteer import Gazetteer

from .errors import StoreError
from .extract import Extraction, extract
from .model import Report
from .store import ReextractResult, SaveResult, Store, clean_text, display_path, text_hash


@dataclass
class IngestResult:
    """What ingesting one report did. Unpacks as ``(report_id, added, n_incidents)``."""

    report_id: int
    added: bool  # something new was stored (a report or a version)
    incidents: int  # incidents the report has now
    state: str  # added | updated | unchanged | stored-elsewhere (another process stored this text first)
    version: int = 1
    saved: SaveResult | None = None
    relink_error: str = ""  # events could not be recomputed now (they will be when next read)

    def __iter__(self) -> Iterator:
        return iter((self.report_id, self.added, self.incidents))

    @property
    def message(self) -> str:
        s = self.saved
        n = _plural(self.incidents, "incident")
        if self.state == "added":
            return f"report {self.report_id} added: {_plural(s.entries_new, 'entry', 'entries')}, {n}"
        if self.state == "updated":
            parts = [_plural(s.entries_new, "new entry", "new entries")]
            if s.entries_changed:
                parts.append(_plural(s.entries_changed, "changed entry", "changed entries"))
            parts.append(_plural(s.incidents_new, "new incident"))
            if s.incidents_updated:
                parts.append(_plural(s.incidents_updated, "updated incident"))
            if s.incidents_retired:
                parts.append(_plural(s.incidents_retired, "retired incident"))
            kept = f"{_plural(s.entries_kept, 'entry', 'entries')} and {_plural(s.incidents_kept, 'incident')} kept"
            if s.entries_gone:
                kept += f", {_plural(s.entries_gone, 'entry', 'entries')} no longer on the page (kept)"
            return f"report {self.report_id} updated (version {self.version}): {', '.join(parts)}; {kept}; {n} now"
        if self.state == "stored-elsewhere":
            return f"report {self.report_id} already stored by another process (version {self.version}), {n}"
        return f"report {self.report_id} already stored (version {self.version}), {n}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass
class IngestSession:
    """One run of ingests (a command, a page's save): tells a text another process stored during
    the run from one stored before it or by this run itself."""

    started: str
    stored: set[int] = field(default_factory=set)  # version ids this run stored

    @classmethod
    def begin(cls, at: datetime | None = None) -> "IngestSession":
        """A session starting ``at`` (default now; UTC, the store clock's format); call it when the run starts."""
        at = at or datetime.now(timezone.utc)
        return cls(started=at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:23])

    def state_of(self, res: SaveResult) -> str:
        if res.state != "unchanged":
            self.stored.add(res.version_id)
            return res.state
        if res.version_id not in self.stored and res.stored_at and res.stored_at >= self.started:
            return "stored-elsewhere"
        return "unchanged"


def clean_report(report: Report) -> Report:
    """The report with text that can be hashed and stored (lone surrogates become U+FFFD)."""
    return replace(report, text=clean_text(report.text), source=clean_text(report.source or ""),
                   title=clean_text(report.title or ""), url=clean_text(report.url or ""),
                   path=display_path(report.path or ""))


def ingest(store: Store, report: Report, gazetteer: Gazetteer, *, name: str | None = None,
           relink: bool = True, session: IngestSession | None = None,
           extraction: Extraction | None = None) -> IngestResult:
    """Extract and save one report. Unpacks as ``(report_id, added, n_incidents)``.

    Idempotent: the same text is stored once. Atomic: extraction happens before
    the transaction, and the report (or its new version), entries and incidents
    are written in one. ``name`` identifies the report across versions when it
    has no URL (else URL, else outlet + title with a shared entry). With
    ``relink`` the events of the places it touched are recomputed. A text
    another process stored meanwhile (or, with ``session``, during the
    session) has the state ``stored-elsewhere``. ``extraction``: the report's extraction already
    made (a preview), saved as it is instead of extracting again.
    """
    report = clean_report(report)
    res = store.stored_text(text_hash(report.text))
    if res is not None:  # cheap early answer; the save below checks again inside its transaction
        state = session.state_of(res) if session else "unchanged"
        return IngestResult(report_id=res.report_id, added=False, incidents=res.incidents_total, state=state,
                            version=res.version, saved=res)
    if extraction is not None and extraction.report.text != report.text:
        extraction = None  # made from another text: extract this one
    result = extraction if extraction is not None else extract(report, gazetteer)
    res = store.save_version(report, result.entries, result.incidents, name=name)
    state = session.state_of(res) if session else res.state
    if res.state == "unchanged":  # not stored when we looked, stored when we saved: another writer was first
        state = "stored-elsewhere"
    out = IngestResult(report_id=res.report_id, added=res.added, incidents=res.incidents_total, state=state,
                       version=res.version, saved=res)
    if relink and res.added:
        out.relink_error = relink_quietly(store, gazetteer)
    return out


def relink_quietly(store: Store, gazetteer: Gazetteer) -> str:
    """Recompute stale events; a failure is returned, not raised (the reports are stored; events
    are recomputed when next read)."""
    try:
        store.relink(gazetteer)
    except StoreError as exc:
        return str(exc)
    return ""


@dataclass
class ReextractSummary:
    reports: list[ReextractResult] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        before = sum(r.incidents_before for r in self.reports)
        after = sum(r.incidents_after for r in self.reports)
        kept = sum(r.kept for r in self.reports)
        new = sum(r.new for r in self.reports)
        retired = sum(r.retired for r in self.reports)
        msg = (f"re-extracted {_plural(len(self.reports), 'report')}: {before} incidents before, {after} after "
               f"({kept} kept their ids, {new} new, {retired} retired)")
        if self.missing:
            msg += f"; no report {', '.join(map(str, self.missing))}"
        return msg


def reextract(store: Store, gazetteer: Gazetteer, report_ids: Iterable[int] | None = None) -> ReextractSummary:
    """Run extraction again on stored reports (all when ``report_ids`` is None).

    Report ids stay; an incident found again (overlapping span, same place and
    type first) keeps its id and key and takes the new values; one no longer
    found moves to ``retired_incidents``; events are relinked at the end. Each
    report is re-extracted in its own transaction.
    """
    ids = [r["id"] for r in store.reports()] if report_ids is None else list(report_ids)
    out = ReextractSummary()
    for rid in sorted(ids):
        rep = store.stored_report(rid)
        if rep is None:
            out.missing.append(rid)
            continue
        total = None
        for vid in store.live_versions(rid):
            v = next((x for x in rep.versions if x.id == vid), None)
            published = date.fromisoformat(v.published) if v and v.published else None
            report = Report(text=store.version_text(vid) if vid else store.report_text(rid), source=rep.source,
                            published=published, title=rep.title, url=rep.url, path=rep.path)
            result = extract(report, gazetteer)
            res = store.replace_extraction(rid, vid, result.entries, result.incidents)
            if total is None:
                total = res
            else:
                total = ReextractResult(rid, total.incidents_before, res.incidents_after, total.kept + res.kept,
                                        total.new + res.new, total.retired + res.retired)
        if total is not None:
            out.reports.append(total)
    relink_quietly(store, gazetteer)
    return out
