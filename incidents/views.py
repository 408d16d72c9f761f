"""Pure helpers behind the dashboard and its pages (no Streamlit here).

* loading the incidents table into pandas with one query,
* filtering it with vectorised pandas (date range, event types, sources, place text),
* aggregating it per place (markers are bounded by places, never by incidents),
* colours per event type, marker sizes,
* escaping for HTML/JavaScript contexts and excerpt highlighting,
* CSV and GeoJSON export of exactly what is shown.
"""
from __future__ import annotations

import html
import json
import math
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------- colours
# ACLED's event types; "Other" for anything else (statements never reach the table).
EVENT_COLORS: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Protests": "#2ca02c",
    "Riots": "#8c564b",
    "Strategic developments": "#1f77b4",
}
OTHER_COLOR = "#7f7f7f"
# A cluster bubble's tooltip ends with this: a click on a cluster zooms in and never selects a place.
CLUSTER_HINT = "nearby: click to zoom in"

FRAME_COLUMNS = (
    "id", "report_id", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision",
    "event_type", "sub_event_type", "fatalities", "injuries", "source", "published", "excerpt",
    "start", "end", "dateline", "country", "fatalities_text", "injuries_text", "entry_start",
    "entry_end", "mentions",
)
# What the table page shows and exports (no offsets, no raw mentions JSON).
EXPORT_COLUMNS = (
    "id", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "country",
    "event_type", "sub_event_type", "fatalities", "injuries", "fatalities_text", "injuries_text",
    "source", "published", "dateline", "excerpt", "report_id",
)


def event_color(event_type: str | None) -> str:
    return EVENT_COLORS.get(event_type or "", OTHER_COLOR)


MAX_RADIUS = 40.0


def marker_radius(count: int) -> float:
    """Circle radius in pixels, perceptually scaled (Flannery's compensation: r ~ count^0.57, so
    the apparent size of a circle tracks its count): 6 px for one incident, 11.6 for three,
    22 for ten, at most 40."""
    return round(min(MAX_RADIUS, 6.0 * max(int(count), 1) ** 0.5716), 1)


# ---------------------------------------------------------------------- escaping
_LABEL_EXTRA = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}


def escape_label(text: object) -> str:
    """Escape text for a folium tooltip/popup: HTML inside a JavaScript template string.

    ``& < > " '`` become entities, and so do the characters that matter to the
    template string (backtick, ``$``, backslash); newlines become spaces.
    """
    return html.escape("" if text is None else str(text), quote=True).translate(_LABEL_TABLE)


_LABEL_TABLE = str.maketrans({"\r": " ", "\n": " ", **_LABEL_EXTRA})  # one C-level pass


# Every ASCII punctuation character, so that neither HTML nor Markdown (nor
# Streamlit's $...$ LaTeX) can interpret user text rendered by st.markdown.
_MD_PUNCT = set("&<>\"'`$\\*_[](){}#+-.!|~:=^%@;,?/")


def escape_md(text: object) -> str:
    """Escape text for ``st.markdown(..., unsafe_allow_html=True)``: inert as HTML and Markdown."""
    return ("" if text is None else str(text)).translate(_MD_TABLE)


# one C-level pass (the panel escapes every account's text on every run)
_MD_TABLE = str.maketrans({**{ch: f"&#{ord(ch)};" for ch in _MD_PUNCT}, "\n": "<br>", "\r": None})


def md_text(text: object) -> str:
    """Escape one line of text for Markdown-only places (st.error, labels): entities, newlines as spaces."""
    return escape_md(" ".join(str("" if text is None else text).split()))


def shorten(text: object, limit: int = 80) -> str:
    """``text`` cut to at most ``limit`` characters (an ellipsis marks the cut)."""
    s = " ".join(str("" if text is None else text).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)]*(?=\s)|\n")


def place_sentence(entry: str, names: Sequence[str], near: int = 0) -> tuple[int, int] | None:
    """The span of the sentence of ``entry`` that names the place (any of ``names``, whole words,
    case-insensitive) nearest to offset ``near``; None when the entry never names it."""
    names = sorted({n for n in names if n and n.strip()}, key=len, reverse=True)
    if not names or not entry:
        return None
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.I)
    best = None
    for m in pattern.finditer(entry):
        d = abs(m.start() - near)
        if best is None or d < best[0]:
            best = (d, m.start())
    if best is None:
        return None
    pos = best[1]
    start = 0
    for m in _SENTENCE_END.finditer(entry, 0, pos):
        start = m.end()
    m = _SENTENCE_END.search(entry, pos)
    end = m.end() if m else len(entry)
    while start < end and entry[start].isspace():
        start += 1
    return start, min(end, len(entry))


