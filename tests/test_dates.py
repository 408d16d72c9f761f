from datetime import date, timedelta

import pytest

from incidents.dates import EARLIEST, check_published, find_dates, in_range, infer_published, plausible_published

WED = date(2024, 2, 7)  # a Wednesday


@pytest.mark.parametrize(
    "text, day, precision",
    [
        ("late Wednesday", "2024-02-07", 1),
        ("Wednesday night", "2024-02-07", 1),
        ("on Tuesday", "2024-02-06", 1),
        ("last Friday", "2024-02-02", 1),
        ("on January 28", "2024-01-28", 1),
        ("Oct. 7", "2023-10-07", 1),
        ("Feb. 7, 2024", "2024-02-07", 1),
        ("7 February 2024", "2024-02-07", 1),
        ("12 Feb", "2023-02-12", 1),
        ("2024-01-30", "2024-01-30", 1),
        ("overnight into Thursday", "2024-02-08", 1),
        ("early Thursday", "2024-02-08", 1),
        ("yesterday", "2024-02-06", 1),
        ("last night", "2024-02-06", 1),
        ("two days ago", "2024-02-05", 1),
        ("a day earlier", "2024-02-06", 1),
        ("last week", "2024-01-31", 2),
        ("earlier this week", "2024-02-07", 2),
        ("last month", "2024-01-15", 3),
        ("in late January", "2024-01-25", 3),
        ("in 2006", "2006-07-01", 3),
    ],
)
def test_resolves_relative_to_publication(text, day, precision):
    found = find_dates(text, WED)
    assert found, text
    assert (found[0].day.isoformat(), found[0].precision) == (day, precision)


def test_offsets_point_into_the_text():
    text = "The strike hit Khiam late Wednesday, officials said."
    d = find_dates(text, WED, offset=100)[0]
    assert text[d.start - 100:d.end - 100] == "late Wednesday"


def test_no_false_dates():
    assert find_dates("The may be wounded; 7 percent of homes.", WED) == []


def test_infer_published_from_captions_and_weekdays():
    ap = "Title\nA man walks in Rafah, Wednesday, Feb. 7, 2024. (AP Photo/X)\nThe strike Wednesday killed two. Since Oct. 7, ..."
    assert infer_published(ap) == WED
    cnn = ("People inspect a car in Baghdad, Iraq, on February 7.\nReuters\nA satellite image, on February 3, 2024.\n"
           "Officials said Wednesday. On Wednesday night. Wednesday's strike.")
    assert infer_published(cnn) == WED
    assert infer_published("No dates at all here.") is None


def test_month_names_inside_place_names_are_not_dates():
    assert find_dates("a safe house in Mayadin and strikes in Marjayoun", WED) == []
    assert find_dates("in Decatur, in Junction", WED) == []


def test_year_less_dateline_takes_a_year_consistent_with_the_weekdays():
    text = "BEIRUT, Nov 13 (Reuters) - Warplanes struck late on Sunday. On Sunday, officials said..."
    assert infer_published(text, today=date(2026, 11, 22)) == date(2023, 11, 13)  # a Monday


def test_day_first_slash_dates_on_issued_lines():
    assert infer_published("Title\nIssued on: 31/07/2024 - 11:42\nA strike late Tuesday.") == date(2024, 7, 31)


def test_a_live_blog_is_as_new_as_its_latest_stamp():
    text = ("Live\nThu 3 Oct 2024 07.05 BST\nA strike on Wednesday.\nWed 2 Oct 2024 22.40 BST\n"
            "Missiles on Tuesday. Fighting on Wednesday.\nWed 2 Oct 2024 21.15 BST\nMore on Wednesday.\n")
    assert infer_published(text) == date(2024, 10, 3)


def test_a_since_date_is_never_the_publication_date():
    assert infer_published("Violence surged. More than 600 were killed since Oct. 7, 2023, the ministry said.") is None


# ---------------------------------------------------------------- bad input: no overflow, a sane window
@pytest.mark.parametrize("base", [date(1, 1, 1), date(1, 1, 8), date(9999, 12, 31), date(1900, 1, 1), date(2100, 12, 31)])
def test_no_date_arithmetic_overflows_whatever_the_base(base):
    text = ("Oct. 7, 1900, Feb. 30, 2024, 10000 weeks ago, 99999999999999999999 days ago, last month, "
            "last Friday, over the weekend, yesterday, overnight into Thursday, in early January, 12 Feb, "
            "on February 29, in 2024, 2024-02-30, 0000-01-01")
    for d in find_dates(text, base):
        assert EARLIEST <= d.day <= max(base if in_range(base) else date.today(), EARLIEST) + timedelta(days=1)


