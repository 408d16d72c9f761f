"""The local store: SQLite with reports, entries and incidents.

* The path is ``--db PATH``, else ``$INCIDENTS_DB``, else ``data/incidents.db``.
* Ingest is idempotent (a report is identified by the hash of its text) and
  atomic: one transaction per report, so a crash mid-ingest leaves the store
  as it was.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Sequence

from .errors import StoreError
from .model import Entry, Incident, Report

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "incidents.db"
DB_ENV = "INCIDENTS_DB"

SCHEMA = """
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

INCIDENT_COLUMNS = (
    "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "event_type",
    "sub_event_type", "fatalities", "injuries", "source", "published", "excerpt", "start", "end",
    "dateline", "country", "fatalities_text", "injuries_text", "entry_start", "entry_end", "mentions",
)


def default_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """``explicit`` (``--db``), else ``$INCIDENTS_DB``, else ``data/incidents.db``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


class Store:
    """A connection to the SQLite store. Use as a context manager or call ``close()``."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = default_db_path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc}") from None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # ---------------------------------------------------------------- writing
    def has_report(self, report_hash: str) -> int | None:
        row = self.conn.execute("SELECT id FROM reports WHERE hash = ?", (report_hash,)).fetchone()
        return row["id"] if row else None

    def save(self, report: Report, entries: Sequence[Entry], incidents: Sequence[Incident]) -> tuple[int, bool]:
        """Save one report with its entries and incidents in one transaction.

        Returns ``(report_id, added)``; ``added`` is False when the same text
        was already stored (nothing changes then).
        """
        existing = self.has_report(report.hash)
        if existing is not None:
            return existing, False
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(
                "INSERT INTO reports (hash, source, published, title, url, path, text) VALUES (?,?,?,?,?,?,?)",
                (report.hash, report.source, report.published.isoformat() if report.published else None,
                 report.title, report.url, report.path, report.text),
            )
            rid = cur.lastrowid
            conn.executemany(
                'INSERT INTO entries (report_id, start, "end", kind, dateline, headline, published) VALUES (?,?,?,?,?,?,?)',
                [(rid, e.start, e.end, e.kind, e.dateline, e.headline, e.published.isoformat() if e.published else None)
                 for e in entries],
            )
            cols = ", ".join(f'"{c}"' for c in INCIDENT_COLUMNS)
            marks = ", ".join("?" for _ in INCIDENT_COLUMNS)
            conn.executemany(
                f"INSERT INTO incidents (report_id, {cols}) VALUES (?, {marks})",
                [(rid, *_incident_row(inc)) for inc in incidents],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return rid, True

    def delete_report(self, report_id: int) -> bool:
        with self.conn:
            cur = self.conn.execute("DELETE FROM reports WHERE id = ?", (report_id,))
        return cur.rowcount > 0

    # ---------------------------------------------------------------- reading
    def count(self, table: str = "incidents") -> int:
        if table not in ("incidents", "reports", "entries"):
            raise ValueError(table)
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def reports(self) -> list[dict]:
        rows = self.conn.execute(
            "SELECT r.id, r.hash, r.source, r.published, r.title, r.url, r.path, r.ingested_at, "
            "length(r.text) AS chars, (SELECT count(*) FROM incidents i WHERE i.report_id = r.id) AS incidents "
            "FROM reports r ORDER BY r.published DESC, r.id DESC"
        ).fetchall()
        return [dict(r) for r in rows]

    def report_text(self, report_id: int) -> str:
        row = self.conn.execute("SELECT text FROM reports WHERE id = ?", (report_id,)).fetchone()
        return row["text"] if row else ""

    def entry_text(self, report_id: int, start: int, end: int) -> str:
        row = self.conn.execute(
            'SELECT substr(text, ? + 1, ? - ?) AS t FROM reports WHERE id = ?', (start, end, start, report_id)
        ).fetchone()
        return row["t"] if row else ""

    def incidents(self, where: str = "", params: Iterable = ()) -> list[dict]:
        sql = "SELECT id, report_id, " + ", ".join(f'"{c}"' for c in INCIDENT_COLUMNS) + " FROM incidents"
        if where:
            sql += " WHERE " + where
        sql += " ORDER BY date DESC, id"
        out = []
        for row in self.conn.execute(sql, tuple(params)):
            d = dict(row)
            d["mentions"] = json.loads(d["mentions"] or "[]")
            out.append(d)
        return out

    def texts(self) -> list[tuple[int, str]]:
        return [(r["id"], r["text"]) for r in self.conn.execute("SELECT id, text FROM reports")]


def _incident_row(inc: Incident) -> tuple:
    d = asdict(inc)
    d["mentions"] = json.dumps(d.get("mentions") or [], ensure_ascii=False)
    return tuple(d[c] for c in INCIDENT_COLUMNS)
