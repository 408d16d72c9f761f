"""Splitting a report into entries: live-blog posts, dateline sections, captions, summaries.

Works line by line (live pages put one paragraph per line) and recognises:

* datelines: ``RAFAH, Gaza Strip —``, ``UNITED NATIONS –``, ``BEIRUT (AP) —``,
  ``GAZA CITY, Gaza Strip (Reuters) -``: each starts a new entry;
* live-post separators: CNN's "Link Copied!", time stamps ("14.05 GMT",
  "10:32 a.m. ET", "Updated 3:05 PM EST, Wed February 7, 2024", "2h ago") –
  the next short line is the post headline, "From CNN's ..." the byline;
* photo captions: lines with "(AP Photo/...)", or a line followed by a
  photo credit line ("Ahmed Saad/Reuters", "Maxar Technologies");
* summaries: the top of a page before its first post, and bullet lists,
  one entry per bullet;
* page furniture, dropped: "View All (6)", "Here's the latest:", "Link
  Copied!", "Associated Press writers ... contributed.", bylines, credits.

The line formats are data: ``[[line]]`` rules with ids in ``rules/<lang>/outlets.toml``,
one compiled regex per kind (``dateline``, ``timestamp``, ``furniture``, ``caption``...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .dates import find_dates, in_range, infer_published, plausible_published
from .model import Entry
from .rules import load
from .rules.prefilter import char_class, first_chars

# The line formats of the outlets are data: rules/<lang>/outlets.toml ([[line]] rules, one regex per kind)
_BOOK = load()
_DATELINE = _BOOK.line("dateline")  # "RAFAH, Gaza Strip —", "BEIRUT (AP) —", "GAZA, March 4 (Reuters) -"
_AGENCY_DATELINE = _BOOK.line("agency_dateline")  # "Gaza City (Palestinian Territories) (AFP) - "
_PAREN_DATELINE = _BOOK.line("paren_dateline")  # "Jenin, (APP - UrduPoint - 22nd May, 2024) "
_DATE_PREFIX = _BOOK.line("date_prefix")  # " date 2024-11-18 At least four ...": a stamp, then the line's text
_SYNDICATION_LEAD = _BOOK.line("syndication_lead")  # "(MENAFN- Nam News Network) DAMASCUS, Nov 20 ...": a tag, then the line
_TIMESTAMP = _BOOK.line("timestamp")
_DATE_STAMP = _BOOK.line("date_stamp")
_STAMPED_HEADLINE = _BOOK.line("stamped_headline")
_PUBLISHED_LINE = _BOOK.line("published_line")
_ITEM_LIST_HEADER = _BOOK.line("list_header")
_SEPARATORS = _BOOK.line("separator")
_FURNITURE = _BOOK.line("furniture")
_CREDIT = _BOOK.line("credit")
_AP_CAPTION = _BOOK.line("caption")  # searched: captions are told by their ends
_CNN_BYLINE = _BOOK.line("byline_place")
_BULLET = re.compile(r"^\s*(?:[-•*●▪‣–—]|\d+[.)])\s+")
_LABELLED = re.compile(r"^[A-Z][^:.!?]{3,90}:\s+[A-Z“\"]")


def _char_class(chars: frozenset[str], flags: int) -> re.Pattern:
    """A regex of one character of ``chars`` (as :func:`rules.prefilter.first_chars` gives them)."""
    alts = char_class(chars, flags)
    return re.compile(alts if not flags & re.I else f"(?i:{alts})")


class _Starts:
    """Which anchored line patterns can match a line, told by its first character: ``mask(t)`` has the bit of
    each pattern whose matches can start with ``t[0]`` (all bits for an empty line), cached per character. A
    line of a live page is tested against a dozen formats and most fail on their first character; one dict
    look-up per line costs less than the regex calls."""

    def __init__(self, patterns: list[re.Pattern]):
        self._classes = []
        for rx in patterns:
            chars = first_chars(rx.pattern, rx.flags)
            self._classes.append(None if chars is None else _char_class(chars, rx.flags))
        self.all = (1 << len(patterns)) - 1
        self._seen: dict[str, int] = {}

    def mask(self, t: str) -> int:
        if not t:
            return self.all
        c = t[0]
        got = self._seen.get(c)
        if got is None:
            got = self._seen[c] = sum(1 << k for k, cl in enumerate(self._classes) if cl is None or cl.match(c))
        return got


_GATED = [_DATELINE, _AGENCY_DATELINE, _PAREN_DATELINE, _DATE_PREFIX, _SYNDICATION_LEAD, _TIMESTAMP, _DATE_STAMP,
          _STAMPED_HEADLINE, _PUBLISHED_LINE, _ITEM_LIST_HEADER, _SEPARATORS, _BULLET, _LABELLED]
_STARTS = _Starts(_GATED)
(_MAY_DATELINE, _MAY_AGENCY_DATELINE, _MAY_PAREN_DATELINE, _MAY_DATE_PREFIX, _MAY_SYNDICATION_LEAD, _MAY_TIMESTAMP,
 _MAY_DATE_STAMP, _MAY_STAMPED_HEADLINE, _MAY_PUBLISHED_LINE, _MAY_LIST_HEADER, _MAY_SEPARATOR, _MAY_BULLET,
 _MAY_LABELLED) = (1 << k for k in range(len(_GATED)))


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


def _is_headline(line: _Line, nxt: _Line | None) -> bool:
    t = line.text
    if len(t) > 200:
        return False
    if nxt is not None and nxt.text.startswith("From "):
        return True
    bare = t.rstrip("\"'”’)")
    if bare.endswith(".") or re.search(r"[.!?][\"'”’]? [A-Z]", t):
        return False
    return len(t) < 160


_UNSET = object()


def _dateline(t: str, mk: int) -> re.Match | None:
    return _DATELINE.match(t) if mk & _MAY_DATELINE else None


def _timestamp(t: str, mk: int) -> re.Match | None:
    return _TIMESTAMP.match(t) if mk & _MAY_TIMESTAMP else None


def _stamped(t: str, mk: int) -> re.Match | None:
    return _STAMPED_HEADLINE.match(t) if mk & _MAY_STAMPED_HEADLINE else None


def _date_stamp(t: str, mk: int) -> re.Match | None:
    return _DATE_STAMP.match(t) if mk & _MAY_DATE_STAMP else None


def split_entries(text: str, published: date | None = None) -> list[Entry]:
    """Entries of a report, in order, with spans into ``text``."""
    if published is not None and not in_range(published):
        published = None  # an absurd date dates nothing
    lines = _lines(text)
    entries: list[Entry] = []
    cur: Entry | None = None
    expect_headline = False
    seen_post = False
    pending_published: date | None = None
    pending_rules: tuple[str, ...] = ()  # the stamp or list header the next entry opens under

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.end > cur.body_start:
            entries.append(cur)
        cur = None

    def open_entry(line: _Line, kind: str, dateline: str = "", headline: str = "", body_start: int | None = None,
                   rules: tuple[str, ...] = ()) -> Entry:
        nonlocal cur, pending_rules
        close()
        cur = Entry(start=line.start, end=line.end, kind=kind, dateline=dateline, headline=headline,
                    published=pending_published,
                    body_start=line.start if body_start is None else body_start,
                    rules=pending_rules + tuple(r for r in rules if r not in pending_rules))
        pending_rules = ()  # the stamp opened this entry, not the ones after it
        return cur

    resume: tuple[str, str] | None = None  # headline/dateline of a post a caption interrupted
    in_toc = False
    item_list = False  # inside a list of summary items ("What we covered here", "Here are the latest developments")
    first_content = True
    furniture: dict[str, re.Match | None] = {}  # per line text: lines repeat (captions, trigger words)
    credits: dict[str, re.Match | None] = {}  # (a line is tested as the next line's credit, then as itself)

    def furniture_of(t: str) -> re.Match | None:
        if t not in furniture:
            furniture[t] = _FURNITURE.match(t)
        return furniture[t]

    def credit_of(t: str) -> re.Match | None:
        if t not in credits:
            credits[t] = _CREDIT.match(t)
        return credits[t]

    for i, line in enumerate(lines):
        prefix = _DATE_PREFIX.match(line.text) if _STARTS.mask(line.text) & _MAY_DATE_PREFIX else None
        if prefix:
            # the stamp dates what follows (it is no event date); the rest of the line is read as any line
            try:
                stamped_day = date.fromisoformat(prefix.group("date"))
            except ValueError:
                stamped_day = None
            if stamped_day is not None and plausible_published(stamped_day):
                pending_published = stamped_day
            pending_rules = (_BOOK.line_rule("date_prefix", prefix),)
            line = lines[i] = _Line(line.start + prefix.end(), line.end, line.text[prefix.end():])
        lead = _SYNDICATION_LEAD.match(line.text) if _STARTS.mask(line.text) & _MAY_SYNDICATION_LEAD else None
        if lead:
            # the syndicator's tag says who passed the story on; its dateline or text follows
            pending_rules += (_BOOK.line_rule("syndication_lead", lead),)
            line = lines[i] = _Line(line.start + lead.end(), line.end, line.text[lead.end():])
        t = line.text
        mk = _STARTS.mask(t)  # the formats the line's first character allows
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        dm = _UNSET  # the line's dateline match, once found
        if first_content and i == 0 and not (dm := _dateline(t, mk)) and len(t) < 250 and not t.endswith("."):
            # the page title
            first_content = False
            continue
        first_content = False
        if in_toc:
            # a live blog's "Key events" list repeats the headlines of its posts
            if len(t) < 150 and not t.endswith(".") and not (_timestamp(t, mk) or _dateline(t, mk)
                                                             or _stamped(t, mk) or _date_stamp(t, mk)):
                continue
            in_toc = False
        stamped = _stamped(t, mk)
        if stamped:
            close()
            resume = None
            expect_headline = False
            seen_post = True
            pending_rules = ()
            open_entry(line, "post", headline=stamped.group("headline"), body_start=line.end,
                       rules=(_BOOK.line_rule("stamped_headline", stamped),))
            continue
        sep = (_SEPARATORS.match(t) if mk & _MAY_SEPARATOR else None) or _timestamp(t, mk)
        if sep:
            close()
            resume = None
            item_list = False
            pending_rules = (_BOOK.line_rule("separator" if sep.re is _SEPARATORS else "timestamp", sep),)
            if re.search(r"20\d\d", t):  # "Updated 3:05 PM EST, Wed February 7, 2024"
                pending_published = infer_published(t) or pending_published
            if re.match(r"(?i)key events?$", t):
                in_toc = True
                expect_headline = False
                continue
            expect_headline = True
            seen_post = True
            continue
        stamp = _date_stamp(t, mk) or (_PUBLISHED_LINE.match(t) if mk & _MAY_PUBLISHED_LINE else None)
        if stamp:
            close()
            pending_rules = (_BOOK.line_rule("date_stamp" if stamp.re is _DATE_STAMP else "published_line", stamp),)
            pending_published = infer_published(t) or pending_published
            expect_headline = True
            seen_post = True
            continue
        header = _ITEM_LIST_HEADER.match(t) if mk & _MAY_LIST_HEADER else None
        if header:
            close()
            item_list = True
            pending_rules = (_BOOK.line_rule("list_header", header),)
            continue
        if furniture_of(t):
            byline = _CNN_BYLINE.match(t) if t.startswith("From ") else None
            if byline and byline.group("place") and cur is not None and not cur.dateline:
                cur.dateline = byline.group("place").strip()
                cur.rules += (_BOOK.line_rule("byline_place", byline),)
            if re.search(r"contributed|^By |writers? ", t) and cur is not None:
                close()
            continue
        if len(t) < 60 and i > 0 and credit_of(t):
            # a photo credit: the previous line was a caption
            if cur is not None and cur.kind == "caption":
                close()
            elif entries and cur is None and entries[-1].kind != "caption":
                pass
            continue
        credit = nxt is not None and len(nxt.text) < 60 and not expect_headline \
            and not (dm := (_dateline(t, mk) if dm is _UNSET else dm)) and credit_of(nxt.text)
        caption = None if credit else _AP_CAPTION.search(t)
        if credit or caption:
            # a photo caption (AP repeats them; duplicates merge at the incident stage)
            if cur is not None and cur.kind == "post":
                resume = (cur.headline, cur.dateline)
            open_entry(line, "caption", rules=(_BOOK.line_rule("credit", credit) if credit
                                               else _BOOK.line_rule("caption", caption),))
            close()
            continue
        m, kind = (_dateline(t, mk) if dm is _UNSET else dm), "dateline"
        if not (m and len(m.group("dateline")) <= 60 and sum(c.isupper() for c in m.group("dateline")[:4]) >= 2):
            m, kind = (_AGENCY_DATELINE.match(t) if mk & _MAY_AGENCY_DATELINE else None), "agency_dateline"
            if not m:
                m, kind = (_PAREN_DATELINE.match(t) if mk & _MAY_PAREN_DATELINE else None), "paren_dateline"
        if m:
            dl = m.group("dateline").strip()
            entry = open_entry(line, "post", dateline=_title_case_dateline(dl), body_start=line.start + m.end(),
                               rules=(_BOOK.line_rule(kind, m),))
            if m.group("date"):
                # "GAZA, March 4 (Reuters) -": the story's own date (unless it is in the future)
                ref = published or pending_published or date.today()
                found = find_dates(m.group("date").lstrip(", "), ref)
                if found and plausible_published(found[0].day):
                    entry.published = found[0].day
            expect_headline = False
            resume = None
            seen_post = True
            continue
        bullet = _BULLET.match(t) if mk & _MAY_BULLET else None
        if bullet:
            expect_headline = False
            open_entry(line, "summary", body_start=line.start + bullet.end())
            close()
            continue
        if expect_headline:
            expect_headline = False
            if _is_headline(line, nxt):
                open_entry(line, "post", headline=t, body_start=line.end)
                continue
            open_entry(line, "post")
            continue
        # (no bullet here: a bullet line was taken above)
        labelled = _LABELLED.match(t) if mk & _MAY_LABELLED else None
        if labelled and cur is not None and cur.kind == "summary":
            open_entry(line, "summary", body_start=line.start)
            close()
            continue
        if labelled and (cur is None or cur.kind != "post" or cur.end < line.start - 1 and t.count(":") == 1
                                   and lines[i - 1].text.endswith(":")):
            open_entry(line, "summary")
            close()
            continue
        if cur is not None and cur.kind == "summary" and item_list:
            open_entry(line, "summary")  # after "What we covered here": each paragraph is its own item
            continue
        if cur is None:
            if resume is not None:
                open_entry(line, "post", headline=resume[0], dateline=resume[1])
                continue
            open_entry(line, "post" if seen_post else "summary")
            continue
        cur.end = line.end
    close()
    for e in entries:
        if e.published is None:
            e.published = published
    return entries


def _title_case_dateline(dateline: str) -> str:
    """``RAFAH, Gaza Strip`` stays; ``UNITED NATIONS`` -> ``United Nations``; ``GAZA CITY`` -> ``Gaza City``."""
    parts = [p.strip() for p in dateline.split(",")]
    head = parts[0]
    if head.isupper():
        head = " ".join("/".join(x.capitalize() for x in w.split("/")) if len(w) > 2 or w.isalpha() else w
                        for w in head.split())
        head = re.sub(r"\bU\.n\.", "U.N.", head)
    return ", ".join([head, *parts[1:]])


def is_furniture(line: str) -> bool:
    """True for page furniture lines (bylines, credits, 'Link Copied!', contributor lines)."""
    t = line.strip()
    return bool(_FURNITURE.match(t) or (_STARTS.mask(t) & _MAY_SEPARATOR and _SEPARATORS.match(t))
                or (len(t) < 60 and _CREDIT.match(t)))


def _body_span(seg: str) -> tuple[int, int] | None:
    """Where the text to read of one body line starts and ends in it (None: blank or furniture)."""
    if not seg.strip() or is_furniture(seg):
        return None
    lead = len(seg) - len(seg.lstrip())
    prefix = _DATE_PREFIX.match(seg, lead) if _STARTS.mask(seg[lead:lead + 1]) & _MAY_DATE_PREFIX else None
    if prefix:
        lead = prefix.end()  # " date 2024-11-18 At least four ...": the stamp is not text to read
    tag = _SYNDICATION_LEAD.match(seg, lead) if _STARTS.mask(seg[lead:lead + 1]) & _MAY_SYNDICATION_LEAD else None
    if tag:
        lead = tag.end()  # "(MENAFN- Nam News Network) ...": who passed it on, not text to read
    return lead, len(seg.rstrip())


_SEEN = 4096


def body_segments(text: str, entry: Entry) -> list[tuple[int, int]]:
    """Spans of the entry's body lines (headline and furniture lines left out)."""
    out = []
    pos = entry.body_start
    seen: dict[str, tuple[int, int] | None] = {}  # per line text: repeated lines are read once (up to _SEEN texts)
    while pos < entry.end:
        nl = text.find("\n", pos, entry.end)
        stop = entry.end if nl == -1 else nl
        seg = text[pos:stop]
        if seg in seen:
            span = seen[seg]
        else:
            span = _body_span(seg)
            if len(seen) < _SEEN:
                seen[seg] = span
        if span is not None:
            out.append((pos + span[0], pos + span[1]))
        pos = stop + 1
    return out
