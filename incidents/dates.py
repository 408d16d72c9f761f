"""Event dates from news prose, relative to a publication date.

``find_dates(text, base)`` returns every date expression with its span, the
day it means and ACLED's time precision (1 day, 2 week, 3 month):

* weekdays: "Wednesday", "late Wednesday", "Wednesday night", "early
  Thursday", "overnight into Thursday" (the Thursday), "on Tuesday";
* explicit dates: "Feb. 7, 2024", "on January 28", "Oct. 7", "7 February",
  "2024-02-07" (a date without a year is the latest such day not after the
  publication date, allowing one day for time zones);
* relative: today, tonight, yesterday, last night, N days ago, a day
  earlier, this week, last week, over the weekend, last month, in late January.

``infer_published(text)`` guesses a report's publication date from caption
and header dates ("Wednesday, Feb. 7, 2024") and the weekday names used.

Dates stay in a sane window: nothing before :data:`EARLIEST`, nothing resolved
after the publication date (or today) plus one day, arithmetic that cannot
overflow ("10000 weeks ago", a publication date near year 1 or 9999), and an
inferred publication date that is not :func:`plausible_published` is dropped.
An explicit publication date outside :data:`EARLIEST`-:data:`LATEST` is an
:class:`~incidents.errors.InputError` (:func:`check_published`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import RulesError
from .rules import alternation, calendar, load
from .rules.prefilter import guarded

_CAL = calendar()
WEEKDAYS = list(_CAL.weekdays)
MONTHS = dict(_CAL.months)
# values of the number words the "N days ago" pattern names (rules/<lang>/vocab.toml)
NUMBER_WORDS = {**load().vocab("number_units"), **load().vocab("number_determiners"), **load().vocab("vague_numbers")}
_RELATIVE = load().vocab("relative_counts")
_DAYS_N = r"(?P<n>\d+|" + alternation(_RELATIVE["days"], title=False) + r")"
_WEEKS_N = r"(?P<n>\d+|" + alternation(_RELATIVE["weeks"], title=False) + r")"
# "yesterday", "the next morning"... by meaning (rules/<lang>/vocab.toml relative_days)
_REL_DAYS: dict[str, list[str]] = load().vocab("relative_days")
_REL_MEANING = {w: meaning for meaning, words in _REL_DAYS.items() if meaning != "anchored" for w in words}
_REL_ALT = alternation(_REL_MEANING, title=False)

_MONTH_ALT = alternation(MONTHS)  # "September|...|Jan": the longest word first
_MONTH_RE = r"(?P<month>" + _MONTH_ALT + r")(?![A-Za-z])\.?"
_WEEKDAY_RE = r"(?P<weekday>" + alternation(WEEKDAYS) + r")"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")),
    ("mdy", re.compile(r"\b" + _MONTH_RE + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?")),
    ("dmy", re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE + r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?")),
    ("part_month", re.compile(r"\b(?P<part>early|mid|late|end of|beginning of|start of)[- ](?:in\s+)?" + _MONTH_RE + r"(?!\s+[0-3]?\d)", re.I)),
    ("in_month", re.compile(r"\b(?i:in|during|since|last|this)\s+" + _MONTH_RE + r"(?!\s*[0-3]?\d)(?:\s+(?P<year>(?:19|20)\d\d))?")),
    ("into_weekday", re.compile(r"\b(?:overnight|night)\s+(?:into|to)\s+" + _WEEKDAY_RE, re.I)),
    ("weekday", re.compile(r"\b(?:(?P<mod>(?i:late|early|earlier|later|last|this|on|overnight))\s+(?:on\s+)?)?" + _WEEKDAY_RE + r"(?:'s)?(?:\s+(?P<part>night|evening|morning|afternoon))?\b")),
    ("days_ago", re.compile(r"\b" + _DAYS_N + r"\s+days?\s+(?P<dir>ago|earlier|before|later|after)\b", re.I)),
    ("weeks_ago", re.compile(r"\b" + _WEEKS_N + r"\s+weeks?\s+(?:ago|earlier)\b", re.I)),
    ("year", re.compile(r"\b(?i:in|since|during|of)\s+(?:(?:early|late|mid)[- ])?(?P<year>(?:19|20)\d\d)\b(?!\s*[-–]\d)")),
    ("rel", re.compile(r"\b(?P<rel>" + _REL_ALT + r")\b", re.I)),
]


# each behind a look-ahead of its first characters: the same matches, most positions skipped at once
_PATTERNS = [(kind, guarded(rx.pattern, rx.flags)) for kind, rx in _PATTERNS]
_PATTERNS_BY_KIND = dict(_PATTERNS)
_DIGIT = re.compile(r"\d")

# what each kind of expression needs somewhere in the text (a month name, a digit, "day"...)
_NEEDS = {  # all of these, else the kind is not tried
    "iso": ("iso",), "mdy": ("month", "digit"), "dmy": ("month", "digit"), "part_month": ("month",),
    "in_month": ("month",), "into_weekday": ("weekday",), "weekday": ("weekday",), "days_ago": ("day", "direction"),
    "weeks_ago": ("week", "ago"), "year": ("century",), "rel": ("rel",),
}
_MONTH_STEMS = _CAL.month_prefixes()  # "jan" .. "dec": every month word contains its stem
_MONTH_STEM_LOW = re.compile("|".join(_MONTH_STEMS))  # searched in the lower-cased text
_WEEKDAY_LOW = re.compile("|".join(WEEKDAYS))
_DIRECTION_LOW = re.compile("ago|earlier|before|later|after")
_PLAN = [(kind, pattern, frozenset(_NEEDS[kind])) for kind, pattern in _PATTERNS]
_REL_WORD = re.compile(r"today|tonight|morning|afternoon|evening|yesterday|day before|night|week|month|hours|recent|"
                       r"previous day|past")


EARLIEST = date(1900, 1, 1)  # no report or event date before this
LATEST = date(2100, 12, 31)  # no explicit publication date after this
_ONE_DAY = timedelta(days=1)


def in_range(d: date) -> bool:
    """Inside the dates the pipeline works with at all (:data:`EARLIEST` - :data:`LATEST`)."""
    return EARLIEST <= d <= LATEST


def plausible_published(d: date, today: date | None = None) -> bool:
    """Could a report inferred to be from ``d`` be real: not before 1900, not after tomorrow."""
    return EARLIEST <= d <= (today or date.today()) + _ONE_DAY


def check_published(d: date | None) -> date | None:
    """An explicit publication date, or an InputError saying it is out of range."""
    if d is not None and not in_range(d):
        from .errors import InputError

        raise InputError(f"publication date {d.isoformat()} is outside {EARLIEST.year}-{LATEST.year}")
    return d


def _days_before(base: date, days: int) -> date | None:
    """``base`` minus ``days`` days, or None when that is before :data:`EARLIEST` (or overflows)."""
    if days > (base - EARLIEST).days:
        return None
    return base - timedelta(days=days)


@dataclass(frozen=True)
class DateExpr:
    start: int
    end: int
    day: date
    precision: int  # 1 day, 2 week, 3 month
    kind: str
    surface: str


def _weekday_before(base: date, weekday: int) -> date | None:
    """The latest ``weekday`` on or before ``base``."""
    return _days_before(base, (base.weekday() - weekday) % 7)


def _year_for(month: int, day: int, base: date) -> date | None:
    """The latest month/day not after base (+1 day for time zones)."""
    for year in (base.year + 1, base.year, base.year - 1):
        try:
            d = date(year, month, day)
        except ValueError:  # Feb. 30, or a year out of range
            continue
        if d <= base + _ONE_DAY:
            return d
    return None


def _num(word: str) -> int:
    w = word.lower()
    if w.isdigit():
        return int(w) if len(w) <= 6 else 10**6  # "99999999999 days ago": far beyond any window
    return NUMBER_WORDS.get(w, 1)


def _resolve(kind: str, m: re.Match, base: date) -> tuple[date, int] | None:
    g = m.groupdict()
    if kind == "iso":
        try:
            return date(int(g["y"]), int(g["m"]), int(g["d"])), 1
        except ValueError:
            return None
    if kind in ("mdy", "dmy"):
        month = MONTHS[g["month"].lower().rstrip(".")]
        day = int(g["day"])
        if g.get("year"):
            try:
                return date(int(g["year"]), month, day), 1
            except ValueError:
                return None
        d = _year_for(month, day, base)
        return (d, 1) if d else None
    if kind in ("part_month", "in_month"):
        month = MONTHS[g["month"].lower().rstrip(".")]
        year = int(g["year"]) if g.get("year") else (base.year if month <= base.month else base.year - 1)
        part = (g.get("part") or "").lower()
        day = 5 if part in ("early", "beginning of", "start of") else 25 if part in ("late", "end of") else 15
        try:
            d = date(year, month, day)
        except ValueError:  # year 0
            return None
        if d > base:
            d = base
        return d, 3
    if kind == "into_weekday":
        wd = WEEKDAYS.index(g["weekday"].lower())
        ahead = (wd - base.weekday()) % 7
        d = base + timedelta(days=ahead) if ahead <= 1 else _weekday_before(base, wd)
        return (d, 1) if d else None
    if kind == "weekday":
        wd = WEEKDAYS.index(g["weekday"].lower())
        mod = (g.get("mod") or "").lower()
        part = (g.get("part") or "").lower()
        d = _weekday_before(base, wd)
        if d is None:
            return None
        if mod == "last" and d == base:
            d = _days_before(d, 7)
            if d is None:
                return None
        # "early Thursday" in a page dated Wednesday: the night after publication
        if (base + timedelta(days=1)).weekday() == wd and mod in ("early", "overnight") and part in ("", "morning"):
            d = base + timedelta(days=1)
        return d, 1
    if kind == "year":
        year = int(g["year"])
        if year > base.year:
            return None
        return (date(year, 7, 1) if year < base.year else base), 3
    if kind == "days_ago":
        n = _num(g["n"])
        if g["dir"].lower() in ("later", "after"):
            return (base + timedelta(days=n), 1) if n <= (LATEST - base).days else None
        d = _days_before(base, n)
        return (d, 1) if d else None
    if kind == "weeks_ago":
        d = _days_before(base, 7 * _num(g["n"]))
        return (d, 2) if d else None
    if kind == "rel":
        meaning = _REL_MEANING.get(" ".join(g["rel"].lower().split()))
        if meaning == "same_day":
            return base, 1
        if meaning == "day_before":
            d = _days_before(base, 1)
            return (d, 1) if d else None
        if meaning == "day_after":
            return (base + _ONE_DAY, 1) if base < LATEST else None
        if meaning == "last_week":
            d = _days_before(base, 7)
            return (d, 2) if d else None
        if meaning == "this_week":
            return base, 2
        if meaning == "weekend":
            d = _weekday_before(base, 5)
            return (d, 2) if d else None
        if meaning == "last_month":
            last = _days_before(base.replace(day=1), 1)
            return (last.replace(day=15), 3) if last else None
        if meaning == "this_month":
            return base, 3
    return None


# "a day later", "the previous day": relative to the day told just before, not to the publication date
if any(_REL_MEANING.get(w) not in ("day_before", "day_after") for w in _REL_DAYS["anchored"]):
    raise RulesError("vocab relative_days: every 'anchored' expression must be one of day_before or day_after",
                     "rules/en/vocab.toml")
_ANCHORED_REL = {w: -1 if _REL_MEANING[w] == "day_before" else 1 for w in _REL_DAYS["anchored"]}
_ANCHOR_KINDS = ("iso", "mdy", "dmy", "weekday", "into_weekday")


def anchored_shift(expr: DateExpr) -> int | None:
    """Days from the day told just before, for expressions such as "a day later" (None for others)."""
    low = expr.surface.lower()
    if expr.kind == "rel":
        return _ANCHORED_REL.get(" ".join(low.split()))
    if expr.kind == "days_ago":
        m = _PATTERNS_BY_KIND["days_ago"].match(expr.surface)
        if m is None:
            return None
        n = _num(m.group("n"))
        return n if m.group("dir").lower() in ("later", "after") else -n if m.group("dir").lower() in ("earlier", "before") else None
    return None


def is_anchor(expr: DateExpr) -> bool:
    """A day stated on its own ("on 19 April", "Tuesday"), which "a day later" can count from."""
    return expr.kind in _ANCHOR_KINDS and expr.precision == 1


def find_dates(text: str, base: date | None, offset: int = 0) -> list[DateExpr]:
    """Every date expression in ``text`` resolved against ``base`` (non-overlapping, in order).

    A ``base`` outside :data:`EARLIEST`-:data:`LATEST` counts as unknown; a date that resolves
    before :data:`EARLIEST` or after ``base`` (else today) plus one day is left out.
    """
    if base is not None and not in_range(base):
        base = None
    latest = (base or date.today()) + _ONE_DAY
    found: list[DateExpr] = []
    taken: list[tuple[int, int]] = []
    low = text.lower()
    day = "day" in low
    week = "week" in low
    has = {  # substring tests of the folded text, each a superset of what its patterns can match
        "month": _MONTH_STEM_LOW.search(low) is not None,
        "digit": _DIGIT.search(text) is not None,  # what the digit patterns need (\d)
        "day": day,
        "weekday": day and _WEEKDAY_LOW.search(low) is not None,
        "week": week,
        "rel": _REL_WORD.search(low) is not None,
        "iso": "20" in text and "-" in text,  # 2024-02-07
        "century": "20" in text or "19" in text,  # "in 2023", "since 1948"
        "direction": day and _DIRECTION_LOW.search(low) is not None,  # "days ago", "a day later"
        "ago": week and ("ago" in low or "earlier" in low),
    }
    present = {name for name, yes in has.items() if yes}
    for kind, pattern, needs in _PLAN:
        if not needs <= present:
            continue  # cheap test: this kind of expression cannot be in the text
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if kind in ("mdy", "dmy") and not _plausible_day(text, m):
                continue
            if base is None and kind not in ("iso",) and not (kind in ("mdy", "dmy") and m.groupdict().get("year")):
                continue
            res = _resolve(kind, m, base) if base is not None or kind == "iso" else _resolve(kind, m, date.today())
            if res is None or not EARLIEST <= res[0] <= latest:
                continue
            taken.append((s, e))
            found.append(DateExpr(s + offset, e + offset, res[0], res[1], kind, m.group()))
    found.sort(key=lambda d: d.start)
    return found


def _plausible_day(text: str, m: re.Match) -> bool:
    g = m.groupdict()
    day = int(g["day"])
    if not 1 <= day <= 31:
        return False
    month = g["month"]
    # "May" and "March" are also words: demand a capital and a day right after/before
    if month.lower().startswith("may") or month.lower().startswith("mar"):
        return month[0].isupper()
    after = text[m.end():m.end() + 12]
    # "7 February" vs "7 February-born": fine; but avoid "Oct. 7 attack" false year guesses: none needed
    return not re.match(r"\s*(?:%|percent|per cent|km|kilomet|mile)", after)


# ------------------------------------------------------------------ publication
# A publication date is read line by line; the patterns below run once over the whole text
# and never cross a line break ("[^\S\n]", not "\s"), so each match lies inside one line.
_SP = r"[^\S\n]"
_WEEKDAY_ANY = alternation(WEEKDAYS) + "|" + alternation(_CAL.weekday_prefixes())
_FULL_DATE = guarded(
    r"(?:(?P<weekday>" + _WEEKDAY_ANY + r"),?" + _SP + r"+)?"
    r"(?:" + _MONTH_RE + _SP + r"+(?P<day>[0-3]?\d)(?!\d)(?:,?" + _SP + r"+(?P<year>(?:19|20)\d\d))?"
    r"|(?P<day2>[0-3]?\d)" + _SP + r"+(?P<month2>" + _MONTH_ALT + r")\.?(?:,?" + _SP + r"+(?P<year2>(?:19|20)\d\d))?)"
)
_MONTH_STEM = re.compile(alternation(_CAL.month_prefixes()))  # "Jan" .. "Dec": a month word starts with one
_WEEKDAY_WORD = guarded(r"\b(" + alternation(WEEKDAYS) + r")\b")
_ISO_DATE = guarded(r"\b(20\d\d)-([01]\d)-([0-3]\d)\b")
_SLASH_DATE = guarded(r"\b([0-3]?\d)[/.]([01]?\d)[/.](20\d\d)\b")  # 31/07/2024 (day first, as outside the US)
_CAPTION_LINE = re.compile(r"\((?:AP|AFP|Reuters) Photo|\bon (?:" + alternation(_CAL.month_prefixes())
                           + r")[a-z]*\.? [0-3]?\d(?:, 20\d\d)?\.\s*$")
_HISTORY_BEFORE = re.compile(r"(since|before|after|until) $")
_ON_BEFORE = re.compile(r"on $")
_ISSUED_LINE = re.compile(r"\s*(?:Issued|Published|Updated|Posted)", re.I)
# line breaks other than "\n" that str.splitlines() honours
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


_STAMP_LINE = re.compile(
    r"^\s*(?:(?:Updated|Posted|Published)(?: on| at)?:?\s+)?(?:(?:" + alternation(_CAL.weekday_prefixes()) + r")[a-z]*,?\s+)?"
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Z][a-z]{2,8})\.?|(?P<m2>[A-Z][a-z]{2,8})\.?\s+(?P<d2>\d{1,2}),?)\s+(?P<y>20\d\d)"
    r"(?:(?:[,\s]+|\s+at\s+|\s*[-–—|]\s*)\d{1,2}[.:]\d{2}[^.!?]{0,40})?\s*$"
)


HEAD_LINES = 3  # the page head: its first non-empty lines (title, masthead, date line)
HEAD_WEIGHT = 5  # what a full date there weighs beyond a date in the prose (a caption: 2)


def _head_end(text: str, lines: int = HEAD_LINES) -> int:
    """The offset where the first ``lines`` non-empty lines of ``text`` end."""
    pos = n = 0
    while n < lines and pos < len(text):
        stop = text.find("\n", pos)
        stop = len(text) if stop < 0 else stop
        if text[pos:stop].strip():
            n += 1
        pos = stop + 1
    return pos


def _stamp_date(line: str) -> date | None:
    """The date of a line that is only a post's time stamp ("Thu 3 Oct 2024 07.05 BST")."""
    m = _STAMP_LINE.match(line)
    if not m:
        return None
    mon = (m.group("m1") or m.group("m2")).lower().rstrip(".")
    if mon not in MONTHS:
        return None
    try:
        return date(int(m.group("y")), MONTHS[mon], int(m.group("d1") or m.group("d2")))
    except ValueError:
        return None


