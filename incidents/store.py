"""The local store: SQLite with reports, their versions, entries, incidents and events.

* The path is ``--db PATH``, else ``$INCIDENTS_DB``, else ``data/incidents.db``.
* **Report identity.** A report is one document however often it is fetched:
  the same URL, or a name the caller gives, or (for files and pastes) the same
  outlet and title *and* at least one substantial entry in common with the
  stored page (two days' pages titled "Live updates" are two reports). Each
  distinct text is a **version** (``report_versions``; the hash of the text is
  unique, so re-ingesting a text changes nothing).
* **Entry-level updates.** Entries are identified by the hash of their text
  (``incidents.entries.split_entries`` spans). A new version keeps the
  incidents (and ids) of unchanged entries, moving their offsets into the new
  text; adds the incidents of new entries; for a *changed* entry (an edited
  post: same kind and dateline, mostly the same words) replaces its incidents,
  keeping the ids of those still told (same place and type) and moving the
  others to ``retired_incidents``; entries that left the page keep their
  incidents, which keep pointing into the version that held them
  (``incidents.version_id``; :meth:`Store.entry_text` takes it).
* **Stable incident keys** (``incidents.key``): ``report id : entry hash :
  span in the entry``, set when the incident is first stored and kept while
  updates and re-extraction match it, so reviews can attach to it.
* **Events** (:mod:`incidents.linking`) are stored in ``events`` /
  ``event_accounts``. Triggers on ``incidents`` mark the (place id, day)
  pairs whose events are stale (``link_dirty``, in the same transaction as the
  change, whoever writes); :meth:`Store.relink` recomputes only those place
  cells, from the first changed day until the stored events hold again, and
  :meth:`Store.events` does so first when anything is stale.
* **Robustness.** WAL journal, a 30 s busy timeout, every write in one
  ``BEGIN IMMEDIATE`` transaction (the check for an existing text and the
  insert cannot race; ``INSERT OR IGNORE`` on the hash as well), so a crash
  mid-ingest leaves the store as it was and concurrent ingests store each
  text once. SQLite errors become one-line :class:`StoreError` messages
  (damaged file, read-only, disk full, busy) and nothing is overwritten.
  Counts that cannot be real (negative, over ``MAX_COUNT``) are stored as
  unknown with their phrase kept; text that cannot be encoded (lone
  surrogates, undecodable file names) is stored with U+FFFD in their place.
* **Reviews** (schema 4, :mod:`incidents.review`): an append-only ``review_log``
  and the latest review of each incident key (``reviews``), apart from the
  extraction's tables, so re-extraction, new versions and relinking keep them.
* An old store (before versions, before reviews) is upgraded in place when opened.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .errors import StoreError
from .model import Entry, Event, EventLink, Incident, Report

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "incidents.db"
DB_ENV = "INCIDENTS_DB"
SCHEMA_VERSION = 4  # 3: incidents.why; 4: review_log, reviews (incidents.review)
BUSY_TIMEOUT_S = 30.0
MAX_COUNT = 1_000_000  # a fatality/injury count above this is not a count: stored as unknown, phrase kept

# The original tables (schema 1); schema 2 adds columns with ALTER TABLE so old stores upgrade in place.
SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT '',
    published TEXT,
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    kind TEXT NOT NULL,
    dateline TEXT NOT NULL DEFAULT '',
    headline TEXT NOT NULL DEFAULT '',
    published TEXT
);
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    date TEXT,
    time_precision INTEGER,
    place TEXT,
    place_id TEXT,
    lat REAL,
    lon REAL,
    geo_precision INTEGER,
    event_type TEXT,
    sub_event_type TEXT,
    fatalities INTEGER,
    injuries INTEGER,
    source TEXT,
    published TEXT,
    excerpt TEXT,
    start INTEGER,
    "end" INTEGER,
    dateline TEXT,
    country TEXT,
    fatalities_text TEXT,
    injuries_text TEXT,
    entry_start INTEGER,
    entry_end INTEGER,
    mentions TEXT
);
CREATE INDEX IF NOT EXISTS incidents_date ON incidents(date);
CREATE INDEX IF NOT EXISTS incidents_place ON incidents(place_id);
CREATE INDEX IF NOT EXISTS incidents_report ON incidents(report_id);
CREATE INDEX IF NOT EXISTS entries_report ON entries(report_id);
"""

ADDED_COLUMNS = {
    "reports": (("identity", "TEXT"), ("name", "TEXT NOT NULL DEFAULT ''"), ("updated_at", "TEXT")),
    "entries": (("hash", "TEXT"), ("version_id", "INTEGER"), ("body_start", "INTEGER")),
    "incidents": (("version_id", "INTEGER"), ("entry_hash", "TEXT"), ("span_start", "INTEGER"),
                  ("span_end", "INTEGER"), ("key", "TEXT"), ("why", "TEXT NOT NULL DEFAULT '{}'")),
}

SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS report_versions (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    published TEXT,
    title TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    chars INTEGER NOT NULL DEFAULT 0,
    text TEXT,  -- NULL for a report's latest version: its text is reports.text
    entries_new INTEGER NOT NULL DEFAULT 0,
    entries_changed INTEGER NOT NULL DEFAULT 0,
    entries_kept INTEGER NOT NULL DEFAULT 0,
    entries_gone INTEGER NOT NULL DEFAULT 0,
    incidents_new INTEGER NOT NULL DEFAULT 0,
    incidents_kept INTEGER NOT NULL DEFAULT 0,
    incidents_updated INTEGER NOT NULL DEFAULT 0,
    incidents_retired INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (report_id, version)
);
CREATE TABLE IF NOT EXISTS retired_incidents (
    id INTEGER PRIMARY KEY,  -- the incident's id while it was live
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    key TEXT,
    retired_version INTEGER,
    reason TEXT NOT NULL,
    retired_at TEXT NOT NULL DEFAULT (datetime('now')),
    data TEXT NOT NULL  -- the incident row as JSON
);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    anchor TEXT NOT NULL,
    date TEXT,
    time_precision INTEGER,
    place TEXT,
    place_id TEXT,
    lat REAL,
    lon REAL,
    geo_precision INTEGER,
    country TEXT,
    event_type TEXT,
    sub_event_type TEXT,
    fatalities_low INTEGER,
    fatalities_best INTEGER,
    fatalities_high INTEGER,
    injuries_low INTEGER,
    injuries_best INTEGER,
    injuries_high INTEGER,
    sources TEXT NOT NULL,
    n_reports INTEGER NOT NULL,
    incident_ids TEXT NOT NULL,
    why TEXT NOT NULL,
    first_day INTEGER  -- day ordinal of its first account (NULL: undated)
);
CREATE TABLE IF NOT EXISTS event_accounts (
    incident_id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_dirty (place_id TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (place_id, day))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_places (place_id TEXT PRIMARY KEY, anchor TEXT NOT NULL, chain TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS versions_report ON report_versions(report_id);
CREATE INDEX IF NOT EXISTS retired_report ON retired_incidents(report_id);
CREATE INDEX IF NOT EXISTS reports_identity ON reports(identity);
CREATE UNIQUE INDEX IF NOT EXISTS entries_hash ON entries(report_id, hash);
CREATE INDEX IF NOT EXISTS incidents_entry ON incidents(report_id, entry_hash);
CREATE INDEX IF NOT EXISTS incidents_key ON incidents(key);
CREATE INDEX IF NOT EXISTS events_anchor ON events(anchor, first_day);
CREATE INDEX IF NOT EXISTS incidents_place_date ON incidents(place_id, date);
CREATE INDEX IF NOT EXISTS events_date ON events(date);
CREATE INDEX IF NOT EXISTS event_accounts_event ON event_accounts(event_id);
CREATE TRIGGER IF NOT EXISTS incidents_dirty_ins AFTER INSERT ON incidents BEGIN
    INSERT OR IGNORE INTO link_dirty(place_id, day) VALUES (coalesce(NEW.place_id, ''), coalesce(NEW.date, ''));
END;
CREATE TRIGGER IF NOT EXISTS incidents_dirty_del AFTER DELETE ON incidents BEGIN
    INSERT OR IGNORE INTO link_dirty(place_id, day) VALUES (coalesce(OLD.place_id, ''), coalesce(OLD.date, ''));
END;
CREATE TRIGGER IF NOT EXISTS incidents_dirty_upd AFTER UPDATE OF
    report_id, date, time_precision, place, place_id, lat, lon, geo_precision, event_type, sub_event_type,
    fatalities, injuries, source, published, excerpt, key ON incidents BEGIN
    INSERT OR IGNORE INTO link_dirty(place_id, day) VALUES (coalesce(OLD.place_id, ''), coalesce(OLD.date, ''));
    INSERT OR IGNORE INTO link_dirty(place_id, day) VALUES (coalesce(NEW.place_id, ''), coalesce(NEW.date, ''));
END;
"""

# Schema 4: analysts' reviews, kept apart from extraction output (see incidents.review). ``review_log`` is
# append-only (triggers refuse UPDATE and DELETE); ``reviews`` holds each incident key's latest log entry.
SCHEMA_V4 = """
CREATE TABLE IF NOT EXISTS review_log (
    seq INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,  -- a hash of the entry's content: importing it again changes nothing
    key TEXT NOT NULL,  -- the incident's key when it was reviewed (report id : entry hash : span)
    report_id INTEGER NOT NULL,
    report TEXT NOT NULL DEFAULT '',  -- the report's identity (url:..., name:...), to find it in another store
    entry_hash TEXT NOT NULL DEFAULT '',
    span_start INTEGER,
    span_end INTEGER,
    incident_id INTEGER,
    excerpt TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,  -- machine (cleared) | confirmed | corrected | rejected
    fields TEXT NOT NULL DEFAULT '{}',  -- the corrected values (JSON)
    changes TEXT NOT NULL DEFAULT '{}',  -- field -> [shown before, after] (JSON)
    note TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,  -- when (UTC, YYYY-MM-DDTHH:MM:SS.fffZ): the latest entry of a key wins
    origin TEXT NOT NULL DEFAULT '',  -- '' (written here) or the file it was imported from
    logged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS review_log_key ON review_log(key, at);
CREATE TABLE IF NOT EXISTS reviews (
    key TEXT PRIMARY KEY,
    report_id INTEGER NOT NULL,
    uid TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_report ON reviews(report_id);
CREATE TRIGGER IF NOT EXISTS review_log_no_update BEFORE UPDATE ON review_log BEGIN
    SELECT RAISE(ABORT, 'the review log is append-only');
END;
CREATE TRIGGER IF NOT EXISTS review_log_no_delete BEFORE DELETE ON review_log BEGIN
    SELECT RAISE(ABORT, 'the review log is append-only');
END;
"""

INCIDENT_COLUMNS = (
    "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "event_type",
    "sub_event_type", "fatalities", "injuries", "source", "published", "excerpt", "start", "end",
    "dateline", "country", "fatalities_text", "injuries_text", "entry_start", "entry_end", "mentions", "why",
)
# Where an incident comes from, beyond INCIDENT_COLUMNS: the version its offsets point into, its entry and key.
IDENTITY_COLUMNS = ("version_id", "entry_hash", "span_start", "span_end", "key")
EVENT_COLUMNS = (
    "event_id", "anchor", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "country",
    "event_type", "sub_event_type", "fatalities_low", "fatalities_best", "fatalities_high", "injuries_low",
    "injuries_best", "injuries_high", "sources", "n_reports", "incident_ids", "why",
)
_LINK_COLUMNS = ("id", "report_id", "key", "date", "time_precision", "place", "place_id", "lat", "lon",
                 "geo_precision", "country", "event_type", "sub_event_type", "fatalities", "injuries", "source",
                 "published", "excerpt")
_CHUNK = 500  # ids per "IN (...)" query
WINDOW_MAX_DAYS = 60  # a cell changed on more days than this is relinked whole


def default_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """``explicit`` (``--db``), else ``$INCIDENTS_DB``, else ``data/incidents.db``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


# ---------------------------------------------------------------------- values at the boundary
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(s: str) -> str:
    """``s`` with lone surrogates replaced by U+FFFD (one for one, so offsets stay valid)."""
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", s)


def display_path(path: str | os.PathLike) -> str:
    """A file name as text: bytes that are not UTF-8 shown as U+FFFD."""
    s = os.fsdecode(path) if not isinstance(path, str) else path
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if not s.isascii() else s


def text_hash(text: str) -> str:
    return hashlib.sha256(clean_text(text).encode("utf-8")).hexdigest()


def safe_count(value: Any) -> int | None:
    """A count SQLite can store and that can be real; anything else is unknown (None)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return n if 0 <= n <= MAX_COUNT else None


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        return clean_text(v)
    if isinstance(v, float) and v != v:
        return None
    return v


def entry_hashes(text: str, entries: Sequence[Entry]) -> list[str]:
    """The identity of each entry: the hash of its text; the n-th repeat of one text gets ``#n``."""
    seen: dict[str, int] = {}
    out = []
    for e in entries:
        h = hashlib.sha256(clean_text(text[e.start:e.end]).encode("utf-8")).hexdigest()[:32]
        n = seen[h] = seen.get(h, 0) + 1
        out.append(h if n == 1 else f"{h}#{n}")
    return out


def incident_key(report_id: int, entry_hash: str, span_start: int, span_end: int) -> str:
    return f"{report_id}:{(entry_hash or '-')[:16]}:{span_start}-{span_end}"


def report_identity(report: Report, name: str | None = None) -> tuple[str, bool]:
    """``(identity, strong)``: a given name or the URL is decisive (strong); outlet + title needs a shared entry."""
    def norm(s: str) -> str:
        return " ".join(clean_text(s or "").split()).casefold()

    if name and norm(name):
        return "name:" + norm(name), True
    if report.url:
        url = report.url.strip().split("#", 1)[0]
        m = re.match(r"(?i)(https?)://([^/?]+)(.*)", url)
        if m:
            url = f"{m.group(1).lower()}://{m.group(2).lower()}{m.group(3).rstrip('/') or ''}"
        return "url:" + url, True
    if norm(report.source) or norm(report.title):
        return f"title:{norm(report.source)}|{norm(report.title)}", False
    return "text:" + text_hash(report.text), True


# ---------------------------------------------------------------------- results
@dataclass
class SaveResult:
    """What one save did to the store."""

    report_id: int
    version_id: int
    version: int
    state: str  # added (a new report) | updated (a new version) | unchanged (this text was stored)
    entries_new: int = 0
    entries_changed: int = 0
    entries_kept: int = 0
    entries_gone: int = 0
    incidents_new: int = 0
    incidents_kept: int = 0
    incidents_updated: int = 0
    incidents_retired: int = 0
    incidents_total: int = 0
    counts_refused: int = 0  # implausible counts stored as unknown
    stored_at: str = ""  # when this text was stored (store clock, UTC)

    @property
    def added(self) -> bool:
        return self.state != "unchanged"


@dataclass
class ReportVersion:
    id: int
    report_id: int
    version: int
    hash: str
    published: str | None
    title: str
    path: str
    chars: int
    ingested_at: str
    latest: bool
    entries_new: int = 0
    entries_changed: int = 0
    entries_kept: int = 0
    entries_gone: int = 0
    incidents_new: int = 0
    incidents_kept: int = 0
    incidents_updated: int = 0
    incidents_retired: int = 0


@dataclass
class StoredReport:
    """A stored report's metadata and its versions (for re-extraction)."""

    id: int
    source: str
    title: str
    url: str
    path: str
    identity: str
    latest_version_id: int
    versions: list[ReportVersion] = field(default_factory=list)


@dataclass
class ReextractResult:
    report_id: int
    incidents_before: int
    incidents_after: int
    kept: int  # matched and updated in place (same id and key)
    new: int
    retired: int


# ---------------------------------------------------------------------- errors
def _message(path: Path, exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = text.lower()
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return (f"{path}: the store is damaged ({text}); nothing was changed: restore a backup or move the file "
                "aside and ingest the reports again")
    if "readonly" in low or "read-only" in low or "permission" in low:
        return (f"{path}: the store cannot be written ({text}); nothing was changed: check the permissions of the "
                "file and its folder, or use --db / $INCIDENTS_DB for another store")
    if "full" in low or "no space" in low:
        return f"{path}: no space left for the store ({text}); nothing was changed: free disk space and try again"
    if "locked" in low or "busy" in low:
        return (f"{path}: the store stayed busy for over {BUSY_TIMEOUT_S:.0f} s ({text}); nothing was changed: "
                "try again")
    if "unable to open" in low:
        return f"{path}: cannot open the store ({text}): check that its folder exists and can be written"
    return f"{path}: store error ({text})"


class Store:
    """A connection to the SQLite store. Use as a context manager or call ``close()``.

    Every public method raises :class:`StoreError` (one line: what is wrong and
    what to do) instead of a raw SQLite error.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = default_db_path(path)
        self.conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create its folder: {exc.strerror or exc}") from None
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                        check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._setup()
        except (sqlite3.Error, OSError, StoreError) as exc:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            if isinstance(exc, StoreError):
                raise
            raise StoreError(_message(self.path, exc)) from None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # ---------------------------------------------------------------- plumbing
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(_message(self.path, exc)) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed whole or rolled back whole."""
        conn = self.conn
        with self._errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _setup(self) -> None:
        conn = self.conn
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:  # journal_mode can report "locked" without waiting while another process sets it up
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    if "readonly" in str(exc).lower():
                        break  # a read-only store can still be read; writes will say why they fail
                    raise
                time.sleep(0.05)
        conn.execute("PRAGMA synchronous = NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        with self._write():
            if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return  # another process upgraded it meanwhile
            old_version = conn.execute("PRAGMA user_version").fetchone()[0]
            had_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'reports'").fetchone()[0]
            for stmt in _statements(SCHEMA_V1):
                conn.execute(stmt)
            for table, cols in ADDED_COLUMNS.items():
                have = {r["name"] for r in conn.execute(f"PRAGMA table_info({table})")}
                for name, decl in cols:
                    if name not in have:
                        conn.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {decl}')
            for stmt in _statements(SCHEMA_V2) + _statements(SCHEMA_V4):
                conn.execute(stmt)
            if had_tables and old_version < 3:  # an old store: give its reports versions, entry hashes and incident keys
                for (rid,) in conn.execute("SELECT id FROM reports ORDER BY id").fetchall():
                    self._fill_legacy(rid)
                conn.execute("INSERT OR IGNORE INTO link_dirty(place_id, day) SELECT DISTINCT coalesce(place_id, ''), "
                             "coalesce(date, '') FROM incidents")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ---------------------------------------------------------------- writing
    def has_report(self, report_hash: str) -> int | None:
        """The id of the report one of whose versions has this text hash, else None."""
        with self._errors():
            return self._find_text(report_hash)

    def stored_text(self, report_hash: str) -> SaveResult | None:
        """Where a text is stored (``state == "unchanged"``), or None when it is not."""
        with self._errors():
            rid = self._find_text(report_hash)
            return None if rid is None else self._unchanged(rid, report_hash)

    def _find_text(self, h: str) -> int | None:
        row = self.conn.execute("SELECT report_id FROM report_versions WHERE hash = ?", (h,)).fetchone()
        if row:
            return row[0]
        row = self.conn.execute("SELECT id FROM reports WHERE hash = ?", (h,)).fetchone()
        return row[0] if row else None

    def save(self, report: Report, entries: Sequence[Entry], incidents: Sequence[Incident]) -> tuple[int, bool]:
        """Save one report (or a new version of it). Returns ``(report_id, added)``; see :meth:`save_version`."""
        res = self.save_version(report, entries, incidents)
        return res.report_id, res.added

    def save_version(self, report: Report, entries: Sequence[Entry], incidents: Sequence[Incident],
                     name: str | None = None) -> SaveResult:
        """Save one extracted report text in one transaction.

        A text already stored changes nothing (``state == "unchanged"``). A text
        of a known report (same name, URL, or outlet + title with a shared
        entry) becomes its next version (``"updated"``), else a new report
        (``"added"``).
        """
        text = clean_text(report.text)
        report = replace(report, text=text, source=clean_text(report.source or ""),
                         title=clean_text(report.title or ""), url=clean_text(report.url or ""),
                         path=display_path(report.path or ""))
        h = text_hash(text)
        hashes = entry_hashes(text, entries)
        identity, strong = report_identity(report, name)
        with self._write() as conn:
            existing = self._find_text(h)
            if existing is not None:
                return self._unchanged(existing, h)
            target = self._match_report(identity, strong, hashes)
            if target is None:
                res = self._insert_report(report, h, identity, name or "", entries, hashes, incidents)
            else:
                res = self._insert_version(target, report, h, entries, hashes, incidents)
            res.incidents_total = conn.execute("SELECT count(*) FROM incidents WHERE report_id = ?",
                                               (res.report_id,)).fetchone()[0]
            return res

    def _unchanged(self, report_id: int, h: str) -> SaveResult:
        row = self.conn.execute("SELECT id, version, ingested_at FROM report_versions WHERE hash = ?", (h,)).fetchone()
        n = self.conn.execute("SELECT count(*) FROM incidents WHERE report_id = ?", (report_id,)).fetchone()[0]
        vid, version, at = (row[0], row[1], row[2]) if row else (0, 1, "")
        return SaveResult(report_id=report_id, version_id=vid, version=version, state="unchanged",
                          incidents_total=n, stored_at=at or "")

    def clock(self) -> str:
        """The store's clock (UTC, milliseconds), as versions record when they were stored."""
        with self._errors():
            return self.conn.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')").fetchone()[0]

    def _match_report(self, identity: str, strong: bool, hashes: list[str]) -> int | None:
        rows = self.conn.execute("SELECT id FROM reports WHERE identity = ? ORDER BY id DESC LIMIT 50",
                                 (identity,)).fetchall()[::-1]  # oldest first; the 50 latest are enough
        if not rows:
            return None
        if strong:
            return rows[0][0]
        wanted = set(hashes)
        best, best_n = None, 0
        for (rid,) in rows:  # same outlet and title: the same page only if a substantial entry is shared
            n = 0
            for e in self.conn.execute('SELECT hash, kind, start, "end" FROM entries WHERE report_id = ?', (rid,)):
                if e["hash"] in wanted and e["kind"] != "caption" and e["end"] - e["start"] >= 60:
                    n += 1
            if n > best_n:
                best, best_n = rid, n
        return best

    def _insert_report(self, report: Report, h: str, identity: str, name: str, entries: Sequence[Entry],
                       hashes: list[str], incidents: Sequence[Incident]) -> SaveResult:
        conn = self.conn
        pub = report.published.isoformat() if report.published else None
        cur = conn.execute(
            "INSERT OR IGNORE INTO reports (hash, source, published, title, url, path, text, identity, name, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?,?, datetime('now'))",
            (h, report.source, pub, report.title, report.url, report.path, report.text, identity, clean_text(name)))
        if cur.rowcount == 0:
            return self._unchanged(self._find_text(h), h)
        rid = cur.lastrowid
        vid = conn.execute(
            "INSERT INTO report_versions (report_id, version, hash, published, title, path, chars, entries_new, "
            "incidents_new, ingested_at) VALUES (?,1,?,?,?,?,?,?,?, strftime('%Y-%m-%d %H:%M:%f', 'now'))",
            (rid, h, pub, report.title, report.path, len(report.text), len(entries), len(incidents))).lastrowid
        self._insert_entries(rid, vid, entries, hashes)
        refused = self._insert_incidents(rid, vid, incidents, entries, hashes, set())
        return SaveResult(report_id=rid, version_id=vid, version=1, state="added", entries_new=len(entries),
                          incidents_new=len(incidents), counts_refused=refused)

    def _insert_entries(self, rid: int, vid: int, entries: Sequence[Entry], hashes: list[str]) -> None:
        self.conn.executemany(
            'INSERT INTO entries (report_id, start, "end", kind, dateline, headline, published, hash, version_id, '
            "body_start) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (report_id, hash) DO UPDATE SET "
            'start = excluded.start, "end" = excluded."end", kind = excluded.kind, dateline = excluded.dateline, '
            "headline = excluded.headline, published = excluded.published, version_id = excluded.version_id, "
            "body_start = excluded.body_start",
            [(rid, e.start, e.end, clean_text(e.kind), clean_text(e.dateline), clean_text(e.headline),
              e.published.isoformat() if e.published else None, hh, vid, e.body_start or e.start)
             for e, hh in zip(entries, hashes)])

    def _insert_incidents(self, rid: int, vid: int, incidents: Sequence[Incident], entries: Sequence[Entry],
                          hashes: list[str], keys: set[str]) -> int:
        if not incidents:
            return 0
        locate = _EntryLocator(entries, hashes)
        cols = ", ".join(f'"{c}"' for c in INCIDENT_COLUMNS + IDENTITY_COLUMNS)
        marks = ", ".join("?" for _ in INCIDENT_COLUMNS + IDENTITY_COLUMNS)
        rows, refused = [], 0
        next_id = self._next_incident_id()
        for k, inc in enumerate(incidents):
            row, r = _incident_values(inc)
            refused += r
            eh, e_start = locate(inc)
            span = (inc.start - e_start, inc.end - e_start)
            key = _unique_key(incident_key(rid, eh, *span), keys)
            rows.append((next_id + k, rid, *row, vid, eh, span[0], span[1], key))
        self.conn.executemany(f"INSERT INTO incidents (id, report_id, {cols}) VALUES (?, ?, {marks})", rows)
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_incident_id', ?)",
                          (next_id + len(rows) - 1,))
        return refused

    def _next_incident_id(self) -> int:
        """Incident ids are never reused (a retired or deleted incident's id stays its own)."""
        row = self.conn.execute(
            "SELECT max(coalesce((SELECT max(id) FROM incidents), 0), coalesce((SELECT max(id) FROM "
            "retired_incidents), 0), coalesce((SELECT value FROM meta WHERE key = 'last_incident_id'), 0))"
        ).fetchone()
        return row[0] + 1

    def _insert_version(self, rid: int, report: Report, h: str, entries: Sequence[Entry], hashes: list[str],
                        incidents: Sequence[Incident]) -> SaveResult:
        conn = self.conn
        self._fill_legacy(rid)
        old_text = conn.execute("SELECT text FROM reports WHERE id = ?", (rid,)).fetchone()[0]
        latest = conn.execute("SELECT id, version FROM report_versions WHERE report_id = ? ORDER BY version DESC "
                              "LIMIT 1", (rid,)).fetchone()
        latest_vid, latest_no = latest[0], latest[1]
        old = {r["hash"]: r for r in conn.execute(
            'SELECT id, hash, start, "end", kind, dateline, headline, version_id, body_start FROM entries '
            "WHERE report_id = ?", (rid,))}
        new_set = set(hashes)
        kept = [(i, old[hh]) for i, hh in enumerate(hashes) if hh in old]
        fresh = [i for i, hh in enumerate(hashes) if hh not in old]
        gone = [r for hh, r in old.items() if hh not in new_set and r["version_id"] == latest_vid]
        changed = _pair_changed(fresh, entries, report.text, gone, old_text)
        changed_new = {i for i, _ in changed}
        fresh = [i for i in fresh if i not in changed_new]

        pub = report.published.isoformat() if report.published else None
        conn.execute("UPDATE report_versions SET text = ? WHERE id = ?", (old_text, latest_vid))
        vid = conn.execute(
            "INSERT INTO report_versions (report_id, version, hash, published, title, path, chars, ingested_at) "
            "VALUES (?,?,?,?,?,?,?, strftime('%Y-%m-%d %H:%M:%f', 'now'))", (rid, latest_no + 1, h, pub, report.title, report.path, len(report.text))
        ).lastrowid
        conn.execute("UPDATE reports SET hash = ?, text = ?, published = coalesce(?, published), title = ?, "
                     "source = ?, url = CASE WHEN ? != '' THEN ? ELSE url END, path = ?, updated_at = datetime('now') "
                     "WHERE id = ?", (h, report.text, pub, report.title, report.source, report.url, report.url,
                                      report.path, rid))
        by_entry: dict[int, list[Incident]] = {}
        locate = _EntryLocator(entries, hashes)
        for inc in incidents:
            by_entry.setdefault(locate.index(inc), []).append(inc)
        keys = {r[0] for r in conn.execute("SELECT key FROM incidents WHERE report_id = ? AND key IS NOT NULL",
                                           (rid,))}
        res = SaveResult(report_id=rid, version_id=vid, version=latest_no + 1, state="updated",
                         entries_new=len(fresh), entries_changed=len(changed), entries_kept=len(kept),
                         entries_gone=len(gone) - len(changed))
        # unchanged entries: same incidents, offsets moved into the new text
        for i, row in kept:
            e = entries[i]
            delta = e.start - row["start"]
            self._move_entry(row["id"], e, vid)
            moved = []
            for inc in conn.execute('SELECT id, start, "end", mentions, why FROM incidents WHERE report_id = ? AND '
                                    "entry_hash = ?", (rid, row["hash"])):
                moved.append((inc["start"] + delta, inc["end"] + delta, e.start, e.end, vid,
                              _shift_mentions(inc["mentions"], delta), _shift_why(inc["why"], delta), inc["id"]))
            conn.executemany('UPDATE incidents SET start = ?, "end" = ?, entry_start = ?, entry_end = ?, '
                             "version_id = ?, mentions = ?, why = ? WHERE id = ?", moved)
            res.incidents_kept += len(moved)
        # changed entries: their incidents replaced, ids kept for those still told
        for i, row in changed:
            e, hh = entries[i], hashes[i]
            conn.execute("DELETE FROM entries WHERE id = ?", (row["id"],))
            self._insert_entries(rid, vid, [e], [hh])
            olds = [dict(r) for r in conn.execute(
                "SELECT * FROM incidents WHERE report_id = ? AND entry_hash = ? ORDER BY start", (rid, row["hash"]))]
            news = by_entry.get(i, [])
            pairs, left_old, left_new = _match_incidents(olds, news)
            for o, n in pairs:
                self._update_incident(o["id"], n, vid, hh, e.start)
            res.incidents_updated += len(pairs)
            self._retire(left_old, vid, "changed entry")
            res.incidents_retired += len(left_old)
            res.counts_refused += self._insert_incidents(rid, vid, left_new, entries, hashes, keys)
            res.incidents_new += len(left_new)
        # new entries
        self._insert_entries(rid, vid, [entries[i] for i in fresh], [hashes[i] for i in fresh])
        new_incs = [inc for i in fresh for inc in by_entry.get(i, [])]
        res.counts_refused += self._insert_incidents(rid, vid, new_incs, entries, hashes, keys)
        res.incidents_new += len(new_incs)
        conn.execute("UPDATE report_versions SET entries_new = ?, entries_changed = ?, entries_kept = ?, "
                     "entries_gone = ?, incidents_new = ?, incidents_kept = ?, incidents_updated = ?, "
                     "incidents_retired = ? WHERE id = ?",
                     (res.entries_new, res.entries_changed, res.entries_kept, res.entries_gone, res.incidents_new,
                      res.incidents_kept, res.incidents_updated, res.incidents_retired, vid))
        return res

    def _move_entry(self, entry_row_id: int, e: Entry, vid: int) -> None:
        self.conn.execute('UPDATE entries SET start = ?, "end" = ?, body_start = ?, version_id = ?, kind = ?, '
                          "dateline = ?, headline = ?, published = ? WHERE id = ?",
                          (e.start, e.end, e.body_start or e.start, vid, clean_text(e.kind), clean_text(e.dateline),
                           clean_text(e.headline), e.published.isoformat() if e.published else None, entry_row_id))

    def _update_incident(self, iid: int, inc: Incident, vid: int, entry_hash: str, entry_start: int) -> int:
        row, refused = _incident_values(inc)
        sets = ", ".join(f'"{c}" = ?' for c in INCIDENT_COLUMNS)
        self.conn.execute(
            f'UPDATE incidents SET {sets}, version_id = ?, entry_hash = ?, span_start = ?, span_end = ? WHERE id = ?',
            (*row, vid, entry_hash, inc.start - entry_start, inc.end - entry_start, iid))
        return refused

    def _retire(self, rows: list[dict], vid: int | None, reason: str) -> None:
        if not rows:
            return
        self.conn.executemany(
            "INSERT OR REPLACE INTO retired_incidents (id, report_id, key, retired_version, reason, data) "
            "VALUES (?,?,?,?,?,?)",
            [(r["id"], r["report_id"], r.get("key"), vid, reason, json.dumps(r, ensure_ascii=False)) for r in rows])
        self.conn.executemany("DELETE FROM incidents WHERE id = ?", [(r["id"],) for r in rows])

    def _fill_legacy(self, rid: int) -> None:
        """Give a report stored without versions (old schema, raw inserts) a version, entry hashes and keys."""
        conn = self.conn
        rep = conn.execute("SELECT hash, published, title, path, text, identity, source, url FROM reports "
                           "WHERE id = ?", (rid,)).fetchone()
        if rep is None:
            return
        v = conn.execute("SELECT id FROM report_versions WHERE report_id = ? ORDER BY version DESC LIMIT 1",
                         (rid,)).fetchone()
        if v is None:
            vid = conn.execute("INSERT OR IGNORE INTO report_versions (report_id, version, hash, published, title, "
                               "path, chars) VALUES (?,1,?,?,?,?,?)",
                               (rid, rep["hash"], rep["published"], rep["title"] or "", rep["path"] or "",
                                len(rep["text"]))).lastrowid
        else:
            vid = v[0]
        if rep["identity"] is None:
            r = Report(text="", source=rep["source"] or "", title=rep["title"] or "", url=rep["url"] or "")
            ident, _ = report_identity(r) if (r.url or r.source or r.title) else ("text:" + rep["hash"], True)
            conn.execute("UPDATE reports SET identity = ? WHERE id = ?", (ident, rid))
        rows = conn.execute('SELECT id, start, "end", hash FROM entries WHERE report_id = ? ORDER BY start, id',
                            (rid,)).fetchall()
        if any(r["hash"] is None for r in rows):
            text = rep["text"]
            hashes = entry_hashes(text, [Entry(start=r["start"], end=r["end"]) for r in rows])
            conn.executemany("UPDATE entries SET hash = ?, version_id = coalesce(version_id, ?), "
                             "body_start = coalesce(body_start, start) WHERE id = ?",
                             [(hh, vid, r["id"]) for hh, r in zip(hashes, rows)])
        spans = {(r["start"], r["end"]): r for r in conn.execute(
            'SELECT start, "end", hash FROM entries WHERE report_id = ?', (rid,))}
        todo = conn.execute('SELECT id, start, "end", entry_start, entry_end FROM incidents WHERE report_id = ? AND '
                            "key IS NULL", (rid,)).fetchall()
        if todo:
            keys = {r[0] for r in conn.execute("SELECT key FROM incidents WHERE report_id = ? AND key IS NOT NULL",
                                               (rid,))}
            ups = []
            for r in todo:
                e = spans.get((r["entry_start"], r["entry_end"]))
                eh, es = (e["hash"], e["start"]) if e else ("", r["entry_start"] or 0)
                s0, s1 = (r["start"] or 0) - es, (r["end"] or 0) - es
                ups.append((vid, eh, s0, s1, _unique_key(incident_key(rid, eh, s0, s1), keys), r["id"]))
            conn.executemany("UPDATE incidents SET version_id = coalesce(version_id, ?), entry_hash = ?, "
                             "span_start = ?, span_end = ?, key = ? WHERE id = ?", ups)

    def delete_report(self, report_id: int) -> bool:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM reports WHERE id = ?", (report_id,))
        return cur.rowcount > 0

    # ---------------------------------------------------------------- re-extraction
    def stored_report(self, report_id: int) -> StoredReport | None:
        with self._errors():
            r = self.conn.execute("SELECT id, source, title, url, path, identity FROM reports WHERE id = ?",
                                  (report_id,)).fetchone()
            if r is None:
                return None
            versions = self.versions(report_id)
            latest = max(versions, key=lambda v: v.version)
            return StoredReport(id=r["id"], source=r["source"] or "", title=r["title"] or "", url=r["url"] or "",
                                path=r["path"] or "", identity=r["identity"] or "", latest_version_id=latest.id,
                                versions=versions)

    def live_versions(self, report_id: int) -> list[int]:
        """Version ids that hold live entries or incidents of a report (the latest one first)."""
        with self._errors():
            rep = self.stored_report(report_id)
            if rep is None:
                return []
            ids = {r[0] for r in self.conn.execute(
                "SELECT DISTINCT version_id FROM entries WHERE report_id = ? AND version_id IS NOT NULL "
                "UNION SELECT DISTINCT version_id FROM incidents WHERE report_id = ? AND version_id IS NOT NULL",
                (report_id, report_id))}
            ids.discard(rep.latest_version_id)
            return [rep.latest_version_id, *sorted(ids, reverse=True)]

    def replace_extraction(self, report_id: int, version_id: int, entries: Sequence[Entry],
                           incidents: Sequence[Incident]) -> ReextractResult:
        """Replace the incidents a version holds with a fresh extraction of its text, keeping ids and keys.

        For the latest version the entry rows are replaced by ``entries``; for an
        older one only incidents inside the entries it still holds are taken.
        An old incident is matched to a new one by overlapping span (same place
        and type first): it keeps its id and key and takes the new values;
        unmatched old incidents move to ``retired_incidents``.
        """
        with self._write() as conn:
            self._fill_legacy(report_id)
            rep = self.stored_report(report_id)
            if rep is None:
                raise StoreError(f"{self.path}: no report {report_id}")
            if not version_id:  # a report stored without versions: it has one now
                version_id = rep.latest_version_id
            latest = version_id == rep.latest_version_id
            text = self._version_text(version_id, report_id)
            olds = [dict(r) for r in conn.execute(
                "SELECT * FROM incidents WHERE report_id = ? AND coalesce(version_id, ?) = ? ORDER BY start",
                (report_id, rep.latest_version_id, version_id))]
            before = conn.execute("SELECT count(*) FROM incidents WHERE report_id = ?", (report_id,)).fetchone()[0]
            hashes = entry_hashes(text, entries)
            if latest:
                conn.execute("DELETE FROM entries WHERE report_id = ? AND coalesce(version_id, ?) = ?",
                             (report_id, version_id, version_id))
                self._insert_entries(report_id, version_id, entries, hashes)
                chosen = list(incidents)
            else:
                ranges = [(r["start"], r["end"]) for r in conn.execute(
                    'SELECT start, "end" FROM entries WHERE report_id = ? AND version_id = ?', (report_id, version_id))]
                chosen = [i for i in incidents if any(s <= i.start < e for s, e in ranges)]
            pairs, left_old, left_new = _match_incidents(olds, chosen)
            locate = _EntryLocator(entries, hashes)
            for o, n in pairs:
                eh, es = locate(n)
                self._update_incident(o["id"], n, version_id, eh, es)
            self._retire(left_old, None, "re-extraction")
            keys = {r[0] for r in conn.execute("SELECT key FROM incidents WHERE report_id = ? AND key IS NOT NULL",
                                               (report_id,))}
            self._insert_incidents(report_id, version_id, left_new, entries, hashes, keys)
            after = conn.execute("SELECT count(*) FROM incidents WHERE report_id = ?", (report_id,)).fetchone()[0]
        return ReextractResult(report_id=report_id, incidents_before=before, incidents_after=after, kept=len(pairs),
                               new=len(left_new), retired=len(left_old))

    # ---------------------------------------------------------------- events
    def stale_places(self) -> int:
        """How many place ids have events to recompute."""
        with self._errors():
            return self.conn.execute("SELECT count(DISTINCT place_id) FROM link_dirty").fetchone()[0]

    def relink(self, gazetteer: Any = None, full: bool = False) -> int:
        """Recompute stale events; returns how many place cells were relinked.

        Incident changes mark ``(place id, day)`` pairs (triggers). A cell is
        relinked from the first changed day on, starting from its stored
        events of the day before, until a day after the last change comes out
        as it was stored (the rest of the cell stands); a cell whose places
        moved in the gazetteer, or everything with ``full``, is relinked whole.
        The result equals linking everything from scratch. One write
        transaction, so concurrent relinks and ingests serialise.
        """
        from .linking import PlaceIndex, load_rules

        index = gazetteer if isinstance(gazetteer, PlaceIndex) else PlaceIndex(gazetteer)
        rules = load_rules()
        with self._write() as conn:
            dirty = conn.execute("SELECT place_id, day FROM link_dirty").fetchall()
            if not dirty and not full:
                return 0
            prec = dict(conn.execute("SELECT coalesce(place_id, ''), min(geo_precision) FROM incidents "
                                     "GROUP BY 1").fetchall())
            # the precision matters for places the gazetteer lacks: take each place's finest
            current = {p: index.info(p, g) for p, g in prec.items()}
            stored = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT place_id, anchor, chain FROM link_places")}
            whole: set[str] = set()
            if full:
                whole = {i.anchor for i in current.values()} | {a for a, _ in stored.values()}
                whole |= {r[0] for r in conn.execute("SELECT DISTINCT anchor FROM events")}
            for p, info in current.items():  # a gazetteer change can move a place to another cell
                old = stored.get(p)
                if old is not None and (old[0] != info.anchor or old[1] != _chain_text(info.chain)):
                    whole.update((old[0], info.anchor))
            windows: dict[str, set[str]] = {}
            for p, day in dirty:
                for cell in {current[p].anchor if p in current else None, stored[p][0] if p in stored else None}:
                    if cell is not None:
                        windows.setdefault(cell, set()).add(day or "")
            pids_of: dict[str, list[str]] = {}
            for p, info in current.items():
                pids_of.setdefault(info.anchor, []).append(p)
            linker = _Relinker(conn, index, rules)
            for cell in sorted(whole):
                linker.whole(cell, pids_of.get(cell, []))
            for cell in sorted(set(windows) - whole):
                linker.window(cell, pids_of.get(cell, []), windows[cell])
            linker.write()
            conn.execute("DELETE FROM link_places")
            conn.executemany("INSERT INTO link_places (place_id, anchor, chain) VALUES (?,?,?)",
                             [(p, i.anchor, _chain_text(i.chain)) for p, i in current.items()])
            conn.execute("DELETE FROM link_dirty")
            return len(whole | set(windows))

    def events(self, gazetteer: Any = None, where: str = "", params: Iterable = (),
               with_why: bool = True) -> list[Event]:
        """All events (relinked first when incidents changed since), newest first.

        ``gazetteer`` is used only when something must be relinked; without one
        the curated + user gazetteer is loaded then. ``with_why=False`` skips
        decoding the link reasons (faster for maps and counts).
        """
        if self.stale_places():
            if gazetteer is None:
                from gazetteer import Gazetteer

                gazetteer = Gazetteer.load()
            self.relink(gazetteer)
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
        if where:
            sql += " WHERE " + where
        sql += " ORDER BY date DESC, event_id"
        with self._errors():
            return [_event_from_row(r, with_why) for r in self.conn.execute(sql, tuple(params))]

    def event_of(self, incident_id: int) -> str | None:
        with self._errors():
            row = self.conn.execute("SELECT event_id FROM event_accounts WHERE incident_id = ?",
                                    (incident_id,)).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- reading
    def count(self, table: str = "incidents") -> int:
        if table not in ("incidents", "reports", "entries", "report_versions", "events", "retired_incidents", "review_log",
                         "reviews"):
            raise ValueError(table)
        with self._errors():
            return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def reports(self) -> list[dict]:
        with self._errors():
            rows = self.conn.execute(
                "SELECT r.id, r.hash, r.source, r.published, r.title, r.url, r.path, r.ingested_at, r.identity, "
                "r.name, r.updated_at, length(r.text) AS chars, "
                "(SELECT count(*) FROM incidents i WHERE i.report_id = r.id) AS incidents, "
                "max(1, (SELECT count(*) FROM report_versions v WHERE v.report_id = r.id)) AS versions "
                "FROM reports r ORDER BY r.published DESC, r.id DESC"
            ).fetchall()
        return [dict(r) for r in rows]

    def versions(self, report_id: int) -> list[ReportVersion]:
        """The versions of a report, oldest first, with what each one changed."""
        with self._errors():
            rows = self.conn.execute(
                "SELECT id, report_id, version, hash, published, title, path, chars, ingested_at, text IS NULL AS "
                "latest, entries_new, entries_changed, entries_kept, entries_gone, incidents_new, incidents_kept, "
                "incidents_updated, incidents_retired FROM report_versions WHERE report_id = ? ORDER BY version",
                (report_id,)).fetchall()
            if not rows:  # written without versions (raw inserts): its one version is the report itself
                r = self.conn.execute("SELECT id, hash, published, title, path, length(text) AS chars, ingested_at "
                                      "FROM reports WHERE id = ?", (report_id,)).fetchone()
                if r is None:
                    return []
                return [ReportVersion(id=0, report_id=r["id"], version=1, hash=r["hash"], published=r["published"],
                                      title=r["title"] or "", path=r["path"] or "", chars=r["chars"],
                                      ingested_at=r["ingested_at"], latest=True)]
        out = [ReportVersion(**{**dict(r), "latest": bool(r["latest"])}) for r in rows]
        return out

    def version_text(self, version_id: int) -> str:
        with self._errors():
            return self._version_text(version_id)

    def _version_text(self, version_id: int, report_id: int | None = None) -> str:
        row = self.conn.execute("SELECT v.text, r.text AS latest FROM report_versions v JOIN reports r ON "
                                "r.id = v.report_id WHERE v.id = ?", (version_id,)).fetchone()
        if row is None:
            if report_id is not None:
                return self.report_text(report_id)
            return ""
        return row["text"] if row["text"] is not None else row["latest"]

    def report_text(self, report_id: int) -> str:
        """The report's latest text."""
        with self._errors():
            row = self.conn.execute("SELECT text FROM reports WHERE id = ?", (report_id,)).fetchone()
        return row["text"] if row else ""

    def entry_text(self, report_id: int, start: int, end: int, version_id: int | None = None) -> str:
        """Text of the report between offsets: of its latest version, or of ``version_id``
        (incidents of entries that left a live page point into an older version)."""
        with self._errors():
            if version_id:
                row = self.conn.execute("SELECT text IS NOT NULL FROM report_versions WHERE id = ? AND report_id = ?",
                                        (version_id, report_id)).fetchone()
                if row and row[0]:
                    r = self.conn.execute("SELECT substr(text, ? + 1, ? - ?) FROM report_versions WHERE id = ?",
                                          (start, end, start, version_id)).fetchone()
                    return r[0] if r else ""
            row = self.conn.execute(
                'SELECT substr(text, ? + 1, ? - ?) AS t FROM reports WHERE id = ?', (start, end, start, report_id)
            ).fetchone()
        return row["t"] if row else ""

    def incidents(self, where: str = "", params: Iterable = ()) -> list[dict]:
        sql = ("SELECT id, report_id, " + ", ".join(f'"{c}"' for c in INCIDENT_COLUMNS + IDENTITY_COLUMNS)
               + " FROM incidents")
        if where:
            sql += " WHERE " + where
        sql += " ORDER BY date DESC, id"
        out = []
        with self._errors():
            for row in self.conn.execute(sql, tuple(params)):
                d = dict(row)
                d["mentions"] = json.loads(d["mentions"] or "[]")
                d["why"] = json.loads(d["why"] or "{}")
                out.append(d)
        return out

    def retired(self, report_id: int | None = None) -> list[dict]:
        """Incidents that a changed entry or a re-extraction no longer gives (kept, not shown)."""
        sql = "SELECT id, report_id, key, retired_version, reason, retired_at, data FROM retired_incidents"
        args: tuple = ()
        if report_id is not None:
            sql, args = sql + " WHERE report_id = ?", (report_id,)
        with self._errors():
            return [{**dict(r), "data": json.loads(r["data"])} for r in self.conn.execute(sql + " ORDER BY id", args)]

    def texts(self) -> list[tuple[int, str]]:
        with self._errors():
            return [(r["id"], r["text"]) for r in self.conn.execute("SELECT id, text FROM reports")]

    def integrity(self) -> str:
        """SQLite's integrity check ("ok" when the file is sound)."""
        with self._errors():
            return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


class _Relinker:
    """Recomputes the events of place cells inside one transaction (see :meth:`Store.relink`)."""

    def __init__(self, conn: sqlite3.Connection, index: Any, rules: Any):
        from . import linking

        self.conn, self.index, self.rules, self.linking = conn, index, rules, linking
        self.drop: set[str] = set()  # event ids to delete
        self.drop_incidents: list[int] = []  # incidents whose events (in any cell) go
        self.new: list[tuple[Event, int | None]] = []  # (event, first day)
        self.used: set[str] = set()
        self.cols = ", ".join(f'"{c}"' for c in _LINK_COLUMNS)

    def _accounts(self, pids: list[str], where: str, params: tuple) -> list:
        out = []
        for chunk in _chunks(pids):
            marks = ",".join("?" for _ in chunk)
            for r in self.conn.execute(f"SELECT {self.cols} FROM incidents WHERE {_place_in(chunk)} AND ({where})",
                                       (*chunk, *params)):
                out.append(self.linking.account(dict(r), self.index, self.rules))
        return out

    def _keep(self, cell: str, events) -> None:
        for ev in events:
            fe = self.linking.finish(ev, self.rules, self.used)
            fe.anchor = cell
            self.new.append((fe, ev.members[0].day))

    def whole(self, cell: str, pids: list[str]) -> None:
        accounts = self._accounts(pids, "1", ())
        self.drop |= {r[0] for r in self.conn.execute("SELECT event_id FROM events WHERE anchor = ?", (cell,))}
        self.drop_incidents += [a.incident_id for a in accounts]
        self._keep(cell, self.linking.link_cell(accounts, self.rules))

    def window(self, cell: str, pids: list[str], days: set[str]) -> None:
        """Relink a cell from its first changed day until a day after the last change comes out as stored."""
        from datetime import date as _date

        L = self.linking
        if not pids:  # no incident left in the cell
            self.drop |= {r[0] for r in self.conn.execute("SELECT event_id FROM events WHERE anchor = ?", (cell,))}
            return
        dated = sorted({d for d in (_ordinal(x) for x in days) if d is not None})
        has_events = self.conn.execute("SELECT 1 FROM events WHERE anchor = ? LIMIT 1", (cell,)).fetchone()
        if not has_events or len(dated) > WINDOW_MAX_DAYS:  # new, or changed all over: cheaper whole
            self.whole(cell, pids)
            return
        if any(_ordinal(x) is None for x in days):  # undated accounts are single events: redo them
            self.drop |= {r[0] for r in self.conn.execute(
                "SELECT event_id FROM events WHERE anchor = ? AND first_day IS NULL", (cell,))}
            undated = "date IS NULL OR date = '' OR date(date) IS NULL OR date(date) != date"
            self._keep(cell, L.link_cell(self._accounts(pids, undated, ()), self.rules))
        if not dated:
            return
        first, last = dated[0], dated[-1]
        old_by_day: dict[int, list[tuple[str, list[int], str]]] = {}
        for r in self.conn.execute("SELECT event_id, first_day, incident_ids, why FROM events WHERE anchor = ? AND "
                                   "first_day >= ?", (cell, first - 1)):
            ids = [int(x) for x in r["incident_ids"].split(",")] if r["incident_ids"] else []
            old_by_day.setdefault(r["first_day"], []).append((r["event_id"], ids, r["why"]))

        def day_accounts(d: int) -> list:
            return self._accounts(pids, "date = ?", (_date.fromordinal(d).isoformat(),))

        # the state linking day `first` starts from: the events founded the day before, with that day's accounts
        linker = L.CellLinker(self.rules)
        prev = {a.incident_id: a for a in day_accounts(first - 1)} if old_by_day.get(first - 1) else {}
        seeded = []
        for _, ids, why in old_by_day.get(first - 1, []):
            members = [prev[i] for i in ids if i in prev]
            if members:
                seeded.append(L.restore(members, [EventLink(*w) for w in json.loads(why or "[]")]))
        seeded.sort(key=lambda ev: ev.members[0].order)
        linker.seed(first - 1, seeded)
        day, stop = first, None
        while True:
            accounts = day_accounts(day)
            linker.add_day(accounts)
            if day > last:  # an unchanged day founding the same events as stored: the rest stands
                today = {a.incident_id: a.order for a in accounts}
                new_state = [[m.incident_id for m in ev.members] for ev in linker.founded_on(day)]
                old_state = [x for x in ([i for i in ids if i in today] for _, ids, _ in old_by_day.get(day, [])) if x]
                old_state.sort(key=lambda ids: today[ids[0]])
                if new_state == old_state:
                    stop = day
                    break
            nxt = self.conn.execute(f"SELECT min(date) FROM incidents WHERE {_place_in(pids)} "
                                    "AND date > ? AND date(date) = date",
                                    (*pids, _date.fromordinal(day).isoformat())).fetchone()[0]
            nday = _ordinal(nxt)
            if nday is None:
                break  # the end of the cell: everything from `first - 1` on is replaced
            if nday > day + 1 and day >= last:  # a day without accounts: nothing carries over it
                stop = day + 1
                break
            day = nday
        in_range = (lambda d: d is not None and d >= first - 1 and (stop is None or d < stop))
        for d, evs in old_by_day.items():
            if in_range(d):
                self.drop |= {eid for eid, _, _ in evs}
        self._keep(cell, [ev for ev in linker.events() if in_range(ev.members[0].day)])

    def write(self) -> None:
        conn = self.conn
        drop = sorted(self.drop)
        for chunk in _chunks(drop):
            marks = ",".join("?" for _ in chunk)
            conn.execute(f"DELETE FROM event_accounts WHERE event_id IN ({marks})", chunk)
            conn.execute(f"DELETE FROM events WHERE event_id IN ({marks})", chunk)
        for chunk in _chunks(self.drop_incidents):  # their events in other cells (a gazetteer change)
            marks = ",".join("?" for _ in chunk)
            conn.execute(f"DELETE FROM events WHERE event_id IN (SELECT event_id FROM event_accounts WHERE "
                         f"incident_id IN ({marks}))", chunk)
            conn.execute(f"DELETE FROM event_accounts WHERE incident_id IN ({marks})", chunk)
        ids = [ev.event_id for ev, _ in self.new]
        taken = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" for _ in chunk)
            taken |= {r[0] for r in conn.execute(f"SELECT event_id FROM events WHERE event_id IN ({marks})", chunk)}
        ev_rows, acc_rows, sources_json = [], [], {}
        for ev, first_day in self.new:
            eid, n = ev.event_id, 1
            while eid in taken:  # an id another cell holds (identical keys): keep both apart
                n += 1
                eid = f"{ev.event_id}-{n}"
            taken.add(eid)
            ev.event_id = eid
            ev_rows.append((*_event_row(ev, sources_json), first_day))
            acc_rows += [(i, eid) for i in ev.incident_ids]
        cols = ", ".join(EVENT_COLUMNS + ("first_day",))
        marks = ",".join("?" for _ in range(len(EVENT_COLUMNS) + 1))
        conn.executemany(f"INSERT INTO events ({cols}) VALUES ({marks})", ev_rows)
        conn.executemany("INSERT OR REPLACE INTO event_accounts (incident_id, event_id) VALUES (?, ?)", acc_rows)


def _place_in(pids: Sequence[str]) -> str:
    """``place_id IN (?, ...)`` for these ids ('' standing for no place), so that the index serves it."""
    cond = f"place_id IN ({','.join('?' for _ in pids)})"
    return f"({cond} OR place_id IS NULL)" if "" in pids else cond


def _ordinal(day: str | None) -> int | None:
    from datetime import date as _date

    try:
        return _date.fromisoformat(day).toordinal() if day else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------- helpers
def _statements(script: str) -> list[str]:
    """The statements of a schema script (CREATE TRIGGER bodies kept whole)."""
    out, buf = [], []
    for line in script.splitlines():
        if not line.strip() or line.strip().startswith("--"):
            continue
        buf.append(line)
        joined = "\n".join(buf)
        if sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    return out


def _chunks(items: Sequence, n: int = _CHUNK) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i:i + n]


def in_chunks(items: Sequence) -> Iterator[tuple[str, list]]:
    """``items`` in chunks small enough for one ``IN (...)`` each, with the chunk's placeholders."""
    for chunk in _chunks(items):
        yield ",".join("?" for _ in chunk), chunk


def _chain_text(chain: frozenset[str]) -> str:
    return "|".join(sorted(chain))


def _unique_key(key: str, keys: set[str]) -> str:
    k, n = key, 1
    while k in keys:
        n += 1
        k = f"{key}#{n}"
    keys.add(k)
    return k


def _incident_values(inc: Incident) -> tuple[tuple, int]:
    """The INCIDENT_COLUMNS values of an incident, made storable; and how many counts were refused."""
    d = {c: getattr(inc, c, None) for c in INCIDENT_COLUMNS}
    d["mentions"] = json.dumps(d["mentions"] or [], ensure_ascii=False)
    d["why"] = json.dumps(d["why"] or {}, ensure_ascii=False)
    refused = 0
    for c in ("fatalities", "injuries"):
        n = safe_count(d[c])
        if d[c] is not None and n is None:
            refused += 1
            d[f"{c}_text"] = d[f"{c}_text"] or str(d[c])[:200]
        d[c] = n
    for c in ("time_precision", "geo_precision", "start", "end", "entry_start", "entry_end"):
        try:
            d[c] = int(d[c]) if d[c] is not None else None
        except (TypeError, ValueError, OverflowError):
            d[c] = None
    return tuple(_clean(d[c]) for c in INCIDENT_COLUMNS), refused


class _EntryLocator:
    """The entry an incident belongs to: by its entry span, else the entry holding its start."""

    def __init__(self, entries: Sequence[Entry], hashes: list[str]):
        self.entries, self.hashes = entries, hashes
        self.by_span = {(e.start, e.end): i for i, e in enumerate(entries)}
        self.starts = [e.start for e in entries]

    def index(self, inc: Incident) -> int:
        i = self.by_span.get((inc.entry_start, inc.entry_end))
        if i is not None:
            return i
        import bisect

        j = bisect.bisect_right(self.starts, inc.start) - 1
        if 0 <= j < len(self.entries) and inc.start < self.entries[j].end:
            return j
        return -1

    def __call__(self, inc: Incident) -> tuple[str, int]:
        i = self.index(inc)
        if i < 0:
            return "", 0
        return self.hashes[i], self.entries[i].start


def _shift_why(why: str | None, delta: int) -> str:
    """An incident's ``why`` with its offsets ("start", "end", at any depth) moved by ``delta``."""
    if not why or not delta:
        return why or "{}"
    try:
        data = json.loads(why)
    except ValueError:
        return why

    def move(v):
        if isinstance(v, dict):
            return {k: (x + delta if k in ("start", "end") and isinstance(x, int) and x >= 0 else move(x))
                    for k, x in v.items()}
        if isinstance(v, list):
            return [move(x) for x in v]
        return v

    return json.dumps(move(data), ensure_ascii=False)


def _shift_mentions(mentions: str | None, delta: int) -> str:
    if not mentions or not delta:
        return mentions or "[]"
    try:
        ms = json.loads(mentions)
    except ValueError:
        return mentions
    for m in ms:
        if isinstance(m, dict):
            for k in ("start", "end"):
                if isinstance(m.get(k), int):
                    m[k] += delta
    return json.dumps(ms, ensure_ascii=False)


_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text[:4000])}


def _pair_changed(fresh: list[int], entries: Sequence[Entry], text: str, gone: list, old_text: str
                  ) -> list[tuple[int, Any]]:
    """New entries that are edits of entries gone from the page: same kind and dateline (or headline),
    and at least half their words in common. Greedy, best overlap first."""
    if not fresh or not gone or len(fresh) * len(gone) > 20000:
        return []
    new_w = {i: _words(text[entries[i].body_start or entries[i].start:entries[i].end]) for i in fresh}
    old_w = {r["id"]: _words(old_text[(r["body_start"] or r["start"]):r["end"]]) for r in gone}
    cands = []
    for i in fresh:
        e = entries[i]
        for r in gone:
            if r["kind"] != e.kind:
                continue
            same_head = bool(e.headline) and e.headline == r["headline"]
            if not same_head and (e.dateline or "") != (r["dateline"] or ""):
                continue
            a, b = new_w[i], old_w[r["id"]]
            sim = len(a & b) / max(1, len(a | b))
            if sim >= 0.5 or same_head:
                cands.append((sim + same_head, i, r))
    cands.sort(key=lambda t: -t[0])
    used_new, used_old, out = set(), set(), []
    for _, i, r in cands:
        if i in used_new or r["id"] in used_old:
            continue
        used_new.add(i)
        used_old.add(r["id"])
        out.append((i, r))
    return out


def _match_incidents(olds: list[dict], news: Sequence[Incident]) -> tuple[list[tuple[dict, Incident]], list[dict],
                                                                         list[Incident]]:
    """Old incident rows matched to new incidents of the same text: overlapping spans, the same place and type
    first, then the largest overlap; for an edited entry (spans moved) the same place and type in order."""
    cands = []
    olds_sorted = sorted(olds, key=lambda o: o["start"] or 0)
    starts = [o["start"] or 0 for o in olds_sorted]
    longest = max(((o["end"] or 0) - (o["start"] or 0) for o in olds_sorted), default=0)
    import bisect

    for j, n in enumerate(news):
        lo = bisect.bisect_left(starts, n.start - longest)
        hi = bisect.bisect_left(starts, n.end)
        for k in range(lo, hi):
            o = olds_sorted[k]
            ov = min(o["end"] or 0, n.end) - max(o["start"] or 0, n.start)
            if ov > 0:
                same = o["place_id"] == n.place_id and o["event_type"] == n.event_type
                cands.append((same, ov, k, j))
    cands.sort(key=lambda t: (-t[0], -t[1], t[2], t[3]))
    used_o, used_n, pairs = set(), set(), []
    for same, _, k, j in cands:
        if k in used_o or j in used_n:
            continue
        used_o.add(k)
        used_n.add(j)
        pairs.append((olds_sorted[k], news[j]))
    # spans that moved (an edited entry): the same place and type, in order
    rest_o = [k for k in range(len(olds_sorted)) if k not in used_o]
    for j, n in enumerate(news):
        if j in used_n:
            continue
        for k in rest_o:
            o = olds_sorted[k]
            if k not in used_o and o["place_id"] == n.place_id and o["event_type"] == n.event_type:
                used_o.add(k)
                used_n.add(j)
                pairs.append((o, n))
                break
    left_old = [olds_sorted[k] for k in range(len(olds_sorted)) if k not in used_o]
    left_new = [n for j, n in enumerate(news) if j not in used_n]
    return pairs, left_old, left_new


def _event_row(ev: Event, sources_json: dict[tuple, str]) -> tuple:
    d = {c: getattr(ev, c) for c in EVENT_COLUMNS}
    key = tuple(ev.sources)
    src = sources_json.get(key)
    if src is None:
        src = sources_json[key] = json.dumps(ev.sources, ensure_ascii=False)
    d["sources"] = src
    d["incident_ids"] = ",".join(map(str, ev.incident_ids))
    d["why"] = (json.dumps([[w.incident_id, w.linked_to, w.rules, w.detail] for w in ev.why], ensure_ascii=False)
                if ev.why else "[]")
    return tuple(d[c] for c in EVENT_COLUMNS)


_SOURCES_CACHE: dict[str, list[str]] = {}


def _event_from_row(r: sqlite3.Row, with_why: bool = True) -> Event:
    d = dict(r)
    src = d["sources"] or "[]"
    cached = _SOURCES_CACHE.get(src)
    if cached is None:
        cached = json.loads(src)
        if len(_SOURCES_CACHE) < 10000:  # few distinct outlet sets: decode each once
            _SOURCES_CACHE[src] = cached
    d["sources"] = list(cached)
    ids = d["incident_ids"] or ""
    d["incident_ids"] = [int(x) for x in ids.split(",")] if ids else []
    why = d["why"] or "[]"
    d["why"] = [EventLink(*w) for w in json.loads(why)] if with_why and why != "[]" else []
    return Event(**d)
