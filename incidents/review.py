"""Analysts' review of incidents: confirm, correct, reject; kept apart from extraction, merged by time.

No Streamlit here (``ui_review.py`` renders the controls). The pieces:

Storage (schema 4 of :mod:`incidents.store`)
    ``review_log`` is the full history, append-only (the store's triggers
    refuse UPDATE and DELETE on it): one row per review action with who, when
    (UTC, milliseconds), the state, the corrected values, what changed (the
    value shown before and after) and a note. ``reviews`` holds, per incident
    key, the log entry that is current: the latest by time (ties by the
    entry's uid). Extraction never writes either table, so re-extracting a
    report, a new version of a live page and relinking events leave them as
    they are.

Which incident a review applies to (:func:`resolve`)
    A review remembers the incident's identity when it was made: report id,
    the key (``report id : entry hash : span in the entry``, which the store
    keeps while updates and re-extraction match the incident, even when its
    span or entry moves), the entry hash, the span and the excerpt. It
    applies to, in this order:

    1. the live incident with the same key (the normal case: the key travels
       with the incident through new versions, edited posts and
       re-extraction);
    2. fallback when the span moved and the key was not kept (the incident
       was retired and found again under a new key): in the same report and
       entry (entry hash), the incident whose span overlaps the reviewed span
       the most (ties: the nearest start) and that no review matches by key;
    3. else, in the same report, an incident with the same excerpt that no
       review matches by key (an edited post: new entry hash, same sentence).

    A review that matches nothing is an *orphan*: kept (it applies again if
    the incident comes back), listed by ``review list`` and reported by
    ``review import``. When several reviews reach one incident the latest
    wins.

States
    ``machine`` (no review, or a review cleared back to the machine's
    values), ``confirmed`` (the machine's values are right; a confirm drops an
    earlier correction), ``corrected`` (the values of :data:`FIELDS` given,
    the rest as extracted; a place is chosen from the gazetteer and brings its
    name, coordinates, country and precision), ``rejected`` (a false
    positive: hidden from lists, maps, counts and exports unless asked for).

Events (:func:`apply_events`)
    Linking runs on the extracted values (the stored events and their
    incremental relinking are never stale because of a review, and a review
    needs no relink). Reviews are applied *after* linking, at one place: each
    event with a reviewed account is summarised again by
    :func:`incidents.linking.finish` from its accounts with their reviewed
    values, rejected accounts left out, keeping its id and members. So a
    corrected toll feeds the event's low/best/high, a corrected place or
    date its place or date; an event whose accounts are all rejected is
    hidden. A correction does not move an account into another event
    (membership stays as linked).

Merging two analysts' work (:func:`export_log`, :func:`import_log`)
    The log as JSON Lines; import is idempotent (an entry's uid is a hash of
    its content), the latest entry per incident wins whatever the order of
    imports, a report is found by its identity (URL or name) when its id
    differs in the other store, and entries for reports or incidents this
    store does not have are counted and reported, never fatal.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .errors import ReviewError, StoreError
from .model import Event
from .store import in_chunks

EVENT_TYPES_PATH = Path(__file__).resolve().parent / "data" / "event_types.json"
LOG_FORMAT = "incidents-review/1"
REVIEWER_ENV = "INCIDENTS_REVIEWER"
MAX_COUNT = 1_000_000  # as the store's (a larger count is not a count)
MAX_NOTE = 2000


class ReviewState(str, Enum):
    MACHINE = "machine"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    REJECTED = "rejected"


STATES = tuple(s.value for s in ReviewState)
# What a correction may change (the place from the gazetteer brings PLACE_FIELDS with it).
FIELDS = ("place_id", "date", "event_type", "sub_event_type", "fatalities", "injuries")
PLACE_FIELDS = ("place", "lat", "lon", "country", "geo_precision")
REVIEW_COLUMNS = ("review", "review_note", "review_who", "review_at")


@dataclass(frozen=True)
class Review:
    """One review action: of which incident (its identity then), what, by whom, when."""

    key: str
    report_id: int
    state: ReviewState
    who: str
    when: str  # UTC, YYYY-MM-DDTHH:MM:SS.fffZ
    note: str = ""
    place_id: str | None = None
    date: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    fatalities: int | None = None
    injuries: int | None = None
    place: str | None = None  # with place_id: the gazetteer's name, coordinates, country, precision
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    geo_precision: int | None = None
    entry_hash: str = ""
    span_start: int | None = None
    span_end: int | None = None
    incident_id: int | None = None  # the incident's id when reviewed
    excerpt: str = ""
    report: str = ""  # the report's identity (url:..., name:...)
    changes: dict = field(default_factory=dict)  # field -> [shown before, after]
    uid: str = ""
    origin: str = ""

    @property
    def fields(self) -> dict[str, Any]:
        """The corrected values (only those given)."""
        if self.state is not ReviewState.CORRECTED:
            return {}
        return {f: getattr(self, f) for f in FIELDS + PLACE_FIELDS if getattr(self, f) is not None}

    def to_json(self) -> dict:
        """One line of the exported log."""
        return {"format": LOG_FORMAT, "uid": self.uid, "key": self.key, "report_id": self.report_id,
                "report": self.report, "entry_hash": self.entry_hash, "span": [self.span_start, self.span_end],
                "incident_id": self.incident_id, "excerpt": self.excerpt, "state": self.state.value,
                "fields": self.fields, "changes": self.changes, "note": self.note, "who": self.who,
                "at": self.when}


@dataclass
class Resolution:
    """Which review applies to which live incident."""

    by_incident: dict[int, Review] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)  # incident id -> key | span | excerpt
    orphans: list[Review] = field(default_factory=list)

    def state(self, incident_id: int) -> ReviewState:
        r = self.by_incident.get(incident_id)
        return r.state if r is not None else ReviewState.MACHINE

    def hidden(self, incident_id: int) -> bool:
        return self.state(incident_id) is ReviewState.REJECTED


@dataclass
class ImportSummary:
    read: int = 0
    added: int = 0  # new log entries
    present: int = 0  # already in the log (idempotent)
    current: int = 0  # entries that became the current review of their incident
    unknown_reports: list[str] = field(default_factory=list)  # keys of entries for reports not in this store
    unattached: list[str] = field(default_factory=list)  # stored, but no live incident matches them now
    bad: list[str] = field(default_factory=list)  # "line N: why"

    def line(self) -> str:
        parts = [f"review import: {self.read} entries read, {self.added} added, {self.present} already present, "
                 f"{self.current} now current"]
        if self.unknown_reports:
            parts.append(f"{len(self.unknown_reports)} for reports not in this store (skipped)")
        if self.unattached:
            parts.append(f"{len(self.unattached)} for incidents not found now (kept)")
        if self.bad:
            parts.append(f"{len(self.bad)} bad lines")
        return "; ".join(parts)


# ---------------------------------------------------------------------- vocabulary (data)
@lru_cache(maxsize=1)
def event_types() -> dict[str, tuple[str, ...]]:
    """ACLED event types and their sub-types (``incidents/data/event_types.json``)."""
    data = json.loads(EVENT_TYPES_PATH.read_text(encoding="utf-8"))
    return {k: tuple(v) for k, v in data.items() if not k.startswith("_")}


def default_reviewer() -> str:
    """``$INCIDENTS_REVIEWER``, else the login name."""
    who = os.environ.get(REVIEWER_ENV, "").strip()
    if who:
        return who
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers)
        return "analyst"


def now() -> str:
    return _fmt(datetime.now(timezone.utc))


def _fmt(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def normalise_time(text: Any) -> str:
    """An ISO timestamp as UTC ``YYYY-MM-DDTHH:MM:SS.fffZ`` (naive times are UTC); ReviewError if none."""
    if not isinstance(text, str) or not text.strip():
        raise ReviewError(f"not a time: {text!r}")
    s = text.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        raise ReviewError(f"not an ISO time: {text!r}") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return _fmt(t)


# ---------------------------------------------------------------------- validating corrections
def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``["fatalities=5", "place_id=rafah"]`` -> a dict; ReviewError on a malformed pair or unknown field."""
    out: dict[str, str] = {}
    for p in pairs:
        name, eq, value = p.partition("=")
        name = name.strip()
        if not eq or not name:
            raise ReviewError(f"not field=value: {p!r} (fields: {', '.join(FIELDS)})")
        if name == "place":
            name = "place_id"
        if name not in FIELDS:
            raise ReviewError(f"{name!r} cannot be corrected (fields: {', '.join(FIELDS)})")
        out[name] = value.strip()
    return out


