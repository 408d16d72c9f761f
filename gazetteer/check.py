"""Checks of the gazetteer data, and the names of reports it cannot place.

``python -m incidents gazetteer check [REPORT...]`` runs :func:`main`: every
problem of the curated + user files, one per line (``place-id: message``),
then, for each report, the capitalised place-like names it could not place.
Exit status 0 when the data has no problem, 1 otherwise (2: unreadable input).

Problems looked for:

* rows that do not parse (bad id, kind, lat/lon...) and duplicate ids, within
  a file and across the curated and user files;
* a point outside its country's bounding box (``data/country_bbox.csv``);
* a parent that does not exist, a cycle of parents, a parent in another
  country, or a parent too far away for its kind;
* a name/alias shared by two places of the same country and kind (nothing
  tells them apart) unless listed in ``data/shared_aliases.txt``.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .errors import GazetteerDataError, GazetteerError
from .gazetteer import (
    BLOCKERS_PATH, CURATED_PATH, PACKAGE_DIR, Gazetteer, default_user_path, haversine_km, read_blockers,
)
from .loader import REQUIRED, parse_row
from .matcher import name_variants
from .place import Place
from .text import fold_key

BBOX_PATH = PACKAGE_DIR / "data" / "country_bbox.csv"
SHARED_ALIASES_PATH = PACKAGE_DIR / "data" / "shared_aliases.txt"
BBOX_SLACK_DEG = 0.05

# How far (km) a place may lie from a parent of this kind.
PARENT_MAX_KM = {
    "hospital": 5, "landmark": 5, "base": 10, "junction": 5, "crossing": 10, "port": 15,
    "neighbourhood": 10, "camp": 10, "settlement": 15,
    "village": 15, "town": 25, "city": 40, "capital": 40, "island": 150,
    "district": 120, "corridor": 120, "governorate": 400, "region": 900,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the gazetteer data."""

    place_id: str
    message: str
    path: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"{self.place_id}: {self.message}{where}"


# --------------------------------------------------------------- support data
def read_bboxes(path: str | Path = BBOX_PATH) -> dict[str, tuple[float, float, float, float]]:
    """ISO2 -> (min_lat, min_lon, max_lat, max_lon)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    rows = csv.DictReader(ln for ln in io.StringIO(text) if ln.strip() and not ln.startswith("#"))
    out = {}
    for row in rows:
        out[row["country"].strip().upper()] = (
            float(row["min_lat"]), float(row["min_lon"]), float(row["max_lat"]), float(row["max_lon"]),
        )
    return out


def read_shared_aliases(path: str | Path = SHARED_ALIASES_PATH) -> dict[str, frozenset[str] | None]:
    """Allowed shared names: folded name -> ids allowed to share it (``None`` = any)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    out: dict[str, frozenset[str] | None] = {}
    for ln in lines:
        ln = ln.split("#", 1)[0].strip()
        if not ln:
            continue
        name, _, ids = ln.partition(":")
        key = fold_key(name)
        out[key] = frozenset(ids.replace(",", " ").split()) if ids.strip() else None
    return out


# --------------------------------------------------------------- reading rows
@dataclass
class _Loaded:
    places: list[Place]
    where: dict[str, tuple[str, int]]  # id -> (path, line) of the row kept
    problems: list[Problem]


