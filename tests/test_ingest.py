"""Ingest (new reports, new versions of live pages), events across reports, re-extraction,
and the ``ingest`` / ``events`` / ``reextract`` commands.

The seeds are read from ../shared/seeds (never copied); every other text is written here.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path


from incidents.ingest import ingest, reextract
from incidents.model import Report
from incidents.reading import read_report, report_from_text
from incidents.samples import load_samples
from incidents.store import Store

ROOT = Path(__file__).resolve().parent.parent

from live_page import NEW_POST, PAGE_1  # noqa: E402  (a live page of our own, as fetched at two times)
PUBLISHED = date(2024, 3, 5)


def page(text: str) -> Report:
    return report_from_text(text, source="AP", published=PUBLISHED)


def later_page() -> Report:
    title, rest = PAGE_1.split("\n\n", 1)
    return page(f"{title}\n\n{NEW_POST}{rest}")


def test_a_newer_version_of_a_live_page_adds_only_its_new_entry(tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        first = ingest(store, page(PAGE_1), gazetteer)
        assert first.state == "added" and first.incidents == 2
        before = {i["id"]: i for i in store.incidents()}
        second = ingest(store, later_page(), gazetteer)
        assert second.state == "updated" and second.report_id == first.report_id and second.version == 2
        assert second.saved.entries_new == 1 and second.saved.incidents_new == 1
        assert second.saved.incidents_kept == 2 and second.incidents == 3
        assert second.message.startswith(f"report {first.report_id} updated (version 2): 1 new entry, "
                                         "1 new incident; ")
        assert store.count("reports") == 1 and store.count("incidents") == 3
        after = {i["id"]: i for i in store.incidents()}
        # the unchanged entries keep their incidents, ids and keys; their offsets move into the new text
        for iid, old in before.items():
            new = after[iid]
            assert new["key"] == old["key"] and new["excerpt"] == old["excerpt"] and new["place_id"] == old["place_id"]
            assert new["start"] == old["start"] + len(NEW_POST)
            assert store.entry_text(new["report_id"], new["start"], new["end"]) == new["excerpt"]
            assert all(store.report_text(new["report_id"])[m["start"]:m["end"]] == m["surface"]
                       for m in new["mentions"])
        (added,) = [i for i in after.values() if i["id"] not in before]
        assert added["place_id"] == "khiam"
        # the same version again changes nothing
        third = ingest(store, later_page(), gazetteer)
        assert third.state == "unchanged" and not third.added and store.count("incidents") == 3
        # the history stays readable
        versions = store.versions(first.report_id)
        assert [(v.version, v.latest, v.entries_new, v.incidents_new) for v in versions] == \
            [(1, False, versions[0].entries_new, 2), (2, True, 1, 1)]
        assert store.version_text(versions[0].id) == page(PAGE_1).text
        assert store.reports()[0]["versions"] == 2


def test_an_edited_post_updates_its_incident_in_place(tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        ingest(store, page(PAGE_1), gazetteer)
        before = {i["place_id"]: i for i in store.incidents()}
        edited = PAGE_1.replace("killing four people", "killing six people")
        res = ingest(store, page(edited), gazetteer)
        assert res.state == "updated" and res.saved.entries_changed == 1 and res.saved.incidents_updated == 1
        assert res.saved.incidents_new == 0 and store.count("incidents") == 2
        after = {i["place_id"]: i for i in store.incidents()}
        assert after["khan-younis"]["id"] == before["khan-younis"]["id"]
        assert after["khan-younis"]["key"] == before["khan-younis"]["key"]
        assert after["khan-younis"]["fatalities"] == 6


def test_a_post_that_left_the_page_keeps_its_incidents(tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        ingest(store, later_page(), gazetteer)
        title, rest = PAGE_1.split("\n\n", 1)
        only_new = page(f"{title}\n\n{NEW_POST}")  # the page now shows only the newest post
        res = ingest(store, only_new, gazetteer)
        assert res.state == "updated" and res.saved.entries_gone == 2 and store.count("incidents") == 3
        for inc in store.incidents():  # old ones still point at the version that holds their text
            assert store.entry_text(inc["report_id"], inc["start"], inc["end"], inc["version_id"]) == inc["excerpt"]


def test_same_title_without_a_shared_entry_is_another_report(tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        a = ingest(store, page(PAGE_1), gazetteer)
        title = PAGE_1.split("\n\n", 1)[0]
        b = ingest(store, page(f"{title}\n\n{NEW_POST}"), gazetteer)
        assert b.state == "added" and b.report_id != a.report_id
        # a name or a URL is decisive
        c = ingest(store, page(PAGE_1 + "\nMore soon.\n"), gazetteer, name="my page")
        d = ingest(store, page(f"{title}\n\n{NEW_POST}\nStill more.\n"), gazetteer, name="My  Page")
        assert c.state == "added" and d.state == "updated" and d.report_id == c.report_id
        e = ingest(store, Report(text="Nothing happened.", source="X", url="https://example.org/live#top"),
                   gazetteer)
        f = ingest(store, Report(text="Nothing much happened.", source="Y", url="HTTPS://EXAMPLE.ORG/live/"),
                   gazetteer)
        assert f.state == "updated" and f.report_id == e.report_id


def test_ap_seed_then_the_same_page_with_one_more_post(seeds, tmp_path, gazetteer):
    seed = read_report(seeds / "ap-live-2024-02-07.txt")
    with Store(tmp_path / "s.db") as store:
        first = ingest(store, seed, gazetteer)
        extra = ("\n\nJABALIYA, Gaza Strip (AP) — An Israeli airstrike hit a house in the Jabaliya refugee camp "
                 "on Wednesday, killing four people, local health officials said.\n")
        newer = report_from_text(seed.text + extra, source=seed.source, published=seed.published, title=seed.title)
        second = ingest(store, newer, gazetteer)
        assert store.count("reports") == 1 and second.report_id == first.report_id
        assert second.incidents == first.incidents + 1 and store.count("incidents") == first.incidents + 1
        assert second.saved.entries_new == 1 and second.saved.incidents_new == 1


def test_both_seeds_give_one_baghdad_event_told_by_ap_and_cnn(seeds, tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        for name in ("ap-live-2024-02-07.txt", "cnn-live-2024-02-07.txt"):
            ingest(store, read_report(seeds / name), gazetteer)
        events = store.events(gazetteer)
        baghdad = [e for e in events if e.place_id in ("mashtal", "baghdad")]
        assert len(baghdad) == 1
        (ev,) = baghdad
        assert ev.sources == ["AP", "CNN"] and ev.n_reports == 2 and len(ev.incident_ids) == 2
        assert (ev.fatalities_low, ev.fatalities_high) == (1, 3)
        assert ev.why and "same-place" in ev.why[0].rules
        assert sum(len(e.incident_ids) for e in events) == store.count("incidents")
        assert len(events) == store.count("incidents") - 1


def test_bundled_samples_are_nine_events_not_ten(tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        load_samples(store, gazetteer)
        assert store.count("incidents") == 10
        events = store.events(gazetteer)
        assert len(events) == 9
        (shared,) = [e for e in events if e.n_reports == 2]
        assert shared.place_id == "mashtal" and shared.sources == ["AP (sample)", "CNN (sample)"]
        assert (shared.fatalities_low, shared.fatalities_high) == (1, 3)


def test_events_follow_deletes_and_new_reports(tmp_path, gazetteer):
    with Store(tmp_path / "s.db") as store:
        a = ingest(store, page(PAGE_1), gazetteer)
        other = report_from_text("KHAN YOUNIS, Gaza Strip — Four people were killed on Tuesday when an Israeli "
                                 "airstrike hit a house in Khan Younis, medics said.\n",
                                 source="Other Outlet", published=PUBLISHED)
        b = ingest(store, other, gazetteer)
        assert store.stale_places() == 0  # ingest relinked
        (ky,) = [e for e in store.events() if e.place_id == "khan-younis"]
        assert ky.sources == ["AP", "Other Outlet"]
        assert store.event_of(ky.incident_ids[1]) == ky.event_id
        store.delete_report(b.report_id)
        assert store.stale_places() > 0
        (ky2,) = [e for e in store.events(gazetteer) if e.place_id == "khan-younis"]
        assert ky2.sources == ["AP"] and ky2.event_id == ky.event_id  # the first account is still there
        store.delete_report(a.report_id)
        assert store.events(gazetteer) == []


def test_reextract_keeps_report_ids_and_incident_keys(tmp_path, gazetteer, small_gazetteer):
    with Store(tmp_path / "s.db") as store:
        res = ingest(store, later_page(), gazetteer)
        before = {i["key"]: i for i in store.incidents()}
        summary = reextract(store, gazetteer)
        assert [r.report_id for r in summary.reports] == [res.report_id]
        assert summary.reports[0].kept == 3 and summary.reports[0].new == 0 and summary.reports[0].retired == 0
        after = {i["key"]: i for i in store.incidents()}
        assert {k: v["id"] for k, v in after.items()} == {k: v["id"] for k, v in before.items()}
        # a gazetteer without Khiam: that incident is found again, placed in Lebanon: same id and key
        from gazetteer import Gazetteer

        def without(ids):
            return Gazetteer([p for p in small_gazetteer.places.values() if p.id not in ids], small_gazetteer.blockers)

        khiam_key = next(k for k, v in before.items() if v["place_id"] == "khiam")
        summary = reextract(store, without({"khiam"}), [res.report_id])
        assert summary.reports[0].kept == 3 and summary.reports[0].retired == 0
        moved = {i["key"]: i for i in store.incidents()}[khiam_key]
        assert moved["id"] == before[khiam_key]["id"] and moved["place_id"] == "lb"
        # without Lebanon at all the post has no incident: it is retired (kept apart, not shown)
        summary = reextract(store, without({"khiam", "south-lebanon", "lb", "beirut"}), [res.report_id])
        assert summary.reports[0].retired == 1 and summary.reports[0].kept == 2
        kept = {i["key"]: i["id"] for i in store.incidents()}
        assert kept == {k: v["id"] for k, v in before.items() if k != khiam_key}
        (gone,) = store.retired(res.report_id)
        assert gone["key"] == khiam_key and gone["reason"] == "re-extraction" and gone["data"]["place_id"] == "lb"
        # back with the full gazetteer: found again, under a new id
        summary = reextract(store, gazetteer, [res.report_id])
        assert summary.reports[0].new == 1 and store.count("incidents") == 3
        assert store.stale_places() == 0
        assert reextract(store, gazetteer, [999]).missing == [999]


def cli(*args, env=None, **kw):
    import os

    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "incidents", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env=e, timeout=300, **kw)


def test_cli_ingest_update_events_and_reextract(tmp_path):
    db = tmp_path / "s.db"
    v1, v2 = tmp_path / "page-0900.txt", tmp_path / "page-1000.txt"
    v1.write_text(PAGE_1, encoding="utf-8")
    v2.write_text(later_page().text, encoding="utf-8")
    out = cli("ingest", v1, "--db", db, "--published", "2024-03-05", "--source", "AP")
    assert out.returncode == 0 and "report 1 added: " in out.stdout and "2 incidents" in out.stdout
    out = cli("ingest", v2, v1, "--db", db, "--published", "2024-03-05", "--source", "AP")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "report 1 updated (version 2): 1 new entry, 1 new incident" in lines[0]
    assert "report 1 already stored (version 1)" in lines[1]
    out = cli("events", "--db", db)
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(events) == 3
    keys = {"event_id", "date", "place", "place_id", "lat", "lon", "geo_precision", "event_type", "sub_event_type",
            "fatalities_low", "fatalities_best", "fatalities_high", "sources", "n_reports", "incident_ids", "why"}
    assert all(keys <= set(e) for e in events)
    assert {e["place_id"] for e in events} == {"khan-younis", "rafah", "khiam"}
    out = cli("reextract", "--db", db)
    assert out.returncode == 0 and "re-extracted 1 report: 3 incidents before, 3 after (3 kept their ids" in out.stdout
    out = cli("reextract", "1", "7", "--db", db)
    assert out.returncode == 2 and "no report with id 7" in out.stderr
    out = cli("events", "--db", tmp_path / "missing.db")
    assert out.returncode == 2 and "no store here" in out.stderr and not (tmp_path / "missing.db").exists()
    out = cli("reextract", "x", "--db", db)
    assert out.returncode == 2