def validate_corrections(values: Mapping[str, Any], gazetteer: Any = None,
                         base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Corrected values, checked and typed: a place id the gazetteer has (its name, coordinates, country
    and precision added), an ISO date, an ACLED type and a sub-type of it, counts 0..1,000,000.

    ``base`` holds the values the others are checked against (the sub-type against the corrected or
    current event type). Empty values mean "not corrected". ReviewError names what is wrong.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in FIELDS:
            raise ReviewError(f"{name!r} cannot be corrected (fields: {', '.join(FIELDS)})")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name == "place_id":
            pid = str(value).strip()
            place = gazetteer.get(pid) if gazetteer is not None else None
            if place is None:
                hint = "" if gazetteer is not None else " (no gazetteer to check it against)"
                raise ReviewError(f"place_id {pid!r} is not in the gazetteer{hint}")
            from .linking import AREA_KINDS

            out.update(place_id=place.id, place=place.name, lat=float(place.lat), lon=float(place.lon),
                       country=place.country, geo_precision=3 if place.kind in AREA_KINDS else 1)
        elif name == "date":
            d = value if isinstance(value, date) else None
            if d is None:
                try:
                    d = date.fromisoformat(str(value).strip())
                except ValueError:
                    raise ReviewError(f"date {value!r} is not YYYY-MM-DD") from None
            if not 1900 <= d.year <= 2100:
                raise ReviewError(f"date {d.isoformat()} is out of range (1900-2100)")
            out["date"] = d.isoformat()
        elif name in ("fatalities", "injuries"):
            try:
                n = int(str(value).strip()) if not isinstance(value, bool) else None
            except ValueError:
                n = None
            if n is None or not 0 <= n <= MAX_COUNT:
                raise ReviewError(f"{name} must be a whole number from 0 to {MAX_COUNT:,}, not {value!r}")
            out[name] = n
        elif name == "event_type":
            t = str(value).strip()
            if t not in event_types():
                raise ReviewError(f"event_type {t!r} is not one of: {', '.join(event_types())}")
            out["event_type"] = t
        elif name == "sub_event_type":
            out["sub_event_type"] = str(value).strip()
    if "sub_event_type" in out or "event_type" in out:
        etype = out.get("event_type") or (base or {}).get("event_type") or ""
        sub = out.get("sub_event_type") or (base or {}).get("sub_event_type") or ""
        allowed = event_types().get(etype, ())
        if "sub_event_type" in out and out["sub_event_type"] not in allowed:
            raise ReviewError(f"sub_event_type {out['sub_event_type']!r} is not a sub-type of {etype!r} "
                              f"({', '.join(allowed) or 'no such event type'})")
        if "event_type" in out and "sub_event_type" not in out and sub not in allowed:
            raise ReviewError(f"event_type {etype!r} needs one of its sub-types too (sub_event_type=...: "
                              f"{', '.join(allowed)})")
    return out


# ---------------------------------------------------------------------- reading the store
def _conn(src: Any) -> sqlite3.Connection:
    conn = getattr(src, "conn", src)
    if not isinstance(conn, sqlite3.Connection):
        raise StoreError("the store is closed")
    return conn


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                        "('review_log', 'reviews')").fetchone()[0] == 2


