"""Reviews (incidents/review.py): kept apart from extraction, surviving new versions, re-extraction and
relinking; applied to rows, frames, events and exports; the log merged between stores; the commands."""
from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from incidents import review
from incidents.errors import ReviewError, StoreError
from incidents.ingest import ingest, reextract
from incidents.reading import report_from_text
from incidents.review import ReviewState
from incidents.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent

from live_page import NEW_POST  # noqa: E402
from live_page import PAGE_1 as PAGE  # noqa: E402
OTHER = "DEIR AL-BALAH, Gaza Strip (Reuters) — An airstrike killed five people in Deir al-Balah on Tuesday.\n"
PUBLISHED = date(2024, 3, 5)


def page(text: str = PAGE):
    return report_from_text(text, source="AP", published=PUBLISHED)


def later_page():
    title, rest = PAGE.split("\n\n", 1)
    return page(f"{title}\n\n{NEW_POST}{rest}")


def by_place(rows):
    return {r["place_id"]: r for r in rows}


@pytest.fixture
def reviewed(tmp_path, gazetteer):
    """A store with the page ingested, Khan Younis corrected and Rafah rejected."""
    store = Store(tmp_path / "s.db")
    ingest(store, page(), gazetteer)
    inc = by_place(store.incidents())
    review.correct(store, inc["khan-younis"]["id"], {"fatalities": "5", "place_id": "bani-suhaila"}, gazetteer,
                   note="ministry update", who="ann")
    review.reject(store, inc["rafah"]["id"], note="tanks shelled farmland: not this page's event", who="bob")
    yield store, inc
    store.close()


def test_corrections_and_rejections_apply_to_rows(reviewed):
    store, inc = reviewed
    rows = review.apply_reviews(store.incidents(), store)
    assert [r["id"] for r in rows] == [inc["khan-younis"]["id"]]  # the rejected one is hidden
    (ky,) = rows
    assert ky["review"] == "corrected" and ky["fatalities"] == 5 and ky["place_id"] == "bani-suhaila"
    assert ky["place"] == "Bani Suhaila" and ky["lat"] != inc["khan-younis"]["lat"]
    assert ky["machine"] == {"fatalities": 4, "place_id": "khan-younis", "place": "Khan Younis",
                             "lat": inc["khan-younis"]["lat"], "lon": inc["khan-younis"]["lon"],
                             "country": "PS", "geo_precision": 1}
    assert ky["review_who"] == "ann" and ky["review_note"] == "ministry update"
    every = review.apply_reviews(store.incidents(), store, include_rejected=True)
    assert {r["review"] for r in every} == {"corrected", "rejected"}
    assert review.filter_states(every, ["rejected"])[0]["id"] == inc["rafah"]["id"]
    # extraction output is untouched: the store's incident rows keep the machine's values
    assert by_place(store.incidents())["khan-younis"]["fatalities"] == 4


def test_reviews_survive_a_new_version_of_the_live_page(reviewed, gazetteer):
    store, inc = reviewed
    res = ingest(store, later_page(), gazetteer)
    assert res.state == "updated" and res.incidents == 3
    resolution = review.load(store)
    assert resolution.state(inc["khan-younis"]["id"]) is ReviewState.CORRECTED
    assert resolution.state(inc["rafah"]["id"]) is ReviewState.REJECTED
    assert set(resolution.how.values()) == {"key"} and not resolution.orphans
    rows = by_place(review.apply_reviews(store.incidents(), store, include_rejected=True))
    assert rows["khiam"]["review"] == "machine"
    assert rows["bani-suhaila"]["fatalities"] == 5 and rows["bani-suhaila"]["id"] == inc["khan-younis"]["id"]
    assert rows["rafah"]["review"] == "rejected"


def test_reviews_survive_an_edited_post_and_reextraction(reviewed, gazetteer, small_gazetteer):
    store, inc = reviewed
    ingest(store, page(PAGE.replace("killing four people", "killing six people")), gazetteer)
    assert by_place(store.incidents())["khan-younis"]["fatalities"] == 6  # the machine's new value
    rows = {r["id"]: r for r in review.apply_reviews(store.incidents(), store)}
    assert rows[inc["khan-younis"]["id"]]["fatalities"] == 5  # the analyst's value still wins
    summary = reextract(store, gazetteer)
    assert summary.reports[0].kept == 2
    res = review.load(store)
    assert res.state(inc["khan-younis"]["id"]) is ReviewState.CORRECTED
    assert res.state(inc["rafah"]["id"]) is ReviewState.REJECTED


