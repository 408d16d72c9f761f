"""``python -m incidents batch``: the same extraction as ``extract``, on Dask, into a Parquet dataset.

The work is planned on the client and done in two rounds of Dask tasks:

1. **extract** (a ``dask.bag`` over work units): each unit is a list of report files, a
   line range of a JSON Lines file of articles, or row groups of a Parquet file of
   articles. A task reads its reports with :func:`incidents.reading.read_report` /
   :func:`incidents.reading.report_from_text`, skips those whose content hash the
   dataset already holds, runs :func:`incidents.extract.extract` with the gazetteer of
   :func:`worker_gazetteer` (built once per worker process, the same
   ``Gazetteer.load(fallback=True)`` the CLI uses, with the client's user places), and
   writes its rows as piece files per table and month into the run's private stage.
   It returns only counts and the hashes it did (:class:`UnitResult`).
2. **merge** (one task per table and month): the pieces of one partition become one
   sorted file; a text given twice in one run is kept once (the first input wins).

Then the client commits the run (:meth:`incidents.parquet.Run.commit`): every partition
file appears complete or not at all, and a run that stops early leaves the dataset as it
was. ``--scheduler tcp://host:8786`` runs the same graph on an existing cluster (the
dataset folder must then be on storage every worker and the client can reach).

Events: after the merge, :func:`link_events_hook` links every incident of the dataset into events
(``incidents.linking``), as Dask tasks over blocks of place cells, and the run rewrites the
``events`` table whole.
"""
from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .errors import InputError
from .model import Report
from .parquet import (INCIDENT_ROW_COLUMNS, JSON_COLUMNS, SORT_KEYS, Dataset, DatasetError, Run, as_date,
                      merge_pieces, month_of, report_id_for, row_id_for, to_table, write_file)
from .reading import HTML_SUFFIXES, MARKDOWN_SUFFIXES

REPORT_SUFFIXES = frozenset({".txt", *HTML_SUFFIXES, *MARKDOWN_SUFFIXES})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
PARQUET_SUFFIXES = frozenset({".parquet"})
ARTICLE_FIELDS = ("text", "url", "source", "published", "title")
MAX_ARTICLE_CHARS = 64 * 1024 * 1024
UNIT_REPORTS = 40  # reports per extract task at most (~150k words: seconds of work, ms of scheduling)
UNIT_BYTES = 4 * 1024 * 1024
_GLOB_CHARS = set("*?[")


# ---------------------------------------------------------------------- planning
@dataclass(frozen=True)
class Unit:
    """One extract task's share of the input."""

    id: int
    kind: str  # files | jsonl | parquet
    paths: tuple[str, ...] = ()  # files: the report files; jsonl/parquet: the one article file
    orders: tuple[int, ...] = ()  # files: each file's input position
    order: int = 0  # jsonl/parquet: the article file's input position
    byte_start: int = 0  # jsonl: the lines starting in [byte_start, byte_end)
    byte_end: int = 0
    first_line: int = 1
    row_groups: tuple[int, ...] = ()  # parquet
    first_row: int = 0

    def label(self) -> str:
        if self.kind == "files":
            return self.paths[0] if len(self.paths) == 1 else f"{self.paths[0]} (+{len(self.paths) - 1} files)"
        if self.kind == "jsonl":
            return f"{self.paths[0]}:{self.first_line}-"
        return f"{self.paths[0]} (row groups {self.row_groups[0]}-{self.row_groups[-1]})"


def expand_inputs(inputs: Sequence[str]) -> tuple[list[str], list[str]]:
    """Files named by ``inputs`` (files, folders searched recursively, globs), and one error line per bad one."""
    files: list[str] = []
    errors: list[str] = []
    known = REPORT_SUFFIXES | JSONL_SUFFIXES | PARQUET_SUFFIXES
    for item in inputs:
        p = Path(item)
        if any(ch in _GLOB_CHARS for ch in item) and not p.exists():
            hits = sorted(h for h in glob.glob(item, recursive=True) if Path(h).is_file())
            if not hits:
                errors.append(f"{item}: no file matches")
            files += hits
        elif p.is_dir():
            hits = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in known
                          and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not hits:
                errors.append(f"{item}: no .txt, .md, .html, .jsonl or .parquet file in this folder")
            files += hits
        elif not p.exists():
            errors.append(f"{item}: no such file")
        else:
            files.append(item)
    return list(dict.fromkeys(files)), errors