_LOG_COLS = ("uid", "key", "report_id", "report", "entry_hash", "span_start", "span_end", "incident_id", "excerpt",
             "state", "fields", "changes", "note", "who", "at", "origin")


def _review_from_row(r: Sequence) -> Review:
    d = dict(zip(_LOG_COLS, r))
    fields = json.loads(d["fields"] or "{}")
    return Review(key=d["key"], report_id=d["report_id"], state=ReviewState(d["state"]), who=d["who"] or "",
                  when=d["at"], note=d["note"] or "", entry_hash=d["entry_hash"] or "", span_start=d["span_start"],
                  span_end=d["span_end"], incident_id=d["incident_id"], excerpt=d["excerpt"] or "",
                  report=d["report"] or "", changes=json.loads(d["changes"] or "{}"), uid=d["uid"],
                  origin=d["origin"] or "",
                  **{k: v for k, v in fields.items() if k in FIELDS + PLACE_FIELDS})


def _read(src: Any, sql: str, params: tuple = ()) -> list[Review]:
    conn = _conn(src)
    try:
        if not _has_tables(conn):
            return []  # a store from before reviews, opened read-only
        return [_review_from_row(tuple(r)) for r in conn.execute(sql, params)]
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the reviews: {exc}") from None


def current_reviews(src: Any, report_ids: Iterable[int] | None = None) -> list[Review]:
    """The current review of each reviewed incident key (of these reports, or all)."""
    cols = ", ".join(f"l.{c}" for c in _LOG_COLS)
    sql = f"SELECT {cols} FROM reviews r JOIN review_log l ON l.uid = r.uid"
    if report_ids is None:
        return _read(src, sql + " ORDER BY r.at, r.key")
    ids = sorted(set(report_ids))
    out: list[Review] = []
    for marks, chunk in in_chunks(ids):
        out += _read(src, sql + f" WHERE r.report_id IN ({marks}) ORDER BY r.at, r.key", tuple(chunk))
    return out


def review_log(src: Any, key: str | None = None) -> list[Review]:
    """The full history (of one incident key, or all), oldest first."""
    cols = ", ".join(_LOG_COLS)
    if key is None:
        return _read(src, f"SELECT {cols} FROM review_log ORDER BY at, uid")
    return _read(src, f"SELECT {cols} FROM review_log WHERE key = ? ORDER BY at, uid", (key,))


_IDENTITY_COLS = ("id", "report_id", "key", "entry_hash", "span_start", "span_end", "excerpt")