def test_an_incident_retired_and_found_again_gets_its_review_back(tmp_path, gazetteer, small_gazetteer):
    from gazetteer import Gazetteer

    with Store(tmp_path / "s.db") as store:
        ingest(store, later_page(), gazetteer)
        khiam = by_place(store.incidents())["khiam"]
        review.confirm(store, khiam["id"], who="ann")
        gone = Gazetteer([p for p in small_gazetteer.places.values()
                          if p.id not in {"khiam", "south-lebanon", "lb", "beirut"}], small_gazetteer.blockers)
        reextract(store, gone)
        res = review.load(store)
        assert khiam["id"] not in res.by_incident and [o.key for o in res.orphans] == [khiam["key"]]
        reextract(store, gazetteer)  # found again, under a new id
        back = by_place(store.incidents())["khiam"]
        assert back["id"] != khiam["id"]
        res = review.load(store)
        assert res.state(back["id"]) is ReviewState.CONFIRMED and not res.orphans


def test_fallback_when_the_key_was_not_kept(reviewed):
    store, inc = reviewed
    ky = inc["khan-younis"]
    # the incident found again with its span moved a little and a new key: the overlapping span in its entry
    with store._write() as conn:
        conn.execute("UPDATE incidents SET key = 'moved', span_start = span_start + 3 WHERE id = ?", (ky["id"],))
    res = review.load(store)
    assert res.state(ky["id"]) is ReviewState.CORRECTED and res.how[ky["id"]] == "span"
    # its entry edited (new hash) but the same sentence: the same excerpt in the report
    with store._write() as conn:
        conn.execute("UPDATE incidents SET entry_hash = 'other' WHERE id = ?", (ky["id"],))
    res = review.load(store)
    assert res.state(ky["id"]) is ReviewState.CORRECTED and res.how[ky["id"]] == "excerpt"
    # nothing left to match: an orphan, kept
    with store._write() as conn:
        conn.execute("UPDATE incidents SET excerpt = 'something else' WHERE id = ?", (ky["id"],))
    res = review.load(store)
    assert ky["id"] not in res.by_incident and len(res.orphans) == 1


def test_the_log_is_append_only_and_keeps_every_step(reviewed, gazetteer):
    store, inc = reviewed
    iid = inc["khan-younis"]["id"]
    review.correct(store, iid, {"injuries": 3}, gazetteer, who="cat")
    review.confirm(store, iid, who="dan")
    review.clear(store, iid, who="dan")
    log = review.review_log(store, inc["khan-younis"]["key"])
    assert [r.state.value for r in log] == ["corrected", "corrected", "confirmed", "machine"]
    assert [r.who for r in log] == ["ann", "cat", "dan", "dan"]
    assert log[1].fields["fatalities"] == 5 and log[1].fields["injuries"] == 3  # added to the earlier one
    assert log[1].changes == {"injuries": [None, 3]}
    assert log[2].changes == {"fatalities": [5, 4], "injuries": [3, None], "place_id": ["bani-suhaila", "khan-younis"],
                              "review": ["corrected", "confirmed"]}
    assert all(a.when < b.when for a, b in zip(log, log[1:]))
    assert review.load(store).state(iid) is ReviewState.MACHINE
    for sql in ("UPDATE review_log SET who = 'eve'", "DELETE FROM review_log"):
        with pytest.raises(StoreError, match="append-only"):
            with store._write() as conn:
                conn.execute(sql)
    assert len(review.review_log(store)) == 5