def plan(files: Sequence[str], unit_reports: int = UNIT_REPORTS, unit_bytes: int = UNIT_BYTES,
         workers: int = 1) -> tuple[list[Unit], list[str]]:
    """Cut the input into work units; small inputs are spread so every worker gets some."""
    units: list[Unit] = []
    errors: list[str] = []
    reports = [(i, f) for i, f in enumerate(files) if Path(f).suffix.lower() not in JSONL_SUFFIXES | PARQUET_SUFFIXES]
    if reports:
        per = max(1, min(unit_reports, math.ceil(len(reports) / max(1, 4 * workers))))
        chunk: list[tuple[int, str]] = []
        size = 0
        for i, f in reports:
            try:
                n = os.path.getsize(f)
            except OSError:
                n = 0
            if chunk and (len(chunk) >= per or size + n > unit_bytes):
                units.append(Unit(len(units), "files", tuple(c[1] for c in chunk), tuple(c[0] for c in chunk)))
                chunk, size = [], 0
            chunk.append((i, f))
            size += n
        if chunk:
            units.append(Unit(len(units), "files", tuple(c[1] for c in chunk), tuple(c[0] for c in chunk)))
    for i, f in enumerate(files):
        suffix = Path(f).suffix.lower()
        try:
            if suffix in JSONL_SUFFIXES:
                units += _jsonl_units(f, i, len(units), unit_bytes)
            elif suffix in PARQUET_SUFFIXES:
                units += _parquet_units(f, i, len(units), unit_reports)
        except (OSError, ValueError) as exc:
            errors.append(f"{f}: cannot read: {getattr(exc, 'strerror', None) or exc}")
    return units, errors


def _jsonl_units(path: str, order: int, first_id: int, unit_bytes: int) -> list[Unit]:
    """Line-aligned byte ranges of a JSON Lines file, each with the number of its first line."""
    units = []
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        start, line = 0, 1
        while start < size:
            fh.seek(start)
            block = fh.read(unit_bytes)
            if start + len(block) < size:
                cut = block.rfind(b"\n")
                block = block[:cut + 1] if cut >= 0 else block + fh.readline()
            end = start + len(block)
            units.append(Unit(first_id + len(units), "jsonl", (path,), order=order, byte_start=start, byte_end=end,
                              first_line=line))
            line += block.count(b"\n")
            start = end
    return units


def _parquet_units(path: str, order: int, first_id: int, unit_rows: int) -> list[Unit]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises its own errors for files that are not Parquet
        raise ValueError(f"not a Parquet file ({exc})") from None
    names = set(meta.schema.names)
    if "text" not in names:
        raise ValueError("no 'text' column (articles need text; url, source, published, title are optional)")
    units, groups, rows, first_row, row = [], [], 0, 0, 0
    for g in range(meta.num_row_groups):
        n = meta.row_group(g).num_rows
        if groups and rows + n > unit_rows:
            units.append(Unit(first_id + len(units), "parquet", (path,), order=order, row_groups=tuple(groups),
                              first_row=first_row))
            groups, rows, first_row = [], 0, row
        groups.append(g)
        rows += n
        row += n
    if groups:
        units.append(Unit(first_id + len(units), "parquet", (path,), order=order, row_groups=tuple(groups),
                          first_row=first_row))
    return units


# ---------------------------------------------------------------------- on the workers
@dataclass(frozen=True)
class Options:
    """What every task needs besides its unit (small: it travels with every task)."""

    stage: str  # the run's stage folder
    run: str
    source: str | None = None
    published: date | None = None
    geonames: bool = True
    user_places: str = ""  # the client's user gazetteer (CSV text), so every worker places names alike
    user_places_name: str = ""


_GAZETTEERS: dict[tuple, object] = {}


def worker_gazetteer(options: Options):
    """The gazetteer of this worker process, built on first use and kept (one per user-places text)."""
    key = (hashlib.sha256(options.user_places.encode("utf-8")).hexdigest(), options.geonames)
    gaz = _GAZETTEERS.get(key)
    if gaz is None:
        from gazetteer import Gazetteer

        with tempfile.TemporaryDirectory(prefix="incidents-gaz-") as tmp:
            user = Path(tmp) / (Path(options.user_places_name).name or "user_places.csv")
            if options.user_places:  # no file: no user places, as when the client has none
                user.write_text(options.user_places, encoding="utf-8")
            gaz = Gazetteer.load(user=user, fallback=True if options.geonames else None)
        _GAZETTEERS[key] = gaz
    return gaz


