"""The Parquet dataset layout shared by ``batch``, ``export`` and the DuckDB read layer.

A dataset is a folder::

    DATASET/
      _dataset.json                           layout version (and the SQLite store an export came from)
      reports/month=2024-02/part-<run>.parquet    one row per report (text included), by publication month
      entries/month=2024-02/part-<run>.parquet    one row per entry, by its report's publication month
      incidents/month=2024-02/part-<run>.parquet  one row per incident, by event month
      events/month=2024-02/part-<run>[-bN].parquet one row per event, by event month (every run rewrites the
                                              table whole: export copies the store's, batch links them)
      _committed                              rewritten by every commit (the dashboard's cache version)
      _runs/<run>/                            a run in progress (never read)

``month`` is ``YYYY-MM`` or ``undated`` (Hive-style folders: DuckDB and pyarrow read it as a
column). Every run writes its files under ``_runs/<run>/`` and moves them into place only
once all of them are complete: first a ``COMMIT`` manifest listing the moves is written,
then the files are renamed (reports last, since the reports table is what tells a later run
which texts are done). A run that stops before its manifest leaves nothing behind but its
own folder, which the next writer deletes; one that stops during the moves is finished by
the next writer. A half-written file is never in a partition.

The incident columns are the store's (:data:`incidents.store.INCIDENT_COLUMNS`) plus ids
(and ``why``, which extraction gives and the store does not keep yet); dates are Arrow
``date32``, ``mentions`` and ``why`` are JSON text, as the store keeps ``mentions``.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import IncidentMapError
from .store import INCIDENT_COLUMNS

LAYOUT_VERSION = 1
MANIFEST = "_dataset.json"
STAMP = "_committed"  # rewritten by every commit: the dataset's version for the dashboard's caches
RUNS = "_runs"
LOCK = ".lock"
UNDATED = "undated"
TABLES = ("incidents", "entries", "reports", "events")  # the order a run's files are moved in
COMPRESSION = "zstd"


class DatasetError(IncidentMapError):
    """A Parquet dataset could not be read or written."""


# ---------------------------------------------------------------------- schemas
# Arrow types of the store's incident columns (the column list itself is store.INCIDENT_COLUMNS).
_INCIDENT_TYPES: dict[str, pa.DataType] = {
    "date": pa.date32(), "time_precision": pa.int8(), "place": pa.string(), "place_id": pa.string(),
    "lat": pa.float64(), "lon": pa.float64(), "geo_precision": pa.int8(), "event_type": pa.string(),
    "sub_event_type": pa.string(), "fatalities": pa.int32(), "injuries": pa.int32(), "source": pa.string(),
    "published": pa.date32(), "excerpt": pa.string(), "start": pa.int64(), "end": pa.int64(),
    "dateline": pa.string(), "country": pa.string(), "fatalities_text": pa.string(),
    "injuries_text": pa.string(), "entry_start": pa.int64(), "entry_end": pa.int64(), "mentions": pa.string(),
    "why": pa.string(),
}
# extraction output the store does not keep (yet), kept in the dataset; JSON text like the store's mentions
EXTRA_INCIDENT_COLUMNS = tuple(c for c in ("why",) if c not in INCIDENT_COLUMNS)
INCIDENT_ROW_COLUMNS = tuple(INCIDENT_COLUMNS) + EXTRA_INCIDENT_COLUMNS
JSON_COLUMNS = frozenset({"mentions", "why"})
_KEYS = [("id", pa.int64()), ("report_id", pa.int64()), ("report_hash", pa.string()), ("seq", pa.int32())]

# what ``export`` adds from the store's reviews (incidents.review): machine | confirmed | corrected | rejected,
# the values being the reviewed ones; a batch run (no reviews) leaves them null
REVIEW_COLUMNS = (("review", pa.string()), ("review_note", pa.string()))
INCIDENT_SCHEMA = pa.schema(_KEYS + [(c, _INCIDENT_TYPES[c]) for c in INCIDENT_ROW_COLUMNS] + list(REVIEW_COLUMNS))
ENTRY_SCHEMA = pa.schema(_KEYS + [
    ("start", pa.int64()), ("end", pa.int64()), ("kind", pa.string()), ("dateline", pa.string()),
    ("headline", pa.string()), ("published", pa.date32()),
])
REPORT_SCHEMA = pa.schema([
    ("report_id", pa.int64()), ("hash", pa.string()), ("source", pa.string()), ("published", pa.date32()),
    ("title", pa.string()), ("url", pa.string()), ("path", pa.string()), ("text", pa.string()),
    ("chars", pa.int64()), ("words", pa.int64()), ("n_entries", pa.int32()), ("n_incidents", pa.int32()),
    ("ingested_at", pa.string()), ("run", pa.string()),
])
# one row per event (``incidents.linking``): the columns of the store's events table (views.EVENT_FRAME_COLUMNS,
# ``sources`` as its JSON list) plus ``anchor`` (the place cell), ``why`` (JSON), ``source_list`` (the outlets as a
# list, for SQL filters), ``n_accounts``, ``id`` (the latest account's id: the panel's tie-break), ``review`` and
# ``ord`` (the store's order of its events: "first event of a place" means the same on both paths)
EVENT_SCHEMA = pa.schema([
    ("event_id", pa.string()), ("date", pa.date32()), ("time_precision", pa.int8()), ("place", pa.string()),
    ("place_id", pa.string()), ("lat", pa.float64()), ("lon", pa.float64()), ("geo_precision", pa.int8()),
    ("country", pa.string()), ("event_type", pa.string()), ("sub_event_type", pa.string()),
    ("fatalities_low", pa.int32()), ("fatalities_best", pa.int32()), ("fatalities_high", pa.int32()),
    ("injuries_low", pa.int32()), ("injuries_best", pa.int32()), ("injuries_high", pa.int32()),
    ("sources", pa.string()), ("n_reports", pa.int32()), ("incident_ids", pa.string()),
    ("anchor", pa.string()), ("why", pa.string()), ("source_list", pa.list_(pa.string())),
    ("n_accounts", pa.int32()), ("id", pa.int64()), ("review", pa.string()), ("ord", pa.int64()),
])
SCHEMAS: dict[str, pa.Schema] = {"incidents": INCIDENT_SCHEMA, "entries": ENTRY_SCHEMA, "reports": REPORT_SCHEMA,
                                 "events": EVENT_SCHEMA}
DATE_COLUMNS = ("date", "published")
# how each table is sorted inside a partition file (DuckDB skips row groups by these)
SORT_KEYS: dict[str, list[tuple[str, str]]] = {
    "incidents": [("date", "ascending"), ("place_id", "ascending"), ("report_hash", "ascending"), ("seq", "ascending")],
    "entries": [("report_hash", "ascending"), ("seq", "ascending")],
    "reports": [("published", "ascending"), ("hash", "ascending")],
    "events": [("date", "ascending"), ("place_id", "ascending"), ("event_id", "ascending")],
}


def event_columns(events, review_states: dict[str, str] | None = None,
                  ords: list[int] | None = None) -> tuple[dict[str, list], list[str]]:
    """Columns of the events table from :class:`incidents.model.Event` objects, and each row's partition
    (the month of the event's date). ``review_states``: event id -> review state (default ``machine``);
    ``ords``: each event's order (default: its position)."""
    names = [f.name for f in EVENT_SCHEMA]
    cols: dict[str, list] = {n: [] for n in names}
    months = []
    states = review_states or {}
    for ev in events:
        for n in ("event_id", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision",
                  "country", "event_type", "sub_event_type", "fatalities_low", "fatalities_best",
                  "fatalities_high", "injuries_low", "injuries_best", "injuries_high", "n_reports", "anchor"):
            cols[n].append(getattr(ev, n))
        srcs = [str(x) for x in ev.sources]
        ids = [int(i) for i in ev.incident_ids]
        cols["sources"].append(json.dumps(srcs, ensure_ascii=False))
        cols["source_list"].append(srcs)
        cols["incident_ids"].append(",".join(map(str, ids)))
        cols["n_accounts"].append(len(ids))
        cols["id"].append(max(ids, default=0))
        cols["why"].append(json.dumps([[w.incident_id, w.linked_to, list(w.rules), w.detail] for w in ev.why],
                                      ensure_ascii=False))
        cols["review"].append(states.get(ev.event_id, "machine"))
        months.append(month_of(ev.date))
    for n in ("place", "place_id", "country", "event_type", "sub_event_type", "anchor"):
        cols[n] = [v or "" for v in cols[n]]
    cols["date"] = [d or None for d in cols["date"]]
    cols["ord"] = list(ords) if ords is not None else list(range(len(months)))
    return cols, months


def _id63(data: str) -> int:
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def report_id_for(report_hash: str) -> int:
    """A report's integer id in a batch dataset, from its content hash (the store numbers them instead)."""
    return _id63(report_hash)


def row_id_for(table: str, report_hash: str, seq: int) -> int:
    """The integer id of a report's ``seq``-th incident or entry in a batch dataset."""
    return _id63(f"{table}:{report_hash}:{seq}")


def month_of(day: date | str | None) -> str:
    """The partition of a date: ``YYYY-MM``, or ``undated``."""
    if not day:
        return UNDATED
    if isinstance(day, str):
        return day[:7]
    return f"{day.year:04d}-{day.month:02d}"


def as_date(value) -> date | None:
    """A date from an ISO string, a date or a datetime (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def to_table(rows: list[dict], table: str) -> pa.Table:
    """Rows (dicts keyed by column; missing keys are null) as an Arrow table of ``table``'s schema."""
    return columns_to_table({f.name: [row.get(f.name) for row in rows] for f in SCHEMAS[table]}, table)


def columns_to_table(columns: dict[str, list], table: str) -> pa.Table:
    """Columns (lists keyed by name; missing columns are null) as an Arrow table; ISO date strings become dates."""
    schema = SCHEMAS[table]
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = []
    for f in schema:
        values = columns.get(f.name)
        if values is None:
            arrays.append(pa.nulls(n, f.type))
        elif f.name in DATE_COLUMNS:
            arrays.append(_dates(values))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def split_by_month(t: pa.Table, months: list[str]) -> dict[str, pa.Table]:
    """A table cut into its partitions (``months`` has each row's partition)."""
    if len(set(months)) == 1:
        return {months[0]: t}
    import pyarrow.compute as pc

    m = pa.array(months, pa.string())
    return {month: t.filter(pc.equal(m, month)) for month in sorted(set(months))}


def _dates(values: list) -> pa.Array:
    if all(v is None or isinstance(v, str) for v in values):
        try:
            return pa.array([v[:10] if v else None for v in values], pa.string()).cast(pa.date32())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # not all ISO dates: the slow path says which
    return pa.array([as_date(v) for v in values], pa.date32())


def write_file(table: pa.Table, path: Path) -> None:
    """Write one Parquet file so that it appears complete or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp, compression=COMPRESSION)
    os.replace(tmp, path)


# ---------------------------------------------------------------------- the dataset
@dataclass
class Dataset:
    """A dataset folder: its partition files, the hashes it holds, and runs that write to it."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    # ------------------------------------------------------------ reading
    def exists(self) -> bool:
        return (self.root / MANIFEST).exists()

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{path}: cannot read the dataset manifest: {exc}") from None

    def files(self, table: str) -> list[Path]:
        """The committed files of a table, sorted by partition and name."""
        return sorted((self.root / table).glob("month=*/*.parquet"))

    def months(self, table: str) -> list[str]:
        return sorted(p.name.split("=", 1)[1] for p in (self.root / table).glob("month=*") if p.is_dir())

    def glob(self, table: str) -> str:
        """The file pattern of a table, for DuckDB's ``read_parquet``."""
        return str(self.root / table / "month=*" / "*.parquet")

    def stamp(self) -> tuple:
        """A cheap version of the dataset for caches: the commit stamp every run rewrites (one stat); a
        dataset written before stamps existed is stamped by its partition folders' modification times (a
        commit renames files into them, which changes the folder's time; ~1 ms for 500 folders, where
        stating every file took ~10 ms a rerun)."""
        try:
            s = os.stat(self.root / STAMP)
            return ("stamp", s.st_mtime_ns, s.st_size, (self.root / STAMP).read_text(encoding="utf-8"))
        except OSError:
            pass
        out = []
        for table in TABLES:
            try:
                top = os.stat(self.root / table).st_mtime_ns
                with os.scandir(self.root / table) as it:
                    parts = sorted((e.name, e.stat().st_mtime_ns) for e in it
                                   if e.name.startswith("month=") and e.is_dir())
            except OSError:
                continue
            out.append((table, top, tuple(parts)))
        return tuple(out)

    def touch_stamp(self, run_id: str) -> None:
        tmp = self.root / f".{STAMP}.tmp"
        tmp.write_text(f"{run_id} {time.time_ns()}\n", encoding="utf-8")
        os.replace(tmp, self.root / STAMP)

    def done_hashes(self) -> set[str]:
        """Content hashes of every report already in the dataset."""
        out: set[str] = set()
        for f in self.files("reports"):
            try:
                col = pq.read_table(f, columns=["hash"]).column("hash")
            except (OSError, pa.ArrowException) as exc:
                raise DatasetError(f"{f}: cannot read: {exc}") from None
            out.update(col.to_pylist())
        return out

    # ------------------------------------------------------------ writing
    def open_for_writing(self) -> "WriteLock":
        """Take the dataset's write lock, create the folder and finish or drop interrupted runs."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatasetError(f"{self.root}: cannot create the dataset folder: {exc.strerror or exc}") from None
        if not self.root.is_dir():
            raise DatasetError(f"{self.root}: not a folder")
        lock = WriteLock(self.root / LOCK)
        lock.acquire()
        try:
            manifest = self.manifest()
            if manifest and manifest.get("layout") != LAYOUT_VERSION:
                raise DatasetError(f"{self.root}: dataset layout {manifest.get('layout')!r}, "
                                   f"this program writes layout {LAYOUT_VERSION}")
            if not manifest:
                self.write_manifest({"layout": LAYOUT_VERSION, "created": _now()})
            self.recover()
        except BaseException:
            lock.release()
            raise
        return lock

    def write_manifest(self, data: dict) -> None:
        path = self.root / MANIFEST
        tmp = path.with_name(f".{MANIFEST}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    def recover(self) -> list[str]:
        """Finish runs that stopped while moving their files; delete those that stopped before. Returns notes."""
        notes = []
        runs = self.root / RUNS
        if not runs.is_dir():
            return notes
        for run_dir in sorted(p for p in runs.iterdir() if p.is_dir()):
            if (run_dir / COMMIT).exists():
                Run(self, run_dir.name).finish_commit()
                notes.append(f"finished the interrupted run {run_dir.name}")
            else:
                shutil.rmtree(run_dir, ignore_errors=True)
                notes.append(f"removed the unfinished run {run_dir.name}")
        _remove_empty(runs)
        return notes

    def new_run(self) -> "Run":
        run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run = Run(self, run_id)
        run.dir.mkdir(parents=True)
        return run


COMMIT = "COMMIT"


@dataclass
class Run:
    """One run's private folder: a stage for task outputs, the final files, and the commit."""

    dataset: Dataset
    id: str
    moves: list[tuple[str, str]] = field(default_factory=list)

    @property
    def dir(self) -> Path:
        return self.dataset.root / RUNS / self.id

    @property
    def stage(self) -> Path:
        return self.dir / "stage"

    @property
    def final(self) -> Path:
        return self.dir / "final"

    def final_path(self, table: str, month: str) -> Path:
        return self.final / table / f"month={month}" / f"part-{self.id}.parquet"

    def commit(self, replace: Iterable[str] = ()) -> int:
        """Move every final file into the dataset (the manifest first, so a crash is finished later).
        ``replace``: tables this run rewrites whole (``events``): their older files go once the new are in."""
        shutil.rmtree(self.stage, ignore_errors=True)  # merged already
        files = sorted(self.final.glob("*/month=*/*.parquet"),
                       key=lambda p: (TABLES.index(p.parts[-3]) if p.parts[-3] in TABLES else len(TABLES), str(p)))
        moves = [str(p.relative_to(self.final)) for p in files]
        manifest = self.dir / COMMIT
        tmp = manifest.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"run": self.id, "moves": moves, "replace": sorted(set(replace))}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, manifest)
        return self.finish_commit()

    def finish_commit(self) -> int:
        """Do (or finish) the moves the COMMIT manifest lists, then delete the run folder."""
        data = json.loads((self.dir / COMMIT).read_text(encoding="utf-8"))
        moved = 0
        for rel in data["moves"]:
            src, dst = self.final / rel, self.dataset.root / rel
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
                moved += 1
        mine = {str(self.dataset.root / rel) for rel in data["moves"]}
        for table in data.get("replace", ()):
            for old in self.dataset.files(table):
                if str(old) not in mine:
                    old.unlink(missing_ok=True)
                    _remove_empty(old.parent)
        shutil.rmtree(self.dir, ignore_errors=True)
        _remove_empty(self.dataset.root / RUNS)
        self.dataset.touch_stamp(self.id)
        return moved

    def abort(self) -> None:
        """Drop the run, unless it got as far as its COMMIT manifest: then the next writer finishes it."""
        if (self.dir / COMMIT).exists():
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        _remove_empty(self.dataset.root / RUNS)


