"""Cross-report event linking (incidents/linking.py): pure functions over incident-like records.

Records are written here in our own words; places come from tests/fixtures/places_small.csv
(Mashtal inside Baghdad, Zeitoun inside Gaza City, Jenin camp inside Jenin).
"""
from __future__ import annotations

import random

import pytest

from gazetteer import Gazetteer, Place
from incidents.linking import PlaceIndex, cell_of, compare, link, load_rules, account
from incidents.model import Incident

AIR = ("Explosions/Remote violence", "Air/drone strike")
SHELL = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
CLASH = ("Battles", "Armed clash")
PROTEST = ("Protests", "Peaceful protest")


def rec(iid, report, place_id, day="2024-03-05", kind=AIR, dead=None, hurt=None, source="Outlet A",
        published=None, excerpt="", place=None, precision=1):
    return {"id": iid, "report_id": report, "key": f"{report}:e{iid}:0-10", "date": day, "time_precision": 1,
            "place": place or place_id.title(), "place_id": place_id, "lat": 1.0, "lon": 2.0,
            "geo_precision": precision, "country": "PS", "event_type": kind[0], "sub_event_type": kind[1],
            "fatalities": dead, "injuries": hurt, "source": source, "published": published or day,
            "excerpt": excerpt}


def groups(events) -> list[list[int]]:
    return sorted(sorted(e.incident_ids) for e in events)


def test_two_outlets_telling_one_strike_are_one_event_with_a_count_range(small_gazetteer):
    records = [
        rec(1, 10, "mashtal", dead=3, source="Outlet A", excerpt="A drone hit a car in eastern Baghdad, killing 3."),
        rec(2, 20, "mashtal", dead=1, source="Outlet B", excerpt="A strike killed a militia commander."),
    ]
    (ev,) = link(records, small_gazetteer)
    assert ev.incident_ids == [1, 2] and ev.sources == ["Outlet A", "Outlet B"] and ev.n_reports == 2
    assert (ev.fatalities_low, ev.fatalities_high) == (1, 3)
    # best: the latest publication date's count; both published the same day -> their lower median
    assert ev.fatalities_best == 1
    (why,) = ev.why
    assert why.incident_id == 2 and why.linked_to == 1
    assert {"same-day", "same-place", "same-sub-type", "compatible-counts"} <= set(why.rules)
    assert "3 and 1 killed" in why.detail or "1 and 3 killed" in why.detail


def test_best_count_is_the_most_recent_account():
    records = [rec(1, 10, "rafah", dead=4, published="2024-03-05"),
               rec(2, 20, "rafah", dead=6, published="2024-03-06"),
               rec(3, 30, "rafah", dead=None, published="2024-03-07")]
    (ev,) = link(records)
    assert (ev.fatalities_low, ev.fatalities_best, ev.fatalities_high) == (4, 6, 6)
    assert (ev.injuries_low, ev.injuries_best, ev.injuries_high) == (None, None, None)


def test_incidents_of_one_report_are_never_one_event(small_gazetteer):
    records = [rec(1, 10, "rafah", dead=2), rec(2, 10, "rafah", dead=2)]
    assert groups(link(records, small_gazetteer)) == [[1], [2]]


def test_two_strikes_in_one_town_with_different_targets_stay_apart(small_gazetteer):
    records = [
        rec(1, 10, "rafah", dead=2, excerpt="An airstrike on a tent in Rafah killed two people."),
        rec(2, 10, "rafah", dead=3, excerpt="Another strike hit a house in Rafah, killing three."),
        rec(3, 20, "rafah", dead=3, source="Outlet B", excerpt="A strike destroyed a family home in Rafah; 3 died."),
        rec(4, 30, "rafah", dead=2, source="Outlet C", excerpt="Two people died when a tent was bombed in Rafah."),
    ]
    assert groups(link(records, small_gazetteer)) == [[1, 4], [2, 3]]


def test_far_apart_counts_keep_events_apart():
    records = [rec(1, 10, "rafah", dead=2), rec(2, 20, "rafah", dead=14)]
    assert groups(link(records)) == [[1], [2]]
    a, b = (account(r, PlaceIndex(None), load_rules(), i) for i, r in enumerate(records))
    assert compare(a, b, load_rules()) is None


