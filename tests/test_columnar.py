"""The DuckDB read layer gives what the SQLite path (incidents.views over pandas) gives.

A small store is written (the sample reports through real extraction, plus synthetic
incidents with the awkward cases: undated rows, unknown fatalities, a place without a
point, one place told with two spellings and two points, tied event types), exported
to Parquet, and every query is compared with views' pandas functions on the same store.
"""
from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta

import pandas as pd
import pytest

from incidents import views
from incidents.columnar import TYPE_MIX, ColumnarStore
from incidents.export import export_store
from incidents.model import Incident, Report
from incidents.store import Store
from incidents.views import PLACE_COLUMNS, Filters

from filter_cases import FILTERS

PLACES = [  # (place_id, name, lat, lon) written for this test
    ("rafah", "Rafah", 31.28, 34.25), ("khan-younis", "Khan Younis", 31.35, 34.31), ("jenin", "Jenin", 32.46, 35.30),
    ("tyre", "Tyre", 33.27, 35.20), ("khiam", "Khiam", 33.33, 35.61), ("aleppo", "Aleppo", 36.20, 37.16),
    ("hodeidah", "Hodeidah", 14.80, 42.95), ("erbil", "Erbil", 36.19, 44.01), ("gaza-strip", "Gaza Strip", 31.4, 34.4),
]
TYPES = [("Explosions/Remote violence", "Air/drone strike"), ("Battles", "Armed clash"),
         ("Violence against civilians", "Attack"), ("Protests", "Peaceful protest"),
         ("Strategic developments", "Arrests")]
SOURCES = ["AP", "CNN", "Reuters", "Al Jazeera"]
START = date(2024, 1, 20)


def synthetic_incidents(rng: random.Random, n: int, text: str) -> list[Incident]:
    out = []
    for i in range(n):
        pid, name, lat, lon = rng.choice(PLACES)
        etype, sub = rng.choice(TYPES)
        day = START + timedelta(days=rng.randrange(70))
        out.append(Incident(
            date=None if rng.random() < 0.04 else day.isoformat(), time_precision=1, place=name, place_id=pid,
            lat=lat, lon=lon, geo_precision=rng.choice([1, 1, 2, 3]), event_type=etype, sub_event_type=sub,
            fatalities=rng.choice([None, 0, 1, 2, 5]), injuries=rng.choice([None, 3]), source=rng.choice(SOURCES),
            published=(day + timedelta(days=1)).isoformat(), excerpt=f"Synthetic incident {i} in {name}.",
            start=i, end=i + 10, entry_start=0, entry_end=len(text),
            mentions=[{"surface": name, "start": i, "end": i + len(name), "place_id": pid}]))
    return out


@pytest.fixture(scope="module")
def store_and_dataset(tmp_path_factory):
    from gazetteer import Gazetteer

    from incidents.samples import load_samples

    tmp = tmp_path_factory.mktemp("columnar")
    db = tmp / "store.db"
    rng = random.Random(5)
    with Store(db) as store:
        load_samples(store, Gazetteer.load(user=tmp / "none.csv"))
        for r in range(12):
            text = f"SYNTHETIC TEST REPORT {r}\n" + "x" * 300
            store.save(Report(text=text, source=SOURCES[r % 4], published=START + timedelta(days=r)), [],
                       synthetic_incidents(rng, 40, text))
        conn = store.conn
        # one place with a second spelling and point after its first incident; one place with no point
        conn.execute("UPDATE incidents SET place = 'Rafah City', lat = 31.3 WHERE id = "
                     "(SELECT max(id) FROM incidents WHERE place_id = 'rafah')")
        conn.execute("UPDATE incidents SET lat = NULL, lon = NULL WHERE place_id = 'erbil'")
        conn.execute("UPDATE incidents SET event_type = '' WHERE id % 97 = 0")
        conn.commit()
    ds = tmp / "dataset"
    summary = export_store(db, ds)
    assert summary.incidents > 400
    with sqlite3.connect(db) as conn:
        df = views.load_frame(conn)
    with ColumnarStore(ds) as col:
        yield df, col, db, ds