@dataclass
class UnitResult:
    unit: int
    reports: int = 0
    skipped: int = 0
    words: int = 0
    chars: int = 0
    incidents: int = 0
    entries: int = 0
    undated_entries: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the worker process's CPU time during the task
    errors: list[str] = field(default_factory=list)
    # (hash, input order, incidents, entries, words) of each report extracted
    done: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    months: dict[str, list[str]] = field(default_factory=dict)  # table -> partitions written


def _unit_reports(unit: Unit, options: Options, errors: list[str]):
    """(order, Report) of a unit, reading lazily; unreadable inputs become error lines."""
    from .reading import read_report, report_from_text

    if unit.kind == "files":
        for order, path in zip(unit.orders, unit.paths):
            try:
                yield _order(order, 0), read_report(path, source=options.source, published=options.published)
            except InputError as exc:
                errors.append(str(exc))
        return
    path = unit.paths[0]
    for where, order, art in _articles(unit):
        if isinstance(art, str):
            errors.append(f"{path}:{where}: {art}")
            continue
        try:
            report = report_from_text(art["text"], source=art.get("source") or options.source,
                                      published=art.get("published") or options.published,
                                      title=art.get("title") or "", url=art.get("url") or "")
        except InputError as exc:
            errors.append(f"{path}:{where}: {exc}")
            continue
        report.path = f"{path}:{where}"
        yield order, report


def _articles(unit: Unit):
    """(line or row number, order, article dict or an error message) of a JSONL/Parquet unit."""
    path = unit.paths[0]
    if unit.kind == "jsonl":
        with open(path, "rb") as fh:
            fh.seek(unit.byte_start)
            data = fh.read(unit.byte_end - unit.byte_start)
        line = unit.first_line
        pos = unit.byte_start
        for raw in data.split(b"\n"):
            here, line, offset = line, line + 1, pos
            pos += len(raw) + 1
            if not raw.strip():
                continue
            yield here, _order(unit.order, offset), _article(raw)
        return
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    cols = [c for c in ARTICLE_FIELDS if c in pf.schema_arrow.names]
    row = unit.first_row
    for g in unit.row_groups:
        for rec in pf.read_row_group(g, columns=cols).to_pylist():
            here, row = row, row + 1
            yield here + 1, _order(unit.order, here), _clean_article(rec)


def _order(file_order: int, item: int) -> int:
    """A sortable input position: the file's position, then the line's byte offset or the row."""
    return (file_order << 40) | item


def _article(raw: bytes):
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not a JSON object ({exc.__class__.__name__}: {str(exc)[:80]})"
    if not isinstance(obj, dict):
        return "not a JSON object"
    return _clean_article(obj)


def _clean_article(obj: dict):
    text = obj.get("text")
    if not isinstance(text, str):
        return "no 'text' string"
    if len(text) > MAX_ARTICLE_CHARS:
        return f"text of {len(text) / 1e6:.1f} M characters, larger than the {MAX_ARTICLE_CHARS / 1e6:.0f} M limit"
    art = {"text": text}
    for key in ("url", "source", "title"):
        v = obj.get(key)
        if v is not None and not isinstance(v, str):
            return f"'{key}' is not a string"
        art[key] = v or ""
    try:
        art["published"] = as_date(obj.get("published"))
    except (TypeError, ValueError):
        return f"'published' is not a YYYY-MM-DD date: {str(obj.get('published'))[:40]!r}"
    return art


def incident_rows(report_hash: str, result, order: int) -> list[dict]:
    """The dataset rows of a report's incidents: the store's columns plus ids and input order."""
    rid = report_id_for(report_hash)
    rows = []
    for seq, inc in enumerate(result.incidents):
        row = {c: getattr(inc, c, None) for c in INCIDENT_ROW_COLUMNS}
        row["mentions"] = row["mentions"] or []
        for c in JSON_COLUMNS:  # JSON text, as the store keeps mentions
            if row.get(c) is not None:
                row[c] = json.dumps(row[c], ensure_ascii=False)
        row.update(id=row_id_for("incidents", report_hash, seq), report_id=rid, report_hash=report_hash, seq=seq,
                   _order=order)
        rows.append(row)
    return rows


