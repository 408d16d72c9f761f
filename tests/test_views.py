"""Unit tests of incidents.views: filtering, aggregation, escaping, highlighting, export."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from incidents import views
from incidents.views import Filters


def frame(rows):
    base = dict(id=0, report_id=1, date="2024-02-05", time_precision=1, place="Rafah", place_id="rafah",
                lat=31.3, lon=34.24, geo_precision=1, event_type="Battles", sub_event_type="", fatalities=None,
                injuries=None, source="AP", published="2024-02-07", excerpt="x", start=0, end=1, dateline="",
                country="PS", fatalities_text="", injuries_text="", entry_start=0, entry_end=1, mentions="[]")
    return views.normalise_frame(pd.DataFrame([{**base, "id": i + 1, **r} for i, r in enumerate(rows)]))


@pytest.fixture
def df():
    return frame([
        dict(date="2024-02-05", place="Rafah", place_id="rafah", event_type="Explosions/Remote violence", fatalities=5),
        dict(date="2024-02-06", place="Rafah", place_id="rafah", event_type="Battles", fatalities=None),
        dict(date="2024-02-07", place="Rafah", place_id="rafah", event_type="Explosions/Remote violence", fatalities=3),
        dict(date="2024-02-06", place="Khiam", place_id="khiam", lat=33.3, lon=35.6, event_type="Protests",
             source="The National", geo_precision=2),
        dict(date="", place="Gaza Strip", place_id="gaza-strip", lat=31.4, lon=34.4, geo_precision=3),
    ])


def test_filter_by_dates_types_sources_and_place(df):
    f = Filters(start=date(2024, 2, 6), end=date(2024, 2, 6))
    assert sorted(views.filter_frame(df, f)["id"]) == [2, 4]
    assert len(views.filter_frame(df, Filters())) == 5  # no range: undated kept
    assert len(views.filter_frame(df, Filters(start=date(2024, 1, 1), end=date(2024, 12, 31)))) == 4
    assert list(views.filter_frame(df, Filters(event_types=["Protests"]))["id"]) == [4]
    assert list(views.filter_frame(df, Filters(sources=["The National"]))["id"]) == [4]
    assert sorted(views.filter_frame(df, Filters(place_query=" raf "))["id"]) == [1, 2, 3]
    assert list(views.filter_frame(df, Filters(), place_id="khiam")["id"]) == [4]


def test_totals_and_newest_first(df):
    assert views.totals(df) == (5, 8)
    assert list(views.newest_first(df, 2)["id"]) == [3, 4]


def test_aggregate_places_one_row_per_place(df):
    agg = views.aggregate_places(df)
    assert list(agg["place_id"]) == ["rafah", "gaza-strip", "khiam"]
    rafah = agg.iloc[0]
    assert (rafah["count"], rafah["fatalities"], rafah["event_type"]) == (3, 8, "Explosions/Remote violence")
    assert rafah["last_date"] == "2024-02-07"
    assert int(agg.set_index("place_id").loc["khiam", "geo_precision"]) == 2
    assert views.aggregate_places(df.iloc[0:0]).empty


def test_colors_and_radius():
    assert views.event_color("Battles") == views.EVENT_COLORS["Battles"]
    assert views.event_color("Something else") == views.OTHER_COLOR
    assert views.marker_radius(1) < views.marker_radius(10) < views.marker_radius(100) <= views.MAX_RADIUS
    # perceptually scaled: three incidents read as clearly more than one (area ~3.5x)
    assert views.marker_radius(3) >= 1.8 * views.marker_radius(1)
    assert views.marker_radius(1) >= 6


def test_escape_label_neutralises_html_and_template_strings():
    s = views.escape_label("<img src=x onerror=\"a()\"> ` ${1+1} \\ & '")
    for bad in ("<", ">", '"', "'", "`", "$", "\\"):
        assert bad not in s
    assert "&lt;img" in s and "&#96;" in s and "&#36;" in s and "&#92;" in s and "&amp;" in s


def test_escape_md_is_inert_markdown_and_html():
    s = views.escape_md("**bold** [x](javascript:y) <script>$x$</script>\nline")
    assert "<script" not in s and "*" not in s and "[" not in s and "$" not in s
    assert s.endswith("<br>line")


def test_md_text_is_one_inert_line():
    assert views.md_text("a\n[b](c) *d*") == "a &#91;b&#93;&#40;c&#41; &#42;d&#42;"


def test_highlight_escapes_first_then_marks_by_offsets():
    excerpt = "Strike on <Rafah> & Khan Younis"
    mentions = [{"surface": "Khan Younis", "start": 100 + 20, "end": 100 + 31},
                {"surface": "Rafah", "start": 100 + 11, "end": 100 + 16}]
    out = views.highlight_excerpt(excerpt, 100, mentions)
    assert out == "Strike on &#60;<mark>Rafah</mark>&#62; &#38; <mark>Khan Younis</mark>"


def test_highlight_falls_back_to_text_and_place():
    out = views.highlight_excerpt("Hit Rafah.", 0, [{"surface": "Rafah", "start": 50, "end": 55}])
    assert "<mark>Rafah</mark>" in out
    assert "<mark>Khiam</mark>" in views.highlight_excerpt("In Khiam today", 0, [], place="Khiam")
    out = views.highlight_excerpt("<script>alert(1)</script> Rafah", 0, [], place="Rafah")
    assert "<script" not in out and "<mark>Rafah</mark>" in out


def test_click_resolution_by_tooltip_and_nearest(df):
    agg = views.aggregate_places(df)
    label = views.place_label("Khiam", 1)
    assert views.resolve_click(agg, "  " + label + "\n", None) == "khiam"
    assert views.resolve_click(agg, None, {"lat": 31.39, "lng": 34.41}) == "gaza-strip"
    assert views.resolve_click(agg, "Unknown — 2 incidents", {"lat": 33.2, "lng": 35.5}) == "khiam"
    assert views.resolve_click(agg, None, None) is None
    # a cluster bubble never selects a place, however near one it is
    assert views.resolve_click(agg, f" 3 places {views.CLUSTER_HINT}\n", {"lat": 31.3, "lng": 34.24}) is None


def test_exports_match_rows(df):
    shown = views.filter_frame(df, Filters(event_types=["Explosions/Remote violence"]))
    csv = views.to_csv(shown).decode()
    assert csv.splitlines()[0].startswith("id,date,")
    assert len(csv.strip().splitlines()) == 1 + len(shown)
    gj = json.loads(views.to_geojson_bytes(shown))
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 2
    f0 = gj["features"][0]
    assert f0["geometry"] == {"type": "Point", "coordinates": [34.24, 31.3]}
    assert f0["properties"]["fatalities"] == 5 and f0["properties"]["place"] == "Rafah"


def test_date_helpers():
    lo, hi = date(2024, 2, 1), date(2024, 2, 10)
    assert views.clamp_range((date(2024, 1, 1), date(2024, 3, 1)), lo, hi) == (lo, hi)
    assert views.clamp_range(None, lo, hi) == (lo, hi)
    assert views.step_range((date(2024, 2, 1), date(2024, 2, 3)), lo, hi, 1) == (date(2024, 2, 2), date(2024, 2, 4))
    assert views.step_range((date(2024, 2, 8), date(2024, 2, 10)), lo, hi, 1) == (date(2024, 2, 8), date(2024, 2, 10))
    assert views.step_range((date(2024, 2, 1), date(2024, 2, 3)), lo, hi, -1) == (date(2024, 2, 1), date(2024, 2, 3))
    assert views.parse_day("2024-02-30") is None and views.parse_day("2024-02-03") == date(2024, 2, 3)
    assert views.date_bounds(frame([dict(date="2024-02-05"), dict(date=""), dict(date="2024-01-02")])) == (
        date(2024, 1, 2), date(2024, 2, 5))


def test_dates_before_1970_are_kept_and_shown():
    df = frame([dict(date="1900-10-07"), dict(date="2024-02-05"), dict(date="")])
    assert views.date_bounds(df) == (date(1900, 10, 7), date(2024, 2, 5))
    shown = views.filter_frame(df, Filters(start=date(1900, 1, 1), end=date(1900, 12, 31)))
    assert list(shown["id"]) == [1]
    assert views.aggregate_places(shown)["last_date"].tolist() == ["1900-10-07"]
    assert len(views.filter_frame(df, Filters(start=date(1800, 1, 1), end=date(2100, 1, 1)))) == 2  # not the undated


def test_an_impossible_date_is_undated():
    df = frame([dict(date="2024-02-30"), dict(date="2024-02-05"), dict(date="1066-10-14")])
    assert views.date_bounds(df) == (date(1066, 10, 14), date(2024, 2, 5))
    assert df["date"].tolist() == ["", "2024-02-05", "1066-10-14"]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://e\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  "=cmd|' /C calc'!A0"])
def test_csv_escapes_formula_cells(cell):
    df = frame([dict(excerpt=cell, source=cell, place=cell, dateline=cell)])
    import csv as _csv
    import io

    row = next(_csv.DictReader(io.StringIO(views.to_csv(df).decode(), newline="")))
    for col in ("excerpt", "source", "place", "dateline"):
        assert row[col] == "'" + cell, (col, row[col])


def test_csv_keeps_numbers_and_plain_text():
    df = frame([dict(excerpt="A strike - at night", lat=-0.5, lon=-12.25, fatalities=3)])
    import csv as _csv
    import io

    row = next(_csv.DictReader(io.StringIO(views.to_csv(df).decode(), newline="")))
    assert row["excerpt"] == "A strike - at night" and row["lat"] == "-0.5" and row["lon"] == "-12.25"
    assert row["fatalities"] == "3"


def test_shorten():
    assert views.shorten("Rafah") == "Rafah"
    long = "x" * 10_000
    assert len(views.shorten(long, 80)) == 80 and views.shorten(long, 80).endswith("…")


def test_place_sentence_finds_the_sentence_naming_the_place():
    entry = ("A US strike killed a commander in Iraq on Wednesday night. Police said the strike hit an SUV "
             "in al-mashtal, a neighbourhood in eastern Baghdad. Officials gave no toll.")
    s, e = views.place_sentence(entry, ["Al-Mashtal", "Mashtal"], near=0)
    assert entry[s:e] == "Police said the strike hit an SUV in al-mashtal, a neighbourhood in eastern Baghdad."
    assert views.place_sentence(entry, ["Rafah"]) is None
    assert views.place_sentence(entry, ["Mashtal"]) is None or "mashtal" in entry[slice(*views.place_sentence(
        entry, ["Mashtal"]))]  # part of a hyphenated name is still the name
    assert views.names_in(entry, ["Baghdad"]) and not views.names_in(entry, ["Bagh"])
    out = views.highlight_excerpt("in al-mashtal, east", 0, [], None, names=["Al-Mashtal"])
    assert "<mark>al&#45;mashtal</mark>" in out


def test_place_matches_aliases_and_areas(gazetteer):
    ids = ["rafah", "khan-younis", "gaza-city", "khiam", "mashtal", "jabalia"]
    assert views.place_matches("Khan Yunis", gazetteer, ids) == {"khan-younis"}
    assert views.place_matches("Baghdad", gazetteer, ids) == {"mashtal"}
    assert {"rafah", "khan-younis", "gaza-city"} <= views.place_matches("Gaza", gazetteer, ids)
    assert "khiam" not in views.place_matches("Gaza", gazetteer, ids)
    assert views.place_matches("Lebanon", gazetteer, ids) == {"khiam"}
    assert views.place_matches("", gazetteer, ids) == frozenset()


# ---------------------------------------------------------------------- events
def events_frame(rows):
    base = dict(event_id="ev-x", date="2024-02-05", time_precision=1, place="Rafah", place_id="rafah", lat=31.3,
                lon=34.24, geo_precision=1, country="PS", event_type="Battles", sub_event_type="",
                fatalities_low=None, fatalities_best=None, fatalities_high=None, injuries_low=None,
                injuries_best=None, injuries_high=None, sources='["AP"]', n_reports=1, incident_ids="1")
    return views.normalise_events(pd.DataFrame([{**base, "event_id": f"ev-{i}", **r} for i, r in enumerate(rows)]))


@pytest.fixture
def ev():
    return events_frame([
        dict(date="2024-02-05", event_type="Explosions/Remote violence", fatalities_low=1, fatalities_best=1,
             fatalities_high=3, sources='["AP", "CNN"]', n_reports=2, incident_ids="1,8"),
        dict(date="2024-02-05", event_type="Battles", incident_ids="2"),
        dict(date="2024-02-07", event_type="Explosions/Remote violence", fatalities_low=3, fatalities_best=3,
             fatalities_high=3, incident_ids="3"),
        dict(date="2024-02-06", place="Khiam", place_id="khiam", event_type="", sources='["The National"]',
             incident_ids="4"),
        dict(date="", place="Gaza Strip", place_id="gaza-strip", incident_ids="5"),
    ])


def test_events_are_typed_like_incidents(ev):
    assert list(ev["sources"]) == ["AP; CNN", "AP", "AP", "The National", "AP"]
    assert list(ev["n_accounts"]) == [2, 1, 1, 1, 1] and list(ev["id"]) == [8, 2, 3, 4, 5]
    assert views.event_totals(ev) == (5, 4)  # the best estimates
    places = views.aggregate_places(views.filter_events(ev, Filters(start=date(2024, 2, 5), end=date(2024, 2, 7))))
    rafah = places[places["place_id"] == "rafah"].iloc[0]
    assert rafah["count"] == 3 and rafah["fatalities"] == 4
    assert views.place_label("Rafah", 3, "event") == "Rafah — 3 events"


def test_the_source_filter_matches_any_outlet_of_an_event(ev):
    got = views.filter_events(ev, Filters(sources=["CNN"]))
    assert list(got["event_id"]) == ["ev-0"]
    got = views.filter_events(ev, Filters(sources=["AP"], event_types=["Battles"]))
    assert list(got["event_id"]) == ["ev-1", "ev-4"]
    assert views.filter_events(ev, Filters(sources=["Nobody"])).empty


def test_count_range():
    assert views.count_range(1, 1, 3) == "1–3 killed"
    assert views.count_range(3, 3, 3) == "3 killed"
    assert views.count_range(None, None, None) == ""
    assert views.count_range(pd.NA, 2, pd.NA, "injured") == "2 injured"


def test_timeline_counts_events_per_day_and_type(ev):
    t = views.timeline_counts(ev, date(2024, 2, 5), date(2024, 2, 7))
    rows = sorted(map(tuple, t[["date", "event_type", "events"]].values.tolist()))
    assert rows == [("2024-02-05", "Battles", 1), ("2024-02-05", "Explosions/Remote violence", 1),
                    ("2024-02-06", "Other", 1), ("2024-02-07", "Explosions/Remote violence", 1)]
    assert views.timeline_counts(ev, date(2024, 2, 6), date(2024, 2, 6))["events"].sum() == 1
    assert views.timeline_counts(ev.iloc[0:0], date(2024, 2, 5), date(2024, 2, 7)).empty
    # undated events are left out; a day with many events is one row per type
    many = events_frame([dict(date="2024-02-05", incident_ids=str(i)) for i in range(1, 1001)])
    t = views.timeline_counts(many, date(2024, 2, 1), date(2024, 2, 9))
    assert t.values.tolist() == [["2024-02-05", "Battles", 1000]]


def test_the_timeline_unit_is_days_then_weeks_then_months():
    lo = date(2024, 1, 1)
    assert views.timeline_unit(lo, lo) == "day"
    assert views.timeline_unit(lo, lo + timedelta(days=views.TIMELINE_MAX_BARS - 1)) == "day"
    assert views.timeline_unit(lo, lo + timedelta(days=views.TIMELINE_MAX_BARS)) == "week"
    assert views.timeline_unit(lo, date(2030, 1, 1)) == "week"  # ~314 weeks
    assert views.timeline_unit(lo, date(2033, 12, 31)) == "month"  # 10 years: 522 weeks > 400
    assert views.timeline_unit(lo, lo + timedelta(days=29), max_bars=10) == "week"
    assert views.timeline_unit(lo, lo + timedelta(days=99), max_bars=10) == "month"


def test_timeline_buckets_sum_days_per_week_or_month_and_stack_by_type():
    counts = pd.DataFrame({
        "date": ["2023-12-31", "2024-01-02", "2024-01-03", "2024-01-03", "2024-01-08", "2024-02-29", "2024-03-01",
                 "2024-03-05"],
        "event_type": ["Battles", "Battles", "Battles", "Protests", "Other", "Battles", "Battles", "Battles"],
        "events": [9, 1, 2, 3, 4, 5, 6, 7]})
    lo, hi = date(2024, 1, 2), date(2024, 3, 1)  # a Tuesday to a Friday: the first and last weeks are cut
    weeks = views.timeline_buckets(counts, lo, hi, "week")
    assert list(weeks.columns) == views.TIMELINE_BUCKET_COLUMNS
    assert weeks.values.tolist() == [
        ["2024-01-02", "2024-01-08", "Battles", 3, 0, 3],  # Mon 1 Jan's week, from lo; days outside lo..hi out
        ["2024-01-02", "2024-01-08", "Protests", 3, 3, 6],  # stacked above Battles (the legend's order)
        ["2024-01-08", "2024-01-15", "Other", 4, 0, 4],
        ["2024-02-26", "2024-03-02", "Battles", 11, 0, 11],  # to hi + 1 day
    ]
    months = views.timeline_buckets(counts, lo, hi, "month")
    assert months.values.tolist() == [
        ["2024-01-02", "2024-02-01", "Battles", 3, 0, 3], ["2024-01-02", "2024-02-01", "Protests", 3, 3, 6],
        ["2024-01-02", "2024-02-01", "Other", 4, 6, 10], ["2024-02-01", "2024-03-01", "Battles", 5, 0, 5],
        ["2024-03-01", "2024-03-02", "Battles", 6, 0, 6]]
    assert months["events"].sum() == counts["events"].iloc[1:7].sum()  # nothing lost inside the range
    days = views.timeline_buckets(counts, lo, hi, "day")
    assert days[["date", "end"]].values.tolist()[0] == ["2024-01-02", "2024-01-03"]
    assert views.timeline_buckets(counts.iloc[0:0], lo, hi, "week").empty
    assert views.timeline_buckets(counts.iloc[:1], lo, hi, "month").empty  # only a day before lo
    with pytest.raises(ValueError):
        views.timeline_buckets(counts, lo, hi, "year")


def test_a_timeline_selection_becomes_a_day_range():
    lo, hi = date(2024, 1, 25), date(2024, 2, 7)
    day = 86_400_000
    feb5 = 1707091200000
    assert views.selection_range({"span": {"utcyearmonthdate_date": [feb5 + 3600, feb5 + 2 * day + 5]}}, lo, hi) == (
        date(2024, 2, 5), date(2024, 2, 7))
    assert views.selection_range({"span": {"date": ["2024-01-01", "2024-01-30"]}}, lo, hi) == (lo, date(2024, 1, 30))
    assert views.selection_range({"span": {}}, lo, hi) is None
    assert views.selection_range(None, lo, hi) is None


def test_event_exports_one_row_per_event_with_accounts_apart(ev):
    accounts = frame([dict(id=i, excerpt=f"=account {i}", source="CNN" if i == 8 else "AP") for i in (1, 2, 3, 4, 5, 8)])
    accounts["event_id"] = ["ev-0", "ev-1", "ev-2", "ev-3", "ev-4", "ev-0"]
    accounts["report_title"] = "t"
    accounts["report_url"] = ""
    data = views.event_data(ev, accounts)
    assert list(data.accounts_of("1,8")["id"]) == [1, 8]
    out = views.events_export_frame(ev, data)
    assert list(out.columns) == list(views.EVENT_EXPORT_COLUMNS) and len(out) == 5
    rows = views.events_csv(ev, data).decode().splitlines()
    assert rows[0].startswith("event_id,date,place") and "'=account 1" in rows[1] and '"1,8"' in rows[1]
    assert views.events_csv(ev, data, bom=True).startswith(b"\xef\xbb\xbf")
    gj = json.loads(views.events_geojson_bytes(ev, data))
    props = gj["features"][0]["properties"]
    assert props["sources"] == ["AP", "CNN"] and props["incident_ids"] == [1, 8] and props["fatalities_high"] == 3
    acc = views.accounts_in(data, ev.iloc[:1])
    assert list(acc["id"]) == [1, 8]
    text = views.accounts_csv(acc).decode()
    assert text.splitlines()[0].startswith("event_id,id,") and "'=account 8" in text


def test_safe_href_only_http_and_inert():
    assert views.safe_href("javascript:alert(1)") == "" and views.safe_href("file:///etc/passwd") == ""
    h = views.safe_href('https://x.org/"><script>')
    assert h.startswith("https&#58;") and "<" not in h and '"' not in h


def test_explain_why_says_each_part_and_tolerates_an_empty_why():
    from incidents.views import explain_why

    assert explain_why(None) == [] and explain_why({}) == []
    lines = explain_why({"rules": [{"rule": "toll-follow-up", "text": ""}], "place": {"cue": "previous-incident"},
                         "date": {"cue": "publication"}})
    assert lines == ["Rules that fired: toll-follow-up", "Place from previous-incident", "Date from publication"]
    assert explain_why({"entry": {"kind": "caption", "rules": ["photo_credit"]}}) == [
        "Entry (caption) found by line rules: photo_credit"]
