import sqlite3

import pytest

from incidents.extract import extract
from incidents.ingest import ingest
from incidents.reading import report_from_text
from incidents.store import Store, default_db_path

TEXT = "RAFAH, Gaza Strip (AP) \u2014 An Israeli airstrike killed two people in Rafah on Wednesday, Feb. 7, 2024.\n"


def test_default_path_env_and_explicit(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    assert default_db_path(tmp_path / "x.db") == tmp_path / "x.db"
    monkeypatch.delenv("INCIDENTS_DB")
    assert default_db_path().parts[-2:] == ("data", "incidents.db")


def test_ingest_is_idempotent(tmp_path, small_gazetteer):
    with Store(tmp_path / "s.db") as store:
        rid, added, n = ingest(store, report_from_text(TEXT), small_gazetteer)
        assert added and n == 1
        rid2, added2, n2 = ingest(store, report_from_text(TEXT), small_gazetteer)
        assert (rid2, added2, n2) == (rid, False, 1)
        assert store.count("reports") == 1 and store.count("incidents") == 1
        inc = store.incidents()[0]
        assert inc["place_id"] == "rafah" and inc["fatalities"] == 2 and inc["date"] == "2024-02-07"
        assert inc["mentions"][0]["surface"] == "Rafah"
        assert store.entry_text(rid, inc["start"], inc["end"]) == inc["excerpt"]
        assert store.reports()[0]["incidents"] == 1
        assert store.delete_report(rid) and store.count("incidents") == 0


def test_failed_ingest_leaves_the_store_unchanged(tmp_path, small_gazetteer):
    path = tmp_path / "s.db"
    with Store(path) as store:
        ingest(store, report_from_text(TEXT), small_gazetteer)
    report = report_from_text(TEXT.replace("two", "three"))
    result = extract(report, small_gazetteer)
    broken = list(result.incidents) + [object()]  # fails half-way through the incident inserts
    with Store(path) as store:
        with pytest.raises(Exception):
            store.save(report, result.entries, broken)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 1


# ---------------------------------------------------------------------- schema 2: versions, keys, events
import json  # noqa: E402
from datetime import date  # noqa: E402

from incidents.errors import StoreError  # noqa: E402
from incidents.model import Entry, Incident, Report  # noqa: E402
from incidents.store import MAX_COUNT, SCHEMA_V1, SCHEMA_VERSION, INCIDENT_COLUMNS, clean_text, safe_count  # noqa: E402

OTHER = "KHAN YOUNIS, Gaza Strip \u2014 Shelling killed three people in Khan Younis on Wednesday, Feb. 7, 2024.\n"


def _old_store(path, small_gazetteer, texts):
    """A store written the way the first schema did (no versions, no keys, no events)."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1)
    for text in texts:
        report = report_from_text(text)
        ex = extract(report, small_gazetteer)
        cur = conn.execute("INSERT INTO reports (hash, source, published, title, url, path, text) VALUES (?,?,?,?,?,?,?)",
                           (report.hash, report.source, report.published.isoformat(), report.title, "", "", report.text))
        rid = cur.lastrowid
        conn.executemany('INSERT INTO entries (report_id, start, "end", kind, dateline, headline, published) '
                         "VALUES (?,?,?,?,?,?,?)", [(rid, e.start, e.end, e.kind, e.dateline, e.headline, None)
                                                    for e in ex.entries])
        v1 = [c for c in INCIDENT_COLUMNS if c != "why"]  # schema 1 had no why
        cols = ", ".join(f'"{c}"' for c in v1)
        rows = []
        for inc in ex.incidents:
            d = inc.to_dict()
            d["mentions"] = json.dumps(d["mentions"])
            rows.append((rid, *[d[c] for c in v1]))
        conn.executemany(f"INSERT INTO incidents (report_id, {cols}) VALUES (?, {', '.join('?' * len(v1))})",
                         rows)
    conn.commit()
    conn.close()


def test_an_old_store_is_upgraded_in_place(tmp_path, small_gazetteer):
    path = tmp_path / "old.db"
    _old_store(path, small_gazetteer, [TEXT, OTHER])
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.count("reports") == 2 and store.count("incidents") == 2 and store.count("report_versions") == 2
        incs = store.incidents()
        assert all(i["key"] and i["entry_hash"] and i["version_id"] for i in incs)
        assert [v.version for v in store.versions(1)] == [1]
        assert len(store.events(small_gazetteer)) == 2
        # the old reports take new versions like any other
        res = store.save_version(*_extracted(TEXT + "\nRAFAH, Gaza Strip \u2014 A drone strike killed one man in "
                                                    "Rafah on Wednesday, Feb. 7, 2024.\n", small_gazetteer))
        assert res.state == "updated" and res.report_id == 1 and res.incidents_kept == 1
        assert store.integrity() == "ok"
    with Store(path) as store:  # opening again changes nothing
        assert store.count("report_versions") == 3


def _extracted(text, gaz, **kw):
    report = report_from_text(text, **kw)
    ex = extract(report, gaz)
    return report, ex.entries, ex.incidents


def _incident(**kw) -> Incident:
    base = dict(date="2024-02-07", time_precision=1, place="Rafah", place_id="rafah", lat=31.3, lon=34.2,
                geo_precision=1, event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                fatalities=2, injuries=None, source="AP", published="2024-02-07", excerpt="Strike.", start=0,
                end=7, entry_start=0, entry_end=8)
    return Incident(**{**base, **kw})


def test_counts_that_cannot_be_real_are_stored_as_unknown_with_their_phrase(tmp_path):
    assert safe_count(99999999999999999999) is None and safe_count(-1) is None and safe_count(True) is None
    assert safe_count(MAX_COUNT) == MAX_COUNT and safe_count("12") == 12 and safe_count(None) is None
    report = Report(text="Strike.\n", source="AP", published=date(2024, 2, 7), title="t")
    huge = _incident(fatalities=99999999999999999999, fatalities_text="killing 99999999999999999999",
                     injuries=-4)
    with Store(tmp_path / "s.db") as store:
        res = store.save_version(report, [Entry(0, 8)], [huge])
        assert res.state == "added" and res.counts_refused == 2
        (inc,) = store.incidents()
        assert inc["fatalities"] is None and inc["fatalities_text"] == "killing 99999999999999999999"
        assert inc["injuries"] is None and inc["injuries_text"] == "-4"


def test_text_with_lone_surrogates_is_stored_with_replacement_characters(tmp_path, small_gazetteer):
    text = "RAFAH, Gaza Strip \u2014 An airstrike killed two people in Rafah \ud800on Wednesday, Feb. 7, 2024.\n"
    assert clean_text(text) == text.replace("\ud800", "\ufffd") and len(clean_text(text)) == len(text)
    with Store(tmp_path / "s.db") as store:
        res = ingest(store, report_from_text(text), small_gazetteer)
        assert res.added and res.incidents == 1
        assert "\ufffd" in store.report_text(res.report_id)
        again = ingest(store, report_from_text(text.replace("\ud800", "\udfff")), small_gazetteer)
        assert again.state == "unchanged"  # both clean to the same text


def test_incident_ids_are_never_reused(tmp_path):
    report = Report(text="Strike.\n", source="AP", published=date(2024, 2, 7), title="one")
    with Store(tmp_path / "s.db") as store:
        rid, _ = store.save(report, [Entry(0, 8)], [_incident()])
        first = store.incidents()[0]["id"]
        store.delete_report(rid)
        store.save(Report(text="Strike!\n", source="AP", title="two"), [Entry(0, 8)], [_incident()])
        assert store.incidents()[0]["id"] > first


def test_rows_written_without_the_store_api_still_get_events(tmp_path, small_gazetteer):
    """Benchmarks insert rows directly; the triggers still mark their places for relinking."""
    with Store(tmp_path / "s.db") as store:
        conn = store.conn
        rid = conn.execute("INSERT INTO reports (hash, source, published, title, text) VALUES ('h', 'AP', "
                           "'2024-02-07', 'raw', 'Strike.')").lastrowid
        cols = ", ".join(f'"{c}"' for c in INCIDENT_COLUMNS)
        d = _incident().to_dict()
        d["mentions"], d["why"] = "[]", "{}"
        conn.execute(f"INSERT INTO incidents (report_id, {cols}) VALUES (?, {', '.join('?' * len(INCIDENT_COLUMNS))})",
                     (rid, *[d[c] for c in INCIDENT_COLUMNS]))
        assert store.stale_places() == 1
        (ev,) = store.events(small_gazetteer)
        assert ev.place_id == "rafah" and ev.incident_ids == [store.incidents()[0]["id"]]
        assert [v.version for v in store.versions(rid)] == [1]


def test_a_corrupt_file_is_a_clear_error_and_is_not_overwritten(tmp_path):
    path = tmp_path / "bad.db"
    junk = b"this is not a database, it is a shopping list\n" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError) as err:
        Store(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and "damaged" in msg
    assert path.read_bytes() == junk


@pytest.mark.parametrize("days,seed", [(6, 12), (28, 5), (3, 7)])
def test_incremental_relinking_equals_linking_everything_again(tmp_path, small_gazetteer, days, seed):
    """Reports added and deleted in random order: the stored events always equal a fresh link()."""
    import random

    from incidents.linking import link

    rng = random.Random(seed)
    places = [("mashtal", "Mashtal"), ("baghdad", "Baghdad"), ("rafah", "Rafah"), ("zeitoun", "Zeitoun"),
              ("gaza-city", "Gaza City")]
    kinds = [("Explosions/Remote violence", "Air/drone strike"), ("Explosions/Remote violence",
             "Shelling/artillery/missile attack"), ("Battles", "Armed clash")]
    targets = ["a car", "a house", "a tent", ""]

    def make(n: int) -> tuple:
        text, entries, incs = f"Generated report {n}\n\n", [], []
        source = f"Outlet {n % 5}"
        for k in range(rng.randint(1, 8)):
            pid, name = rng.choice(places)
            etype, sub = rng.choice(kinds)
            day = f"2024-03-{rng.randint(1, days):02d}"
            sent = f"A strike hit {rng.choice(targets)} in {name} on day {day}, post {k} of report {n}."
            start = len(text)
            text += sent + "\n\n"
            entries.append(Entry(start, start + len(sent)))
            incs.append(_incident(date=day, place=name, place_id=pid, event_type=etype, sub_event_type=sub,
                                  fatalities=rng.choice([None, 1, 2, 3, 8]), source=source, published=day,
                                  excerpt=sent, start=start, end=start + len(sent), entry_start=start,
                                  entry_end=start + len(sent)))
        return Report(text=text, source=source, published=date(2024, 3, 6), title=f"report {n}"), entries, incs

    def snapshot(events):
        return sorted((e.event_id, tuple(e.incident_ids), e.fatalities_low, e.fatalities_high, e.place_id)
                      for e in events)

    with Store(tmp_path / "s.db") as store:
        live = []
        for step in range(40):
            if live and rng.random() < 0.3:
                store.delete_report(live.pop(rng.randrange(len(live))))
            else:
                live.append(store.save_version(*make(step)).report_id)
            store.relink(small_gazetteer)
            stored = snapshot(store.events())
            fresh = snapshot(link(store.incidents(), small_gazetteer))
            assert stored == fresh, f"step {step}"
        assert len(store.events()) > 10


def test_why_is_stored_and_its_offsets_follow_the_entry_into_a_new_version(tmp_path, small_gazetteer):
    text = "RAFAH, Gaza Strip (AP) \u2014 An Israeli airstrike hit a house in Rafah on Tuesday, killing four people.\n"
    with Store(tmp_path / "s.db") as store:
        store.save_version(*_extracted(text, small_gazetteer, published=date(2024, 2, 7), source="AP"), name="live")
        (first,) = store.incidents()
        assert first["why"]["rules"] and first["why"]["place"]["cue"]
        newer = ("KHAN YOUNIS, Gaza Strip (AP) \u2014 Troops arrested ten men in Khan Younis on Wednesday.\n" + text)
        store.save_version(*_extracted(newer, small_gazetteer, published=date(2024, 2, 7), source="AP"), name="live")
        moved = next(i for i in store.incidents() if i["id"] == first["id"])
        delta = moved["start"] - first["start"]
        assert delta > 0
        assert moved["why"]["rules"][0]["start"] == first["why"]["rules"][0]["start"] + delta
        full = store.version_text(store.versions(moved["report_id"])[-1].id)
        r = moved["why"]["rules"][0]
        assert full[r["start"]:r["start"] + len(r["text"])] == r["text"]