def entry_rows(report_hash: str, result, order: int) -> list[dict]:
    rid = report_id_for(report_hash)
    return [{"id": row_id_for("entries", report_hash, seq), "report_id": rid, "report_hash": report_hash, "seq": seq,
             "start": e.start, "end": e.end, "kind": e.kind, "dateline": e.dateline, "headline": e.headline,
             "published": e.published, "_order": order}
            for seq, e in enumerate(result.entries)]


def report_row(report: Report, report_hash: str, result, order: int, words: int, run: str, now: str) -> dict:
    return {"report_id": report_id_for(report_hash), "hash": report_hash, "source": report.source,
            "published": report.published, "title": report.title, "url": report.url, "path": report.path,
            "text": report.text, "chars": len(report.text), "words": words, "n_entries": len(result.entries),
            "n_incidents": len(result.incidents), "ingested_at": now, "run": run, "_order": order}


def run_unit(unit: Unit, options: Options, done: frozenset | set) -> UnitResult:
    """Extract one unit and write its rows into the run's stage. Runs in a Dask task."""
    import pyarrow as pa

    from .extract import extract

    t0, c0 = time.perf_counter(), time.process_time()
    res = UnitResult(unit.id)
    gaz = worker_gazetteer(options)
    rows: dict[str, list[dict]] = {"incidents": [], "entries": [], "reports": []}
    months: dict[str, list[str]] = {t: [] for t in rows}
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    seen: set[str] = set()
    for order, report in _unit_reports(unit, options, res.errors):
        h = report.hash
        if h in done or h in seen:
            res.skipped += 1
            continue
        seen.add(h)
        try:
            result = extract(report, gaz)
        except Exception as exc:  # a bug must not lose the rest of the archive: report it, go on
            res.errors.append(f"{report.path or '<article>'}: extraction failed ({exc.__class__.__name__}: {exc})")
            continue
        words = len(report.text.split())
        incs = incident_rows(h, result, order)
        ents = entry_rows(h, result, order)
        rows["incidents"] += incs
        rows["entries"] += ents
        rows["reports"].append(report_row(report, h, result, order, words, options.run, now))
        rep_month = month_of(report.published)
        months["incidents"] += [month_of(r["date"]) for r in incs]
        months["entries"] += [rep_month] * len(ents)
        months["reports"].append(rep_month)
        res.reports += 1
        res.words += words
        res.chars += len(report.text)
        res.incidents += len(incs)
        res.entries += len(ents)
        res.undated_entries += len(result.undated)
        res.done.append((h, order, len(incs), len(ents), words))
    stage = Path(options.stage)
    for table, table_rows in rows.items():
        by_month: dict[str, list[dict]] = {}
        for m, r in zip(months[table], table_rows):
            by_month.setdefault(m, []).append(r)
        for m, part in by_month.items():
            orders = [r.pop("_order") for r in part]
            t = to_table(part, table).append_column("_order", pa.array(orders, pa.int64()))
            write_file(t, stage / table / f"month={m}" / f"unit-{unit.id:06d}.parquet")
        res.months[table] = sorted(by_month)
    res.seconds = time.perf_counter() - t0
    res.cpu_seconds = time.process_time() - c0
    return res


def merge_partition(stage: str, final: str, table: str, month: str,
                    drop: frozenset = frozenset()) -> tuple[str, str, int]:
    """Merge one partition's pieces into the run's final file. Runs in a Dask task."""
    pieces = sorted((Path(stage) / table / f"month={month}").glob("unit-*.parquet"))
    t = merge_pieces(pieces, table, drop)
    if t.num_rows:
        write_file(t, Path(final))
    return table, month, t.num_rows


LINK_READ = ("id", "report_id", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision",
             "country", "event_type", "sub_event_type", "fatalities", "injuries", "source", "published", "excerpt")


def _incident_sql(files: Sequence[str], columns: str, where: str = "TRUE") -> str:
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return (f"SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = true, "
            "hive_types = {'month': VARCHAR}, union_by_name = true) WHERE " + where)