def test_bad_reviews_are_clear_errors(reviewed, gazetteer):
    store, inc = reviewed
    iid = inc["khan-younis"]["id"]
    cases = [
        (lambda: review.confirm(store, 999), "no incident 999"),
        (lambda: review.correct(store, iid, {"place_id": "atlantis"}, gazetteer), "not in the gazetteer"),
        (lambda: review.correct(store, iid, {"date": "2024-13-01"}, gazetteer), "YYYY-MM-DD"),
        (lambda: review.correct(store, iid, {"fatalities": "-1"}, gazetteer), "whole number"),
        (lambda: review.correct(store, iid, {"fatalities": "many"}, gazetteer), "whole number"),
        (lambda: review.correct(store, iid, {"event_type": "Parade"}, gazetteer), "not one of"),
        (lambda: review.correct(store, iid, {"event_type": "Protests"}, gazetteer), "needs one of its sub-types"),
        (lambda: review.correct(store, iid, {"sub_event_type": "Grenade", "event_type": "Riots"}, gazetteer),
         "not a sub-type"),
        (lambda: review.correct(store, iid, {"excerpt": "x"}, gazetteer), "cannot be corrected"),
        (lambda: review.set_review(store, iid, "maybe"), "not a review state"),
        (lambda: review.parse_assignments(["fatalities"]), "field=value"),
    ]
    for call, message in cases:
        with pytest.raises(ReviewError, match=message):
            call()
    ok = review.correct(store, iid, {"event_type": "Battles", "sub_event_type": "Armed clash",
                                     "date": "2024-03-04"}, gazetteer)
    assert ok.fields["event_type"] == "Battles" and ok.fields["date"] == "2024-03-04"