def test_an_account_that_fits_two_events_equally_joins_neither(small_gazetteer):
    records = [rec(1, 10, "rafah", dead=2), rec(2, 10, "rafah", dead=2), rec(3, 20, "rafah", dead=2)]
    events = link(records, small_gazetteer)
    assert groups(events) == [[1], [2], [3]]
    (third,) = [e for e in events if e.incident_ids == [3]]
    assert third.why[0].rules == ["ambiguous"] and "1, 2" in third.why[0].detail


def test_a_detail_tells_which_of_two_events_a_third_account_is(small_gazetteer):
    records = [rec(1, 10, "rafah", dead=1, excerpt="A strike killed a journalist in Rafah."),
               rec(2, 10, "rafah", dead=1, excerpt="A strike killed a child in Rafah."),
               rec(3, 20, "rafah", dead=1, excerpt="A reporter was killed by a drone in Rafah.")]
    assert groups(link(records, small_gazetteer)) == [[1, 3], [2]]


def test_a_neighbourhood_is_inside_its_city(small_gazetteer):
    records = [rec(1, 10, "gaza-city", dead=5, place="Gaza City"), rec(2, 20, "zeitoun", dead=5, place="Zeitoun")]
    (ev,) = link(records, small_gazetteer)
    assert ev.place_id == "zeitoun"  # the most precise place of its accounts
    assert "place-inside" in ev.why[0].rules and "Zeitoun inside Gaza City" in ev.why[0].detail
    assert cell_of("zeitoun", 1, small_gazetteer) == cell_of("gaza-city", 1, small_gazetteer) == "gaza-city"
    # without a gazetteer nothing is known to be inside anything
    assert groups(link(records)) == [[1], [2]]


def test_two_neighbourhoods_of_one_city_are_different_places():
    city = Place(id="town", name="Town", kind="city", country="PS", lat=31.5, lon=34.4)
    north = Place(id="north", name="North Quarter", kind="neighbourhood", country="PS", lat=31.51, lon=34.4,
                  parent="town")
    south = Place(id="south", name="South Quarter", kind="neighbourhood", country="PS", lat=31.49, lon=34.4,
                  parent="town")
    gaz = Gazetteer([city, north, south])
    assert groups(link([rec(1, 10, "north", dead=2), rec(2, 20, "south", dead=2)], gaz)) == [[1], [2]]
    assert groups(link([rec(1, 10, "north", dead=2), rec(2, 20, "town", dead=2)], gaz)) == [[1, 2]]


def test_areas_link_only_to_the_same_area_with_a_corroborating_detail(small_gazetteer):
    # an account placed only in "the Gaza Strip" is not tied to a strike in Rafah
    records = [rec(1, 10, "rafah", dead=4), rec(2, 20, "gaza-strip", dead=4, precision=3)]
    assert groups(link(records, small_gazetteer)) == [[1], [2]]
    same_area = [rec(1, 10, "gaza-strip", dead=9, precision=3), rec(2, 20, "gaza-strip", dead=9, precision=3)]
    assert groups(link(same_area, small_gazetteer)) == [[1, 2]]
    uncorroborated = [rec(1, 10, "gaza-strip", precision=3), rec(2, 20, "gaza-strip", precision=3)]
    assert groups(link(uncorroborated, small_gazetteer)) == [[1], [2]]


def test_adjacent_days_need_an_overnight_cue_or_a_matching_detail():
    late = [rec(1, 10, "jenin", day="2024-03-05", dead=2, excerpt="A raid late on Tuesday..."),
            rec(2, 20, "jenin", day="2024-03-06", dead=2)]
    assert groups(link(late)) == [[1, 2]]
    assert "overnight" in link(late)[0].why[0].rules
    plain = [rec(1, 10, "jenin", day="2024-03-05"), rec(2, 20, "jenin", day="2024-03-06")]
    assert groups(link(plain)) == [[1], [2]]
    two_days = [rec(1, 10, "jenin", day="2024-03-05", dead=2, excerpt="overnight"),
                rec(2, 20, "jenin", day="2024-03-07", dead=2, excerpt="overnight")]
    assert groups(link(two_days)) == [[1], [2]]


