"""``python -m incidents export``: a SQLite store into the Parquet dataset layout of ``batch``.

The store is opened read-only and read in short pages by id (no long read lock, so
``ingest`` can go on meanwhile); only reports that existed when the export started are
written, each with its entries and incidents. Ids are the store's own, so the DuckDB read
layer orders ties exactly as the SQLite path does. Reports already in the dataset (by
content hash) are skipped: exporting again adds only the new ones. The files are written
and committed like a batch run (:mod:`incidents.parquet`): all or nothing. Incidents carry the
analysts' reviews (:mod:`incidents.review`): the corrected values, a ``review`` column (machine,
confirmed, corrected, rejected; rejected ones are written too) and ``review_note``. A report already
exported is not written again, so a review made after its export reaches a new dataset only.
"""
from __future__ import annotations

import json
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import review
from .errors import IncidentMapError
from .parquet import (Dataset, DatasetError, Run, columns_to_table, event_columns, merge_pieces, month_of,
                      split_by_month, write_file)
from .store import INCIDENT_COLUMNS

PAGE = 50_000


@dataclass
class ExportSummary:
    store: str
    dataset: str
    reports: int = 0
    skipped: int = 0
    entries: int = 0
    incidents: int = 0
    events: int = 0
    files: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        skipped = f" ({self.skipped} already in the dataset)" if self.skipped else ""
        return (f"export: {self.reports} reports{skipped}, {self.entries} entries, {self.incidents} incidents, "
                f"{self.events} events from {self.store} in {self.seconds:.1f} s -> {self.dataset} ({self.files} files)")


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise DatasetError(f"{path}: no such store")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
        conn.execute("SELECT id, hash, text FROM reports LIMIT 1").fetchall()
        conn.execute("SELECT id, report_id FROM incidents LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise DatasetError(f"{path}: not an incidents store ({exc})") from None
    return conn


def _pages(conn: sqlite3.Connection, sql: str, last_report: int):
    """Rows of ``sql`` (which selects ``id`` first and has ``WHERE x.id > ? AND report_id <= ?``), page by page."""
    after = 0
    while True:
        rows = conn.execute(sql, (after, last_report, PAGE)).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _apply_reviews(cols: dict[str, list], res: "review.Resolution") -> None:
    """Reviewed values into a page of incident columns, and the ``review``/``review_note`` columns.
    Rejected incidents are exported too (``review = rejected``): the dataset mirrors the store."""
    cols["review"] = [review.ReviewState.MACHINE.value] * len(cols["id"])
    cols["review_note"] = [""] * len(cols["id"])
    if not res.by_incident:
        return
    for k, iid in enumerate(cols["id"]):
        rev = res.by_incident.get(iid)
        if rev is None:
            continue
        cols["review"][k], cols["review_note"][k] = rev.state.value, rev.note
        for f, v in rev.fields.items():
            if f in cols:
                cols[f][k] = v


def _stale(conn: sqlite3.Connection) -> bool:
    try:
        return conn.execute("SELECT 1 FROM link_dirty LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return False


def _relink_if_stale(db: Path) -> None:
    """Link the store's changed incidents into events first (ingest does as it saves; a store written
    otherwise, or by an older version, may have stale events), as the dashboard does on opening it."""
    from .store import Store

    try:
        with Store(db) as s:
            if s.stale_places():
                from gazetteer import Gazetteer

                s.relink(Gazetteer.load())
    except IncidentMapError:
        raise
    except Exception as exc:  # a read-only store is exported with the events it has
        print(f"export: could not relink the events first ({exc}); exporting them as stored", file=sys.stderr)


EVENT_READ = ("event_id", "anchor", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision",
              "country", "event_type", "sub_event_type", "fatalities_low", "fatalities_best", "fatalities_high",
              "injuries_low", "injuries_best", "injuries_high", "sources", "n_reports", "incident_ids", "why")


def _stage_events(conn: sqlite3.Connection, reviews: "review.Resolution", stage) -> int:
    """The store's events table, page by page, with each event's review state (``review.event_state``):
    the whole table, since a run rewrites the dataset's events (``Run.commit(replace=...)``)."""
    from types import SimpleNamespace

    from .model import Event, EventLink

    quoted = ", ".join(f'"{c}"' for c in EVENT_READ)
    sql = f"SELECT rowid, {quoted} FROM events WHERE rowid > ? AND ? >= 0 ORDER BY rowid LIMIT ?"
    n = 0
    for page in _pages(conn, sql, 0):
        events, states, ords = [], {}, []
        for row in page:
            ords.append(int(row[0]))
            d = dict(zip(EVENT_READ, row[1:]))
            try:
                d["sources"] = [str(x) for x in json.loads(d["sources"] or "[]")]
            except ValueError:
                d["sources"] = []
            d["incident_ids"] = [int(x) for x in (d["incident_ids"] or "").split(",") if x.strip().isdigit()]
            try:
                d["why"] = [EventLink(*w) for w in json.loads(d["why"] or "[]")]
            except (ValueError, TypeError):
                d["why"] = []
            ev = Event(**d)
            events.append(ev)
            if reviews.by_incident:
                states[ev.event_id] = review.event_state(SimpleNamespace(incident_ids=ev.incident_ids), reviews).value
        cols, months = event_columns(events, states, ords)
        stage("events", cols, months)
        n += len(events)
    return n


def export_store(db: str | Path, to: str | Path, relink: bool = True) -> ExportSummary:
    t0 = time.perf_counter()
    db = Path(db)
    summary = ExportSummary(str(db), str(to))
    conn = _connect(db)
    if relink and _stale(conn):
        conn.close()
        _relink_if_stale(db)
        conn = _connect(db)
    dataset = Dataset(Path(to))
    lock = dataset.open_for_writing()
    run: Run | None = None
    try:
        manifest = dataset.manifest()
        here = str(db.resolve())
        if manifest.get("store") not in (None, here):
            raise DatasetError(f"{to}: holds an export of {manifest['store']} (ids would clash); "
                               "export into a new folder")
        done = dataset.done_hashes()
        last = conn.execute("SELECT coalesce(max(id), 0) FROM reports").fetchone()[0]
        run = dataset.new_run()
        piece = 0
        keep: dict[int, tuple[str, str]] = {}  # report id -> (hash, month) of reports exported

        def stage(table: str, columns: dict[str, list], months: list[str]) -> None:
            nonlocal piece
            for m, part in split_by_month(columns_to_table(columns, table), months).items():
                write_file(part, run.stage / table / f"month={m}" / f"unit-{piece:06d}.parquet")
            piece += 1

        sql = ("SELECT r.id, r.hash, r.source, r.published, r.title, r.url, r.path, r.text, r.ingested_at, "
               "(SELECT count(*) FROM entries e WHERE e.report_id = r.id), "
               "(SELECT count(*) FROM incidents i WHERE i.report_id = r.id) "
               "FROM reports r WHERE r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?")
        names = ("report_id", "hash", "source", "published", "title", "url", "path", "text", "ingested_at",
                 "n_entries", "n_incidents")
        for page in _pages(conn, sql, last):
            summary.skipped += sum(1 for r in page if r[1] in done)
            rows = [r for r in page if r[1] not in done]
            if not rows:
                continue
            cols = dict(zip(names, map(list, zip(*rows))))
            for c in ("source", "title", "url", "path", "ingested_at"):
                cols[c] = [v or "" for v in cols[c]]
            cols["chars"] = [len(t) for t in cols["text"]]
            cols["words"] = [len(t.split()) for t in cols["text"]]
            cols["run"] = [run.id] * len(rows)
            months = [month_of(p) for p in cols["published"]]
            keep.update(zip(cols["report_id"], zip(cols["hash"], months)))
            summary.reports += len(rows)
            stage("reports", cols, months)

        seqs: dict[tuple[str, int], int] = {}

        def seq(table: str, rid: int) -> int:
            n = seqs.get((table, rid), 0)
            seqs[(table, rid)] = n + 1
            return n

        sql = ('SELECT e.id, e.report_id, e.start, e."end", e.kind, e.dateline, e.headline, e.published '
               "FROM entries e WHERE e.id > ? AND e.report_id <= ? ORDER BY e.id LIMIT ?")
        names = ("id", "report_id", "start", "end", "kind", "dateline", "headline", "published")
        for page in _pages(conn, sql, last):
            rows = [r for r in page if r[1] in keep]
            if not rows:
                continue
            cols = dict(zip(names, map(list, zip(*rows))))
            for c in ("kind", "dateline", "headline"):
                cols[c] = [v or "" for v in cols[c]]
            cols["report_hash"] = [keep[rid][0] for rid in cols["report_id"]]
            cols["seq"] = [seq("entries", rid) for rid in cols["report_id"]]
            summary.entries += len(rows)
            stage("entries", cols, [keep[rid][1] for rid in cols["report_id"]])

        reviews = review.load(conn)  # the analysts' reviews: the corrected values and a review column
        quoted = ", ".join(f'i."{c}"' for c in INCIDENT_COLUMNS)
        sql = (f"SELECT i.id, i.report_id, {quoted} "
               "FROM incidents i WHERE i.id > ? AND i.report_id <= ? ORDER BY i.id LIMIT ?")
        names = ("id", "report_id", *INCIDENT_COLUMNS)
        for page in _pages(conn, sql, last):
            rows = [r for r in page if r[1] in keep]
            if not rows:
                continue
            cols = dict(zip(names, map(list, zip(*rows))))
            cols["mentions"] = [v or "[]" for v in cols["mentions"]]
            _apply_reviews(cols, reviews)
            cols["report_hash"] = [keep[rid][0] for rid in cols["report_id"]]
            cols["seq"] = [seq("incidents", rid) for rid in cols["report_id"]]
            summary.incidents += len(rows)
            stage("incidents", cols, [month_of(d) for d in cols["date"]])

        summary.events = _stage_events(conn, reviews, stage)

        for table in ("incidents", "entries", "reports", "events"):
            for folder in sorted((run.stage / table).glob("month=*")):
                t = merge_pieces(sorted(folder.glob("unit-*.parquet")), table)
                if t.num_rows:
                    write_file(t, run.final_path(table, folder.name.split("=", 1)[1]))
        summary.files = run.commit(replace=("events",))
        run = None
        if summary.reports:
            dataset.write_manifest({**dataset.manifest(), "store": here})
    finally:
        if run is not None:
            run.abort()
        lock.release()
        conn.close()
    summary.seconds = time.perf_counter() - t0
    return summary