def test_two_connections_writing_reviews_at_once(tmp_path, gazetteer):
    path = tmp_path / "s.db"
    with Store(path) as store:
        ingest(store, later_page(), gazetteer)
        ids = [i["id"] for i in store.incidents()]
    errors = []

    def work(who: str, n: int) -> None:
        try:
            with Store(path) as s:
                for k in range(n):
                    review.set_review(s, ids[k % len(ids)], "confirmed" if k % 2 else "rejected", who=who,
                                      note=f"{who} {k}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w, 20)) for w in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    with Store(path) as store:
        log = review.review_log(store)
        assert len(log) == 40 and len({r.uid for r in log}) == 40
        res = review.load(store)
        for iid in ids:  # the current review of each incident is its latest log entry
            key = next(i["key"] for i in store.incidents() if i["id"] == iid)
            latest = max((r for r in log if r.key == key), key=lambda r: (r.when, r.uid))
            assert res.by_incident[iid].uid == latest.uid


def _two_stores(tmp_path, gazetteer):
    """Two analysts' stores holding the same page under different report ids."""
    a, b = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    ingest(a, later_page(), gazetteer)
    ingest(b, report_from_text(OTHER, source="Reuters", published=PUBLISHED), gazetteer)
    ingest(b, later_page(), gazetteer)
    return a, b


def test_export_import_round_trip_and_merge(tmp_path, gazetteer):
    a, b = _two_stores(tmp_path, gazetteer)
    try:
        ia, ib = by_place(a.incidents()), by_place(b.incidents())
        assert ia["khiam"]["report_id"] != ib["khiam"]["report_id"]
        review.correct(a, ia["khiam"]["id"], {"fatalities": 2}, gazetteer, who="ann", at="2024-03-06T10:00:00Z")
        review.reject(a, ia["rafah"]["id"], who="ann", at="2024-03-06T10:00:00Z")
        review.correct(a, ia["khan-younis"]["id"], {"sub_event_type": "Shelling/artillery/missile attack"},
                       gazetteer, who="ann", at="2024-03-06T10:00:00Z")  # a sub-type alone
        review.confirm(b, ib["rafah"]["id"], who="bob", at="2024-03-06T11:00:00Z")  # later than ann's
        review.confirm(b, ib["deir-al-balah"]["id"], who="bob", at="2024-03-06T09:00:00Z")
        la, lb = io.StringIO(), io.StringIO()
        assert review.export_log(a, la) == 3 and review.export_log(b, lb) == 2
        own = review.import_log(a, la.getvalue().splitlines())  # its own log back: nothing new, nothing bad
        assert (own.read, own.added, own.present, own.bad) == (3, 0, 3, [])
        first = review.import_log(b, la.getvalue().splitlines(), origin="ann.jsonl")
        assert (first.read, first.added, first.present, first.bad, first.unknown_reports) == (3, 3, 0, [], [])
        again = review.import_log(b, la.getvalue().splitlines())
        assert (again.added, again.present, again.current) == (0, 3, 0)  # idempotent
        second = review.import_log(a, lb.getvalue().splitlines())
        assert second.added == 1 and second.unknown_reports and not second.bad  # Deir al-Balah: not in a
        # both stores now agree, whatever the order of the imports: the latest review wins
        for store, inc in ((a, by_place(a.incidents())), (b, by_place(b.incidents()))):
            res = review.load(store)
            assert res.state(inc["rafah"]["id"]) is ReviewState.CONFIRMED
            assert res.by_incident[inc["rafah"]["id"]].who == "bob"
            assert res.by_incident[inc["khiam"]["id"]].fatalities == 2
            assert res.by_incident[inc["khan-younis"]["id"]].fields == {
                "sub_event_type": "Shelling/artillery/missile attack"}
        # an entry the report has no incident for now is stored and reported, not fatal
        odd = json.loads(la.getvalue().splitlines()[0])
        odd.update(key=odd["key"].rsplit(":", 1)[0] + ":0-1", entry_hash="gone", excerpt="not here", uid="")
        bad = ["{not json", json.dumps({"state": "confirmed"}), json.dumps({**odd, "state": "sure"}), ""]
        summary = review.import_log(b, [json.dumps(odd), *bad])
        assert summary.added == 1 and len(summary.unattached) == 1 and len(summary.bad) == 3
        assert summary.read == 4 and "3 bad lines" in summary.line()
        tampered = json.loads(lb.getvalue().splitlines()[0])
        tampered["who"] = "mallory"
        assert "uid does not match" in review.import_log(a, [json.dumps(tampered)]).bad[0]
    finally:
        a.close()
        b.close()


def test_events_take_the_reviewed_values(tmp_path, gazetteer):
    from incidents.samples import load_samples

    with Store(tmp_path / "s.db") as store:
        load_samples(store, gazetteer)
        events = store.events(gazetteer)
        shared = next(e for e in events if len(e.incident_ids) == 2)
        one, two = shared.incident_ids
        before = (shared.fatalities_low, shared.fatalities_high)
        review.correct(store, one, {"fatalities": 30}, gazetteer)
        (ev,) = [e for e in review.apply_events(events, store, gazetteer) if e.event_id == shared.event_id]
        assert ev.fatalities_high == 30 and ev.fatalities_low == min(before[0], 30)
        assert ev.incident_ids == shared.incident_ids and ev.anchor == shared.anchor
        assert store.events(gazetteer)[0].event_id == events[0].event_id  # the stored events are untouched
        review.reject(store, one)
        (ev,) = [e for e in review.apply_events(events, store, gazetteer) if e.event_id == shared.event_id]
        assert ev.incident_ids == [two] and ev.n_reports == 1
        review.reject(store, two)
        shown = review.apply_events(events, store, gazetteer)
        assert shared.event_id not in {e.event_id for e in shown} and len(shown) == len(events) - 1
        every = review.apply_events(events, store, gazetteer, include_rejected=True)
        assert len(every) == len(events)
        recs = {r["event_id"]: r for r in review.event_records(events, store, gazetteer, include_rejected=True)}
        assert recs[shared.event_id]["review"] == "rejected" and "anchor" not in recs[shared.event_id]
        assert {r["review"] for r in recs.values()} == {"rejected", "machine"}


def test_frames_and_exports_carry_the_review_column(reviewed, tmp_path):
    from incidents import views
    from incidents.parquet import Dataset, iter_rows

    store, inc = reviewed
    df = views.load_frame(store.conn)
    out = review.apply_frame(df, store)
    assert list(out["id"]) == [inc["khan-younis"]["id"]]
    row = out.iloc[0]
    assert row["review"] == "corrected" and row["fatalities"] == 5 and row["place_id"] == "bani-suhaila"
    assert row["day"] == df.loc[df["id"] == row["id"], "day"].iloc[0]  # derived columns recomputed
    both = review.apply_frame(df, store, include_rejected=True)
    exported = review.export_frame(both)
    assert list(exported.columns[-2:]) == ["review", "review_note"]
    assert sorted(exported["review"]) == ["corrected", "rejected"]
    csv = review.to_csv(both).decode("utf-8")
    assert csv.splitlines()[0].endswith(",review,review_note") and "corrected" in csv
    # the Parquet export: reviewed values, a review column, rejected rows kept and marked
    from incidents.export import export_store

    export_store(store.path, tmp_path / "ds")
    rows = {r["id"]: r for r in iter_rows(Dataset(tmp_path / "ds").files("incidents"))}
    ky, rf = rows[inc["khan-younis"]["id"]], rows[inc["rafah"]["id"]]
    assert (ky["review"], ky["fatalities"], ky["place_id"], ky["review_note"]) == (
        "corrected", 5, "bani-suhaila", "ministry update")
    assert rf["review"] == "rejected" and rf["fatalities"] == 2


def test_a_store_from_before_reviews_is_upgraded_in_place(tmp_path, gazetteer):
    path = tmp_path / "old.db"
    with Store(path) as store:
        ingest(store, page(), gazetteer)
        n = store.count("incidents")
    conn = sqlite3.connect(path)  # as schema 3 left it
    conn.executescript("DROP TRIGGER review_log_no_update; DROP TRIGGER review_log_no_delete; "
                       "DROP TABLE review_log; DROP TABLE reviews; PRAGMA user_version = 3;")
    conn.close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert store.count("incidents") == n and store.stale_places() == 0  # nothing to relink
        iid = store.incidents()[0]["id"]
        review.confirm(store, iid)
        assert review.load(store).state(iid) is ReviewState.CONFIRMED
    # read-only readers of a schema 3 store see no reviews rather than failing
    conn = sqlite3.connect(path)
    conn.executescript("DROP TRIGGER review_log_no_update; DROP TRIGGER review_log_no_delete; "
                       "DROP TABLE review_log; DROP TABLE reviews;")
    assert review.load(conn).by_incident == {}
    conn.close()


def cli(*args):
    env = {**os.environ, "INCIDENTS_REVIEWER": "cli-analyst"}
    return subprocess.run([sys.executable, "-m", "incidents", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


def test_cli_review_set_list_export_import(tmp_path, gazetteer):
    from incidents import cli as cli_module

    assert (cli_module.REVIEW_STATES, cli_module.REVIEW_FIELDS, cli_module.REVIEWER_ENV) == (
        review.STATES, review.FIELDS, review.REVIEWER_ENV)
    db, db2 = tmp_path / "s.db", tmp_path / "t.db"
    for d in (db, db2):
        with Store(d) as store:
            ingest(store, page(), gazetteer)
    with Store(db) as store:
        inc = by_place(store.incidents())
    ky, rf = inc["khan-younis"]["id"], inc["rafah"]["id"]
    out = cli("review", "set", ky, "--correct", "fatalities=5", "place=bani-suhaila", "--note", "update", "--db", db)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"incident {ky}: corrected by cli-analyst") and "fatalities 4 -> 5" in out.stdout
    assert cli("review", "set", rf, "--reject", "--who", "bob", "--db", db).returncode == 0
    listed = cli("review", "list", "--db", db)
    assert listed.returncode == 0 and f"{ky}\tcorrected\tcli-analyst" in listed.stdout
    assert f"{rf}\trejected\tbob" in listed.stdout
    js = [json.loads(x) for x in cli("review", "list", "--json", "--state", "rejected", "--db", db).stdout.splitlines()]
    assert [(j["incident_id"], j["state"], j["matched_by"]) for j in js] == [(rf, "rejected", "key")]
    assert len(cli("review", "list", "--history", "--db", db).stdout.splitlines()) == 2
    log = tmp_path / "log.jsonl"
    out = cli("review", "export", "--db", db, "--out", log)
    assert out.returncode == 0 and len(log.read_text().splitlines()) == 2
    assert cli("review", "export", "--db", db).stdout == log.read_text()
    out = cli("review", "import", log, "--db", db2)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("review import: 2 entries read, 2 added, 0 already present")
    assert "0 added, 2 already present" in cli("review", "import", log, "--db", db2).stdout
    # bad input: exit status 2, one line naming what is wrong
    bad = tmp_path / "bad.jsonl"
    bad.write_text(log.read_text() + "{oops\n")
    for args, message in [
        (("review", "set", 999, "--confirm", "--db", db), "no incident 999"),
        (("review", "set", ky, "--correct", "deaths=3", "--db", db), "'deaths' cannot be corrected"),
        (("review", "set", ky, "--correct", "fatalities=lots", "--db", db), "whole number"),
        (("review", "set", ky, "--correct", "place_id=atlantis", "--db", db), "not in the gazetteer"),
        (("review", "import", tmp_path / "missing.jsonl", "--db", db), "no such file"),
        (("review", "list", "--db", tmp_path / "nowhere.db"), "no store here"),
        (("review", "import", bad, "--db", db2), "line 3: not JSON"),
    ]:
        out = cli(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert message in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
    out = cli("review", "set", ky, "--confirm", "--reject", "--db", db)
    assert out.returncode == 2 and "not allowed with" in out.stderr
