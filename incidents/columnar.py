"""Reading a Parquet dataset (``batch`` / ``export``) with DuckDB, for the dashboard.

The same answers as the SQLite path of :mod:`incidents.views` (``filter_frame`` then
``aggregate_places`` / ``totals`` / ``newest_first``), computed in SQL over the Parquet
files: only the columns a query needs are read, partitions outside the date range are
skipped (``month`` folders, row-group statistics on ``date``), and text columns (excerpts,
mentions) are read only for the incidents of one place. Nothing is copied into pandas but
results bounded by places or by the panel's cap.

Semantics kept from ``views``: a range drops undated incidents; event type and source
filters match exactly; the place search matches the case-folded place name or the exact
place id; per place the name and point are those of its first incident (lowest id), the
precision is the best (lowest), fatalities sum with unknown as 0, the dominant type is the
most frequent (ties by name), places without a point are left out, most incidents first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .parquet import INCIDENT_SCHEMA, REPORT_SCHEMA, Dataset, DatasetError, month_of
from .views import FRAME_COLUMNS, PLACE_COLUMNS, Filters, normalise_frame

TYPE_MIX = "types"  # per-place column: [{"event_type", "count"}], most frequent first


def _place_search(q: str, names: list[str], place_ids, parts: list[str], params: list) -> None:
    """The place search of a filter: the exact id, a place whose name contains it (``names``), or one the
    gazetteer found for it (``place_ids``)."""
    alts, found = ["place_id = ?"], [q]
    if names:
        alts.append("list_contains(?, coalesce(place, ''))")
        found.append(names)
    if place_ids:
        alts.append("list_contains(?, coalesce(place_id, ''))")
        found.append(sorted(place_ids))
    parts.append("(" + " OR ".join(alts) + ")")
    params += found


def _dates_and_types(f: Filters, parts: list[str], params: list, dates: bool = True) -> None:
    """The date range (pruned by the ``month`` partition column too) and the event types of ``f`` as SQL, for
    the incidents and the events tables alike."""
    if dates and f.start is not None:
        parts.append("month >= ? AND date >= ?")
        params += [month_of(f.start), f.start]
    if dates and f.end is not None:
        parts.append("month <= ? AND date <= ?")
        params += [month_of(f.end), f.end]
    if f.event_types:
        parts.append("list_contains(?, coalesce(event_type, ''))")
        params.append(list(f.event_types))


@dataclass
class _Where:
    sql: str
    params: list


class ColumnarStore:
    """A read-only view of a dataset folder. Use as a context manager or call ``close()``."""

    def __init__(self, root: str | Path, threads: int | None = None, memory_limit: str | None = "1GB"):
        self.dataset = Dataset(Path(root))
        if not self.dataset.root.is_dir():
            raise DatasetError(f"{root}: no such dataset folder")
        self.conn = duckdb.connect(":memory:")
        if threads:
            self.conn.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.conn.execute(f"SET memory_limit = '{memory_limit}'")
        self.conn.execute("SET parquet_metadata_cache = true")
        self._names: list[str] | None = None
        self._tables_ready: set[str] = set()
        self.refresh()

    def __enter__(self) -> "ColumnarStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def refresh(self) -> None:
        """See files added since opening (a batch run committed); cheap."""
        self._names = None
        for table, schema in (("incidents", INCIDENT_SCHEMA), ("reports", REPORT_SCHEMA)):
            if self.dataset.files(table):
                pattern = self.dataset.glob(table).replace("'", "''")
                self.conn.execute(
                    f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, "
                    "hive_types = {'month': VARCHAR}, union_by_name = true)")
                self._tables_ready.add(table)
            else:  # no file yet: an empty table of the right columns
                empty = schema.append(pa.field("month", pa.string())).empty_table()
                self.conn.register(f"_empty_{table}", empty)
                self.conn.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM _empty_{table}")
                self._tables_ready.discard(table)

    def _check(self) -> None:
        if "incidents" not in self._tables_ready and self.dataset.files("incidents"):
            self.refresh()

    # ------------------------------------------------------------ filters -> SQL
    def place_names(self) -> list[str]:
        """Distinct place names (bounded by the gazetteer), for the place search."""
        self._check()
        if self._names is None:
            rows = self.conn.execute("SELECT DISTINCT coalesce(place, '') FROM incidents").fetchall()
            self._names = [r[0] for r in rows]
        return self._names

    def _where(self, f: Filters | None, place_id: str | None = None,
               place_ids: Sequence[str] | None = None) -> _Where:
        parts, params = ["TRUE"], []
        f = f or Filters()
        _dates_and_types(f, parts, params)
        if f.sources:
            parts.append("list_contains(?, coalesce(source, ''))")
            params.append(list(f.sources))
        q = (f.place_query or "").strip().casefold()
        if q:  # the name, the exact id, or a place the gazetteer found for the search (``f.place_ids``)
            _place_search(q, [n for n in self.place_names() if q in n.casefold()], f.place_ids, parts, params)
        if place_ids is not None:
            if place_ids:
                parts.append("list_contains(?, coalesce(place_id, ''))")
                params.append([str(p) for p in place_ids])
            else:
                parts.append("FALSE")
        if place_id:
            parts.append("place_id = ?")
            params.append(place_id)
        return _Where(" AND ".join(parts), params)

    # ------------------------------------------------------------ whole-dataset facts
    def date_range(self) -> tuple[date, date] | None:
        """First and last incident date (``views.date_bounds``)."""
        self._check()
        lo, hi = self.conn.execute("SELECT min(date), max(date) FROM incidents").fetchone()
        return (lo, hi) if lo is not None else None

    def counts(self) -> tuple[int, int]:
        """(incidents, undated incidents)."""
        self._check()
        n, undated = self.conn.execute("SELECT count(*), count(*) FILTER (WHERE date IS NULL) FROM incidents").fetchone()
        return int(n), int(undated)

    def options(self) -> tuple[list[str], list[str]]:
        """The event types and sources present (the sidebar's choices), sorted."""
        self._check()
        types = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT event_type FROM incidents WHERE coalesce(event_type, '') <> '' ORDER BY 1").fetchall()]
        sources = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT source FROM incidents WHERE coalesce(source, '') <> '' ORDER BY 1").fetchall()]
        return types, sources

    def extent(self) -> tuple[float, float, float, float] | None:
        """(south, north, west, east) of every incident with a point."""
        self._check()
        row = self.conn.execute("SELECT min(lat), max(lat), min(lon), max(lon) FROM incidents").fetchone()
        return None if row[0] is None else tuple(float(x) for x in row)

    # ------------------------------------------------------------ filtered
    def totals(self, f: Filters | None = None, *, place_id: str | None = None,
               place_ids: Sequence[str] | None = None) -> tuple[int, int]:
        """(incidents, fatalities) matching the filters (``views.totals``)."""
        self._check()
        w = self._where(f, place_id, place_ids)
        n, dead = self.conn.execute(
            f"SELECT count(*), coalesce(sum(fatalities), 0) FROM incidents WHERE {w.sql}", w.params).fetchone()
        return int(n), int(dead)

    def place_aggregates(self, f: Filters | None = None, *, place_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per place (``views.aggregate_places`` columns, plus the type mix)."""
        self._check()
        w = self._where(f, None, place_ids)
        sql = f"""
        WITH f AS (
            SELECT id, coalesce(place_id, '') AS place_id, coalesce(place, '') AS place, lat, lon, fatalities,
                   coalesce(geo_precision, 1) AS geo_precision, coalesce(event_type, '') AS event_type, date
            FROM incidents WHERE {w.sql}),
        p AS (
            SELECT place_id, arg_min(place, id) AS place, arg_min(lat, id) AS lat, arg_min(lon, id) AS lon,
                   count(*) AS count, coalesce(sum(fatalities), 0)::BIGINT AS fatalities,
                   min(geo_precision)::INTEGER AS geo_precision, max(date) AS last_date
            FROM f GROUP BY place_id),
        t AS (SELECT place_id, event_type, count(*) AS n FROM f GROUP BY place_id, event_type),
        d AS (
            SELECT place_id, arg_min(event_type, {{'n': -n, 't': event_type}}) AS event_type,
                   list({{'event_type': event_type, 'count': n}} ORDER BY n DESC, event_type) AS {TYPE_MIX}
            FROM t GROUP BY place_id)
        SELECT p.place_id, p.place, p.lat, p.lon, p.count, p.fatalities, p.geo_precision, d.event_type,
               coalesce(strftime(p.last_date, '%Y-%m-%d'), '') AS last_date, d.{TYPE_MIX}
        FROM p JOIN d USING (place_id)
        WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL
        ORDER BY p.count DESC, p.place_id
        """
        df = self.conn.execute(sql, w.params).df()
        if df.empty:
            return pd.DataFrame(columns=[*PLACE_COLUMNS, TYPE_MIX])
        for c in ("count", "fatalities", "geo_precision"):
            df[c] = df[c].astype("int64")
        for c in ("place_id", "place", "event_type", "last_date"):
            df[c] = df[c].astype(str)
        df[TYPE_MIX] = [[{"event_type": str(d["event_type"]), "count": int(d["count"])} for d in mix]
                        for mix in df[TYPE_MIX]]
        return df[[*PLACE_COLUMNS, TYPE_MIX]]

    def daily_counts(self, f: Filters | None = None, *, place_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Incidents per day and event type (dated incidents only), for a timeline: date, event_type, count."""
        self._check()
        w = self._where(f, None, place_ids)
        df = self.conn.execute(
            f"SELECT strftime(date, '%Y-%m-%d') AS date, coalesce(event_type, '') AS event_type, count(*) AS count "
            f"FROM incidents WHERE {w.sql} AND date IS NOT NULL GROUP BY ALL ORDER BY 1, 2", w.params).df()
        df["count"] = df["count"].astype("int64")
        return df

    def place_incidents(self, place_id: str, f: Filters | None = None, limit: int = 50) -> pd.DataFrame:
        """The newest ``limit`` incidents of one place, excerpts included (``views.newest_first`` order).

        Columns and types as ``views.load_frame`` gives them, so the panel renders both alike.
        """
        self._check()
        w = self._where(f, place_id)
        cols = ", ".join(f'"{c}"' for c in FRAME_COLUMNS)
        rows = self.conn.execute(
            f"SELECT {cols} FROM incidents WHERE {w.sql} ORDER BY date DESC NULLS LAST, id DESC LIMIT ?",
            [*w.params, int(limit)]).fetchall()
        di, pi = FRAME_COLUMNS.index("date"), FRAME_COLUMNS.index("published")
        out = []
        for r in rows:
            r = list(r)
            for i in (di, pi):
                r[i] = r[i].isoformat() if r[i] is not None else None
            out.append(r)
        return normalise_frame(pd.DataFrame(out, columns=list(FRAME_COLUMNS)))

    def entry_text(self, report_id: int, start: int, end: int) -> str:
        """A slice of one report's text (the panel's *Whole entry*)."""
        if "reports" not in self._tables_ready and self.dataset.files("reports"):
            self.refresh()
        row = self.conn.execute("SELECT substr(text, ? + 1, ? - ?) FROM reports WHERE report_id = ? LIMIT 1",
                                [int(start), int(end), int(start), int(report_id)]).fetchone()
        return row[0] if row else ""


# ---------------------------------------------------------------------- the map's per-place index
_UNDATED_DAY = np.iinfo(np.int32).max  # sorts after every date


class _PlaceIndex:
    """The events' map columns as numpy arrays sorted by day (then ``ord``), for the two queries a slider move
    makes: the per-place aggregate and the totals. A range is two binary searches; the aggregate is a few
    ``bincount`` passes over the events in it (~5 ms at 850,000 events, against ~200 ms for the same
    GROUP BY in DuckDB). ~35 bytes an event. Filters it does not cover (sources, a place search) go to SQL.

    Per place, the name and point are those of its first event in the range (lowest ``ord``): for a place
    whose events all share one name and point (nearly all: the gazetteer's) that is the shared one; the few
    others are looked up among their own events (kept apart, with their order)."""

    def __init__(self, conn, order: str):
        # each column's dictionary (its distinct values, sorted, and their codes) computed once, as a table
        # the scan joins and whose values become the codes' names
        cols = ("place_id", "event_type", "place")
        values = {}
        for c in cols:
            conn.execute(f"CREATE OR REPLACE TEMP TABLE _dict_{c} AS SELECT v, (row_number() OVER (ORDER BY v) - 1)"
                         f"::INTEGER AS code FROM (SELECT DISTINCT coalesce({c}, '') AS v FROM events)")
            values[c] = np.array([r[0] for r in conn.execute(f"SELECT v FROM _dict_{c} ORDER BY code").fetchall()],
                                 dtype=object)
        try:
            t = conn.execute(f"""
                SELECT coalesce((date - DATE '1970-01-01')::INTEGER, {_UNDATED_DAY}) AS day,
                       dp.code AS pc, dt.code AS tc, dn.code AS nc,
                       lat, lon, coalesce(fatalities_best, 0)::DOUBLE AS dead,
                       coalesce(geo_precision, 1)::BIGINT AS prec,
                       coalesce(review, 'machine') = 'rejected' AS rej, coalesce(n_accounts, 0)::DOUBLE AS acc,
                       {order}::BIGINT AS o
                FROM events JOIN _dict_place_id dp ON coalesce(place_id, '') = dp.v
                            JOIN _dict_event_type dt ON coalesce(event_type, '') = dt.v
                            JOIN _dict_place dn ON coalesce(place, '') = dn.v""").fetchnumpy()
        finally:
            for c in cols:
                conn.execute(f"DROP TABLE IF EXISTS _dict_{c}")
        # sorted by day, then order, here (numpy: ~0.2 s at 850,000 events; DuckDB's ORDER BY of the joined rows
        # ~0.3 s more)
        by = np.lexsort((np.asarray(t["o"], dtype=np.int64), np.asarray(t["day"], dtype=np.int32)))
        t = {k: v[by] for k, v in t.items()}  # masked arrays (NULL points) keep their masks
        self.n = n = len(t["day"])
        self.day = np.asarray(t["day"], dtype=np.int32)
        self.n_dated = int(np.searchsorted(self.day, _UNDATED_DAY, side="left"))
        pc = np.asarray(t["pc"], dtype=np.int32)
        tc = np.asarray(t["tc"], dtype=np.int32)
        nc = np.asarray(t["nc"], dtype=np.int32)
        self.place_ids, self.types, self.names = values["place_id"], values["event_type"], values["place"]
        self.P, self.T = len(self.place_ids), len(self.types)
        self.pc, self.tc = pc, tc
        self.dead = np.asarray(t["dead"], dtype=np.float64)
        self.prec = np.asarray(t["prec"], dtype=np.int64)
        self.rej = np.asarray(t["rej"], dtype=bool)
        # rejected events before each position: a range without any needs no mask (no copies of the columns)
        self.rej_before = np.concatenate([[0], np.cumsum(self.rej, dtype=np.int64)])
        self.acc = np.asarray(t["acc"], dtype=np.float64)
        lat = np.ma.filled(np.ma.asarray(t["lat"], dtype=np.float64), np.nan)
        lon = np.ma.filled(np.ma.asarray(t["lon"], dtype=np.float64), np.nan)
        o = np.asarray(t["o"], dtype=np.int64)
        del t
        # per place: its first event's name and point; places whose events differ are kept apart
        first = np.full(self.P, n, dtype=np.int64)
        np.minimum.at(first, pc, np.arange(n, dtype=np.int64))
        f = first[pc] if n else first[:0]
        same = (nc == nc[f]) & (((lat == lat[f]) | (np.isnan(lat) & np.isnan(lat[f])))
                                & ((lon == lon[f]) | (np.isnan(lon) & np.isnan(lon[f]))))
        mixed = np.zeros(self.P, dtype=bool)
        mixed[pc[~same]] = True
        fi = first[first < n] if n else first[:0]
        self.p_name = np.full(self.P, -1, dtype=np.int32)
        self.p_lat = np.full(self.P, np.nan)
        self.p_lon = np.full(self.P, np.nan)
        self.p_name[pc[fi]], self.p_lat[pc[fi]], self.p_lon[pc[fi]] = nc[fi], lat[fi], lon[fi]
        self.mixed = mixed
        k = np.flatnonzero(mixed[pc]) if n else np.zeros(0, dtype=np.int64)  # the events of those places
        self.m_pos, self.m_o, self.m_nc, self.m_lat, self.m_lon = k, o[k], nc[k], lat[k], lon[k]

    def _slice(self, f: Filters, rejected: bool):
        """(start, stop, mask or None) of the events in ``f``'s range, types and review state."""
        if f.start is None and f.end is None:
            i, j = 0, self.n
        else:
            i = 0 if f.start is None else int(np.searchsorted(self.day, _day(f.start), side="left"))
            j = self.n_dated if f.end is None else int(np.searchsorted(self.day, _day(f.end), side="right"))
            j = min(j, self.n_dated)
        j = max(i, j)
        mask = None
        if not rejected and self.rej_before[j] > self.rej_before[i]:
            mask = ~self.rej[i:j]
        if f.event_types:
            want = np.isin(self.types, np.asarray(list(f.event_types), dtype=object))
            m = want[self.tc[i:j]]
            mask = m if mask is None else (mask & m)
        return i, j, mask

    @staticmethod
    def covers(f: Filters) -> bool:
        return not f.sources and not (f.place_query or "").strip()

    def totals(self, f: Filters) -> tuple[int, int, int]:
        i, j, mask = self._slice(f, rejected=False)
        if mask is None:
            return j - i, int(round(self.dead[i:j].sum())), int(round(self.acc[i:j].sum()))
        return int(mask.sum()), int(round(self.dead[i:j][mask].sum())), int(round(self.acc[i:j][mask].sum()))

    def count(self, f: Filters, rejected: bool, place_id: str = "") -> int:
        i, j, mask = self._slice(f, rejected)
        if place_id:
            k = int(np.searchsorted(self.place_ids, place_id))
            if k >= self.P or self.place_ids[k] != place_id:
                return 0
            at = self.pc[i:j] == k
            mask = at if mask is None else (mask & at)
        return j - i if mask is None else int(mask.sum())

    def places(self, f: Filters, rejected: bool) -> pd.DataFrame:
        i, j, mask = self._slice(f, rejected)
        P, T = self.P, self.T

        def sel(a):
            return a[i:j] if mask is None else a[i:j][mask]

        c = sel(self.pc).astype(np.intp)
        counts = np.bincount(c, minlength=P)
        if not counts.any():
            return pd.DataFrame(columns=[*PLACE_COLUMNS, "rejected"])
        mix = np.bincount(c * T + sel(self.tc), minlength=P * T).reshape(P, T)
        dominant = mix.argmax(axis=1)  # the most frequent; ties: the first type by name
        dead = np.bincount(c, weights=sel(self.dead), minlength=P)
        prec = np.full(P, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(prec, c, sel(self.prec))  # same dtypes: ufunc.at's fast path
        rej = np.bincount(c, weights=sel(self.rej).astype(np.float64), minlength=P)
        last = np.full(P, np.iinfo(np.int32).min, dtype=np.int32)
        d = sel(self.day)
        dated = d != _UNDATED_DAY
        np.maximum.at(last, c[dated], d[dated])
        name, lat, lon = self.p_name.copy(), self.p_lat.copy(), self.p_lon.copy()
        if len(self.m_pos):  # the places whose events differ: their first event in range
            a, b = np.searchsorted(self.m_pos, [i, j])
            pos = self.m_pos[a:b]
            keep = np.ones(len(pos), dtype=bool) if mask is None else mask[pos - i]
            k = np.arange(a, b)[keep]
            if len(k):
                kp = self.pc[self.m_pos[k]].astype(np.intp)
                lo = np.full(P, np.iinfo(np.int64).max, dtype=np.int64)
                np.minimum.at(lo, kp, self.m_o[k])
                best = k[self.m_o[k] == lo[kp]]
                bp = self.pc[self.m_pos[best]]
                name[bp], lat[bp], lon[bp] = self.m_nc[best], self.m_lat[best], self.m_lon[best]
        keep = (counts > 0) & ~np.isnan(lat) & ~np.isnan(lon)
        ids = np.flatnonzero(keep)
        if not len(ids):
            return pd.DataFrame(columns=[*PLACE_COLUMNS, "rejected"])
        ids = ids[np.lexsort((ids, -counts[ids]))]  # most events first, then by place id (codes are sorted)
        lastd = last[ids]
        out = pd.DataFrame({
            "place_id": self.place_ids[ids].astype(str), "place": self.names[name[ids]].astype(str),
            "lat": lat[ids], "lon": lon[ids], "count": counts[ids].astype(np.int64),
            "fatalities": np.rint(dead[ids]).astype(np.int64), "geo_precision": prec[ids].astype(np.int64),
            "event_type": self.types[dominant[ids]].astype(str),
            "last_date": _iso_days(lastd),
            "rejected": np.rint(rej[ids]).astype(np.int64),
        })
        return out


_EPOCH = date(1970, 1, 1)
_MEMO_CAP = 32


def _remember(memo: dict, key, value) -> None:
    """``memo[key] = value``, the oldest entry dropped beyond _MEMO_CAP."""
    if key not in memo and len(memo) >= _MEMO_CAP:
        memo.pop(next(iter(memo)))
    memo[key] = value


def _still_newest(shown: pd.DataFrame, start0: date | None, start: date | None, cap: int) -> pd.DataFrame | None:
    """The newest ``cap`` events of a range that begins at ``start`` instead of ``start0`` (same end and
    filters), from ``shown``, the newest ``cap`` (newest first) read for ``start0`` — or None when they cannot
    be told from it. Full (``cap`` rows): the same rows while the oldest of them is on or after ``start``
    (events of days before ``start0``, or undated, rank below every row shown). Fewer: every event of the range was
    shown, so a later start keeps those on or after it."""
    if start == start0:
        return shown
    oldest = shown["date"].iloc[-1] if len(shown) else ""
    if len(shown) >= cap:  # an earlier start only adds events older than every one shown
        return shown if start is None or (oldest and oldest >= start.isoformat()) else None
    if start is None or (start0 is not None and start < start0):
        return None
    return shown[shown["date"] >= start.isoformat()]


def _day(d: date) -> int:
    return (d - _EPOCH).days


def _iso_days(days: np.ndarray) -> np.ndarray:
    """ISO dates of day numbers; "" for none (int32 min)."""
    out = days.astype("datetime64[D]").astype(str).astype(object)
    out[days == np.iinfo(np.int32).min] = ""
    return out


# ---------------------------------------------------------------------- events (the dashboard's backend)
_EVENT_SELECT = (
    "event_id, strftime(date, '%Y-%m-%d') AS date, time_precision, place, place_id, lat, lon, geo_precision, country, "
    "event_type, sub_event_type, fatalities_low, fatalities_best, fatalities_high, injuries_low, injuries_best, "
    "injuries_high, sources, n_reports, incident_ids, coalesce(review, 'machine') AS review")
_ACCOUNT_COLUMNS = [c for c in FRAME_COLUMNS if c not in ("date", "published")]
_ACC_MEMO_CAP = 20_000  # events (or reports) whose accounts (titles) are kept; ~1 KB each


class EventsBackend:
    """The dashboard's :class:`incidents.backend.Backend` over a dataset's ``events`` table (DuckDB).

    The same answers as :class:`incidents.backend.MemoryBackend` on the store the dataset was exported
    from (``views.filter_events`` then ``aggregate_places`` / ``event_totals`` / ``timeline_counts`` /
    ``newest_first``), computed in SQL: per place the name and point are those of its first event (in the
    store's order, ``ord``), the precision the best, fatalities the sum of the best estimates, the dominant
    type the most frequent (ties by name); the panel reads the excerpts of the events it shows only.
    Review states come with the export (``review``); the events' values are those linking gave.
    Read-only: nothing here writes. One lock serialises queries on the shared DuckDB connection."""

    kind = "parquet"
    read_only = True

    def __init__(self, root: str | Path, threads: int | None = None, memory_limit: str | None = "512MB",
                 resident: bool = True):
        import threading

        self.col = ColumnarStore(root, threads=threads, memory_limit=memory_limit)
        self.conn = self.col.conn
        self.lock = threading.RLock()
        self._event_names: list[str] | None = None
        self.resident = resident
        self._timeline_memo: dict = {}  # the backend is per dataset version: nothing here goes stale
        self._panel_memo: dict = {}  # the panel's events per view, the range's start aside (see ``panel``)
        self._places_memo: dict = {}  # the per-place aggregate per (filters, "Show rejected")
        self._file_index: dict[str, dict[str, list[str]]] = {}  # table -> month -> its files
        self._facts: dict = {}  # whole-dataset facts (see _fact)
        self._acc_memo: dict[str, list] = {}  # event id -> its accounts' rows (as read, reviews as exported)
        self._title_memo: dict[int, tuple[str, str]] = {}  # report id -> (title, url)
        self._init_events()

    def close(self) -> None:
        self.col.close()

    def _init_events(self) -> None:
        from .parquet import EVENT_SCHEMA

        ds = self.col.dataset
        if ds.files("events"):
            pattern = ds.glob("events").replace("'", "''")
            source = (f"read_parquet('{pattern}', hive_partitioning = true, hive_types = {{'month': VARCHAR}}, "
                      "union_by_name = true)")
            if self.resident:
                # One scan of the event files into a DuckDB table (all but the link reasons): a query over ~120
                # monthly files costs ~100 ms in opening them, over one resident table ~2 ms; ~100-200 bytes
                # an event (no excerpt or text: those stay in the files, read for the panel's events only).
                self.conn.execute(f"CREATE OR REPLACE TABLE events AS SELECT * EXCLUDE (why) FROM {source} "
                                  "ORDER BY date, place_id")
            else:
                self.conn.execute(f"CREATE OR REPLACE VIEW events AS SELECT * FROM {source}")
        else:
            self.conn.register("_empty_events", EVENT_SCHEMA.append(pa.field("month", pa.string())).empty_table())
            self.conn.execute("CREATE OR REPLACE VIEW events AS SELECT * FROM _empty_events")
        cols = {r[0] for r in self.conn.execute("DESCRIBE events").fetchall()}
        self._ord = "ord" if "ord" in cols else "id"
        self._index: _PlaceIndex | None = None

    def index(self) -> "_PlaceIndex":
        """The map's per-place index (built on first use: one scan of the resident events table)."""
        if self._index is None:
            with self.lock:
                if self._index is None:
                    self._index = _PlaceIndex(self.conn, self._ord)
        return self._index

    def _q(self, sql: str, params: Sequence = ()):
        with self.lock:
            return self.conn.execute(sql, list(params))

    def _one(self, sql: str, params: Sequence = ()):
        with self.lock:
            return self.conn.execute(sql, list(params)).fetchone()

    def _df(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        with self.lock:
            return self.conn.execute(sql, list(params)).df()

    # ------------------------------------------------------------ filters -> SQL
    def event_place_names(self) -> list[str]:
        if self._event_names is None:
            self._event_names = [r[0] for r in self._q("SELECT DISTINCT coalesce(place, '') FROM events").fetchall()]
        return self._event_names

    def _where(self, f: Filters | None, place_id: str | None = None, rejected: bool = False,
               dates: bool = True) -> _Where:
        parts, params = ["TRUE"], []
        f = f or Filters()
        if not rejected:
            parts.append("coalesce(review, 'machine') <> 'rejected'")
        _dates_and_types(f, parts, params, dates=dates)
        if f.sources:
            parts.append("list_has_any(coalesce(source_list, []), ?::VARCHAR[])")
            params.append(list(f.sources))
        q = (f.place_query or "").strip().casefold()
        if q:
            _place_search(q, [n for n in self.event_place_names() if q in n.casefold()], f.place_ids, parts, params)
        if place_id:
            parts.append("place_id = ?")
            params.append(place_id)
        return _Where(" AND ".join(parts), params)

    # ------------------------------------------------------------ whole-dataset facts
    def _fact(self, key: tuple, compute):
        """A fact of the whole dataset (dates, undated events, place ids, extent), computed once: the backend
        is per dataset version, so none goes stale, and every rerun asks for them."""
        hit = self._facts.get(key, self._facts)
        if hit is self._facts:
            hit = self._facts[key] = compute()
        return hit

    def date_bounds(self, rejected: bool = False) -> tuple[date, date] | None:
        def compute():
            w = self._where(None, rejected=rejected)
            lo, hi = self._one(f"SELECT min(date), max(date) FROM events WHERE {w.sql}", w.params)
            return (lo, hi) if lo is not None else None

        return self._fact(("dates", bool(rejected)), compute)

    def undated(self, rejected: bool = False) -> int:
        def compute():
            w = self._where(None, rejected=rejected)
            return int(self._one(f"SELECT count(*) FROM events WHERE {w.sql} AND date IS NULL", w.params)[0])

        return self._fact(("undated", bool(rejected)), compute)

    def options(self) -> tuple[list[str], list[str]]:
        types = [r[0] for r in self._q(
            "SELECT event_type FROM events WHERE coalesce(event_type, '') <> '' UNION "
            "SELECT event_type FROM incidents WHERE coalesce(event_type, '') <> '' ORDER BY 1").fetchall()]
        sources = [r[0] for r in self._q(
            "SELECT DISTINCT source FROM incidents WHERE coalesce(source, '') <> '' ORDER BY 1").fetchall()]
        return types, sources

    def place_ids(self, rejected: bool = False) -> list[str]:
        def compute():
            w = self._where(None, rejected=rejected)
            return [r[0] for r in self._q(
                f"SELECT DISTINCT coalesce(place_id, '') FROM events WHERE {w.sql} ORDER BY 1", w.params).fetchall()]

        return list(self._fact(("place_ids", bool(rejected)), compute))

    def extent(self) -> pd.DataFrame:
        """The corners of every event's point (the base map only uses the extent)."""
        def compute():
            s, n, w, e = self._one("SELECT min(lat), max(lat), min(lon), max(lon) FROM events")
            if s is None:
                return pd.DataFrame({"lat": [], "lon": []})
            return pd.DataFrame({"lat": [float(s), float(n)], "lon": [float(w), float(e)]})

        return self._fact(("extent",), compute)

    # ------------------------------------------------------------ filtered
    def places(self, f: Filters, rejected: bool = False) -> pd.DataFrame:
        """One row per place in the filters (kept for the last few views: a rerun, a click or another session
        on the same view gets the same frame, so what is built from it can be memoised on it)."""
        key = (repr(f), bool(rejected))
        hit = self._places_memo.get(key)
        if hit is not None:
            return hit
        if self.resident and _PlaceIndex.covers(f):
            out = self._finish_places(self.index().places(f, rejected), rejected)
        else:
            out = self._finish_places(self._places_sql(f, rejected), rejected)
        _remember(self._places_memo, key, out)
        return out

    @staticmethod
    def _finish_places(df: pd.DataFrame, rejected: bool) -> pd.DataFrame:
        if df.empty:
            return pd.DataFrame(columns=list(PLACE_COLUMNS))
        if not (rejected and (df["rejected"] > 0).any()):
            df = df.drop(columns=["rejected"])
        return df.reset_index(drop=True)

    def _places_sql(self, f: Filters, rejected: bool = False) -> pd.DataFrame:
        w = self._where(f, rejected=rejected)
        o = self._ord
        sql = f"""
        WITH f AS (
            SELECT {o} AS o, coalesce(place_id, '') AS place_id, coalesce(place, '') AS place, lat, lon,
                   fatalities_best, coalesce(geo_precision, 1) AS geo_precision,
                   coalesce(event_type, '') AS event_type, date, coalesce(review, 'machine') = 'rejected' AS rej
            FROM events WHERE {w.sql}),
        p AS (
            SELECT place_id, arg_min(place, o) AS place, arg_min(lat, o) AS lat, arg_min(lon, o) AS lon,
                   count(*) AS count, coalesce(sum(fatalities_best), 0)::BIGINT AS fatalities,
                   min(geo_precision)::INTEGER AS geo_precision, max(date) AS last_date,
                   count(*) FILTER (WHERE rej) AS rejected
            FROM f GROUP BY place_id),
        t AS (SELECT place_id, event_type, count(*) AS n FROM f GROUP BY place_id, event_type),
        d AS (SELECT place_id, arg_min(event_type, {{'n': -n, 't': event_type}}) AS event_type FROM t GROUP BY place_id)
        SELECT p.place_id, p.place, p.lat, p.lon, p.count, p.fatalities, p.geo_precision, d.event_type,
               coalesce(strftime(p.last_date, '%Y-%m-%d'), '') AS last_date, p.rejected
        FROM p JOIN d USING (place_id)
        WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL
        ORDER BY p.count DESC, p.place_id
        """
        df = self._df(sql, w.params)
        if df.empty:
            return df
        for c in ("count", "fatalities", "geo_precision", "rejected"):
            df[c] = df[c].astype("int64")
        for c in ("place_id", "place", "event_type", "last_date"):
            df[c] = df[c].astype(str)
        return df

    def totals(self, f: Filters, rejected: bool = False):
        from .backend import Totals

        if self.resident and _PlaceIndex.covers(f or Filters()):
            return Totals(*self.index().totals(f or Filters()))
        w = self._where(f, rejected=False)  # rejected events are shown (marked), never counted
        n, dead, acc = self._one(
            f"SELECT count(*), coalesce(sum(fatalities_best), 0), coalesce(sum(n_accounts), 0) FROM events "
            f"WHERE {w.sql}", w.params)
        return Totals(int(n), int(dead), int(acc))

    def timeline(self, f: Filters, lo: date, hi: date) -> pd.DataFrame:
        """Events per day and type between lo and hi for the filters other than the dates
        (``views.timeline_counts``: types outside ACLED's six are "Other")."""
        from .views import EVENT_COLORS

        key = (repr(Filters(event_types=f.event_types, sources=f.sources, place_query=f.place_query,
                            place_ids=f.place_ids)), lo, hi)
        hit = self._timeline_memo.get(key)
        if hit is not None:  # a slider move or a click keeps the other filters: the same counts
            return hit
        w = self._where(f, rejected=False, dates=False)
        df = self._df(
            "SELECT strftime(date, '%Y-%m-%d') AS date, CASE WHEN list_contains(?, event_type) THEN event_type "
            "ELSE 'Other' END AS event_type, count(*) AS events FROM events "
            f"WHERE {w.sql} AND month >= ? AND month <= ? AND date >= ? AND date <= ? GROUP BY ALL ORDER BY 1, 2",
            [list(EVENT_COLORS), *w.params, month_of(lo), month_of(hi), lo, hi])
        if df.empty:
            return pd.DataFrame(columns=["date", "event_type", "events"])
        df["events"] = df["events"].astype("int64")
        out = df[["date", "event_type", "events"]].reset_index(drop=True)
        _remember(self._timeline_memo, key, out)
        return out

    def _events(self, where: _Where, limit: int | None = None, newest: date | None = None) -> pd.DataFrame:
        """The events matching ``where``, newest first (``limit`` of them). With a limit the newest are looked
        for in the last 32 days before ``newest`` (the range's end), then 256, 2048, then everywhere: sorting
        a few hundred rows instead of the whole range (the same rows: when ``limit`` of them are that recent,
        the newest ``limit`` are among them)."""
        from datetime import timedelta

        from .views import EVENT_FRAME_COLUMNS, normalise_events

        base = f"SELECT {_EVENT_SELECT} FROM events WHERE {where.sql}"
        order = " ORDER BY date DESC NULLS LAST, id DESC"
        spans: list = [None]
        if limit is not None:
            if newest is None:
                bounds = self.date_bounds(True)
                newest = bounds[1] if bounds else None
            if newest is not None:
                spans = [32, 256, 2048, None]
        with self.lock:
            for span in spans:
                sql, params = base, list(where.params)
                if span is not None:
                    sql += " AND date >= ? AND month >= ?"
                    cut = newest - timedelta(days=span)
                    params += [cut, month_of(cut)]
                sql += order
                if limit is not None:
                    sql += " LIMIT ?"
                    params.append(int(limit))
                cur = self.conn.execute(sql, params)
                names = [d[0] for d in cur.description]
                rows = cur.fetchall()
                if limit is None or len(rows) >= limit:
                    break
        df = pd.DataFrame(rows, columns=names)
        if df.empty:
            df = pd.DataFrame(columns=[*EVENT_FRAME_COLUMNS, "review"])
        return normalise_events(df)

    def event(self, event_id: str, rejected: bool = False) -> pd.DataFrame:
        w = self._where(None, rejected=rejected)
        return self._events(_Where(w.sql + " AND event_id = ?", [*w.params, event_id]), 1)

    def accounts(self, events: pd.DataFrame, rejected: bool = False) -> pd.DataFrame:
        """The accounts (incidents, excerpts included) of these events, each with its event id and its
        report's title and URL (``views.load_accounts`` columns, reviews as exported)."""
        from .views import normalise_frame, parse_ids

        owner = {i: eid for eid, ids in zip(events["event_id"], events["incident_ids"]) for i in parse_ids(ids)}
        cols = ", ".join(f'"{c}"' for c in _ACCOUNT_COLUMNS)
        names = [*_ACCOUNT_COLUMNS, "date", "published", "review", "review_note"]
        rows: list = []
        if owner:
            # an event's accounts never change for this backend (one per dataset version): each event's rows
            # are read once and kept (a slider move shows mostly the same events again)
            memo = self._acc_memo
            todo = events[[eid not in memo for eid in events["event_id"]]]
            want = {i: eid for i, eid in owner.items() if eid not in memo}
            if want:
                fetched = self._fetch_accounts(todo, sorted(want), cols)
                per: dict[str, list] = {eid: [] for eid in set(want.values())}
                for r in fetched:
                    if r[0] in want:
                        per[want[r[0]]].append(r)
                if len(memo) + len(per) > _ACC_MEMO_CAP:
                    memo.clear()
                memo.update(per)
            seen: set = set()
            for eid in events["event_id"]:
                if eid in seen:
                    continue
                seen.add(eid)
                rows += memo.get(eid, [])
            if not rejected:
                k = names.index("review")
                rows = [r for r in rows if r[k] != "rejected"]
        df = pd.DataFrame(rows, columns=names)
        titles = self._titles(df)
        df["report_title"] = [titles.get(int(r), ("", ""))[0] for r in df["report_id"]]
        df["report_url"] = [titles.get(int(r), ("", ""))[1] for r in df["report_id"]]
        df = normalise_frame(df)
        df["event_id"] = [owner.get(int(i), "") for i in df["id"]] if len(df) else pd.Series(dtype=object)
        for c in ("report_title", "report_url", "review_note"):
            df[c] = df[c].fillna("").astype(str)
        df["review"] = df["review"].fillna("machine").astype(str)
        return df

    def _fetch_accounts(self, events: pd.DataFrame, ids: list[int], cols: str) -> list:
        """The incident rows of these ids (the accounts of ``events``)."""
        # an event's accounts are of its day or the next/previous one (linking compares no further), so
        # only those months' files are read; accounts not found there (a corrected date) are looked for
        # in every file
        from datetime import timedelta

        months = set()
        for d in set(events["date"]):
            day = date.fromisoformat(d) if d else None
            months |= ({month_of(day + timedelta(days=k)) for k in (-1, 0, 1)} if day is not None
                       else {month_of(None)})
        pick = (f"SELECT {cols}, strftime(date, '%Y-%m-%d'), strftime(published, '%Y-%m-%d'), "
                "coalesce(review, 'machine'), coalesce(review_note, '') FROM {source} "
                "WHERE id IN (SELECT unnest(?::BIGINT[]))")
        sql = pick.format(source="incidents")
        with self.lock:
            rows = self._in_months("incidents", months, pick, [ids])
            if rows is None:
                rows = self.conn.execute(sql + " AND list_contains(?, month)", [ids, sorted(months)]).fetchall()
            found = {r[0] for r in rows}
            rest = sorted(set(ids) - found)
            if rest:
                rows += self.conn.execute(sql, [rest]).fetchall()
        return rows

    def _in_months(self, table: str, months, sql: str, params: list) -> list | None:
        """Rows of ``sql`` (``{source}`` in it: the table) read from only these months' files of ``table``:
        naming the few files costs ~5 ms where the table's view over every month's files costs ~20 ms (DuckDB
        lists and opens them to prune). [] when no file is of these months; None when the files cannot be read
        on their own (the caller then asks the table's view)."""
        idx = self._file_index.get(table)
        if idx is None:
            idx = {}
            for p in self.col.dataset.files(table):
                idx.setdefault(p.parent.name.split("=", 1)[-1], []).append(str(p))
            self._file_index[table] = idx
        files = [f for m in sorted(set(months)) for f in idx.get(m, [])]
        if not files:
            return []
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        try:
            return self.conn.execute(sql.format(source=f"read_parquet([{listed}], union_by_name = true)"),
                                     params).fetchall()
        except duckdb.Error:  # e.g. a column these older files do not have: the view fills it in
            return None

    def _titles(self, accounts: pd.DataFrame) -> dict[int, tuple[str, str]]:
        """report id -> (title, url) of these accounts' reports (read from their publication months first)."""
        if accounts.empty:
            return {}
        memo = self._title_memo
        need = accounts[[int(r) not in memo for r in accounts["report_id"]]]
        if len(need):
            if len(memo) > _ACC_MEMO_CAP:
                memo.clear()
            memo.update(self._read_titles(need))
        return {int(r): memo.get(int(r), ("", "")) for r in set(accounts["report_id"])}

    def _read_titles(self, accounts: pd.DataFrame) -> dict[int, tuple[str, str]]:
        ids = sorted({int(r) for r in accounts["report_id"]})
        months = sorted({month_of(p) for p in accounts["published"]})
        pick = ("SELECT report_id, any_value(coalesce(title, '')), any_value(coalesce(url, '')) FROM {source} "
                "WHERE report_id IN (SELECT unnest(?::BIGINT[]))")
        sql = pick.format(source="reports")
        with self.lock:
            rows = self._in_months("reports", months, pick + " GROUP BY report_id", [ids])
            if rows is None:
                rows = self.conn.execute(sql + " AND list_contains(?, month) GROUP BY report_id", [ids, months]).fetchall()
            out = {r[0]: (r[1], r[2]) for r in rows}
            rest = [i for i in ids if i not in out]
            if rest:
                out.update({r[0]: (r[1], r[2]) for r in self.conn.execute(sql + " GROUP BY report_id", [rest]).fetchall()})
        return out

    def panel(self, f: Filters, place_id: str, event_id: str, cap: int, rejected: bool = False):
        """The panel's ``cap`` newest events in the filters (at ``place_id``), their accounts, and how many
        there are. The answer for a view is kept with the range's start it was read for: a view that differs
        only in its start gets the same events when they are still the newest (the ``cap`` of them all on or
        after the new start, or all of them when there were fewer than ``cap`` and the start moved later), so
        moving the slider's start thumb reads no events or accounts again."""
        from dataclasses import replace

        from .backend import PanelData
        from .views import event_data

        f = f or Filters()
        key = (repr(replace(f, start=None)), place_id or "", event_id or "", int(cap), bool(rejected))
        hit = self._panel_memo.get(key)
        if hit is not None:
            start0, got = hit
            shown = _still_newest(got.events, start0, f.start, cap)
            if shown is not None:
                total = len(shown) if len(shown) < cap else self.count(f, place_id, rejected)
                return PanelData(got.data, got.events_all if event_id else shown, shown, total)
        shown = self._events(self._where(f, place_id or None, rejected=rejected), cap, f.end)
        one = self.event(event_id, rejected) if event_id else shown.iloc[0:0]
        both = pd.concat([shown, one], ignore_index=True) if len(one) else shown
        data = event_data(both, self.accounts(both, rejected))
        total = len(shown) if len(shown) < cap else self.count(f, place_id, rejected)
        out = PanelData(data, one if event_id else shown, shown, total)
        _remember(self._panel_memo, key, (f.start, out))
        return out

    def count(self, f: Filters | None, place_id: str = "", rejected: bool = False) -> int:
        """How many events match (at ``place_id``; rejected ones too when shown): the panel's "newest N of M"."""
        f = f or Filters()
        if self.resident and _PlaceIndex.covers(f):
            return self.index().count(f, rejected, place_id)
        w = self._where(f, place_id or None, rejected=rejected)
        return int(self._one(f"SELECT count(*) FROM events WHERE {w.sql}", w.params)[0])

    def table(self, f: Filters, place_id: str, states: set[str], cap: int | None = None) -> pd.DataFrame:
        w = self._where(f, place_id or None, rejected="rejected" in states)
        if states:
            w = _Where(w.sql + " AND list_contains(?, coalesce(review, 'machine'))", [*w.params, sorted(states)])
        return self._events(w, cap, f.end if f else None)

    def table_totals(self, f: Filters, place_id: str, states: set[str]):
        from .backend import Totals

        w = self._where(f, place_id or None, rejected="rejected" in states)
        if states:
            w = _Where(w.sql + " AND list_contains(?, coalesce(review, 'machine'))", [*w.params, sorted(states)])
        n, dead, acc, places = self._one(
            "SELECT count(*) FILTER (WHERE NOT rej), coalesce(sum(fatalities_best) FILTER (WHERE NOT rej), 0), "
            "coalesce(sum(n_accounts) FILTER (WHERE NOT rej), 0), count(DISTINCT place_id) FROM "
            f"(SELECT *, coalesce(review, 'machine') = 'rejected' AS rej FROM events WHERE {w.sql})", w.params)
        return Totals(int(n), int(dead), int(acc), int(places))

    def event_place_name(self, place_id: str, rejected: bool = False) -> str:
        w = self._where(None, place_id, rejected=rejected)
        row = self._one(f"SELECT arg_min(place, {self._ord}) FROM events WHERE {w.sql}", w.params)
        return str(row[0]) if row and row[0] else ""

    def table_data(self, events: pd.DataFrame, rejected: bool = False):
        from .views import event_data

        return event_data(events, self.accounts(events, rejected))

    def table_accounts(self, events: pd.DataFrame, rejected: bool = False) -> pd.DataFrame:
        from .views import accounts_in

        return accounts_in(self.table_data(events, rejected), events)

    def entry_text(self, report_id: int, start: int, end: int) -> str:
        with self.lock:
            return self.col.entry_text(report_id, start, end)

    def incidents(self, where: str = "", params: Sequence = ()) -> list[dict]:
        """Incident rows as ``Store.incidents`` gives them (``mentions``/``why`` decoded): the panel's *Why*."""
        import json

        sql = "SELECT * EXCLUDE (month) FROM incidents" + (f" WHERE {where}" if where else "")
        with self.lock:
            cur = self.conn.execute(sql, list(params))
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
        for d in rows:
            for c in ("mentions", "why"):
                try:
                    d[c] = json.loads(d.get(c) or ("[]" if c == "mentions" else "{}"))
                except ValueError:
                    d[c] = [] if c == "mentions" else {}
            for c in ("date", "published"):
                if d.get(c) is not None:
                    d[c] = d[c].isoformat()
        return rows

    def open_store(self):
        from .backend import shared

        return shared(self)