def names_in(text: str, names: Sequence[str]) -> bool:
    """True when ``text`` contains one of ``names`` as whole words (case-insensitive)."""
    low = (text or "").casefold()
    for n in names:
        n = (n or "").casefold().strip()
        if not n:
            continue
        i = low.find(n)
        while i >= 0:
            before = low[i - 1] if i else " "
            after = low[i + len(n)] if i + len(n) < len(low) else " "
            if not before.isalnum() and not after.isalnum():
                return True
            i = low.find(n, i + 1)
    return False


def highlight_excerpt(excerpt: str, excerpt_start: int | None, mentions: Sequence[dict] | None,
                      place: str | None = None, escape=escape_md, names: Sequence[str] = ()) -> str:
    """The excerpt, escaped first, with place names wrapped in ``<mark>``.

    ``mentions`` carry offsets relative to the report text; ``excerpt_start`` is
    where the excerpt begins in it. A mention whose offsets do not land on its
    surface form is looked up by text instead; with no usable mention the
    incident's place name is marked where it occurs.
    """
    excerpt = excerpt or ""
    spans: list[tuple[int, int]] = []
    base = int(excerpt_start or 0)
    for m in mentions or ():
        try:
            s, e = int(m.get("start")) - base, int(m.get("end")) - base
        except (TypeError, ValueError):
            continue
        surface = m.get("surface") or ""
        if not (0 <= s < e <= len(excerpt)) or (surface and excerpt[s:e] != surface):
            idx = excerpt.find(surface) if surface else -1
            if idx < 0:
                continue
            s, e = idx, idx + len(surface)
        spans.append((s, e))
    if not spans and (place or names):
        alts = sorted({n for n in (place, *names) if n and n.strip()}, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in alts) + r")(?!\w)", re.I)
        for mt in pattern.finditer(excerpt):
            spans.append((mt.start(), mt.end()))
    spans.sort()
    out, pos = [], 0
    for s, e in spans:
        if s < pos:  # overlapping: keep the first
            continue
        out.append(escape(excerpt[pos:s]))
        out.append("<mark>" + escape(excerpt[s:e]) + "</mark>")
        pos = e
    out.append(escape(excerpt[pos:]))
    return "".join(out)


# ---------------------------------------------------------------------- loading
def load_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """All incidents in one query, typed for fast filtering."""
    cols = ", ".join(f'"{c}"' for c in FRAME_COLUMNS)
    df = pd.read_sql_query(f"SELECT {cols} FROM incidents", conn)
    return normalise_frame(df)


def normalise_frame(df: pd.DataFrame) -> pd.DataFrame:
    for c in FRAME_COLUMNS:
        if c not in df.columns:
            df[c] = None
    for c in ("place", "place_id", "event_type", "sub_event_type", "source", "published", "excerpt",
              "dateline", "country", "fatalities_text", "injuries_text"):
        df[c] = df[c].fillna("").astype(str)
    df["fatalities"] = pd.to_numeric(df["fatalities"], errors="coerce").astype("Int64")
    df["injuries"] = pd.to_numeric(df["injuries"], errors="coerce").astype("Int64")
    return _keyed(df)


def _keyed(df: pd.DataFrame) -> pd.DataFrame:
    """Typed place and date columns and the integer keys for fast filtering, grouping and sorting
    (string columns are Arrow-backed): ``day`` is days since 1970 (negative before it), UNDATED for
    no date or one pandas cannot hold. One copy for the incident and the event frames."""
    df["date"] = df["date"].fillna("").astype(str)
    df["geo_precision"] = pd.to_numeric(df["geo_precision"], errors="coerce").fillna(1).astype(int)
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce")
    df["place_lc"] = df["place"].str.casefold()
    days = pd.to_datetime(df["date"].where(df["date"] != ""), errors="coerce", format="%Y-%m-%d")
    df["day"] = ((days - _EPOCH).dt.days).fillna(UNDATED).astype("int32")
    df.loc[df["day"] == UNDATED, "date"] = ""
    return recode(df)


def recode(df: pd.DataFrame) -> pd.DataFrame:
    """The frame's integer codes of places and event types (``pcode``, ``tcode``), made anew for it."""
    df["pcode"] = pd.factorize(df["place_id"])[0].astype("int32")
    df["tcode"] = pd.factorize(df["event_type"])[0].astype("int16")
    return df


