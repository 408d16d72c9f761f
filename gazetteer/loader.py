"""Reading and validating gazetteer CSV files.

Format (UTF-8, header row required)::

    id,name,kind,country,lat,lon,aliases,parent,population,source

* ``id``: unique, lower-case ``[a-z0-9-]`` (e.g. ``khan-younis``)
* ``kind``: one of :data:`gazetteer.place.KINDS`
* ``country``: ISO 3166-1 alpha-2 code, upper case; empty only for seas
* ``aliases``: ``|``-separated other names and transliterations
* ``parent``: id of the enclosing place (town of a neighbourhood, governorate...)
* ``source``: where the coordinate comes from (``geonames:281133``, ``osm``, ``manual``)

Every problem is reported as :class:`GazetteerDataError` naming file and line.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import GazetteerDataError
from .place import KINDS, Place

COLUMNS = ("id", "name", "kind", "country", "lat", "lon", "aliases", "parent", "population", "source")
REQUIRED = ("id", "name", "kind", "lat", "lon")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def parse_row(row: dict[str, str], path: str, line: int, origin: str = "curated") -> Place:
    """Turn one CSV row into a :class:`Place`, or raise naming ``path:line``."""

    def fail(msg: str) -> GazetteerDataError:
        return GazetteerDataError(msg, path, line)

    if None in row:  # more fields than the header has
        raise fail(f"too many fields ({len(row) - 1 + len(row[None])}); quote names containing commas")
    values = {k: (v or "").strip() for k, v in row.items()}
    for col in REQUIRED:
        if not values.get(col):
            raise fail(f"missing {col!r}")
    pid = values["id"]
    if not ID_RE.match(pid):
        raise fail(f"bad id {pid!r}: use lower-case letters, digits and hyphens")
    kind = values["kind"]
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r} for {pid!r} (known: {', '.join(sorted(KINDS))})")
    country = values.get("country", "")
    if country and not COUNTRY_RE.match(country):
        raise fail(f"bad country code {country!r} for {pid!r}: use ISO 3166-1 alpha-2 such as LB")
    if not country and kind != "sea":
        raise fail(f"missing country for {pid!r}")
    try:
        lat = float(values["lat"])
        lon = float(values["lon"])
    except ValueError:
        raise fail(f"lat/lon of {pid!r} are not numbers: {values['lat']!r}, {values['lon']!r}") from None
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise fail(f"lat/lon of {pid!r} out of range: {lat}, {lon}")
    pop_text = values.get("population", "")
    try:
        population = int(float(pop_text)) if pop_text else 0
    except ValueError:
        raise fail(f"population of {pid!r} is not a number: {pop_text!r}") from None
    aliases = tuple(a.strip() for a in values.get("aliases", "").split("|") if a.strip())
    return Place(
        id=pid,
        name=values["name"],
        kind=kind,
        country=country,
        lat=lat,
        lon=lon,
        aliases=aliases,
        parent=values.get("parent", ""),
        population=population,
        source=values.get("source", ""),
        origin=origin,
    )


def read_places(path: str | Path, origin: str = "curated") -> list[Place]:
    """Read one gazetteer CSV file. A missing user file is simply empty."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if origin == "user":
            return []
        raise GazetteerDataError("file not found", str(path)) from None
    except OSError as exc:
        raise GazetteerDataError(f"cannot read: {exc.strerror}", str(path)) from None
    if b"\x00" in raw:
        raise GazetteerDataError("binary file, expected CSV text", str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GazetteerDataError(f"not UTF-8 (byte {exc.start})", str(path)) from None
    if origin == "user" and not text.strip():
        return []  # an empty user file (0 bytes, or only blank lines) holds no places
    return parse_csv(text, str(path), origin)


def parse_csv(text: str, path: str = "<text>", origin: str = "curated") -> list[Place]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise GazetteerDataError(f"header lacks column(s) {', '.join(missing)}", path, 1)
    places: list[Place] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue
        if (row.get("id") or "").startswith("#"):
            continue
        place = parse_row(row, path, line, origin)
        if place.id in seen:
            raise GazetteerDataError(f"duplicate id {place.id!r} (first on line {seen[place.id]})", path, line)
        seen[place.id] = line
        places.append(place)
    return places


def write_places(path: str | Path, places: Iterable[Place]) -> None:
    """Write places to a CSV file atomically (used for the user gazetteer).

    The rows go to a temporary file of its own (a unique name in the same directory),
    flushed to disk, then renamed over ``path``: a reader sees the old file or the new one,
    never a torn one, and two writers never share a temporary file. Writers that read,
    change and write the file must also hold :func:`gazetteer.user.locked` (``gazetteer.user``
    does) or one of them loses the other's rows. An alias holding ``|`` (the separator) is
    refused: it would be read back as two.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in places:
        if any("|" in a for a in p.aliases):
            raise GazetteerDataError(f"an alias of {p.id!r} contains '|', which separates aliases", str(path))
        writer.writerow([p.id, p.name, p.kind, p.country, f"{p.lat:.6g}", f"{p.lon:.6g}",
                         "|".join(p.aliases), p.parent, p.population or "", p.source])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    """The permissions of the file being replaced, else the usual ones for a new file (0666 less the umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without setting it (os.umask would change it for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022