def test_dates_before_1900_or_after_the_publication_date_are_left_out():
    assert [d.surface for d in find_dates("10000 weeks ago", WED)] == []  # 1832
    assert find_dates("last month", date(1900, 1, 10)) == []  # December 1899
    assert [d.day for d in find_dates("Oct. 7, 1900", WED)] == [date(1900, 10, 7)]
    assert find_dates("on March 1, 2099", WED) == []
    assert [d.day for d in find_dates("500 days ago", WED)] == [WED - timedelta(days=500)]


def test_an_inferred_publication_date_must_be_plausible():
    today = date(2026, 11, 22)
    stamps = "Live\nThu 3 Oct 2099 07.05 BST\nA strike.\nThu 3 Oct 2099 08.05 BST\nMore.\n"
    assert infer_published(stamps, today=today) is None  # was 2099-10-03
    assert infer_published("Published 12/31/2099\nPeople in Rafah, Wednesday, Feb. 7, 2024.", today=today) == \
        date(2024, 2, 7)
    assert plausible_published(today + timedelta(days=1), today) and not plausible_published(today + timedelta(days=2), today)
    assert not plausible_published(date(1899, 12, 31), today)


def test_check_published_names_the_range():
    from incidents.errors import InputError

    assert check_published(None) is None and check_published(WED) == WED
    with pytest.raises(InputError, match="9999-12-31 is outside 1900-2100"):
        check_published(date(9999, 12, 31))


def test_the_previous_night_and_the_next_morning_count_from_the_day_told():
    from datetime import date

    from incidents.dates import anchored_shift, find_dates

    found = find_dates("a strike the previous night; the next morning troops raided the camp", date(2024, 5, 15), 0)
    assert [(d.surface, anchored_shift(d)) for d in found] == [("the previous night", -1), ("the next morning", 1)]

def test_infer_published_reads_lines_and_tolerates_odd_month_spellings():
    from incidents.dates import infer_published

    # a misspelt month is no date (it raised KeyError when a pattern took "Sep...ember" as a month)
    assert infer_published("Sepember 4, 2024: a strike hit the town.", date(2025, 1, 1)) is None
    # a date is read inside its line: a year on the next line does not belong to it
    assert infer_published("Posted on March 3\n2024 was a hard year.", date(2024, 6, 1)) is None
    # other line breaks (form feed, U+2028) cut lines as a line feed does
    assert infer_published("Updated 3 Oct 2024 07.05 BST\u2028Updated 4 Oct 2024 08.10 BST\x0cA strike hit.",
                           date(2025, 1, 1)) == date(2024, 10, 4)


def test_a_date_line_under_the_title_is_the_pages_date():
    from incidents.dates import infer_published

    later = "The talks had stalled on Tuesday, October 8, 2024, after a week of strikes.\n"
    head = "Regional news\nLive coverage — March 12, 2024\n\nShelling hit two villages, officials said.\n"
    # the head's date line outweighs a weekday-consistent date told in the prose
    assert infer_published(head + later, date(2025, 1, 1)) == date(2024, 3, 12)
    # a sentence in the first lines is prose, not a date line
    prose = "Regional news\nShelling was reported on March 12, 2024.\n\n"
    assert infer_published(prose + later, date(2025, 1, 1)) == date(2024, 10, 8)


def test_a_title_naming_its_weekday_and_day_dates_the_page():
    from incidents.dates import infer_published

    body = "\n- Shelling hit a market on Tuesday, medics said.\n- Talks resume on Monday.\n"
    # "on Thursday, May 9" in the title: the page's day (May 9 was a Thursday in 2024)
    assert infer_published("Border clashes: the latest on Thursday, May 9" + body, date(2025, 1, 1)) == date(2024, 5, 9)
    # in prose, "on May 9" without a weekday or a year is a day told, not the page's
    assert infer_published("Border clashes\n\nThe talks began on May 9, officials said." + body,
                           date(2025, 1, 1)) is None


def test_a_month_and_year_is_not_a_day_of_that_month():
    from incidents.dates import infer_published

    # "November 2023" is no November 20 (the day stopped inside the year)
    assert infer_published("The group began its attacks in November 2023, officials said.\n", date(2025, 1, 1)) is None
    assert infer_published("A strike hit the port on November 20, 2023.\n", date(2025, 1, 1)) == date(2023, 11, 20)


def test_relative_expressions_come_from_the_vocabulary_by_meaning():
    from incidents.dates import _ANCHORED_REL, _REL_MEANING
    from incidents.rules import load

    rel = load().vocab("relative_days")
    assert _REL_MEANING["yesterday"] == "day_before" and _REL_MEANING["the following morning"] == "day_after"
    assert set(_ANCHORED_REL) == set(rel["anchored"]) and "yesterday" not in _ANCHORED_REL
    # the count words of "N days ago" are data too: "ten days ago" is read, "eleven days ago" is not
    days = set(load().vocab("relative_counts")["days"])
    assert "ten" in days and "eleven" not in days