@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_place_aggregates_and_totals_match_the_sqlite_path(store_and_dataset, f):
    df, col, *_ = store_and_dataset
    sub = views.filter_frame(df, f)
    want = views.aggregate_places(sub)
    got = col.place_aggregates(f)
    assert list(got.columns) == [*PLACE_COLUMNS, TYPE_MIX]
    pd.testing.assert_frame_equal(got[list(PLACE_COLUMNS)].reset_index(drop=True),
                                  want[list(PLACE_COLUMNS)].reset_index(drop=True), check_dtype=False)
    assert col.totals(f) == views.totals(sub)
    # the type mix: counts per type, most frequent first, adding up to the place's count
    for row in got.itertuples(index=False):
        mix = getattr(row, TYPE_MIX)
        assert sum(m["count"] for m in mix) == row.count and mix[0]["event_type"] == row.event_type
        here = sub[sub["place_id"] == row.place_id]["event_type"].value_counts()
        assert {m["event_type"]: m["count"] for m in mix} == here.to_dict()


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_daily_counts_match(store_and_dataset, f):
    df, col, *_ = store_and_dataset
    sub = views.filter_frame(df, f)
    sub = sub[sub["date"] != ""]
    want = sub.groupby(["date", "event_type"]).size().reset_index(name="count")
    pd.testing.assert_frame_equal(col.daily_counts(f).reset_index(drop=True), want, check_dtype=False)


@pytest.mark.parametrize("f", FILTERS[:4], ids=range(4))
def test_one_places_incidents_match_newest_first(store_and_dataset, f):
    df, col, *_ = store_and_dataset
    for pid in ("rafah", "khiam", "gaza-strip", "erbil"):
        want = views.newest_first(views.filter_frame(df, f, place_id=pid), 7)
        got = col.place_incidents(pid, f, limit=7)
        cols = [c for c in views.FRAME_COLUMNS]
        pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want[cols].reset_index(drop=True),
                                      check_dtype=False)
        assert col.totals(f, place_id=pid) == views.totals(views.filter_frame(df, f, place_id=pid))


def test_place_ids_filter_and_whole_dataset_facts(store_and_dataset):
    df, col, db, _ = store_and_dataset
    f = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31))
    got = col.place_aggregates(f, place_ids=["rafah", "jenin"])
    assert sorted(got["place_id"]) == ["jenin", "rafah"]
    assert col.place_aggregates(f, place_ids=[]).empty
    assert col.date_range() == views.date_bounds(df)
    assert col.counts() == (len(df), int((df["date"] == "").sum()))
    types = sorted(t for t in df["event_type"].unique() if t)
    sources = sorted(s for s in df["source"].unique() if s)
    assert col.options() == (types, sources)
    s, n, w, e = col.extent()
    assert (s, n) == (df["lat"].min(), df["lat"].max()) and (w, e) == (df["lon"].min(), df["lon"].max())


def test_entry_text_is_the_stores(store_and_dataset):
    df, col, db, _ = store_and_dataset
    with Store(db) as store:
        for r in df[df["entry_end"] > 0].head(5).itertuples():
            assert col.entry_text(r.report_id, r.entry_start, r.entry_end) == \
                store.entry_text(r.report_id, r.entry_start, r.entry_end)
    assert col.entry_text(10 ** 12, 0, 5) == ""


def test_an_empty_dataset_and_one_that_grows(tmp_path):
    from incidents.export import export_store

    db = tmp_path / "s.db"
    Store(db).close()
    ds = tmp_path / "ds"
    export_store(db, ds)
    with ColumnarStore(ds) as col:
        assert col.date_range() is None and col.counts() == (0, 0) and col.extent() is None
        assert col.place_aggregates(Filters()).empty and col.totals(Filters()) == (0, 0)
        assert col.daily_counts(Filters()).empty and col.place_incidents("rafah").empty
        with Store(db) as store:
            text = "SYNTHETIC TEST REPORT\n"
            store.save(Report(text=text, source="AP", published=START), [], synthetic_incidents(random.Random(1), 5, text))
        export_store(db, ds)
        assert col.counts()[0] == 5  # files committed after opening are seen