def link_cells(files: Sequence[str], options: Options) -> dict[tuple[str, int], str]:
    """(place id, geo precision) -> the place cell linking blocks it by (``linking.PlaceIndex``): a Dask task."""
    import duckdb

    from .linking import PlaceIndex

    index = PlaceIndex(worker_gazetteer(options))
    with duckdb.connect(":memory:") as conn:
        pairs = conn.execute(_incident_sql(files, "DISTINCT coalesce(place_id, ''), coalesce(geo_precision, 1)")
                             ).fetchall()
    return {(p, int(g)): index.info(p, int(g) or 1).anchor for p, g in pairs}


def link_block(files: Sequence[str], pairs: Sequence[tuple[str, int]], out_dir: str, block: int,
               options: Options) -> tuple[int, list[str]]:
    """Link the incidents of some place cells (all their days: within a cell a day depends on the day
    before) into events and write them, by month, under ``out_dir``. A Dask task; cells are independent,
    so blocks run in parallel and give exactly what ``linking.link`` gives over everything."""
    import duckdb

    from . import linking
    from .parquet import event_columns, split_by_month, columns_to_table

    index = linking.PlaceIndex(worker_gazetteer(options))
    rules = linking.load_rules()
    wanted = {(p, int(g)) for p, g in pairs}
    pids = sorted({p for p, _ in wanted})
    cols = ", ".join(f'"{c}"' for c in LINK_READ) + ", report_hash || ':' || seq::VARCHAR AS key"
    cells: dict[str, list] = {}
    with duckdb.connect(":memory:") as conn:
        conn.execute("SET threads = 1")
        cur = conn.execute(_incident_sql(files, cols, "list_contains(?, coalesce(place_id, ''))"), [pids])
        names = [d[0] for d in cur.description]
        while True:
            rows = cur.fetchmany(20_000)
            if not rows:
                break
            for row in rows:
                rec = dict(zip(names, row))
                for c in ("date", "published"):
                    rec[c] = rec[c].isoformat() if rec[c] is not None else None
                if (rec["place_id"] or "", int(rec["geo_precision"] or 1)) not in wanted:
                    continue
                a = linking.account(rec, index, rules)
                cells.setdefault(a.info.anchor, []).append(a)
    used: set[str] = set()
    events = []
    for anchor in sorted(cells):
        for ev in linking.link_cell(cells[anchor], rules):
            fe = linking.finish(ev, rules, used)
            events.append(fe)
    if not events:
        return 0, []
    columns, months = event_columns(events, ords=[block * 2**40 + i for i in range(len(events))])
    written = []
    for m, part in split_by_month(columns_to_table(columns, "events"), months).items():
        path = Path(out_dir) / f"month={m}" / f"part-{options.run}-b{block:04d}.parquet"
        write_file(part.sort_by(SORT_KEYS["events"]), path)
        written.append(m)
    return len(events), written


def link_events_hook(client, dataset: Dataset, run: Run, months: Sequence[str], options: Options | None = None,
                     blocks: int | None = None) -> int:
    """Cross-report event linking over the whole dataset (committed incidents and this run's), as Dask tasks.

    Blocking is by place cell and day (``incidents.linking``): accounts are compared only within one
    cell and on the same or the adjacent day, and within a cell each day starts from the day before.
    So the cells are split into ``blocks`` groups (by a stable hash of the cell), each linked whole by
    one task (all its days in order, overnight pairs across month boundaries included): the same
    events as ``linking.link`` over every incident, in parallel. Called after the merge, before the
    commit; the run writes the events table whole and the commit replaces the older event files
    (``Run.commit(replace=("events",))``). Returns the number of events."""
    files = [str(p) for p in dataset.files("incidents")] + [str(p) for p in sorted(
        (run.final / "incidents").glob("month=*/*.parquet"))]
    if not files:
        return 0
    options = options or Options(stage=str(run.stage), run=run.id)
    cells = client.submit(link_cells, files, options, pure=False, key=f"link-cells-{run.id}").result()
    n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
    k = blocks or max(1, min(4 * n_workers, len(set(cells.values()))))
    groups: dict[int, list[tuple[str, int]]] = {}
    for pair, anchor in cells.items():
        b = int.from_bytes(hashlib.blake2b(anchor.encode("utf-8"), digest_size=4).digest(), "big") % k
        groups.setdefault(b, []).append(pair)
    out_dir = str(run.final / "events")
    futures = [client.submit(link_block, files, sorted(pairs), out_dir, b, options, pure=False,
                             key=f"link-{b}-{run.id}") for b, pairs in sorted(groups.items())]
    try:
        done = client.gather(futures)
    except Exception as exc:
        raise DatasetError(f"{dataset.root}: linking events failed ({exc.__class__.__name__}: {exc}); "
                           "nothing was written") from None
    return sum(n for n, _ in done)