def load_files(paths: Iterable[tuple[str | Path, str]]) -> _Loaded:
    """Read gazetteer CSVs tolerantly: every bad row or duplicate id is a problem.

    ``paths``: ``(path, origin)`` pairs, curated first. The first row of an id wins.
    """
    places: list[Place] = []
    where: dict[str, tuple[str, int]] = {}
    origin_of: dict[str, str] = {}
    problems: list[Problem] = []
    for path, origin in paths:
        path = str(path)
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            if origin != "user":
                problems.append(Problem("-", "file not found", path))
            continue
        except OSError as exc:
            problems.append(Problem("-", f"cannot read: {exc.strerror}", path))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Problem("-", f"not UTF-8 (byte {exc.start})", path))
            continue
        if origin == "user" and not text.strip():
            continue  # an empty user file holds no places (as loader.read_places reads it)
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            problems.append(Problem("-", f"header lacks column(s) {', '.join(missing)}", path, 1))
            continue
        for row in reader:
            line = reader.line_num
            if not any((v or "").strip() for k, v in row.items() if k is not None and isinstance(v, str)):
                continue
            rid = (row.get("id") or "").strip()
            if rid.startswith("#"):
                continue
            try:
                place = parse_row(row, path, line, origin)
            except GazetteerDataError as exc:
                msg = str(exc)
                prefix = f"{path}:{line}: "
                problems.append(Problem(rid or "-", msg[len(prefix):] if msg.startswith(prefix) else msg, path, line))
                continue
            if place.id in where and origin == "user" and origin_of.get(place.id) == "curated":
                first = next(p for p in places if p.id == place.id)
                if first.country != place.country:
                    problems.append(Problem(place.id, f"reuses a curated id with country {place.country} "
                                                      f"(curated: {first.country})", path, line))
                    continue
                places.append(place)  # a user row with a curated id only adds names to it (Gazetteer merges)
                origin_of[place.id] = "user-alias"
                continue
            if place.id in where:
                fpath, fline = where[place.id]
                problems.append(Problem(place.id, f"duplicate id (first at {fpath}:{fline})", path, line))
                continue
            where[place.id] = (path, line)
            origin_of[place.id] = origin
            places.append(place)
    return _Loaded(places, where, problems)


# --------------------------------------------------------------- the checks
def _bbox_problems(gaz: Gazetteer, bboxes, loc) -> list[Problem]:
    out = []
    for p in gaz.places.values():
        box = bboxes.get(p.country)
        if box is None or p.kind in ("sea",):
            continue
        min_lat, min_lon, max_lat, max_lon = box
        s = BBOX_SLACK_DEG
        if not (min_lat - s <= p.lat <= max_lat + s and min_lon - s <= p.lon <= max_lon + s):
            hint = ""
            if min_lat <= p.lon <= max_lat and min_lon <= p.lat <= max_lon:
                hint = " (lat and lon swapped?)"
            out.append(Problem(p.id, f"point {p.lat:g}, {p.lon:g} lies outside {p.country}'s bounding box{hint}", *loc(p)))
    return out


def _parent_problems(gaz: Gazetteer, loc) -> list[Problem]:
    out = []
    for p in gaz.places.values():
        if not p.parent:
            continue
        parent = gaz.places.get(p.parent)
        if parent is None:
            out.append(Problem(p.id, f"parent {p.parent!r} does not exist", *loc(p)))
            continue
        # cycle: walk up until the chain ends or repeats
        seen, cur = [p.id], parent
        while cur is not None:
            if cur.id in seen:
                if cur.id == p.id:
                    chain = " -> ".join(seen + [cur.id])
                    out.append(Problem(p.id, f"parent cycle: {chain}", *loc(p)))
                break
            seen.append(cur.id)
            cur = gaz.places.get(cur.parent) if cur.parent else None
        if parent.kind == "country":
            if p.country and parent.country and p.country != parent.country:
                out.append(Problem(p.id, f"parent {parent.id!r} is the country {parent.country}, place is in {p.country}", *loc(p)))
            continue
        limit = PARENT_MAX_KM.get(parent.kind)
        if limit is not None and parent.id != p.id:
            d = haversine_km(p.lat, p.lon, parent.lat, parent.lon)
            if d > limit:
                out.append(Problem(p.id, f"{d:.0f} km from its parent {parent.id!r} ({parent.kind}; at most {limit} km expected)", *loc(p)))
    return out


def _alias_problems(gaz: Gazetteer, allowed: dict[str, frozenset[str] | None], loc) -> list[Problem]:
    owners: dict[str, dict[str, str]] = {}  # key -> {place id: surface name}
    for p in gaz.places.values():
        for name in p.names:
            for key in name_variants(name):
                owners.setdefault(key, {}).setdefault(p.id, name)
    out, reported = [], set()
    for key, ids in owners.items():
        if len(ids) < 2:
            continue
        allow = allowed.get(key, False)
        if allow is None:
            continue
        places = sorted((gaz.places[i] for i in ids), key=lambda q: loc(q)[1] or 0)
        for i, a in enumerate(places):
            for b in places[i + 1:]:
                if a.country != b.country or a.kind != b.kind:
                    continue  # country or kind tells them apart
                if allow and a.id in allow and b.id in allow:
                    continue
                pair = (a.id, b.id)
                if pair in reported:
                    continue
                reported.add(pair)
                out.append(Problem(
                    b.id,
                    f"name {ids[b.id]!r} also names {a.id!r} (same country {a.country or '-'} and kind {a.kind}): "
                    f"nothing tells them apart; rename, or list {key!r} in shared_aliases.txt",
                    *loc(b),
                ))
    return out