def _identities(conn: sqlite3.Connection, report_ids: Iterable[int]) -> list[dict]:
    ids = sorted(set(report_ids))
    out = []
    cols = ", ".join(f'"{c}"' for c in _IDENTITY_COLS)
    for marks, chunk in in_chunks(ids):
        out += [dict(zip(_IDENTITY_COLS, r)) for r in conn.execute(
            f"SELECT {cols} FROM incidents WHERE report_id IN ({marks})", chunk)]
    return out


# ---------------------------------------------------------------------- which incident a review applies to
def resolve(reviews: Iterable[Review], incidents: Iterable[Mapping]) -> Resolution:
    """Attach reviews to live incidents (rows with ``id, report_id, key, entry_hash, span_start, span_end,
    excerpt``): by key, else by overlapping span in the same entry, else by the same excerpt in the same
    report (see the module docstring). Linear in reviews + incidents (plus the incidents of one entry)."""
    rows = list(incidents)
    by_key = {r["key"]: r for r in rows if r.get("key")}
    res = Resolution()
    pending: list[Review] = []

    def attach(rev: Review, iid: int, how: str) -> None:
        cur = res.by_incident.get(iid)
        if cur is None or (rev.when, rev.uid) > (cur.when, cur.uid):
            res.by_incident[iid] = rev
            res.how[iid] = how

    for rev in reviews:
        r = by_key.get(rev.key)
        if r is not None and r["report_id"] == rev.report_id:
            attach(rev, r["id"], "key")
        else:
            pending.append(rev)
    if not pending:
        return res
    claimed = set(res.by_incident)
    by_entry: dict[tuple, list[Mapping]] = {}
    by_excerpt: dict[tuple, list[Mapping]] = {}
    for r in rows:
        if r["id"] in claimed:
            continue
        by_entry.setdefault((r["report_id"], r.get("entry_hash") or ""), []).append(r)
        if r.get("excerpt"):
            by_excerpt.setdefault((r["report_id"], r["excerpt"]), []).append(r)
    for rev in pending:
        best, best_score = None, None
        if rev.entry_hash and rev.span_start is not None and rev.span_end is not None:
            for r in by_entry.get((rev.report_id, rev.entry_hash), ()):
                s, e = r.get("span_start"), r.get("span_end")
                if s is None or e is None:
                    continue
                overlap = min(e, rev.span_end) - max(s, rev.span_start)
                if overlap > 0:
                    score = (overlap, -abs(s - rev.span_start), -r["id"])
                    if best_score is None or score > best_score:
                        best, best_score = r, score
            if best is not None:
                attach(rev, best["id"], "span")
                continue
        cands = by_excerpt.get((rev.report_id, rev.excerpt), ()) if rev.excerpt else ()
        if cands:
            attach(rev, min(cands, key=lambda r: r["id"])["id"], "excerpt")
            continue
        res.orphans.append(rev)
    return res


def load(src: Any, report_ids: Iterable[int] | None = None) -> Resolution:
    """The current reviews of the store (a Store or a sqlite3 connection), attached to its incidents.

    Same result as :func:`resolve` over all incidents of the reviewed reports, cheaper: the key matches come
    from one indexed join, and only reports with a review the key does not match are read whole."""
    revs = current_reviews(src, report_ids)
    if not revs:
        return Resolution()
    conn = _conn(src)
    try:
        exact: dict[str, int] = {}
        for key, rid, iid in conn.execute("SELECT r.key, r.report_id, i.id FROM reviews r JOIN incidents i ON "
                                          "i.key = r.key AND i.report_id = r.report_id"):
            exact[key] = iid
        pending_reports = {r.report_id for r in revs if r.key not in exact}
        rows = _identities(conn, pending_reports) if pending_reports else []
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the incidents: {exc}") from None
    res = resolve([r for r in revs if r.report_id in pending_reports], rows)
    for r in revs:
        if r.report_id not in pending_reports:
            iid = exact[r.key]
            cur = res.by_incident.get(iid)
            if cur is None or (r.when, r.uid) > (cur.when, cur.uid):
                res.by_incident[iid] = r
                res.how[iid] = "key"
    return res


def _resolution(src: Any) -> Resolution:
    return src if isinstance(src, Resolution) else load(src)