# ---------------------------------------------------------------------- the client
@dataclass
class Summary:
    dataset: str
    inputs: int = 0
    reports: int = 0
    skipped: int = 0
    failed: int = 0
    incidents: int = 0
    entries: int = 0
    undated_entries: int = 0
    words: int = 0
    seconds: float = 0.0  # planning + tasks + commit
    startup: float = 0.0  # starting the local cluster (or connecting)
    task_seconds: float = 0.0  # time spent inside extract tasks, summed over workers
    task_cpu_seconds: float = 0.0  # CPU time of those tasks
    workers: int = 0
    units: int = 0
    files_written: int = 0
    events: int = 0  # events in the dataset after the run (linked over all its incidents)
    errors: list[str] = field(default_factory=list)

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        skipped = f", {self.skipped} already done" if self.skipped else ""
        failed = f", {self.failed} failed" if self.failed else ""
        undated = f"; {self.undated_entries} entries without a date" if self.undated_entries else ""
        return (f"batch: {self.reports} reports{skipped}{failed}, {self.incidents} incidents, "
                f"{self.entries} entries in {self.seconds:.1f} s ({self.words_per_s:,.0f} words/s, "
                f"{self.reports / self.seconds if self.seconds else 0:.1f} reports/s, {self.workers} workers; "
                f"cluster start {self.startup:.1f} s){undated} -> {self.dataset}")


def _user_places() -> tuple[str, str]:
    from gazetteer.gazetteer import default_user_path

    from gazetteer.loader import parse_csv

    path = default_user_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return "", str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the user gazetteer: {getattr(exc, 'strerror', None) or exc}", str(path)) from None
    if text.strip():
        parse_csv(text, str(path), origin="user")  # a broken file fails here, once, not in every task
    return text, str(path)


class _ErrProgressBar:
    """distributed's text progress bar, drawn on stderr (stdout carries the summary)."""

    def __init__(self, futures, label: str):
        from distributed.diagnostics.progressbar import TextProgressBar

        class Bar(TextProgressBar):
            def _draw_bar(self, remaining, all, **kwargs):
                frac = (1 - remaining / all) if all else 1.0
                sys.stderr.write(f"\r{label} [{'#' * int(self.width * frac):<{self.width}}] "
                                 f"{int(100 * frac):3d}% {self.elapsed:.1f} s")
                sys.stderr.flush()

            def _draw_stop(self, **kwargs):
                sys.stderr.write("\n")
                sys.stderr.flush()

        Bar(futures, width=30)