_EPOCH = pd.Timestamp("1970-01-01")
UNDATED = -(2**31)  # the "day" of an incident without a (usable) date


def day_number(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def date_bounds(df: pd.DataFrame) -> tuple[date, date] | None:
    """First and last day of the dated incidents (before 1970 too), or None."""
    dated = df["day"][df["day"] != UNDATED]
    if dated.empty:
        return None
    return _day_date(int(dated.min())), _day_date(int(dated.max()))


# ---------------------------------------------------------------------- filtering
@dataclass
class Filters:
    start: date | None = None
    end: date | None = None
    event_types: list[str] = field(default_factory=list)  # empty = all
    sources: list[str] = field(default_factory=list)  # empty = all
    place_query: str = ""
    place_id: str = ""  # selected place (the panel), not applied by filter_frame
    place_ids: frozenset = frozenset()  # what place_query finds in the gazetteer (aliases, areas): place_matches


def filter_frame(df: pd.DataFrame, f: Filters, *, place_id: str | None = None) -> pd.DataFrame:
    """Rows matching the filters; vectorised. Undated incidents drop out once a range is set."""
    mask = pd.Series(True, index=df.index)
    if f.start is not None:
        mask &= df["day"] >= day_number(f.start)
    if f.end is not None:
        mask &= (df["day"] <= day_number(f.end)) & (df["day"] != UNDATED)
    if f.event_types:
        mask &= df["event_type"].isin(f.event_types)
    if f.sources:
        mask &= df["source"].isin(f.sources)
    q = (f.place_query or "").strip().casefold()
    if q:
        found = df["place_lc"].str.contains(q, regex=False) | (df["place_id"] == q)
        if f.place_ids:
            found |= df["place_id"].isin(f.place_ids)
        mask &= found
    if place_id:
        mask &= df["place_id"] == place_id
    return df[mask]


def place_matches(query: str, gazetteer, place_ids: Iterable[str]) -> frozenset:
    """The ids among ``place_ids`` that a place search finds through the gazetteer: a place whose
    name or alias contains the query (accent- and case-insensitive), or one inside such a place
    ("Baghdad" finds Al-Mashtal, "Gaza" the places of the Strip, "Lebanon" every place in it)."""
    q = (query or "").strip()
    if not q or gazetteer is None:
        return frozenset()
    hits = gazetteer.search(q, limit=max(len(gazetteer), 1))
    hit_ids = {p.id for p in hits}
    countries = {p.country for p in hits if p.kind == "country" and p.country}
    out = set()
    for pid in set(place_ids):
        p = gazetteer.get(pid)
        if p is None:
            continue
        if pid in hit_ids or p.country in countries or any(a.id in hit_ids for a in gazetteer.ancestors(p)):
            out.add(pid)
    return frozenset(out)


def totals(df: pd.DataFrame) -> tuple[int, int]:
    """(incidents, fatalities) of a frame; unknown fatalities count as 0."""
    return int(len(df)), int(df["fatalities"].fillna(0).sum()) if len(df) else 0


def newest_first(df: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The ``cap`` newest rows (by date, then id), newest first; O(n log cap) on integer keys."""
    return df.nlargest(cap, ["day", "id"])


# ---------------------------------------------------------------------- per place
PLACE_COLUMNS = ("place_id", "place", "lat", "lon", "count", "fatalities", "geo_precision",
                 "event_type", "last_date")


def aggregate_places(df: pd.DataFrame) -> pd.DataFrame:
    """One row per place: count, fatalities, best precision, dominant event type, last date."""
    if df.empty:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    g = df.groupby("pcode", sort=False)
    agg = g.agg(place_id=("place_id", "first"), place=("place", "first"), lat=("lat", "first"),
                lon=("lon", "first"), count=("id", "size"), fatalities=("fatalities", "sum"),
                geo_precision=("geo_precision", "min"), last_day=("day", "max"))
    # dominant event type: the most frequent per place; ties by name for stability
    vc = df.groupby(["pcode", "tcode"], sort=False).agg(n=("id", "size"), event_type=("event_type", "first"))
    vc = vc.reset_index().sort_values(["pcode", "n", "event_type"], ascending=[True, False, True], kind="stable")
    dominant = vc.drop_duplicates("pcode").set_index("pcode")["event_type"]
    agg["event_type"] = dominant.reindex(agg.index).fillna("")
    agg["last_date"] = [_day_iso(d) for d in agg["last_day"]]
    agg = agg.reset_index(drop=True).drop(columns=["last_day"])
    agg["fatalities"] = agg["fatalities"].fillna(0).astype(int)
    agg = agg.dropna(subset=["lat", "lon"])
    return agg.sort_values(["count", "place_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _day_date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


def _day_iso(day: int) -> str:
    return _day_date(day).isoformat() if day != UNDATED else ""


def place_label(place: str, count: int, noun: str = "incident") -> str:
    """The plain-text tooltip of a place marker (escape it before giving it to folium)."""
    return f"{place} — {count} {noun}{'s' if count != 1 else ''}"


def place_from_label(label: str | None) -> str | None:
    """The place name back from a tooltip as st_folium returns it (entities decoded, padded)."""
    if not label:
        return None
    text = label.strip()
    return text.rsplit(" — ", 1)[0].strip() if " — " in text else text


def resolve_click(places: pd.DataFrame, tooltip: str | None, latlng: dict | None) -> str | None:
    """The place_id a marker click refers to: by tooltip name, else nearest to the click; None for
    a click on a cluster bubble (its tooltip ends with CLUSTER_HINT)."""
    if places is None or places.empty:
        return None
    if tooltip and CLUSTER_HINT in tooltip:  # a cluster bubble: it zooms in, it is not a place
        return None
    name = place_from_label(tooltip)
    lat = lng = None
    if latlng:
        lat, lng = latlng.get("lat"), latlng.get("lng")
    if name:
        hit = places[places["place"] == name]
        if len(hit) == 1:
            return str(hit["place_id"].iloc[0])
        if len(hit) > 1 and lat is not None:
            return _nearest(hit, lat, lng)
        if len(hit) > 1:
            return str(hit["place_id"].iloc[0])
    if lat is not None and lng is not None:
        return _nearest(places, lat, lng)
    return None


def _nearest(places: pd.DataFrame, lat: float, lng: float) -> str:
    d = (places["lat"] - lat) ** 2 + ((places["lon"] - lng) * math.cos(math.radians(lat))) ** 2
    return str(places.loc[d.idxmin(), "place_id"])


# ---------------------------------------------------------------------- export
def export_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in EXPORT_COLUMNS if c in df.columns]].reset_index(drop=True)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A text cell a spreadsheet will not run as a formula (OWASP CSV injection): a cell starting
    with = + - @ tab or carriage return gets a leading single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(df: pd.DataFrame) -> bytes:
    """CSV of the export columns; text cells escaped against formula injection (numbers stay numbers)."""
    return frame_csv(export_frame(df))


def _jsonable(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def to_geojson(df: pd.DataFrame) -> dict:
    """A FeatureCollection with one Point per incident (lon, lat), properties = export columns."""
    return _feature_collection(export_frame(df))


def _feature_collection(out: pd.DataFrame, more=None) -> dict:
    """One Point feature per row (lon, lat; no geometry without both), the other columns as properties;
    ``more(record)`` adds or replaces properties."""
    props_cols = [c for c in out.columns if c not in ("lat", "lon")]
    feats = []
    for rec in out.to_dict("records"):
        lat, lon = _jsonable(rec.get("lat")), _jsonable(rec.get("lon"))
        geom = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        props = {c: _jsonable(rec[c]) for c in props_cols}
        if more is not None:
            props.update(more(rec))
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def to_geojson_bytes(df: pd.DataFrame) -> bytes:
    return json.dumps(to_geojson(df), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------- dates
def clamp_range(rng: Iterable[date] | None, lo: date, hi: date) -> tuple[date, date]:
    """A (start, end) inside [lo, hi], start <= end; the full range when missing."""
    try:
        a, b = tuple(rng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return lo, hi
    a = min(max(a, lo), hi)
    b = min(max(b, lo), hi)
    return (a, b) if a <= b else (b, a)


def step_range(rng: tuple[date, date], lo: date, hi: date, days: int = 1) -> tuple[date, date]:
    """Shift a window by ``days`` keeping its width, stopping at the bounds."""
    a, b = rng
    width = (b - a).days
    if days > 0:
        nb = min(b + timedelta(days=days), hi)
        return max(lo, nb - timedelta(days=width)), nb
    na = max(a + timedelta(days=days), lo)
    return na, min(hi, na + timedelta(days=width))


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------------- events
# One row per event (``events`` table of the store); the accounts are the incidents.
EVENT_FRAME_COLUMNS = (
    "event_id", "date", "time_precision", "place", "place_id", "lat", "lon", "geo_precision", "country",
    "event_type", "sub_event_type", "fatalities_low", "fatalities_best", "fatalities_high", "injuries_low",
    "injuries_best", "injuries_high", "sources", "n_reports", "incident_ids",
)
# What the Incidents page shows and exports per event.
EVENT_EXPORT_COLUMNS = (
    "event_id", "date", "place", "place_id", "lat", "lon", "geo_precision", "country", "event_type",
    "sub_event_type", "fatalities_low", "fatalities_best", "fatalities_high", "injuries_low", "injuries_best",
    "injuries_high", "sources", "n_reports", "n_accounts", "incident_ids", "excerpt",
)
# The accounts table: one row per incident, with its event and its report.
ACCOUNT_EXPORT_COLUMNS = ("event_id", *EXPORT_COLUMNS, "report_title", "report_url")
SOURCES_SEP = "; "
_COUNT_COLUMNS = ("fatalities_low", "fatalities_best", "fatalities_high", "injuries_low", "injuries_best",
                  "injuries_high")


@dataclass
class EventData:
    """What the map and the pages draw: events, their accounts (incidents), accounts by incident id."""

    events: pd.DataFrame
    accounts: pd.DataFrame
    by_id: pd.DataFrame  # accounts indexed by incident id
    first_excerpt: pd.Series | None = None  # event id -> its first account's excerpt (by publication)

    def accounts_of(self, incident_ids: str | Sequence[int]) -> pd.DataFrame:
        """The accounts of one event (its ``incident_ids``), oldest publication first."""
        ids = parse_ids(incident_ids) if isinstance(incident_ids, str) else list(incident_ids)
        ids = [i for i in ids if i in self.by_id.index]
        rows = self.by_id.loc[ids]
        return rows.sort_values(["published", "id"], kind="stable") if len(rows) else rows


def parse_ids(text: object) -> list[int]:
    out = []
    for part in str(text or "").split(","):
        part = part.strip()
        if part.isdigit():
            out.append(int(part))
    return out


def load_events(conn: sqlite3.Connection) -> pd.DataFrame:
    """All stored events in one query (relink the store first: ``Store.relink``)."""
    cols = ", ".join(f'"{c}"' for c in EVENT_FRAME_COLUMNS)
    df = pd.read_sql_query(f"SELECT {cols} FROM events", conn)
    return normalise_events(df)


def normalise_events(df: pd.DataFrame) -> pd.DataFrame:
    """Typed like :func:`normalise_frame`, so filtering, per-place aggregation and newest-first work on
    events as on incidents: ``fatalities``/``injuries`` are the best estimates, ``id`` is the event's
    latest account (a stable tie-break), ``sources`` the outlets joined by "; " (``sources_json`` the list)."""
    for c in EVENT_FRAME_COLUMNS:
        if c not in df.columns:
            df[c] = None
    raw = df["sources"].fillna("[]").astype(str)
    codes, uniques = pd.factorize(raw)
    decoded = []
    for u in uniques:
        try:
            v = json.loads(u)
        except ValueError:
            v = []
        decoded.append([str(s) for s in v] if isinstance(v, list) else [])
    df["sources_json"] = raw
    df["sources"] = pd.Series([SOURCES_SEP.join(decoded[c]) if c >= 0 else "" for c in codes], index=df.index,
                              dtype=object)
    df["incident_ids"] = df["incident_ids"].fillna("").astype(str)
    df["n_accounts"] = df["incident_ids"].str.count(",").add(1).where(df["incident_ids"] != "", 0).astype(int)
    df["id"] = [max(parse_ids(s), default=0) for s in df["incident_ids"]]
    for c in _COUNT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    df["n_reports"] = pd.to_numeric(df["n_reports"], errors="coerce").fillna(0).astype(int)
    df["fatalities"] = df["fatalities_best"]
    df["injuries"] = df["injuries_best"]
    for c in ("event_id", "place", "place_id", "event_type", "sub_event_type", "country"):
        df[c] = df[c].fillna("").astype(str)
    return _keyed(df)


def load_accounts(conn: sqlite3.Connection) -> pd.DataFrame:
    """All incidents (as :func:`load_frame`), each with its event id and its report's title and URL."""
    cols = ", ".join(f'i."{c}"' for c in FRAME_COLUMNS)
    df = pd.read_sql_query(
        f"SELECT {cols}, a.event_id AS event_id, r.title AS report_title, r.url AS report_url FROM incidents i "
        "LEFT JOIN event_accounts a ON a.incident_id = i.id LEFT JOIN reports r ON r.id = i.report_id", conn)
    df = normalise_frame(df)
    for c in ("event_id", "report_title", "report_url"):
        df[c] = df[c].fillna("").astype(str)
    return df


def event_data(events: pd.DataFrame, accounts: pd.DataFrame) -> EventData:
    by_id = accounts.set_index("id", drop=False)
    by_id.index.name = None  # "id" stays a column only (sorting by it is unambiguous)
    linked = accounts[accounts["event_id"] != ""] if "event_id" in accounts.columns else accounts.iloc[0:0]
    first = linked.sort_values(["published", "id"], kind="stable").drop_duplicates("event_id")
    first_excerpt = pd.Series(first["excerpt"].to_numpy(), index=first["event_id"].to_numpy(), dtype=object)
    return EventData(events=events, accounts=accounts, by_id=by_id, first_excerpt=first_excerpt)


def filter_events(ev: pd.DataFrame, f: Filters, *, place_id: str | None = None) -> pd.DataFrame:
    """Events matching the filters (as :func:`filter_frame`); the source filter keeps an event any of
    whose outlets is selected."""
    if not f.sources or "sources_json" not in ev.columns:
        return filter_frame(ev, f, place_id=place_id)
    plain = Filters(start=f.start, end=f.end, event_types=f.event_types, place_query=f.place_query,
                    place_id=f.place_id, place_ids=f.place_ids)
    out = filter_frame(ev, plain, place_id=place_id)
    if out.empty:
        return out
    wanted = set(f.sources)
    codes, uniques = pd.factorize(out["sources_json"])
    ok = []
    for k, u in enumerate(uniques):
        try:
            v = json.loads(u)
        except ValueError:
            v = []
        if isinstance(v, list) and wanted.intersection(map(str, v)):
            ok.append(k)
    return out[pd.Series(codes, index=out.index).isin(ok)]


def count_range(low, best, high, word: str = "killed") -> str:
    """"3 killed", or "1–3 killed" when the accounts differ; "" when no account gives a count."""
    vals = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else int(v)
            for v in (low, best, high)]
    lo, bst, hi = vals
    known = [v for v in vals if v is not None]
    if not known:
        return ""
    lo = lo if lo is not None else min(known)
    hi = hi if hi is not None else max(known)
    return f"{lo} {word}" if lo == hi else f"{lo}–{hi} {word}"


def event_totals(ev: pd.DataFrame) -> tuple[int, int]:
    """(events, fatalities): the best estimate of each event; unknown counts as 0."""
    return totals(ev)


def events_export_frame(ev: pd.DataFrame, data: EventData | None = None, extra: Sequence[str] = ()) -> pd.DataFrame:
    """The event export columns (then the ``extra`` ones ``ev`` has, e.g. ``review``); ``excerpt`` is the first
    account's (by publication) when accounts are given."""
    out = ev.copy()
    if "excerpt" not in out.columns:
        if data is not None and data.first_excerpt is not None and len(out):
            out["excerpt"] = out["event_id"].map(data.first_excerpt).fillna("")  # vectorised
        else:
            out["excerpt"] = ""
    return out[[c for c in (*EVENT_EXPORT_COLUMNS, *extra) if c in out.columns]].reset_index(drop=True)


def accounts_export_frame(accounts: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    cols = [c for c in (*ACCOUNT_EXPORT_COLUMNS, *extra) if c in accounts.columns]
    return accounts[cols].reset_index(drop=True)


def frame_csv(out: pd.DataFrame, bom: bool = False) -> bytes:
    """CSV of a frame as it is; text cells escaped against formula injection. ``bom``: a UTF-8 byte order
    mark first, so Excel reads the file as UTF-8."""
    out = out.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(csv_safe)
    data = out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")  # RFC 4180: CR in a cell is quoted
    return (b"\xef\xbb\xbf" + data) if bom else data


def events_csv(ev: pd.DataFrame, data: EventData | None = None, bom: bool = False,
               extra: Sequence[str] = ()) -> bytes:
    return frame_csv(events_export_frame(ev, data, extra), bom)


def accounts_csv(accounts: pd.DataFrame, bom: bool = False, extra: Sequence[str] = ()) -> bytes:
    return frame_csv(accounts_export_frame(accounts, extra), bom)


def events_geojson_bytes(ev: pd.DataFrame, data: EventData | None = None, extra: Sequence[str] = ()) -> bytes:
    """One Point per event; ``sources`` as a list and ``incident_ids`` as numbers in the properties."""
    def lists(rec) -> dict:
        return {"sources": [s for s in str(rec.get("sources") or "").split(SOURCES_SEP) if s],
                "incident_ids": parse_ids(rec.get("incident_ids"))}

    collection = _feature_collection(events_export_frame(ev, data, extra), lists)
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def safe_href(url: object) -> str:
    """An http(s) URL ready for an ``href`` attribute in ``st.markdown`` (every punctuation character an
    entity, so neither HTML nor Markdown can read anything into it); "" for any other scheme."""
    u = " ".join(str(url or "").split())
    if not re.match(r"(?i)https?://[^\s]+$", u):
        return ""
    return escape_md(u)


def accounts_in(data: EventData, ev: pd.DataFrame) -> pd.DataFrame:
    """The accounts of these events, in the events' order (each event's oldest publication first)."""
    if ev.empty:
        return data.accounts.iloc[0:0]
    order = pd.Series(range(len(ev)), index=ev["event_id"].to_numpy())
    acc = data.accounts[data.accounts["event_id"].isin(order.index)]
    acc = acc.assign(_order=acc["event_id"].map(order).to_numpy())
    return acc.sort_values(["_order", "published", "id"], kind="stable").drop(columns="_order").reset_index(drop=True)


def accounts_by_event(data: EventData, ev: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The accounts of a few events (the panel's) in one lookup: event id -> its accounts, oldest first."""
    if ev.empty:
        return {}
    ids = [i for s in ev["incident_ids"] for i in parse_ids(s)]
    rows = data.by_id.loc[[i for i in ids if i in data.by_id.index]]
    rows = rows.sort_values(["published", "id"], kind="stable")
    return {k: g for k, g in rows.groupby("event_id", sort=False)}


# ---------------------------------------------------------------------- timeline
def timeline_counts(ev: pd.DataFrame, lo: date, hi: date) -> pd.DataFrame:
    """Events per day and event type between ``lo`` and ``hi`` (undated events left out), for a stacked
    bar chart: columns ``date`` (ISO day), ``event_type`` ("Other" for none or a type outside ACLED's six, as
on the map), ``events``. Days without
    events are absent (the chart's axis spans the range)."""
    cols = ["date", "event_type", "events"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    a, b = day_number(lo), day_number(hi)
    sel = ev[(ev["day"] != UNDATED) & (ev["day"] >= a) & (ev["day"] <= b)]
    if sel.empty:
        return pd.DataFrame(columns=cols)
    types = sel["event_type"].where(sel["event_type"].isin(list(EVENT_COLORS)), "Other")  # as the map colours them
    g = pd.DataFrame({"day": sel["day"].to_numpy(), "event_type": types.to_numpy()}).groupby(
        ["day", "event_type"], sort=True).size().reset_index(name="events")
    g["date"] = [_day_iso(d) for d in g["day"]]  # ISO days: Vega reads them as UTC midnight
    return g[cols].reset_index(drop=True)


TIMELINE_MAX_BARS = 400  # a longer span is drawn by week, then by month (10 years: ~120 bars, not ~3,650)
TIMELINE_UNITS = ("day", "week", "month")


def timeline_unit(lo: date, hi: date, max_bars: int = TIMELINE_MAX_BARS) -> str:
    """The timeline's bar width for the dates ``lo``..``hi``: "day" while there are at most ``max_bars``
    days, else "week" (weeks start on Monday) while there are at most ``max_bars`` weeks, else "month"."""
    days = (hi - lo).days + 1
    if days <= max_bars:
        return "day"
    first_monday = lo - timedelta(days=lo.weekday())
    weeks = (hi - first_monday).days // 7 + 1
    return "week" if weeks <= max_bars else "month"


TIMELINE_BUCKET_COLUMNS = ["date", "end", "event_type", "events", "y0", "y1"]


def timeline_buckets(counts: pd.DataFrame, lo: date, hi: date, unit: str) -> pd.DataFrame:
    """Daily counts (:func:`timeline_counts`) summed per week or month, for bars drawn from ``date`` to
    ``end`` (ISO days; ``end`` exclusive; both clipped to ``lo``..``hi`` + 1 day), and stacked here: each
    bucket's types in the map legend's order (ACLED's six, then "Other") from ``y0`` to ``y1`` — so the
    browser draws rectangles and aggregates nothing. ``unit`` "day" returns the daily rows stacked alike."""
    if unit not in TIMELINE_UNITS:
        raise ValueError(f"unknown timeline unit: {unit!r}")
    if counts.empty:
        return pd.DataFrame(columns=TIMELINE_BUCKET_COLUMNS)
    first, stop = np.datetime64(lo.isoformat(), "D"), np.datetime64((hi + timedelta(days=1)).isoformat(), "D")
    day = pd.to_datetime(counts["date"]).to_numpy().astype("datetime64[D]")
    inside = (day >= first) & (day < stop)  # days outside lo..hi are left out
    day, types, events = day[inside], counts["event_type"].astype(str).to_numpy()[inside], \
        counts["events"].to_numpy(np.int64)[inside]
    if not len(day):
        return pd.DataFrame(columns=TIMELINE_BUCKET_COLUMNS)
    if unit == "day":
        start, end = day, day + np.timedelta64(1, "D")
    elif unit == "week":
        n = day.astype(np.int64)
        start = (n - (n + 3) % 7).astype("datetime64[D]")  # 1970-01-01 was a Thursday: back to Monday
        end = start + np.timedelta64(7, "D")
    else:
        month = day.astype("datetime64[M]")
        start, end = month.astype("datetime64[D]"), (month + np.timedelta64(1, "M")).astype("datetime64[D]")
    start, end = np.maximum(start, first), np.minimum(end, stop)
    order = {t: i for i, t in enumerate([*EVENT_COLORS, "Other"])}
    g = pd.DataFrame({"date": start, "end": end, "event_type": types, "events": events})
    g = g.groupby(["date", "end", "event_type"], sort=False, as_index=False)["events"].sum()
    g["_o"] = [order.get(t, len(order)) for t in g["event_type"]]
    g = g.sort_values(["date", "_o", "event_type"], kind="stable").reset_index(drop=True)
    g["y1"] = g.groupby("date")["events"].cumsum()
    g["y0"] = g["y1"] - g["events"]
    g["date"] = np.datetime_as_string(g["date"].to_numpy().astype("datetime64[D]"))
    g["end"] = np.datetime_as_string(g["end"].to_numpy().astype("datetime64[D]"))
    return g[TIMELINE_BUCKET_COLUMNS].astype({"events": "int64", "y0": "int64", "y1": "int64"})


def selection_range(selection: object, lo: date, hi: date) -> tuple[date, date] | None:
    """The day range of an Altair interval selection on the timeline's x (``{param: {field: [a, b]}}``,
    the field ``date`` or a time unit of it such as ``utcyearmonthdate_date``; values epoch milliseconds
    (UTC) or ISO text), clamped to [lo, hi]; None when nothing is selected."""
    if not isinstance(selection, dict):
        return None
    vals = None
    for v in selection.values():
        if isinstance(v, dict):
            for key, val in v.items():
                if str(key).endswith("date") and isinstance(val, (list, tuple)) and len(val) == 2:
                    vals = val
                    break
        if vals:
            break
    if not vals:
        return None
    out = []
    for x in vals:
        try:
            if isinstance(x, (int, float)):
                out.append(pd.Timestamp(int(x), unit="ms").date())
            else:
                out.append(pd.Timestamp(str(x)).date())
        except (ValueError, OverflowError):
            return None
    return clamp_range((min(out), max(out)), lo, hi)


def explain_why(why: dict | None) -> list[str]:
    """Plain lines saying why an incident exists (its ``why``): the rules that fired (with their trigger
    words), the cue that chose its place, its date expression, the line rules that made its entry and its
    count phrases."""
    why = why or {}
    out = []
    rules = why.get("rules") or []
    if rules:
        fired = ", ".join(f"{r.get('rule')}" + (f" (\"{r['text']}\")" if r.get("text") else "") for r in rules)
        out.append(f"Rules that fired: {fired}")
    t = why.get("type") or {}
    if t.get("rule"):
        out.append(f"Type from rule {t['rule']}" + (f", refined: {t['refined']}" if t.get("refined") else ""))
    place = why.get("place") or {}
    if place:
        line = f"Place from {place.get('cue', '?')}"
        if place.get("surface"):
            line += f": \"{place['surface']}\" ({place.get('reason', '')})"
        out.append(line)
    d = why.get("date") or {}
    if d:
        out.append(f"Date from {d.get('cue', '?')}" + (f": \"{d['expression']}\"" if d.get("expression") else ""))
    entry = why.get("entry") or {}
    if entry.get("rules"):
        out.append(f"Entry ({entry.get('kind', 'post')}) found by line rules: {', '.join(entry['rules'])}")
    for key, label in (("fatalities", "Fatalities"), ("injuries", "Injuries")):
        if (why.get(key) or {}).get("phrase"):
            out.append(f"{label} from \"{why[key]['phrase']}\"")
    return out