# ---------------------------------------------------------------------- writing
def _uid(d: Mapping) -> str:
    body = json.dumps([d["key"], d["report_id"], d["state"], d["fields"], d["note"], d["who"], d["at"]],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8", "replace")).hexdigest()[:32]


def _insert(conn: sqlite3.Connection, d: dict) -> tuple[bool, bool]:
    """Append one log entry (if new) and make it current if it is the latest of its key: (added, current)."""
    cur = conn.execute(
        f"INSERT OR IGNORE INTO review_log ({', '.join(_LOG_COLS)}) VALUES ({', '.join('?' for _ in _LOG_COLS)})",
        tuple(json.dumps(d[c], ensure_ascii=False, sort_keys=True) if c in ("fields", "changes") else d[c]
              for c in _LOG_COLS))
    if cur.rowcount == 0:
        return False, False
    cur = conn.execute(
        "INSERT INTO reviews (key, report_id, uid, at) VALUES (?,?,?,?) ON CONFLICT (key) DO UPDATE SET "
        "report_id = excluded.report_id, uid = excluded.uid, at = excluded.at "
        "WHERE (excluded.at, excluded.uid) > (reviews.at, reviews.uid)", (d["key"], d["report_id"], d["uid"], d["at"]))
    return True, cur.rowcount > 0


def _shown(row: Mapping, rev: Review | None) -> dict:
    vals = {f: row.get(f) for f in FIELDS}
    if rev is not None:
        vals.update({k: v for k, v in rev.fields.items() if k in FIELDS})
    return vals


def set_review(store: Any, incident_id: int, state: ReviewState | str, corrections: Mapping[str, Any] | None = None,
               *, note: str = "", who: str | None = None, gazetteer: Any = None, at: str | None = None) -> Review:
    """Record a review of a live incident (one log entry; it becomes the incident's current review).

    ``state``: confirmed, rejected, corrected (``corrections``: values of :data:`FIELDS`, added to an
    earlier correction's), or machine (back to the extracted values). A place id is checked against
    ``gazetteer``. ReviewError for an unknown incident, state or value.
    """
    try:
        state = ReviewState(state)
    except ValueError:
        raise ReviewError(f"not a review state: {state!r} (one of {', '.join(STATES)})") from None
    if state is not ReviewState.CORRECTED and corrections:
        raise ReviewError("corrections go with the 'corrected' state only")
    if len(note or "") > MAX_NOTE:
        raise ReviewError(f"the note is longer than {MAX_NOTE} characters")
    who = (who or "").strip() or default_reviewer()
    wanted = normalise_time(at) if at else None
    with store._write() as conn:  # read what it replaces and append, in one transaction
        rows = store.incidents("id = ?", (int(incident_id),))
        if not rows:
            raise ReviewError(f"no incident {incident_id} in {getattr(store, 'path', 'the store')}")
        row = rows[0]
        before = load(store, [row["report_id"]]).by_incident.get(row["id"])
        fields: dict[str, Any] = {}
        shown = _shown(row, before)
        if state is ReviewState.CORRECTED:
            if before is not None and before.state is ReviewState.CORRECTED:
                fields.update(before.fields)
            new = validate_corrections(dict(corrections or {}), gazetteer, shown)
            if not new and not fields:
                raise ReviewError(f"a correction needs at least one field=value ({', '.join(FIELDS)})")
            fields.update(new)
        after = {**{f: row.get(f) for f in FIELDS}, **{k: v for k, v in fields.items() if k in FIELDS}}
        changes = {f: [shown[f], after[f]] for f in FIELDS if shown[f] != after[f]}
        was = before.state.value if before is not None else ReviewState.MACHINE.value
        if was != state.value:
            changes["review"] = [was, state.value]
        when = wanted or now()
        if before is not None and when <= before.when:  # strictly later than what it replaces
            when = _fmt(datetime.fromisoformat(before.when[:-1] + "+00:00") + timedelta(milliseconds=1))
        ident = conn.execute("SELECT identity FROM reports WHERE id = ?", (row["report_id"],)).fetchone()
        d = {"key": row["key"] or f"incident:{row['id']}", "report_id": row["report_id"],
             "report": (ident[0] if ident else "") or "", "entry_hash": row.get("entry_hash") or "",
             "span_start": row.get("span_start"), "span_end": row.get("span_end"), "incident_id": row["id"],
             "excerpt": row.get("excerpt") or "", "state": state.value, "fields": fields, "changes": changes,
             "note": (note or "").strip(), "who": who, "at": when, "origin": ""}
        d["uid"] = _uid(d)
        _insert(conn, d)
    return _review_from_row(tuple(
        json.dumps(d[c], ensure_ascii=False) if c in ("fields", "changes") else d[c] for c in _LOG_COLS))


def confirm(store: Any, incident_id: int, *, note: str = "", who: str | None = None, at: str | None = None) -> Review:
    return set_review(store, incident_id, ReviewState.CONFIRMED, note=note, who=who, at=at)


def reject(store: Any, incident_id: int, *, note: str = "", who: str | None = None, at: str | None = None) -> Review:
    return set_review(store, incident_id, ReviewState.REJECTED, note=note, who=who, at=at)


def correct(store: Any, incident_id: int, corrections: Mapping[str, Any], gazetteer: Any = None, *,
            note: str = "", who: str | None = None, at: str | None = None) -> Review:
    return set_review(store, incident_id, ReviewState.CORRECTED, corrections, note=note, who=who,
                      gazetteer=gazetteer, at=at)


def clear(store: Any, incident_id: int, *, note: str = "", who: str | None = None, at: str | None = None) -> Review:
    """Back to the extracted values (logged like any review)."""
    return set_review(store, incident_id, ReviewState.MACHINE, note=note, who=who, at=at)


# ---------------------------------------------------------------------- applying reviews
def apply_row(row: Mapping, rev: Review | None) -> dict:
    """An incident row with its review applied: corrected values, and ``review``/``review_note``/
    ``review_who``/``review_at`` columns; ``machine`` holds the extracted values a correction replaced."""
    out = dict(row)
    state = rev.state if rev is not None else ReviewState.MACHINE
    out["review"] = state.value
    out["review_note"] = rev.note if rev is not None else ""
    out["review_who"] = rev.who if rev is not None else ""
    out["review_at"] = rev.when if rev is not None else ""
    if rev is not None and state is ReviewState.CORRECTED:
        fields = rev.fields
        out["machine"] = {k: row.get(k) for k in fields}
        out.update(fields)
    return out


def apply_reviews(incidents: Iterable[Mapping], reviews: Any, *, include_rejected: bool = False) -> list[dict]:
    """Incident rows (as :meth:`Store.incidents` returns them) with the reviewed values and a ``review``
    column (machine/confirmed/corrected/rejected). Rejected incidents are left out unless
    ``include_rejected``. ``reviews``: a Store, a sqlite3 connection or a :class:`Resolution`."""
    res = _resolution(reviews)
    out = []
    for row in incidents:
        rev = res.by_incident.get(row["id"])
        if rev is not None and rev.state is ReviewState.REJECTED and not include_rejected:
            continue
        out.append(apply_row(row, rev))
    return out


def apply_frame(df: Any, reviews: Any, *, include_rejected: bool = False) -> Any:
    """A pandas frame of incidents (``views.load_frame``) with reviewed values and the review columns;
    rejected rows dropped unless ``include_rejected``. Touches only reviewed rows; when a correction
    changed something the frame's derived columns (day, codes) are recomputed by
    ``views.normalise_frame``."""
    import numpy as np
    import pandas as pd

    res = _resolution(reviews)
    out = df.copy()
    n = len(out)
    cols = {c: np.full(n, ReviewState.MACHINE.value if c == "review" else "", dtype=object) for c in REVIEW_COLUMNS}
    if not res.by_incident or "id" not in out.columns or out.empty:
        for c, v in cols.items():
            out[c] = v
        return out
    index = pd.Index(pd.to_numeric(out["id"], errors="coerce"))
    iids = list(res.by_incident)
    if index.is_unique:
        positions = index.get_indexer(iids)
    else:  # a frame with repeated ids: each id's first row
        first: dict[int, int] = {}
        for k, v in enumerate(index.tolist()):
            first.setdefault(v, k)
        positions = np.array([first.get(i, -1) for i in iids])
    rejected = np.zeros(n, dtype=bool)
    changes: dict[str, tuple[list[int], list]] = {}
    for iid, p in zip(iids, positions.tolist()):
        if p < 0:
            continue
        rev = res.by_incident[iid]
        cols["review"][p], cols["review_note"][p] = rev.state.value, rev.note
        cols["review_who"][p], cols["review_at"][p] = rev.who, rev.when
        if rev.state is ReviewState.REJECTED:
            rejected[p] = True
        for k, v in rev.fields.items():
            if k in out.columns:
                at, vals = changes.setdefault(k, ([], []))
                at.append(p)
                vals.append(v)
    for c, v in cols.items():
        out[c] = v
    for c, (at, vals) in changes.items():
        j = out.columns.get_loc(c)
        out.iloc[at, j] = pd.array(vals, dtype=out[c].dtype) if str(out[c].dtype) == "Int64" else vals
    if rejected.any() and not include_rejected:
        out = out[~rejected]
    if changes and "day" in out.columns:
        from . import views

        normalise = getattr(views, "normalise_frame", None)
        if normalise is not None:
            out = normalise(out)
    return out


def filter_states(rows: Iterable[Mapping], states: Iterable[str]) -> list[Mapping]:
    """Rows whose ``review`` is one of ``states`` (all when ``states`` is empty)."""
    wanted = {ReviewState(s).value for s in states}
    return [r for r in rows if not wanted or r.get("review", "machine") in wanted]


def filter_frame(df: Any, states: Iterable[str]) -> Any:
    """Rows of a reviewed frame (:func:`apply_frame`) whose ``review`` is one of ``states`` (all when empty).
    For the Incidents page: ``filter_frame(apply_frame(df, store, include_rejected="rejected" in states),
    states)``."""
    wanted = [ReviewState(s).value for s in states]
    if not wanted or "review" not in df.columns:
        return df
    return df[df["review"].isin(wanted)]


def export_frame(df: Any) -> Any:
    """What the Incidents page exports, with the review columns after the views' export columns."""
    from . import views

    base = views.export_frame(df)
    for c in ("review", "review_note"):
        base[c] = df[c].reset_index(drop=True) if c in df.columns else ("machine" if c == "review" else "")
    return base


def to_csv(df: Any) -> bytes:
    """CSV of :func:`export_frame` (formula-safe, like ``views.to_csv``)."""
    from . import views

    return views.frame_csv(export_frame(df))


# ---------------------------------------------------------------------- events
def event_state(event: Event, res: Resolution) -> ReviewState:
    """An event's review: rejected when all its accounts are; corrected when a kept account is corrected or
    some (not all) are rejected; confirmed when a kept account is confirmed; else machine."""
    states = [res.state(i) for i in event.incident_ids]
    if not states:
        return ReviewState.MACHINE
    rejected = sum(s is ReviewState.REJECTED for s in states)
    if rejected == len(states):
        return ReviewState.REJECTED
    if rejected or any(s is ReviewState.CORRECTED for s in states):
        return ReviewState.CORRECTED
    if any(s is ReviewState.CONFIRMED for s in states):
        return ReviewState.CONFIRMED
    return ReviewState.MACHINE


def apply_events(events: Sequence[Event], store: Any, gazetteer: Any = None, *, include_rejected: bool = False,
                 reviews: Resolution | None = None) -> list[Event]:
    """Events with their accounts' reviews applied (see the module docstring): each event with a reviewed
    account is summarised again by ``linking.finish`` from its reviewed accounts (rejected ones left out),
    keeping its id, anchor and order; an event whose accounts are all rejected is left out unless
    ``include_rejected`` (then it is returned as linked). ``store``: a Store or sqlite3 connection (the
    accounts' rows are read from it); ``gazetteer`` ranks places (optional)."""
    res = reviews if reviews is not None else load(store)
    if not res.by_incident:
        return list(events)
    touched = [ev for ev in events if any(i in res.by_incident for i in ev.incident_ids)]
    if not touched:
        return list(events)
    from . import linking

    ids = sorted({i for ev in touched for i in ev.incident_ids})
    rows: dict[int, dict] = {}
    getter = getattr(store, "incidents", None)
    for marks, chunk in in_chunks(ids):
        where, params = f"id IN ({marks})", tuple(chunk)
        if getter is not None:
            found = getter(where, params)
        else:
            conn = _conn(store)
            conn.row_factory = sqlite3.Row
            found = [dict(r) for r in conn.execute(f"SELECT * FROM incidents WHERE {where}", params)]
        rows.update({r["id"]: r for r in found})
    index = linking.PlaceIndex(gazetteer)
    rules = linking.load_rules()
    redone: dict[str, Event | None] = {}
    for ev in touched:
        members = []
        for i in ev.incident_ids:
            row = rows.get(i)
            rev = res.by_incident.get(i)
            if row is None or (rev is not None and rev.state is ReviewState.REJECTED):
                continue
            members.append(linking.account(apply_row(row, rev), index, rules))
        if not members:
            redone[ev.event_id] = ev if include_rejected else None
            continue
        new = linking.finish(linking.restore(members, ev.why), rules, set())
        redone[ev.event_id] = replace(new, event_id=ev.event_id, anchor=ev.anchor,
                                      why=[w for w in ev.why if w.incident_id in {m.incident_id for m in members}])
    out = []
    for ev in events:
        if ev.event_id in redone:
            if redone[ev.event_id] is not None:
                out.append(redone[ev.event_id])
        else:
            out.append(ev)
    return out


def event_records(events: Sequence[Event], store: Any, gazetteer: Any = None, *,
                  include_rejected: bool = False) -> list[dict]:
    """Events as export rows (``Event.to_dict`` without the anchor) with the reviewed values and a
    ``review`` column."""
    res = load(store)
    out = []
    originals = {ev.event_id: ev for ev in events}
    for ev in apply_events(events, store, gazetteer, include_rejected=include_rejected, reviews=res):
        d = ev.to_dict()
        d.pop("anchor", None)
        d["review"] = event_state(originals.get(ev.event_id, ev), res).value
        out.append(d)
    return out


# ---------------------------------------------------------------------- JSON Lines: export, import
def export_log(src: Any, out: Any) -> int:
    """Write the full review log (oldest first) as JSON Lines to a text stream; returns the entries written."""
    n = 0
    for rev in review_log(src):
        out.write(json.dumps(rev.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


def _entry_from_json(obj: Any) -> dict:
    if not isinstance(obj, dict):
        raise ReviewError("not a JSON object")
    fmt = obj.get("format", LOG_FORMAT)
    if fmt != LOG_FORMAT:
        raise ReviewError(f"unknown format {fmt!r} (expected {LOG_FORMAT})")
    try:
        state = ReviewState(obj.get("state"))
    except ValueError:
        raise ReviewError(f"not a review state: {obj.get('state')!r}") from None
    key = obj.get("key")
    rid = obj.get("report_id")
    if not isinstance(key, str) or not key or isinstance(rid, bool) or not isinstance(rid, int):
        raise ReviewError("needs a key and a report_id")
    span = obj.get("span") or [None, None]
    if not isinstance(span, list) or len(span) != 2 or not all(x is None or isinstance(x, int) for x in span):
        raise ReviewError("span must be [start, end]")
    raw = obj.get("fields") or {}
    if not isinstance(raw, dict):
        raise ReviewError("fields must be an object")
    fields: dict[str, Any] = {}
    if state is ReviewState.CORRECTED:
        sub = raw.get("sub_event_type")
        etype = raw.get("event_type") or next((t for t, subs in event_types().items() if sub in subs), "")
        fields = validate_corrections({k: v for k, v in raw.items() if k in FIELDS and k != "place_id"},
                                      None, {"event_type": etype, "sub_event_type": sub})
        if raw.get("place_id"):  # the place as the other analyst's gazetteer gave it
            fields["place_id"] = str(raw["place_id"])
            for k in PLACE_FIELDS:
                if raw.get(k) is not None:
                    fields[k] = raw[k]
        if not fields:
            raise ReviewError("a correction without corrected fields")
    who, note = obj.get("who") or "", obj.get("note") or ""
    if not isinstance(who, str) or not isinstance(note, str):
        raise ReviewError("who and note must be text")
    changes = obj.get("changes") or {}
    iid = obj.get("incident_id")
    d = {"key": key, "report_id": rid, "report": str(obj.get("report") or ""),
         "entry_hash": str(obj.get("entry_hash") or ""), "span_start": span[0], "span_end": span[1],
         "incident_id": iid if isinstance(iid, int) and not isinstance(iid, bool) else None,
         "excerpt": str(obj.get("excerpt") or ""), "state": state.value, "fields": fields,
         "changes": changes if isinstance(changes, dict) else {}, "note": note[:MAX_NOTE], "who": who,
         "at": normalise_time(obj.get("at"))}
    d["uid"] = _uid(d)
    if obj.get("uid") and obj["uid"] != d["uid"]:
        raise ReviewError("its uid does not match its content (edited by hand?)")
    return d


def import_log(store: Any, lines: Iterable[str], origin: str = "") -> ImportSummary:
    """Merge a review log (JSON Lines) into the store, in one transaction.

    Idempotent (entries already in the log are skipped); per incident the latest entry is current, whatever
    the order of imports; a report is found by id when its identity matches, else by identity (its key is
    moved to this store's report id); entries for reports this store lacks are reported and skipped, entries
    whose incident is not found now are stored and reported; bad lines are reported, never fatal.
    """
    summary = ImportSummary()
    entries: list[tuple[int, dict]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        summary.read += 1
        try:
            obj = json.loads(line)
        except ValueError as exc:
            summary.bad.append(f"line {n}: not JSON ({exc.msg})")
            continue
        try:
            entries.append((n, _entry_from_json(obj)))
        except ReviewError as exc:
            summary.bad.append(f"line {n}: {exc}")
    if not entries:
        return summary
    conn = store.conn
    with store._errors():
        reports = {r[0]: r[1] or "" for r in conn.execute("SELECT id, identity FROM reports")}
    by_identity: dict[str, list[int]] = {}
    for rid, ident in reports.items():
        by_identity.setdefault(ident, []).append(rid)
    kept: list[dict] = []
    for n, d in entries:
        rid, ident = d["report_id"], d["report"]
        if rid in reports and (not ident or reports[rid] == ident):
            kept.append(d)
            continue
        others = by_identity.get(ident, []) if ident else []
        if len(others) == 1:
            new = others[0]
            prefix = f"{rid}:"
            d = {**d, "report_id": new, "key": f"{new}:{d['key'][len(prefix):]}" if d["key"].startswith(prefix)
                 else d["key"], "incident_id": None}
            d["uid"] = _uid(d)
            kept.append(d)
        else:
            summary.unknown_reports.append(d["key"])
    with store._write() as c:
        for d in kept:
            d["origin"] = origin
            added, current = _insert(c, d)
            summary.added += added
            summary.present += not added
            summary.current += current
    if kept:
        res = load(store, {d["report_id"] for d in kept})
        attached = {r.uid for r in res.by_incident.values()}
        orphan = {r.uid for r in res.orphans}
        summary.unattached = [d["key"] for d in kept if d["uid"] in orphan and d["uid"] not in attached]
    return summary


def iter_lines(path: str | os.PathLike) -> Iterator[str]:
    """The lines of a review log file; ReviewError when it cannot be read as UTF-8 text."""
    p = Path(path)
    if not p.is_file():
        raise ReviewError(f"{p}: no such file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(f"{p}: cannot be read as UTF-8 text ({exc})") from None
    return iter(text.splitlines())
