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
import pandas as pd
import pyarrow as pa

from .parquet import INCIDENT_SCHEMA, REPORT_SCHEMA, Dataset, DatasetError, month_of
from .views import FRAME_COLUMNS, PLACE_COLUMNS, Filters, normalise_frame

TYPE_MIX = "types"  # per-place column: [{"event_type", "count"}], most frequent first


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
        if f.start is not None:
            parts.append("month >= ? AND date >= ?")
            params += [month_of(f.start), f.start]
        if f.end is not None:
            parts.append("month <= ? AND date <= ?")
            params += [month_of(f.end), f.end]
        if f.event_types:
            parts.append("list_contains(?, coalesce(event_type, ''))")
            params.append(list(f.event_types))
        if f.sources:
            parts.append("list_contains(?, coalesce(source, ''))")
            params.append(list(f.sources))
        q = (f.place_query or "").strip().casefold()
        if q:
            names = [n for n in self.place_names() if q in n.casefold()]
            if names:
                parts.append("(list_contains(?, coalesce(place, '')) OR place_id = ?)")
                params += [names, q]
            else:
                parts.append("place_id = ?")
                params.append(q)
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
