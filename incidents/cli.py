"""Command line: ``python -m incidents extract|ingest|events|reextract|gazetteer check``.

A thin layer on the library. Exit status 0 on success, 2 with a one-line
message naming the file on bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, date

from gazetteer import Gazetteer
from gazetteer.errors import IncidentMapError

from .dates import check_published
from .errors import InputError
from .extract import extract
from .ingest import IngestSession, ingest, reextract, relink_quietly
from .reading import read_report
from .store import DB_ENV, Store, default_db_path, display_path

OUTPUT_KEYS = (
    "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "event_type", "sub_event_type",
    "fatalities", "injuries", "source", "published", "excerpt", "start", "end", "dateline", "country",
    "fatalities_text", "injuries_text", "why",
)


def incident_record(inc) -> dict:
    """The JSON object ``extract`` prints for one incident."""
    d = inc.to_dict()
    return {k: d[k] for k in OUTPUT_KEYS}


def _date(text: str) -> date:
    """``--published``: a YYYY-MM-DD date inside the years the pipeline dates anything in."""
    try:
        return check_published(date.fromisoformat(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m incidents",
                                description="Find geocoded, dated incidents in news live-update reports.")
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="print the incidents of report files as JSON Lines",
                        description="Print one JSON object per incident (JSON Lines) on stdout. Entries whose "
                                    "date cannot be inferred are reported on stderr.")
    ex.add_argument("files", nargs="+", metavar="FILE", help=".txt, .md or .html report (UTF-8 or Windows-1252)")
    ex.add_argument("--published", type=_date, metavar="YYYY-MM-DD",
                    help="publication date (default: inferred from the text)")
    ex.add_argument("--source", metavar="NAME", help="outlet (default: inferred from the text)")
    ex.add_argument("--no-geonames", dest="geonames", action="store_false",
                    help="do not place names the curated gazetteer lacks through the offline GeoNames fallback")
    ing = sub.add_parser("ingest", help="add reports to the local store (idempotent, atomic per report)",
                         description=f"Add reports to the SQLite store (default {default_db_path()}; "
                                     f"--db or ${DB_ENV} override it).")
    ing.add_argument("files", nargs="+", metavar="FILE|URL",
                     help="report files, or http(s) URLs of pages to fetch (the report keeps its URL)")
    ing.add_argument("--watch", action="store_true",
                     help="keep fetching the URLs (every --every) and store each new version; Ctrl-C stops")
    ing.add_argument("--every", default="15m", metavar="INTERVAL",
                     help="how often --watch fetches, e.g. 90s, 15m, 1h (default 15m, at least 30s)")
    ing.add_argument("--allow-private", action="store_true",
                     help="allow URLs on this machine or a private network (refused by default)")
    ing.add_argument("--db", metavar="PATH", help=f"store path (default: ${DB_ENV} or data/incidents.db)")
    ing.add_argument("--published", type=_date, metavar="YYYY-MM-DD")
    ing.add_argument("--source", metavar="NAME")
    ing.add_argument("--no-geonames", dest="geonames", action="store_false",
                     help="do not use the offline GeoNames fallback")
    ing.add_argument("--name", metavar="NAME",
                     help="what to call the report across versions when it has no URL (default: outlet + title)")
    _batch_parser(sub)
    _export_parser(sub)
    _events_parser(sub)
    _reextract_parser(sub)
    gz = sub.add_parser("gazetteer", help="gazetteer tools")
    gzsub = gz.add_subparsers(dest="gazetteer_command", required=True)
    chk = gzsub.add_parser("check", help="validate the gazetteer; list names in reports it cannot place")
    chk.add_argument("reports", nargs="*", metavar="REPORT")
    return p


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None, started: datetime | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["gazetteer", "check"]:
        from gazetteer.check import main as check_main

        return check_main(argv[2:])  # its own options: --curated, --user
    args = _parser().parse_args(argv)
    if args.command == "batch":
        return _batch(args)
    if args.command == "export":
        return _export(args)
    session = IngestSession.begin(started)  # texts other processes store from now on are "stored by another process"
    try:
        if args.command == "gazetteer":
            from gazetteer.check import main as check_main

            return check_main(args.reports)
        if args.command == "events":
            return _events(args)
        if args.command == "reextract":
            return _reextract(args)
        gazetteer = Gazetteer.load(fallback=True if args.geonames else None)
        if args.command == "ingest" and args.watch:
            return _watch(args, gazetteer)
        # read every file (and fetch every URL) first: bad input fails before anything is written
        reports = [_read_input(f, args) for f in args.files]
        if args.command == "extract":
            return _extract(reports, gazetteer)
        return _ingest(reports, gazetteer, args.db, args.name, session)
    except InputError as exc:
        return _fail(str(exc))
    except IncidentMapError as exc:
        return _fail(str(exc).splitlines()[0])
    except BrokenPipeError:
        return 0


def _extract(reports, gazetteer) -> int:
    out = sys.stdout
    for report in reports:
        result = extract(report, gazetteer)
        name = report.path or "<text>"
        for entry in result.undated:
            label = entry.dateline or entry.headline or report.text[entry.start:entry.start + 50].strip()
            print(f"{name}: entry at characters {entry.start}-{entry.end} ({label!r}) has no date: "
                  "pass --published YYYY-MM-DD", file=sys.stderr)
        for inc in result.incidents:
            out.write(json.dumps(incident_record(inc), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _is_url(arg: str) -> bool:
    return "://" in arg[:12]


def _read_input(arg: str, args):
    if _is_url(arg) and args.command == "ingest":
        from .fetch import report_from_url

        return report_from_url(arg, source=args.source, published=args.published,
                               allow_private=args.allow_private)
    return read_report(arg, source=args.source, published=args.published)


def _watch(args, gazetteer) -> int:
    """``ingest --watch URL...``: store each new version of the pages until stopped."""
    from .watch import parse_every, watch

    urls = [u for u in args.files if _is_url(u)]
    if len(urls) != len(args.files):
        return _fail("--watch takes URLs only: " + ", ".join(f for f in args.files if not _is_url(f)))
    every = parse_every(args.every)
    with Store(args.db) as store:
        def on_report(report):
            if args.source:
                report.source = args.source
            print(f"{report.url}: {ingest(store, report, gazetteer, name=args.name).message}", flush=True)

        def on_error(url, exc, retry_in):
            print(f"warning: {exc} (trying again in {retry_in:.0f} s)", file=sys.stderr, flush=True)

        watch(urls, every, on_report, on_error=on_error, handle_signals=True,
              fetch_options={"allow_private": args.allow_private})
    return 0


def _ingest(reports, gazetteer, db, name: str | None = None, session: IngestSession | None = None) -> int:
    """Store each report (or its new version); one line per file saying what happened."""
    session = session or IngestSession.begin()
    with Store(db) as store:
        for report in reports:
            res = ingest(store, report, gazetteer, name=name, relink=False, session=session)
            print(f"{display_path(report.path or '<text>')}: {res.message}")
        error = relink_quietly(store, gazetteer)
        if error:
            print(f"warning: events not recomputed now ({error}); they will be when next read", file=sys.stderr)
    return 0


def _existing_store(db) -> Store:
    path = default_db_path(db)
    if not path.exists():
        raise InputError("no store here: ingest reports first, or pass --db PATH", str(path))
    return Store(path)


def _events_parser(sub) -> None:
    ev = sub.add_parser("events", help="print the events of the store as JSON Lines",
                        description="Print one JSON object per event (incidents of several reports telling the "
                                    "same thing are one event), newest first.")
    ev.add_argument("--db", metavar="PATH", help=f"store path (default: ${DB_ENV} or data/incidents.db)")


def event_record(ev) -> dict:
    """The JSON object ``events`` prints for one event."""
    d = ev.to_dict()
    d.pop("anchor", None)
    return d


def _events(args) -> int:
    with _existing_store(args.db) as store:
        gazetteer = Gazetteer.load() if store.stale_places() else None
        events = store.events(gazetteer)
    out = sys.stdout
    for ev in events:
        out.write(json.dumps(event_record(ev), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _reextract_parser(sub) -> None:
    rx = sub.add_parser("reextract", help="run extraction again on stored reports (after a gazetteer or rule change)",
                        description="Extract stored reports again, keeping report ids and the ids and keys of "
                                    "incidents still found; all reports unless ids are given.")
    rx.add_argument("report_ids", nargs="*", type=int, metavar="REPORT_ID")
    rx.add_argument("--db", metavar="PATH", help=f"store path (default: ${DB_ENV} or data/incidents.db)")
    rx.add_argument("--no-geonames", dest="geonames", action="store_false",
                    help="do not use the offline GeoNames fallback")


def _reextract(args) -> int:
    gazetteer = Gazetteer.load(fallback=True if args.geonames else None)
    with _existing_store(args.db) as store:
        summary = reextract(store, gazetteer, args.report_ids or None)
    print(summary.message)
    if summary.missing:
        return _fail(f"{default_db_path(args.db)}: no report with id {', '.join(map(str, summary.missing))}")
    return 0


# ---------------------------------------------------------------------- batch (Dask -> Parquet)
def _batch_parser(sub) -> None:
    b = sub.add_parser(
        "batch", help="extract many reports on Dask into a Parquet dataset partitioned by month",
        description="Run the same extraction as 'extract' in Dask tasks (a local cluster of this machine's "
                    "cores, or an existing cluster with --scheduler) and write a Parquet dataset of reports, "
                    "entries and incidents partitioned by month. Reports already in the dataset (same text) are "
                    "skipped. One line per bad input on stderr; exit status 2 if any input failed.")
    b.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="report files (.txt, .md, .html), folders, globs, or JSON Lines / Parquet files of articles "
                        "(text, and optional url, source, published, title)")
    b.add_argument("--out", required=True, metavar="DATASET", help="the dataset folder (created if missing)")
    b.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786")
    b.add_argument("--workers", type=int, metavar="N", help="local cluster size (default: this machine's cores)")
    b.add_argument("--published", type=_date, metavar="YYYY-MM-DD", help="publication date of inputs that give none")
    b.add_argument("--source", metavar="NAME", help="outlet of inputs that give none")
    b.add_argument("--no-geonames", dest="geonames", action="store_false",
                   help="do not use the offline GeoNames fallback")
    b.add_argument("--reports-per-task", type=int, default=None, metavar="N",
                   help="reports (or articles) per extract task at most (default 40)")
    b.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")


def _batch(args) -> int:
    from .batch import UNIT_REPORTS, run_batch

    if args.workers is not None and args.workers < 1:
        return _fail(f"--workers must be at least 1, not {args.workers}")
    if args.reports_per_task is not None and args.reports_per_task < 1:
        return _fail(f"--reports-per-task must be at least 1, not {args.reports_per_task}")
    try:
        summary = run_batch(args.inputs, args.out, scheduler=args.scheduler, workers=args.workers,
                            source=args.source, published=args.published, geonames=args.geonames,
                            progress=args.progress, unit_reports=args.reports_per_task or UNIT_REPORTS,
                            on_error=lambda line: print(f"error: {line}", file=sys.stderr, flush=True))
    except IncidentMapError as exc:
        return _fail(str(exc).splitlines()[0])
    print(summary.line())
    if summary.reports + summary.skipped == 0 and not summary.errors:
        return _fail("no reports in " + " ".join(args.inputs))
    return 2 if summary.errors else 0


def _export_parser(sub) -> None:
    e = sub.add_parser("export", help="convert a SQLite store into the Parquet dataset layout of 'batch'",
                       description="Write the store's reports, entries and incidents (read-only) into a Parquet "
                                   "dataset partitioned by month, the layout 'batch' writes. Reports already in the "
                                   "dataset are skipped, so exporting again adds only new ones.")
    e.add_argument("--db", metavar="PATH", help=f"store path (default: ${DB_ENV} or data/incidents.db)")
    e.add_argument("--to", required=True, metavar="DATASET", help="the dataset folder (created if missing)")


def _export(args) -> int:
    from .export import export_store

    try:
        summary = export_store(default_db_path(args.db), args.to)
    except IncidentMapError as exc:
        return _fail(str(exc).splitlines()[0])
    print(summary.line())
    return 0