def check_gazetteer(
    gazetteer: Gazetteer | None = None,
    files: Sequence[str | Path | tuple[str | Path, str]] | None = None,
    bboxes: dict | str | Path | None = None,
    shared_aliases: dict | str | Path | None = None,
) -> list[Problem]:
    """Every problem of the gazetteer data.

    With no ``gazetteer``, reads ``files`` (default: the curated file and the
    user file) tolerantly, so duplicate ids and bad rows are reported with
    file and line instead of stopping at the first. With a ``gazetteer`` and
    no ``files``, checks the places in memory (problems name place ids).
    ``files`` may hold ``(path, origin)`` pairs; plain paths after the first
    are taken as user files.
    """
    problems: list[Problem] = []
    where: dict[str, tuple[str, int]] = {}
    if files is None and gazetteer is None:
        files = [(CURATED_PATH, "curated"), (default_user_path(), "user")]
    if files is not None:
        pairs = [f if isinstance(f, tuple) else (f, "curated" if i == 0 else "user") for i, f in enumerate(files)]
        loaded = load_files(pairs)
        problems.extend(loaded.problems)
        where = loaded.where
        if gazetteer is None:
            gazetteer = Gazetteer(loaded.places, read_blockers(BLOCKERS_PATH))
    if not isinstance(bboxes, dict):
        bboxes = read_bboxes(bboxes or BBOX_PATH)
    if not isinstance(shared_aliases, dict):
        shared_aliases = read_shared_aliases(shared_aliases or SHARED_ALIASES_PATH)

    def loc(p: Place) -> tuple[str | None, int | None]:
        return where.get(p.id, (None, None))

    problems += _bbox_problems(gazetteer, bboxes, loc)
    problems += _parent_problems(gazetteer, loc)
    problems += _alias_problems(gazetteer, shared_aliases, loc)
    return problems


def unplaced_names(text: str, gazetteer: Gazetteer) -> list[tuple[str, int]]:
    """Capitalised place-like names in ``text`` the gazetteer cannot place, with counts."""
    from .candidates import unknown_names

    return unknown_names(text, gazetteer)


# --------------------------------------------------------------- command line
def _read_report(path: str) -> str:
    raw = Path(path).read_bytes()
    if b"\x00" in raw:
        raise ValueError("binary file, expected text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def main(argv: Sequence[str] | None = None) -> int:
    """``gazetteer check [--curated F] [--user F] [REPORT...]``; 0 = no problem, 1 = problems, 2 = bad input."""
    parser = argparse.ArgumentParser(prog="incidents gazetteer check", description="Check the gazetteer data.")
    parser.add_argument("reports", nargs="*", help="report text files: list the names they contain that the gazetteer cannot place")
    parser.add_argument("--curated", default=str(CURATED_PATH), help="curated places CSV")
    parser.add_argument("--user", default=None, help="user places CSV (default: $INCIDENTS_USER_GAZETTEER or data/user_places.csv)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    user = args.user if args.user is not None else default_user_path()
    files = [(args.curated, "curated"), (user, "user")]
    loaded = load_files(files)
    gaz = Gazetteer(loaded.places, read_blockers(BLOCKERS_PATH))
    problems = check_gazetteer(None, files)
    for problem in problems:
        print(problem)
    n_user = sum(1 for p in gaz.places.values() if p.origin == "user")
    print(f"{len(gaz.places)} places checked ({len(gaz.places) - n_user} curated, {n_user} user): "
          f"{len(problems)} problem(s)")
    status = 1 if problems else 0
    for path in args.reports:
        try:
            text = _read_report(path)
        except (OSError, ValueError) as exc:
            print(f"error: {path}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            status = 2
            continue
        try:
            names = unplaced_names(text, gaz)
        except GazetteerError as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            status = 2
            continue
        print(f"{path}: {len(names)} place-like name(s) not in the gazetteer")
        for name, count in names:
            print(f"  {name}\t{count}")
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
