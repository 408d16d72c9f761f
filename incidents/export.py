"""``python -m incidents export``: a SQLite store into the Parquet dataset layout of ``batch``.

The store is opened read-only and read in short pages by id (no long read lock, so
``ingest`` can go on meanwhile); only reports that existed when the export started are
written, each with its entries and incidents. Ids are the store's own, so the DuckDB read
layer orders ties exactly as the SQLite path does. Reports already in the dataset (by
content hash) are skipped: exporting again adds only the new ones. The files are written
and committed like a batch run (:mod:`incidents.parquet`): all or nothing.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .parquet import Dataset, DatasetError, Run, merge_pieces, month_of, to_table, write_file
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
    files: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        skipped = f" ({self.skipped} already in the dataset)" if self.skipped else ""
        return (f"export: {self.reports} reports{skipped}, {self.entries} entries, {self.incidents} incidents "
                f"from {self.store} in {self.seconds:.1f} s -> {self.dataset} ({self.files} files)")


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


def export_store(db: str | Path, to: str | Path) -> ExportSummary:
    t0 = time.perf_counter()
    db = Path(db)
    summary = ExportSummary(str(db), str(to))
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

        def stage(table: str, rows: list[dict], month_key) -> None:
            nonlocal piece
            by_month: dict[str, list[dict]] = {}
            for r in rows:
                by_month.setdefault(month_key(r), []).append(r)
            for m, part in by_month.items():
                write_file(to_table(part, table), run.stage / table / f"month={m}" / f"unit-{piece:06d}.parquet")
            piece += 1

        sql = ("SELECT r.id, r.hash, r.source, r.published, r.title, r.url, r.path, r.text, r.ingested_at, "
               "(SELECT count(*) FROM entries e WHERE e.report_id = r.id), "
               "(SELECT count(*) FROM incidents i WHERE i.report_id = r.id) "
               "FROM reports r WHERE r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?")
        for page in _pages(conn, sql, last):
            rows = []
            for rid, h, source, published, title, url, path, text, ingested, n_ent, n_inc in page:
                if h in done:
                    summary.skipped += 1
                    continue
                keep[rid] = (h, month_of(published))
                rows.append({"report_id": rid, "hash": h, "source": source or "", "published": published,
                             "title": title or "", "url": url or "", "path": path or "", "text": text,
                             "chars": len(text), "words": len(text.split()), "n_entries": n_ent,
                             "n_incidents": n_inc, "ingested_at": ingested or "", "run": run.id})
            summary.reports += len(rows)
            if rows:
                stage("reports", rows, lambda r: month_of(r["published"]))

        seqs: dict[tuple[str, int], int] = {}

        def seq(table: str, rid: int) -> int:
            n = seqs.get((table, rid), 0)
            seqs[(table, rid)] = n + 1
            return n

        sql = ('SELECT e.id, e.report_id, e.start, e."end", e.kind, e.dateline, e.headline, e.published '
               "FROM entries e WHERE e.id > ? AND e.report_id <= ? ORDER BY e.id LIMIT ?")
        for page in _pages(conn, sql, last):
            rows = [{"id": eid, "report_id": rid, "report_hash": keep[rid][0], "seq": seq("entries", rid),
                     "start": start, "end": end, "kind": kind or "", "dateline": dl or "", "headline": hl or "",
                     "published": pub}
                    for eid, rid, start, end, kind, dl, hl, pub in page if rid in keep]
            summary.entries += len(rows)
            if rows:
                stage("entries", rows, lambda r: keep[r["report_id"]][1])

        cols = ", ".join(f'i."{c}"' for c in INCIDENT_COLUMNS)
        sql = (f"SELECT i.id, i.report_id, {cols} FROM incidents i WHERE i.id > ? AND i.report_id <= ? "
               "ORDER BY i.id LIMIT ?")
        for page in _pages(conn, sql, last):
            rows = []
            for rec in page:
                rid = rec[1]
                if rid not in keep:
                    continue
                row = dict(zip(INCIDENT_COLUMNS, rec[2:]))
                row["mentions"] = row["mentions"] or "[]"
                row.update(id=rec[0], report_id=rid, report_hash=keep[rid][0], seq=seq("incidents", rid))
                rows.append(row)
            summary.incidents += len(rows)
            if rows:
                stage("incidents", rows, lambda r: month_of(r["date"]))

        for table in ("incidents", "entries", "reports"):
            for folder in sorted((run.stage / table).glob("month=*")):
                t = merge_pieces(sorted(folder.glob("unit-*.parquet")), table)
                if t.num_rows:
                    write_file(t, run.final_path(table, folder.name.split("=", 1)[1]))
        summary.files = run.commit()
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