def _remove_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


class WriteLock:
    """An exclusive lock on a dataset folder (one writer at a time on this machine)."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = None

    def acquire(self) -> None:
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            self.fh = None
            raise DatasetError(f"{self.path.parent}: another batch or export is writing this dataset") from None

    def release(self) -> None:
        if self.fh is not None:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None

    def __enter__(self) -> "WriteLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------------- merging a run's pieces
def merge_pieces(pieces: Iterable[Path], table: str, drop_reports: set[tuple[str, int]] | frozenset = frozenset(),
                 keep_hashes: set[str] | None = None) -> pa.Table:
    """One partition's rows from a run's piece files, without the dropped duplicates, sorted.

    ``drop_reports`` holds ``(report_hash, order)`` pairs of reports another input of the
    same run already gave (the ``_order`` column tells which input a row came from).
    """
    tables = [pq.read_table(p) for p in pieces]
    if not tables:
        return SCHEMAS[table].empty_table()
    t = pa.concat_tables(tables)
    if drop_reports:
        hash_col = "hash" if table == "reports" else "report_hash"
        keys = zip(t.column(hash_col).to_pylist(), t.column("_order").to_pylist())
        mask = pa.array([k not in drop_reports for k in keys], pa.bool_())
        t = t.filter(mask)
    if "_order" in t.column_names:
        t = t.drop_columns(["_order"])
    t = t.select(SCHEMAS[table].names).cast(SCHEMAS[table])
    return t.sort_by(SORT_KEYS[table])


def iter_rows(paths: Iterable[Path], columns: list[str] | None = None) -> Iterator[dict]:
    """Rows of Parquet files as dicts (tests and small tools; the read layer uses DuckDB)."""
    for p in paths:
        yield from pq.read_table(p, columns=columns).to_pylist()