def test_types_must_be_compatible():
    assert groups(link([rec(1, 10, "rafah", kind=AIR), rec(2, 20, "rafah", kind=PROTEST)])) == [[1], [2]]
    # an air strike told as shelling by another outlet: linked only with a corroborating detail
    assert groups(link([rec(1, 10, "rafah", kind=AIR), rec(2, 20, "rafah", kind=SHELL)])) == [[1], [2]]
    events = link([rec(1, 10, "rafah", kind=AIR, dead=6), rec(2, 20, "rafah", kind=SHELL, dead=6)])
    assert groups(events) == [[1, 2]] and "compatible-types" in events[0].why[0].rules
    assert groups(link([rec(1, 10, "rafah", kind=CLASH), rec(2, 20, "rafah", kind=AIR, dead=1)])) == [[1], [2]]


def test_event_ids_are_stable_and_do_not_depend_on_input_order(small_gazetteer):
    records = [rec(i, 10 + i % 4, pid, day=f"2024-03-0{1 + i % 3}", dead=i % 5, source=f"Outlet {i % 4}")
               for i, pid in enumerate(["rafah", "mashtal", "baghdad", "zeitoun", "gaza-city", "jenin-camp"] * 6)]
    first = link(records, small_gazetteer)
    shuffled = records[:]
    random.Random(4).shuffle(shuffled)
    again = link(shuffled, small_gazetteer)
    assert sorted((e.event_id, tuple(sorted(e.incident_ids))) for e in first) == \
        sorted((e.event_id, tuple(sorted(e.incident_ids))) for e in again)
    # every record lands in exactly one event
    ids = [i for e in first for i in e.incident_ids]
    assert sorted(ids) == list(range(len(records)))
    # the id comes from the first account's key
    assert len({e.event_id for e in first}) == len(first)


def test_incident_objects_and_undated_or_unplaced_records(small_gazetteer):
    inc = Incident(date="2024-03-05", time_precision=1, place="Rafah", place_id="rafah", lat=31.3, lon=34.2,
                   geo_precision=1, event_type=AIR[0], sub_event_type=AIR[1], fatalities=2, injuries=None,
                   source="Outlet A", published="2024-03-05", excerpt="x", start=0, end=1, report_hash="abc")
    other = Incident(**{**inc.to_dict(), "source": "Outlet B", "report_hash": "def"})
    (ev,) = link([inc, other], small_gazetteer)
    assert ev.n_reports == 2 and ev.incident_ids == [0, 1]
    undated = [rec(1, 10, "rafah", day=None), rec(2, 20, "rafah", day=None), rec(3, 30, "", day="2024-03-05")]
    assert groups(link(undated, small_gazetteer)) == [[1], [2], [3]]


def test_most_specific_type_wins_a_tie():
    events = link([rec(1, 10, "rafah", kind=("Violence against civilians", "Attack"), dead=3),
                   rec(2, 20, "rafah", kind=AIR, dead=3, excerpt="strike on a car"),
                   rec(3, 30, "rafah", kind=AIR, dead=3, excerpt="car hit")])
    assert groups(events) == [[1, 2, 3]]
    assert (events[0].event_type, events[0].sub_event_type) == AIR


@pytest.mark.parametrize("bad", [{"fatalities": -3}, {"fatalities": "many"}, {"geo_precision": None},
                                 {"date": "2024-02-30"}, {"excerpt": None}])
def test_odd_values_do_not_break_linking(bad):
    events = link([{**rec(1, 10, "rafah", dead=2), **bad}, rec(2, 20, "rafah", dead=2)])
    assert sorted(i for e in events for i in e.incident_ids) == [1, 2]


def test_bench_linking_smoke_run():
    """bench/bench_linking.py runs at tiny sizes and prints its figures (no timing asserted)."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "bench" / "bench_linking.py"), "--sizes", "300,600", "--store"],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert re.search(r"link +600 incidents over 366 days: +[\d.]+ CPU-s", out.stdout), out.stdout
    assert re.search(r"ratio 600/300: [\d.]+x", out.stdout)
    assert "store: full relink" in out.stdout and "python -m incidents events" in out.stdout
