"""Command line: ``python -m incidents extract|ingest|gazetteer check``.

A thin layer on the library. Exit status 0 on success, 2 with a one-line
message naming the file on bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from gazetteer import Gazetteer
from gazetteer.errors import IncidentMapError

from .dates import check_published
from .errors import InputError
from .extract import extract
from .ingest import ingest
from .reading import read_report
from .store import DB_ENV, Store, default_db_path

OUTPUT_KEYS = (
    "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "event_type", "sub_event_type",
    "fatalities", "injuries", "source", "published", "excerpt", "start", "end", "dateline", "country",
    "fatalities_text", "injuries_text",
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
    ing.add_argument("files", nargs="+", metavar="FILE")
    ing.add_argument("--db", metavar="PATH", help=f"store path (default: ${DB_ENV} or data/incidents.db)")
    ing.add_argument("--published", type=_date, metavar="YYYY-MM-DD")
    ing.add_argument("--source", metavar="NAME")
    ing.add_argument("--no-geonames", dest="geonames", action="store_false",
                     help="do not use the offline GeoNames fallback")
    gz = sub.add_parser("gazetteer", help="gazetteer tools")
    gzsub = gz.add_subparsers(dest="gazetteer_command", required=True)
    chk = gzsub.add_parser("check", help="validate the gazetteer; list names in reports it cannot place")
    chk.add_argument("reports", nargs="*", metavar="REPORT")
    return p


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["gazetteer", "check"]:
        from gazetteer.check import main as check_main

        return check_main(argv[2:])  # its own options: --curated, --user
    args = _parser().parse_args(argv)
    try:
        if args.command == "gazetteer":
            from gazetteer.check import main as check_main

            return check_main(args.reports)
        gazetteer = Gazetteer.load(fallback=True if args.geonames else None)
        # read every file first: bad input fails before anything is written
        reports = [read_report(f, source=args.source, published=args.published) for f in args.files]
        if args.command == "extract":
            return _extract(reports, gazetteer)
        return _ingest(reports, gazetteer, args.db)
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


def _ingest(reports, gazetteer, db) -> int:
    with Store(db) as store:
        for report in reports:
            rid, added, n = ingest(store, report, gazetteer)
            state = "added" if added else "already stored"
            print(f"{report.path}: report {rid} {state}, {n} incidents")
    return 0