def run_batch(inputs: Sequence[str], out: str | Path, *, scheduler: str | None = None, workers: int | None = None,
              client=None, source: str | None = None, published: date | None = None, geonames: bool = True,
              progress: bool | None = None, unit_reports: int = UNIT_REPORTS,
              on_error: Callable[[str], None] | None = None) -> Summary:
    """Run the batch; returns the summary (its ``errors`` lists one line per bad input).

    ``client``: an existing ``distributed.Client`` (tests, library use); else ``scheduler``
    (an address) or a new local cluster of ``workers`` processes (default: this machine's cores).
    """
    from distributed import Client, LocalCluster

    t_start = time.perf_counter()
    summary = Summary(str(out))
    say = on_error or (lambda line: None)

    def fail(line: str) -> None:
        summary.errors.append(line)
        summary.failed += 1
        say(line)

    files, errs = expand_inputs(inputs)
    for e in errs:
        fail(e)
    summary.inputs = len(files)
    if not files:
        return summary
    dataset = Dataset(Path(out))
    lock = dataset.open_for_writing()
    cluster = own_client = None
    run: Run | None = None
    try:
        done = frozenset(dataset.done_hashes())
        user_text, user_name = _user_places()
        t0 = time.perf_counter()
        if client is None:
            if scheduler:
                try:
                    own_client = client = Client(scheduler)  # waits distributed.comm.timeouts.connect
                except (OSError, ValueError) as exc:  # unreachable, refused, not an address
                    raise DatasetError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from None
            else:
                import logging

                n = workers or os.cpu_count() or 1
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.CRITICAL)
                own_client = client = Client(cluster)
        n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or (workers or 1)
        summary.workers = n_workers
        summary.startup = time.perf_counter() - t0
        units, errs = plan(files, unit_reports=unit_reports, workers=n_workers)
        for e in errs:
            fail(e)
        summary.units = len(units)
        if not units:
            summary.seconds = time.perf_counter() - t_start - summary.startup
            return summary
        run = dataset.new_run()
        options = Options(stage=str(run.stage), run=run.id, source=source, published=published, geonames=geonames,
                          user_places=user_text, user_places_name=user_name)
        show = sys.stderr.isatty() if progress is None else progress
        results = _extract_round(client, units, options, done, show)
        drop = _duplicates(results)
        for r in results:
            for e in r.errors:
                fail(e)
            summary.reports += r.reports
            summary.skipped += r.skipped
            summary.words += r.words
            summary.incidents += r.incidents
            summary.entries += r.entries
            summary.undated_entries += r.undated_entries
            summary.task_seconds += r.seconds
            summary.task_cpu_seconds += r.cpu_seconds
        for r in results:  # texts given twice: their rows are dropped at merge, count them as skipped
            for h, order, n_inc, n_ent, words in r.done:
                if (h, order) in drop:
                    summary.reports -= 1
                    summary.skipped += 1
                    summary.incidents -= n_inc
                    summary.entries -= n_ent
                    summary.words -= words
        parts = sorted({(t, m) for r in results for t, ms in r.months.items() for m in ms})
        futures = client.map(merge_partition, [options.stage] * len(parts),
                             [str(run.final_path(t, m)) for t, m in parts], [t for t, _ in parts],
                             [m for _, m in parts], drop=frozenset(drop), pure=False,
                             key=[f"merge-{t}-{m}-{run.id}" for t, m in parts])
        if show and futures:
            _ErrProgressBar(futures, "merge")
        try:
            client.gather(futures)
        except Exception as exc:  # nothing is committed: the dataset stays as it was
            raise DatasetError(f"{out}: merging the run's partitions failed ({exc.__class__.__name__}: {exc}); "
                               "nothing was written") from None
        # events are relinked over the whole dataset when the run adds incidents (or the dataset has none
        # linked yet); a run with nothing new writes nothing
        relink = summary.incidents > 0 or (not dataset.files("events") and (dataset.files("incidents") or parts))
        if relink:
            summary.events = link_events_hook(client, dataset, run,
                                              sorted({m for t, m in parts if t == "incidents"}), options)
        try:
            summary.files_written = run.commit(replace=("events",) if relink else ())
        except OSError as exc:
            raise DatasetError(f"{out}: the run could not be moved into place ({exc.strerror or exc}); "
                               "the next batch or export on this dataset finishes it") from None
        run = None
    finally:
        if run is not None:
            run.abort()
        lock.release()
        if own_client is not None:
            own_client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = time.perf_counter() - t_start - summary.startup
    return summary


def _extract_round(client, units: list[Unit], options: Options, done: frozenset, show: bool) -> list[UnitResult]:
    """The extract tasks: a dask.bag with one unit per partition, computed as one future per partition."""
    import dask
    import dask.bag as db

    bag = db.from_sequence(units, partition_size=1)
    done_d = dask.delayed(done, name=f"done-hashes-{options.run}", traverse=False)
    results = bag.map_partitions(_run_partition, options, done_d)
    futures = client.compute(results.to_delayed())
    if show:
        _ErrProgressBar(futures, "extract")
    out: list[UnitResult] = []
    assert len(futures) == len(units), (len(futures), len(units))
    for unit, fut in zip(units, futures):
        try:
            out += fut.result()
        except Exception as exc:  # a worker died on these inputs (e.g. out of memory): say which, go on
            out.append(UnitResult(unit.id, errors=[f"{unit.label()}: task failed ({exc.__class__.__name__}: {exc})"]))
    return out


def _run_partition(units, options: Options, done) -> list[UnitResult]:
    return [run_unit(u, options, done) for u in units]


def _duplicates(results: list[UnitResult]) -> set[tuple[str, int]]:
    """(hash, order) of texts another input of this run also gave, except the first of each."""
    first: dict[str, int] = {}
    for r in results:
        for h, order, *_ in r.done:
            if h not in first or order < first[h]:
                first[h] = order
    return {(h, order) for r in results for h, order, *_ in r.done if first[h] != order}
