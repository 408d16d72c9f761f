"""The dashboard's two backends give the same answers: the store's events in memory (MemoryBackend,
through ui's cached loaders) and the events of the same store exported to Parquet, queried with DuckDB
(columnar.EventsBackend): places, totals, timeline, the panel's events and their accounts."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from incidents import review
from incidents.backend import Backend, MemoryBackend
from incidents.columnar import EventsBackend
from incidents.export import export_store
from incidents.model import Report
from incidents.store import Store
from incidents.views import Filters
from filter_cases import FILTERS
from test_columnar import SOURCES, START, synthetic_incidents


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    from gazetteer import Gazetteer

    from incidents.samples import load_samples

    tmp = tmp_path_factory.mktemp("backend")
    db = tmp / "s.db"
    rng = random.Random(7)
    gaz = Gazetteer.load(user=tmp / "none.csv")
    with Store(db) as store:
        load_samples(store, gaz)
        for r in range(14):
            text = f"SYNTHETIC BACKEND REPORT {r}\n" + "x" * 300
            store.save(Report(text=text, source=SOURCES[r % 4], published=START + timedelta(days=r)), [],
                       synthetic_incidents(rng, 40, text))
        store.conn.execute("UPDATE incidents SET place = 'Rafah City', lat = 31.3 WHERE id = "
                           "(SELECT max(id) FROM incidents WHERE place_id = 'rafah')")
        store.conn.execute("UPDATE incidents SET lat = NULL, lon = NULL WHERE place_id = 'erbil'")
        store.conn.commit()
        store.relink(gaz)
        lone = store.conn.execute("SELECT incident_ids FROM events WHERE incident_ids NOT LIKE '%,%' "
                                  "AND date IS NOT NULL ORDER BY event_id LIMIT 2").fetchall()
        for (ids,) in lone:  # two one-account events rejected
            review.reject(store, int(ids), note="test")
    ds = tmp / "dataset"
    export_store(db, ds)

    def load(rejected: bool):
        return _reviewed(db, rejected)

    mem = MemoryBackend(load, lambda: load(True), lambda: Store(db))
    duck = EventsBackend(ds)
    yield mem, duck
    duck.close()


_CACHE: dict = {}


def _reviewed(db, rejected: bool):
    """The reviewed events and accounts as the dashboard builds them (ui._reviewed_data, uncached here)."""
    import os

    import ui

    key = (str(db), rejected)
    if key not in _CACHE:
        old = os.environ.get("INCIDENTS_DB")
        os.environ["INCIDENTS_DB"] = str(db)
        try:
            _CACHE[key] = ui._reviewed_data(str(db), ui.data_version(db), rejected)
        finally:
            if old is None:
                os.environ.pop("INCIDENTS_DB", None)
            else:
                os.environ["INCIDENTS_DB"] = old
    return _CACHE[key]




def _same_places(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    if a.empty and b.empty:
        return
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    for c in a.columns:
        if c in ("lat", "lon"):
            assert (a[c].astype(float) - b[c].astype(float)).abs().max() < 1e-9, c
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c


def test_both_are_backends(backends):
    for b in backends:
        assert isinstance(b, Backend)
    assert backends[1].read_only and not backends[0].read_only


@pytest.mark.parametrize("rejected", [False, True])
def test_whole_dataset_facts_match(backends, rejected):
    mem, duck = backends
    assert mem.date_bounds(rejected) == duck.date_bounds(rejected)
    assert mem.undated(rejected) == duck.undated(rejected)
    assert mem.options() == duck.options()
    assert mem.place_ids(rejected) == duck.place_ids(rejected)
    m, d = mem.extent(), duck.extent()
    assert (m["lat"].min(), m["lat"].max(), m["lon"].min(), m["lon"].max()) == (
        d["lat"].min(), d["lat"].max(), d["lon"].min(), d["lon"].max())


@pytest.mark.parametrize("rejected", [False, True])
@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_places_totals_and_timeline_match(backends, f, rejected):
    mem, duck = backends
    pm, pd_ = mem.places(f, rejected), duck.places(f, rejected)
    _same_places(pm, pd_)
    assert mem.totals(f, rejected) == duck.totals(f, rejected)
    lo, hi = date(2024, 1, 1), date(2024, 4, 30)
    tm, td = mem.timeline(f, lo, hi), duck.timeline(f, lo, hi)
    assert tm.astype(str).values.tolist() == td.astype(str).values.tolist()
    if rejected and f == Filters():
        assert "rejected" in pm.columns  # the two rejected events are drawn (marked)


@pytest.mark.parametrize("f", FILTERS[:6], ids=range(6))
def test_panel_events_and_accounts_match(backends, f):
    mem, duck = backends
    places = mem.places(f)
    for pid in ["", *places["place_id"].head(3)]:
        pm, pdk = mem.panel(f, pid, "", 20), duck.panel(f, pid, "", 20)
        rows = pm.events[pm.events["place_id"] == pid] if pid else pm.events
        from incidents import views

        want = views.newest_first(rows, 20)
        got = pdk.events
        assert want["event_id"].tolist() == got["event_id"].tolist()
        for c in ("date", "place", "event_type", "fatalities_best", "n_accounts", "sources", "incident_ids"):
            assert want[c].astype(str).tolist() == got[c].astype(str).tolist(), c
        am, ad = views.accounts_by_event(pm.data, want), views.accounts_by_event(pdk.data, got)
        assert set(am) == set(ad)
        for eid in am:
            for c in ("id", "excerpt", "source", "published", "report_title", "fatalities", "mentions"):
                assert am[eid][c].astype(str).tolist() == ad[eid][c].astype(str).tolist(), c


def test_one_event_by_id_and_the_events_table(backends):
    mem, duck = backends
    f = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31))
    eid = mem.table(f, "", set())["event_id"].iloc[3]
    assert duck.event(eid)["incident_ids"].tolist() == mem.event(eid)["incident_ids"].tolist()
    assert duck.panel(f, "", eid, 5).events_all["event_id"].tolist() == [eid]
    for states in (set(), {"rejected"}, {"machine", "rejected"}):
        tm, td = mem.table(f, "rafah", states), duck.table(f, "rafah", states)
        assert tm["event_id"].tolist() == td["event_id"].tolist()
        assert mem.table_totals(f, "", states) == duck.table_totals(f, "", states)
    assert mem.event_place_name("rafah") == duck.event_place_name("rafah")
    one = duck.table(f, "", {"rejected"})
    assert len(one) == 2 and set(one["review"]) == {"rejected"}
    acc_m = mem.table_accounts(mem.table(f, "khiam", set()))
    acc_d = duck.table_accounts(duck.table(f, "khiam", set()))
    assert acc_m["id"].tolist() == acc_d["id"].tolist()
    row = acc_d.iloc[0]
    with duck.open_store() as s:
        assert s.entry_text(int(row.report_id), int(row.entry_start), int(row.entry_end))
        assert s.incidents("id = ?", (int(row.id),))[0]["id"] == int(row.id)
        assert getattr(s, "read_only", False)


@pytest.mark.parametrize("rejected", [False, True])
@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_the_map_index_gives_the_sql_answers(backends, f, rejected):
    """The dataset's per-place aggregate and totals come from an in-memory index (numpy) when the filters are
    dates and types only; they equal the SQL query's, including a place whose events differ in name and point
    (Rafah: one renamed and moved) and a place without a point (Erbil, left out)."""
    _, duck = backends
    for g in (f, Filters(start=f.start, end=f.end, event_types=["Battles"]), Filters(start=f.start, end=f.end,
              event_types=["Explosions/Remote violence", "Protests", "Riots"])):
        if not g.sources and not g.place_query:
            got = duck.places(g, rejected)
            assert duck.index().covers(g)
        else:
            got = duck._finish_places(duck.index().places(Filters(start=g.start, end=g.end,
                                                                   event_types=g.event_types), rejected), rejected)
            g = Filters(start=g.start, end=g.end, event_types=g.event_types)
        want = duck._finish_places(duck._places_sql(g, rejected), rejected)
        _same_places(want, got)
        w = duck._where(g, rejected=False)
        n, dead, acc = duck._one("SELECT count(*), coalesce(sum(fatalities_best), 0), coalesce(sum(n_accounts), 0) "
                                 f"FROM events WHERE {w.sql}", w.params)
        assert duck.totals(g, rejected) == type(duck.totals(g, rejected))(int(n), int(dead), int(acc))
    assert duck.index().mixed.any()  # the renamed Rafah event makes one place "mixed"


@pytest.mark.parametrize("cap", [5, 20, 400])
@pytest.mark.parametrize("place", ["", "rafah"])
def test_the_panel_kept_for_a_view_answers_a_moved_start_as_a_fresh_read(backends, cap, place):
    """The dataset backend keeps the panel's events per view, the range's start aside, and answers a view
    that differs only in its start from them when it can (columnar._still_newest): the same events, accounts
    and count as a backend that reads everything again, for starts moved later, earlier and away."""
    mem, duck = backends
    fresh = EventsBackend(duck.col.dataset.root)
    try:
        end = date(2024, 2, 20)
        starts = [date(2024, 1, 1), date(2024, 1, 20), date(2024, 2, 1), date(2024, 2, 10), date(2024, 2, 19),
                  date(2024, 1, 25), None, date(2024, 2, 20), date(2024, 1, 1)]
        for rejected in (False, True):
            for s in starts:
                f = Filters(start=s, end=end)
                got = duck.panel(f, place, "", cap, rejected)
                fresh._panel_memo.clear()
                want = fresh.panel(f, place, "", cap, rejected)
                assert got.events["event_id"].tolist() == want.events["event_id"].tolist(), (s, rejected)
                assert got.total == want.total, (s, rejected)
                ids = [i for x in got.events["incident_ids"] for i in x.split(",") if i]
                assert set(map(int, ids)) <= set(got.data.by_id.index)  # every account shown is there
                rows = mem.panel(f, place, "", cap, rejected).events
                rows = rows[rows["place_id"] == place] if place else rows
                from incidents import views

                assert views.newest_first(rows, cap)["event_id"].tolist() == got.events["event_id"].tolist()
    finally:
        fresh.close()
