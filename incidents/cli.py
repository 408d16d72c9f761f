"""Command line: ``python -m incidents extract|ingest|events|reextract|review|gazetteer check``.

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
    _review_parser(sub)
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
    if args.command == "review":
        return _review(args)
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


# ---------------------------------------------------------------------- review
# incidents.review's STATES, FIELDS and REVIEWER_ENV, spelled out so that building the parser does not import it
# (every command builds it; tests/test_review.py checks they agree)
REVIEW_STATES = ("machine", "confirmed", "corrected", "rejected")
REVIEW_FIELDS = ("place_id", "date", "event_type", "sub_event_type", "fatalities", "injuries")
REVIEWER_ENV = "INCIDENTS_REVIEWER"


def _review_parser(sub) -> None:
    FIELDS, STATES = REVIEW_FIELDS, REVIEW_STATES

    db_help = f"store path (default: ${DB_ENV} or data/incidents.db)"
    rv = sub.add_parser("review", help="confirm, correct or reject incidents; export and import the review log",
                        description="Reviews are kept apart from extraction output and survive re-extraction, new "
                                    "versions of a report and relinking. See incidents/review.py.")
    rsub = rv.add_subparsers(dest="review_command", required=True)
    s = rsub.add_parser("set", help="review one incident",
                        description="Record a review of one incident: --confirm, --reject, --correct FIELD=VALUE... "
                                    f"(fields: {', '.join(FIELDS)}; place_id from the gazetteer) or --clear "
                                    "(back to the extracted values).")
    s.add_argument("incident_id", type=int, metavar="INCIDENT_ID")
    how = s.add_mutually_exclusive_group(required=True)
    how.add_argument("--confirm", action="store_true", help="the extracted values are right")
    how.add_argument("--reject", action="store_true", help="a false positive: hidden by default")
    how.add_argument("--correct", nargs="+", metavar="FIELD=VALUE", help="corrected values, e.g. fatalities=5")
    how.add_argument("--clear", action="store_true", help="back to the extracted values")
    s.add_argument("--note", default="", help="why (kept in the log)")
    s.add_argument("--who", help=f"reviewer (default: ${REVIEWER_ENV} or the login name)")
    s.add_argument("--db", metavar="PATH", help=db_help)
    ls = rsub.add_parser("list", help="the current reviews (JSON Lines with --json)")
    ls.add_argument("--state", choices=STATES, action="append", help="only these states (repeatable)")
    ls.add_argument("--history", action="store_true", help="the whole log, oldest first")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.add_argument("--db", metavar="PATH", help=db_help)
    ex = rsub.add_parser("export", help="write the review log as JSON Lines")
    ex.add_argument("--out", metavar="FILE", help="output file (default: stdout)")
    ex.add_argument("--db", metavar="PATH", help=db_help)
    im = rsub.add_parser("import", help="merge a review log (JSON Lines) into the store (idempotent)")
    im.add_argument("file", metavar="FILE")
    im.add_argument("--db", metavar="PATH", help=db_help)


def _review(args) -> int:
    from . import review

    try:
        if args.review_command == "set":
            return _review_set(args, review)
        if args.review_command == "list":
            return _review_list(args, review)
        if args.review_command == "export":
            with _existing_store(args.db) as store:
                if args.out:
                    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
                        n = review.export_log(store, f)
                    print(f"review export: {n} log entries -> {args.out}", file=sys.stderr)
                else:
                    review.export_log(store, sys.stdout)
                    sys.stdout.flush()
            return 0
        lines = review.iter_lines(args.file)
        with _existing_store(args.db) as store:
            summary = review.import_log(store, lines, origin=str(args.file))
        print(summary.line())
        for key in summary.unknown_reports[:20]:
            print(f"warning: {key}: no such report in this store (skipped)", file=sys.stderr)
        for key in summary.unattached[:20]:
            print(f"warning: {key}: no incident matches it now (kept; it applies when the incident is back)",
                  file=sys.stderr)
        for bad in summary.bad[:20]:
            print(f"error: {args.file}: {bad}", file=sys.stderr)
        return 2 if summary.bad else 0
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except IncidentMapError as exc:
        return _fail(str(exc).splitlines()[0])
    except BrokenPipeError:
        return 0


def _review_set(args, review) -> int:
    with _existing_store(args.db) as store:
        if args.correct:
            values = review.parse_assignments(args.correct)
            gazetteer = Gazetteer.load() if "place_id" in values else None
            rev = review.correct(store, args.incident_id, values, gazetteer, note=args.note, who=args.who)
        elif args.reject:
            rev = review.reject(store, args.incident_id, note=args.note, who=args.who)
        elif args.confirm:
            rev = review.confirm(store, args.incident_id, note=args.note, who=args.who)
        else:
            rev = review.clear(store, args.incident_id, note=args.note, who=args.who)
    changed = ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in rev.changes.items()) or "no change"
    print(f"incident {args.incident_id}: {rev.state.value} by {rev.who} at {rev.when} ({changed})")
    return 0


def _review_list(args, review) -> int:
    out = sys.stdout
    with _existing_store(args.db) as store:
        if args.history:
            for rev in review.review_log(store):
                if args.state and rev.state.value not in args.state:
                    continue
                out.write((json.dumps(rev.to_json(), ensure_ascii=False) if args.json else
                           f"{rev.when}  {rev.key}  {rev.state.value:<9}  {rev.who}  {rev.changes or ''}  "
                           f"{rev.note}".rstrip()) + "\n")
            return 0
        res = review.load(store)
    items = sorted(res.by_incident.items())
    for iid, rev in items:
        if args.state and rev.state.value not in args.state:
            continue
        if args.json:
            out.write(json.dumps({"incident_id": iid, "matched_by": res.how[iid], **rev.to_json()},
                                 ensure_ascii=False) + "\n")
        else:
            fields = " ".join(f"{k}={v}" for k, v in rev.fields.items() if k in review.FIELDS)
            out.write(f"{iid}\t{rev.state.value}\t{rev.who}\t{rev.when}\t{fields}\t{rev.note}".rstrip() + "\n")
    for rev in res.orphans:
        if args.state and rev.state.value not in args.state:
            continue
        if args.json:
            out.write(json.dumps({"incident_id": None, "matched_by": None, **rev.to_json()},
                                 ensure_ascii=False) + "\n")
        else:
            out.write(f"-\t{rev.state.value}\t{rev.who}\t{rev.when}\t(no incident matches {rev.key} now)\n")
    out.flush()
    return 0