def infer_published(text: str, today: date | None = None) -> date | None:
    """Best guess of a report's publication date, or None.

    Caption and header dates ("Wednesday, Feb. 7, 2024", "... on February 7.")
    vote; a date whose weekday is the weekday the text names most often wins
    ties. A date without a year takes the year of the dates that have one, or
    failing that the latest year in which it falls on that weekday.
    """
    today = today or date.today()
    if _OTHER_BREAKS.search(text):
        text = "\n".join(text.splitlines())  # lines as splitlines() cuts them, joined by "\n"
    weekday_counts = Counter(w.lower() for w in _WEEKDAY_WORD.findall(text))
    top_weekday = WEEKDAYS.index(weekday_counts.most_common(1)[0][0]) if weekday_counts else None
    # every match of the three patterns, in the order a line-by-line reading meets them; a written-out
    # date holds a month word, so only the lines with one are scanned for it (a match never leaves its line)
    hits = []
    line_end = -1
    for w in _MONTH_STEM.finditer(text):
        if w.start() < line_end:
            continue  # this line is scanned already
        ls = text.rfind("\n", 0, w.start()) + 1
        line_end = text.find("\n", w.start())
        line_end = len(text) if line_end < 0 else line_end
        hits.extend((ls, 0, m.start(), m) for m in _FULL_DATE.finditer(text, ls, line_end))
    for rank, rx, needs in ((1, _ISO_DATE, ("-",)), (2, _SLASH_DATE, ("/20", ".20"))):
        if any(n in text for n in needs):  # what every match contains
            hits.extend((text.rfind("\n", 0, m.start()) + 1, rank, m.start(), m) for m in rx.finditer(text))
    if not hits:
        return None
    hits.sort(key=lambda h: h[:3])
    # (month, day, year, weekday, caption, in the page head)
    dated: list[tuple[int, int, int | None, int | None, bool, bool]] = []
    head_end = _head_end(text)
    years: Counter = Counter()
    lines: dict[int, str] = {}
    captions: dict[int, bool] = {}
    dated_lines: list[int] = []  # starts of the lines with a written-out date (the only ones a stamp can be)

    def line_at(start: int) -> str:
        if start not in lines:
            stop = text.find("\n", start)
            lines[start] = text[start:] if stop == -1 else text[start:stop]
        return lines[start]

    for ls, rank, pos, m in hits:
        line = line_at(ls)
        if rank == 1:  # ISO
            y, mo, d = m.groups()
            years[int(y)] += 1
            dated.append((int(mo), int(d), int(y), None, False, False))
            continue
        if rank == 2:  # day/month/year
            a, b, y = m.groups()
            d, mo = int(a), int(b)
            if mo > 12 and d <= 12:  # 07/31/2024: month first
                d, mo = mo, d
            if 1 <= mo <= 12 and 1 <= d <= 31:
                years[int(y)] += 1
                dated.append((mo, d, int(y), None, bool(_ISSUED_LINE.match(line)), False))
            continue
        if not dated_lines or dated_lines[-1] != ls:
            dated_lines.append(ls)
        if ls not in captions:
            captions[ls] = bool(_CAPTION_LINE.search(line))
        is_caption = captions[ls]
        g = m.groupdict()
        mon = g["month"] or g["month2"]
        day = g["day"] or g["day2"]
        year = g["year"] or g["year2"]
        if not mon or not day:
            continue
        if mon.lower().startswith(("may", "mar")) and not mon[0].isupper():
            continue
        month = MONTHS[mon.lower().rstrip(".")]
        wd = None
        if g["weekday"]:
            wd = [w[:3] for w in WEEKDAYS].index(g["weekday"].lower()[:3])
        y = int(year) if year else None
        if y:
            years[y] += 1
        # "since Oct. 7" and the like are history, not the date of the page
        before = text[max(ls, pos - 12):pos].lower()
        if _HISTORY_BEFORE.search(before) and not is_caption:
            continue  # "since Oct. 7, 2023": history, whatever its year
        # a title or date line at the top of the page: short, not a sentence
        head_line = ls < head_end and len(line) < 80 and not line.rstrip().endswith(".")
        if _ON_BEFORE.search(before) and not is_caption and not y and not (head_line and wd is not None):
            continue  # "on Oct. 7": a day told, not the page's ("what we know on Wednesday, July 3" is)
        head = bool(y) and head_line  # "Liveblog — March 5, 2024": the page's own date line
        dated.append((month, int(day), y, wd, is_caption, head))
    if not dated:
        return None
    # a stamp line ("Thu 3 Oct 2024 07.05 BST") holds a written-out date, so only those lines are tried
    stamps = [d for ls in dated_lines if (d := _stamp_date(line_at(ls))) and plausible_published(d, today)]
    if len(stamps) >= 2:
        return max(stamps)  # a live blog's posts are stamped: the page is as new as its latest post
    default_year = years.most_common(1)[0][0] if years else None
    votes: Counter = Counter()
    for month, day, year, wd, caption, head in dated:
        y = year or default_year
        candidates = [y] if y else list(range(today.year, today.year - 12, -1))
        chosen = None
        for cy in candidates:
            try:
                d = date(cy, month, day)
            except ValueError:
                continue
            # without a year: the latest year in which the day falls on the weekday the text
            # names most (or the day after it: wires report yesterday's events)
            plausible = {wd} if wd is not None else ({top_weekday, (top_weekday + 1) % 7}
                                                     if top_weekday is not None else None)
            if year or default_year or plausible is None or d.weekday() in plausible:
                chosen = d
                break
        if chosen is None or chosen > today:
            continue
        weight = 3 if caption else 1
        if head:  # a full date in the page's first lines (under the title): the page's own date line
            weight += HEAD_WEIGHT
        if wd is not None and chosen.weekday() == wd:
            weight += 2
        if top_weekday is not None and chosen.weekday() == top_weekday:
            weight += 2
        votes[chosen] += weight
    if not votes:
        return None
    return max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
