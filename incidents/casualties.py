"""Fatality and injury counts from a sentence, with ACLED's rules for vague words.

"killing three members" -> 3; "killed a 3-month-old infant as well as two
women" -> 3; "at least 22 people were killed" -> 22; "wounded two others" ->
2 injuries; "killing several" -> 3; "dozens" -> 12; "hundreds" -> 100.
``None`` when the text gives no number. The phrase a number came from is kept.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from .rules import alternation, load
from .rules.prefilter import first_chars, guard, leading_literals

_BOOK = load()
_DIGIT_WORDS = [w for w, v in _BOOK.vocab("number_units").items() if 1 <= v <= 9]  # "one".."nine": "twenty-one"
UNITS: dict[str, int] = {**_BOOK.vocab("number_units"), **_BOOK.vocab("number_determiners")}
TENS: dict[str, int] = dict(_BOOK.vocab("number_tens"))
VAGUE: dict[str, int] = dict(_BOOK.vocab("vague_numbers"))  # ACLED's values for vague quantities
GROUPS: dict[str, int] = dict(_BOOK.vocab("group_nouns"))  # "the Fayad twins"
MAX_COUNT: int = int(_BOOK.vocab("count_limits")["max_count"])
_QUAL = r"(?:(?:" + alternation(_BOOK.vocab("count_qualifiers"), title=False) + r")\s+)?"
_NUMWORD = r"(?:" + "|".join(sorted(list(UNITS) + list(TENS), key=len, reverse=True)) + r")(?:[- ](?:" + "|".join(_DIGIT_WORDS) + r"))?"
_NUM = (r"(?P<num>" + _QUAL + r"(?:\d{1,3}(?:,\d{3})+|\d+|"
        r"a dozen|dozens(?: of)?|scores(?: of)?|hundreds(?: of)?|thousands(?: of)?|tens of|a few|a number of|several|multiple|numerous|"
        + _NUMWORD + r"))")

KILL_VERB = r"(?:killed|killing|kills|kill|shot dead|shooting dead|slew|slain|martyred|(?:claimed|took|cost) the lives of|caus(?:ed|ing) the deaths? of|left dead)"
INJURE_VERB = r"(?:wounded|wounding|wounds|injured|injuring|injures|injure|hurt|hurting|maimed)"
_STOP = guard(re.compile(
    r"\b(?:including|among them|among whom|of whom|one of|of them|most of|many of|some of|all of|in|on|at(?! least| most)|near|when|while|after|before|according|who|that|which|inside|during|"
    r"across|since|as they|as he|as she|amid|by|from|with|following|overnight|earlier|late|early|and wounded|and injured|"
    r"and wounding|and injuring|wounding|injuring|officials|police|the ministry|said|says|for|to)\b|[;:.()—–“”\"]"
))
_PRONOUN_ONE = re.compile(r"^(?:him|her|himself|herself)(?:\s+(?:instantly|immediately|outright|too|as well|on the spot))?$")
_FAMILY_OF = re.compile(r"^(?:a|the|one|his|her|their|an entire|a whole)\s+(?:\w+\s+)?family\s+of\s+(?P<n>\d+|[a-z]+)\b")
_SUBJECT_BREAK = guard(re.compile(r"\b(?:was|were|is|are|been|killed|wounded|injured|died|dead|said|says|told|that|when|after|"
                            r"while|as|in|on|at|by)\b", re.I))
_PERSON_NOUNS = "|".join(sorted(_BOOK.vocab("person_nouns"), key=len, reverse=True))
_ONE_PERSON = re.compile(r"^(?:[\w’'\-]+\s+){0,3}(?:" + _PERSON_NOUNS + r")(?:\s+[\w’'\-]+){0,3}$")
_ONE_VICTIM = guard(re.compile(r"(?i)\b(?:a|an|one)\s+(?:[\w’'\-]+\s+){0,3}?(?:" + _PERSON_NOUNS + r")\s+(?:[\w’'\-]+\s+){0,3}?"
                         r"(?:was|has been|had been)\s+(?:\w+ly\s+)?(?:shot and killed|shot dead|killed|slain|martyred)\b"))
# one named person: "Sgt. Omer Gaon, 22, was killed", "Saeed Jaber was killed", "Hussam al-Malah, a Hamas
# operative, was shot dead" (a name is two to four capitalised words, "al-"/"bin" particles allowed)
_NAME = r"[A-Z][\w'’\-]+(?: (?:(?:al|el|bin|ibn|abu|Abu|Al|El)[- ])?[A-Z][\w'’\-]+){1,3}"
_NAMED_VICTIM = guard(re.compile(r"\b" + _NAME + r"(?:, (?:aged )?\d{1,2},|, (?:a|an|the) [^,]{1,60},)? (?:was|has been|had been) "
                           r"(?:\w+ly )?(?:killed|shot dead|shot and killed)\b"))
_NAMED_OBJECT = re.compile(r"^(?:(?:[A-Z][\w'’\-]+|al-[\w'’\-]+|bin|ibn|abu|Abu|Sgt\.|Dr\.|Capt\.|Maj\.|Col\.|Lt\.)\s*){2,5}$")
# "Abu Ali, a local commander, and his son": the apposition says who the named person is, not another victim
_APPOSITION = guard(re.compile(r"(" + _NAME + r"), (?:a|an|the) (?:[\w'’\-]+ ){0,5}?(?:" + _PERSON_NOUNS +
                         r")\b(?=,|$|\s+and\b)"))
_SHOT_ONE_DEAD = guard(re.compile(r"(?i)\bshot (?:the|a|an|his|her) (?:[\w'’\-]+ ){0,2}?(?:" + _PERSON_NOUNS + r") dead\b"))
# "the death toll from the strike rose to 8", "the number of people killed in the strike has risen to eight"
_TOLL_ROSE = guard(re.compile(r"(?i)\b(?:(?:death toll|toll)\s+(?:from|of|in)\s+(?:the|[a-z]+(?:'s|’s))|number of (?:people|those|"
                        r"dead|victims|Palestinians|civilians) (?:killed|dead))\s+(?:[\w’'-]+\s+){0,20}?"
                        r"(?:has\s+|had\s+)?(?:rose|risen|climbed|reached|jumped|increased)\s+to\s+" + _NUM))
# "were reported to have been", "are feared", "were confirmed": hearsay between the auxiliary and the verb
_HEARSAY = r"(?:(?:" + alternation(_BOOK.vocab("count_hearsay"), title=False) + r")\s+(?:to\s+(?:have\s+been|be)\s+)?)?"
_NOUNISH = re.compile(r"^[\w’'\-]+")
_PARTITIVE = _BOOK.cue("partitive")
_CUMULATIVE_WINDOW = _BOOK.cue("cumulative_window")  # "... killed over the past week": a period's sum


_VAGUE_WORD = guard(re.compile(r"(?i)\b(?:" + "|".join(sorted((re.escape(w) for w in VAGUE), key=len, reverse=True)) + r")\b"))
_EXACT_WORD = guard(re.compile(r"(?i)\d|\b(?:" + "|".join(sorted((w for w in list(UNITS) + list(TENS)
                                                             if UNITS.get(w, 2) > 1 or w == "one"), key=len, reverse=True)) + r")\b"))


# compiled once (were compiled or looked up in re's cache on every call: ~10 per verb of a sentence)
_QUAL_LEAD = re.compile(r"^" + _QUAL)
_WORD_PAIR = re.compile(r"(\w+)(?:[- ](\w+))?")
_ITEM_SPLIT = guard(re.compile(r"(?<!\d),\s*(?:and\s+)?|,(?!\d{3}\b)\s*(?:and\s+)?|\s+and\s+|\s+as well as\s+|\s+along with\s+|\s+plus\s+"))
_POSSESSIVE_NUMBER = re.compile(r"^(?:his|her|their|its)\s+(?=(?:\d+|" + _NUMWORD + r")\b)")
_NUM_WORD = re.compile(_NUM + r"\b")
_AGE_AT = re.compile(r"^[- ](?:year|month|week|day)s?[- ]old")
_RELATIVE_ITEM = re.compile(r"^(?:his|her|their|its|the)\s+(?:\w+\s+)?(?:wife|husband|son|daughter|mother|father|brother|sister|child|driver|commander|leader|deputy|head|chief|bodyguard)\b")
_ONE_NOUN_ITEM = re.compile(r"(?:his|her|its|the)\s+(?:[a-z-]+\s+)?(?!rest\b|remainder\b|others?\b|people\b|police\b|crew\b)[a-z]+(?<!s)")
_ATTACK_WORD = re.compile(r"\b(?:strike|strikes|attack|attacks|airstrike|airstrikes|raid|bombing|shelling|explosion|blast|fire)\b", re.I)
_SUBJECT_LEAD = re.compile(r"^(?:that|said|says|and|but|when|after)\s+", re.I)


def is_vague(phrase: str) -> bool:
    """Does a count phrase rest on a vague quantity ("several", "dozens of"), not a number?"""
    return bool(_VAGUE_WORD.search(phrase)) and not _EXACT_WORD.search(phrase)


@dataclass(frozen=True)
class Count:
    value: int
    text: str
    start: int
    end: int


def parse_number(phrase: str) -> int | None:
    """The number a phrase like 'at least 22', 'two', 'twenty-one', 'dozens of' stands for."""
    p = phrase.lower().strip()
    p = _QUAL_LEAD.sub("", p).strip()
    p = p.replace(",", "")
    if p.isdigit():
        # a count no single event reaches is not a count ("killing 99999999999999999999"); no int() of a
        # 5,000-digit string either
        return int(p) if len(p) <= len(str(MAX_COUNT)) and int(p) <= MAX_COUNT else None
    if p in VAGUE:
        return VAGUE[p]
    m = _WORD_PAIR.fullmatch(p)
    if not m:
        return None
    a, b = m.group(1), m.group(2)
    if a in TENS:
        return TENS[a] + (UNITS.get(b, 0) if b else 0)
    if a in UNITS and not b:
        return UNITS[a]
    if a in UNITS and b:
        return UNITS[a]
    return None


_ATTRIBUTION = re.compile(r",\s+(?:[\w’'\-]+\s+){0,4}(?:said|says|told|reported|according)\b")


def _starts_automaton(literals: frozenset[str] | None):
    if literals is None:
        return None
    import ahocorasick

    auto = ahocorasick.Automaton()
    for lit in literals:
        auto.add_word(lit, len(lit))
    auto.make_automaton()
    return auto


_STOP_STARTS = _starts_automaton(leading_literals(_STOP))


_STOP_NEAR = 48  # characters first searched for a stop word by the regex itself (prose has one soon)
_STOP_REACH = 20  # longer than any match of _STOP plus the characters its look-ahead and \b read


def _first_stop(window: str) -> int:
    """``_STOP.search(window).start()`` (-1: no match). Searched in the first ``_STOP_NEAR`` characters (a
    match starting ``_STOP_REACH`` before that end is the same there as in the whole window, and so are the
    failures before it); past that, tried only where one of its words or marks starts: one C scan instead of
    the alternation tried at most letters of a list with no stop word ("killed 1 killed 2 killed 3 ...")."""
    if _STOP_STARTS is not None and next(_STOP_STARTS.iter(window), None) is None:
        return -1  # none of its words or marks anywhere (the scan stops at the first one)
    m = _STOP.search(window, 0, _STOP_NEAR)
    if m is not None and m.start() < _STOP_NEAR - _STOP_REACH:
        return m.start()
    if len(window) <= _STOP_NEAR:
        return -1 if m is None else m.start()  # searched whole
    if _STOP_STARTS is None:
        m = _STOP.search(window)
        return -1 if m is None else m.start()
    for p in _stop_starts(window):
        if p >= _STOP_NEAR - _STOP_REACH and _STOP.match(window, p):  # those before failed above
            return p
    return -1


_LIST_CHARS = 160  # a list of victims is read this far after its verb
_STOP_WINDOW = _LIST_CHARS + 40  # a stop word starting inside the list ends (lookahead included) inside this


_MANY_VERBS = 3  # from this verb of a sentence on, its stop words are found by one scan of the whole sentence


def _stop_starts(text: str) -> list[int]:
    """Where a word or mark of ``_STOP`` starts anywhere in ``text``, in order (one scan for all its verbs)."""
    if _STOP_STARTS is None:
        return list(range(len(text)))  # every position may start a match
    return sorted({end - n + 1 for end, n in _STOP_STARTS.iter(text)})


def _stop_after(text: str, at: int, starts: list[int]) -> int:
    """``_first_stop(text[at:at + _STOP_WINDOW])``, done at once when none of the stop words or marks of the
    whole ``text`` (``starts``) starts inside that window (a word in the window is one in ``text``)."""
    end = at + _STOP_WINDOW
    k = bisect.bisect_left(starts, at)
    if k == len(starts) or starts[k] >= end:
        return -1
    return _first_stop(text[at:end])


def _leads(rx: re.Pattern) -> frozenset[str] | str:
    """The characters a match of the anchored ``rx`` can start with; a string of every character (a test that
    rules nothing out) when they are not a few plain ones (a class escape, ignoring case)."""
    chars = first_chars(rx.pattern, rx.flags)
    if chars is None or rx.flags & re.I or any(len(c) != 1 for c in chars):
        return _ANY_CHAR
    return frozenset(chars)


class _AnyChar(str):
    def __contains__(self, c: object) -> bool:
        return True


_ANY_CHAR = _AnyChar()
_PRONOUN_LEADS = _leads(_PRONOUN_ONE)  # "him", "her", ...
_FAMILY_LEADS = _leads(_FAMILY_OF)  # "a", "the", "one", "his" ... "family of"
_POSSESSIVE_LEADS = _leads(_POSSESSIVE_NUMBER)  # "his", "her", "their", "its"
_GROUP_ENDS = tuple(GROUPS)  # "the Fayad twins": _GROUP_ITEM ends with a group noun


def _may_split(chunk: str) -> bool:
    """Can ``_ITEM_SPLIT`` cut ``chunk`` (a comma, "and", "as well as", "along with" or "plus" in it)?"""
    return "," in chunk or "and" in chunk or "plus" in chunk or "as well as" in chunk or "along with" in chunk


_LEAD_PARTITIVE = re.compile(r"^\s*(?P<num>one|two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\s+of\s+(?:the|his|her|"
                             r"their|its)\s+(?:[\w’'-]+\s+){0,2}?(?:" + _PERSON_NOUNS + r")s?\b", re.I)


def _victims_after(text: str, stop: int | None = None) -> tuple[int | None, int]:
    """Count victims listed right after a verb: 'a 3-month-old infant as well as two women'.

    The list ends at the first stop word or attribution (", officials said"), and is at most
    ``_LIST_CHARS`` long; both are looked for only that far (not through the whole rest of
    the sentence, once per verb: quadratic in a sentence of many verbs).
    """
    lead = _LEAD_PARTITIVE.match(text)
    if lead is not None:  # "killed one of the soldiers": the part told ("one of" is a stop word elsewhere)
        n = parse_number(lead.group("num"))
        return (n, lead.end()) if n else (None, 0)
    if stop is None:  # (else given: where _first_stop found the first stop word)
        stop = _first_stop(text[:_STOP_WINDOW])
    end = stop if 0 <= stop < _LIST_CHARS else min(len(text), _LIST_CHARS)
    comma = text.find(",", 0, end)
    while comma != -1:
        if _ATTRIBUTION.match(text, comma):
            end = comma
            break
        comma = text.find(",", comma + 1, end)
    # the cheap tests first: each pattern below needs a character or word the list may not hold
    part = _PARTITIVE.search(text, 0, end + 30) if text.find(",", 0, end + 30) != -1 else None
    if part is not None and part.start() < end:  # the list stops at "of them": looked for just past it
        end = part.start()  # "five people, three of them children": three are among the five
    head = text[:end]
    told = len(head.rstrip(" ,"))  # the phrase's length in the text
    chunk = (_APPOSITION.sub(r"\1", head) if ", " in head else head).rstrip(" ,")
    chunk = chunk.strip()
    if not chunk:
        return None, 0
    items = _ITEM_SPLIT.split(chunk) if _may_split(chunk) else [chunk]
    total = 0
    for raw in items:
        item = raw.strip().lower()
        if not item:
            continue
        lead = item[0]  # (each pattern below is tried only when the item can start, or end, as it needs)
        if lead in _PRONOUN_LEADS and _PRONOUN_ONE.match(item):
            total += 1
            continue
        grp = _GROUP_ITEM.match(item) if item.endswith(_GROUP_ENDS) else None
        if grp:
            total += GROUPS[grp.group("g")]  # "the Fayad twins"
            continue
        fam = _FAMILY_OF.match(item) if lead in _FAMILY_LEADS else None
        if fam and parse_number(fam.group("n")):
            total += parse_number(fam.group("n"))  # "a family of six"
            continue
        if lead in _POSSESSIVE_LEADS:
            item = _POSSESSIVE_NUMBER.sub("", item)
        m = _NUM_WORD.match(item)
        if m:
            n = parse_number(m.group("num"))
            rest = item[m.end():].strip()
            if n is None:
                return None, 0
            if m.group("num") in ("a", "an") and not rest:
                return None, 0
            # "three-year-old" and similar: the number is an age, not a count
            if _AGE_AT.match(item[m.end():]):
                total += 1
                continue
            total += n
            continue
        if _RELATIVE_ITEM.match(item):
            total += 1
            continue
        if _ONE_NOUN_ITEM.fullmatch(item):
            total += 1  # "killing its rider", "killing the driver"
            continue
        if _ONE_PERSON.match(item):
            total += 1  # "killing Hezbollah commander Ali Hassan"
            continue
        if _NAMED_OBJECT.match(raw.strip()):
            total += 1  # "killed Abu Ali, a local commander": a named person
            continue
        return (total or None), told
    return (total or None), told




_NEXT_WORD = re.compile(r"\s\S")
_AGE = re.compile(r"[- ](?:year|month|week|day)s?[- ]old")
_MONTH_AT_END = guard(re.compile(r"(?i)\b(?:" + alternation(_BOOK.calendar.month_prefixes(), title=False) + r")[a-z]*\.?\s*$"))
_MONTH_TAIL = re.compile(r"(?i)[a-z]*\.?\s*")
_CLOCK_AFTER = re.compile(r"\s*(?::\d|[.:]\d\d\b|\s*(?:gmt|bst|utc|[ap]\.?m\b|et\b))", re.I)
_TAIL = 64


def _ends_with_month(text: str, end: int) -> bool:
    """Does ``text[:end]`` end with a month name ("... January 28" before the count)?

    Read on the last ``_TAIL`` characters; the whole head is searched only when the tail
    could be the end of a longer match (searching the whole head for every number of a
    sentence was quadratic).
    """
    head_start = max(0, end - _TAIL)
    tail = text[head_start:end]
    m = _MONTH_AT_END.search(tail)
    if head_start == 0 or (m is not None and m.start() > 0):
        return m is not None
    if m is not None or _MONTH_TAIL.fullmatch(tail):
        return _MONTH_AT_END.search(text[:end]) is not None
    return False


def _ends_with_clock(text: str, end: int) -> bool:
    """Does ``text[:end]`` end (before an optional final line break) with a digit and ':' or '.'?"""
    if end >= 1 and text[end - 1] == "\n":
        if end >= 3 and text[end - 3].isdecimal() and text[end - 2] in ":.":
            return True
    return end >= 2 and text[end - 2].isdecimal() and text[end - 1] in ":."


def _overlapping(pattern: re.Pattern, text: str):
    """Matches of ``pattern`` starting at every position (a rejected long match must not hide a shorter one)."""
    pos = 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            return
        yield m
        nxt = _NEXT_WORD.search(text, m.start("num"))
        pos = nxt.start() + 1 if nxt else m.start("num") + len(text)


@lru_cache(maxsize=8)
def _patterns(verb: str, passive_words: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """The three count patterns of a kind of casualty, compiled once."""
    # number before the verb: "two fishermen have been killed", "27 dead", "3 killed"
    before = guard(
        r"(?i)\b" + _NUM + r"(?P<np>(?:\s+(?!(?:were|was|have|has|had|are|is|and|or|without|where|who|which|that|"
        r"saying|after|when|while|because|but|if|said|says)\b)[\w’'\-]+){0,7}?"
        r"(?:,\s+including\s+[^,.;]{1,60},)?)[”\"’]?\s+"  # a quote may close on the count: '"At least 50 people" were killed'
        r"(?:(?:were|was|have been|has been|had been|are|is|got|being|been)\s+(?:(?:\w+ly|also)\s+)?" + _HEARSAY + r")?(?P<verb>" + passive_words + r")\b"
    )
    passive = guard(r"(?i)\b(?:were|was|have been|has been|had been)\s+(?:\w+ly\s+)?(?:" + passive_words + r")\b")
    active = guard(r"(?i)\b" + verb + r"\s+")
    return before, passive, active


# a number before an active verb with its object is the killers, not the dead ("a number of gunmen killed a man")
_OBJECT_AFTER = re.compile(r"\s+(?:a|an|the|his|her|their|its|at least|more than|over|about|some|several|dozens|scores|"
                           r"hundreds|\d+|" + _NUMWORD + r")\b", re.I)
_COMBINED = re.compile(r"\s+(?:and|or|and/or)\s+(?:injured|wounded|hurt)\b", re.I)  # "150 killed and injured": not deaths
_CUMULATIVE_BEFORE = guard(re.compile(r"\b(?:that|which|who)\s+(?:have|has|had)\s+(?:\w+\s+){0,2}$", re.I))  # "shootings that have killed hundreds"
_ALSO_BEFORE = guard(re.compile(r"\balso\s+$", re.I))
_GROUP_ITEM = re.compile(r"^(?:the\s+)?(?:[\w’'\-]+\s+){0,2}(?P<g>" + "|".join(map(re.escape, GROUPS)) + r")$")


def _count(sentence: str, verb: str, passive_words: str) -> Count | None:
    best: Count | None = None
    low = sentence
    pattern, passive, active = _patterns(verb, passive_words)
    for m in _overlapping(pattern, low):
        num = m.group("num")
        between = m.group("np") or ""
        aux_used = m.group(0)[m.end("np") - m.start():m.start("verb") - m.start()].strip(" \t\n”\"’")
        if num.lower() in ("a", "an", "one", "no") and not aux_used and m.group("verb").lower() not in ("dead", "died"):
            continue
        if between and _ATTACK_WORD.search(between):
            continue  # "an airstrike killed": the number counts attacks
        # (every test below only rules the match out: the cheap anchored ones first)
        after = m.end("verb")  # what follows the verb, matched in place (no copy of the rest of the sentence)
        if not aux_used and m.group("verb").lower() in ("killed", "slew", "shot dead", "wounded", "injured") \
                and _OBJECT_AFTER.match(low, after):
            continue  # "a number of missiles ... killed a man": the number is the subject
        if _COMBINED.match(low, after):
            continue  # "more than 150 killed and injured": no death count
        if _CUMULATIVE_WINDOW.match(low, after):
            continue  # "10 people have been killed over the past week": a period's sum, not this event's
        n = parse_number(num)
        if n is None or (best is not None and n <= best.value):
            continue  # (no count, or one that cannot be the largest)
        if _AGE.match(low, m.end("num")):
            continue
        if _ends_with_month(low, m.start()):
            continue  # "January 28 that killed": a date, not a count
        if _CLOCK_AFTER.match(low, m.end("num")) or _ends_with_clock(low, m.start("num")):
            continue  # "11:30 GMT - Two fighters killed": a clock time, not a count
        best = Count(n, m.group(0), m.start(), m.end())  # (larger than any before: smaller ones were skipped)
    # a list of victims as the subject of a passive: "A woman and her two daughters were killed"
    breaks: list[int] | None = None  # ends of the words that end a subject, found once
    for m in passive.finditer(low):
        end = m.start()  # the subject is read back from here (without copying the sentence up to it)
        if breaks is None:
            breaks = [v.end() for v in _SUBJECT_BREAK.finditer(low)]
        k = bisect.bisect_right(breaks, end)  # a break word ends before the verb's auxiliary
        cut = max(low.rfind(". ", 0, end), low.rfind(";", 0, end), low.rfind(":", 0, end), breaks[k - 1] - 1 if k else -1)
        seg = low[cut + 1:end] if cut >= 0 else low[:end]
        subject = seg.strip()
        subject = _SUBJECT_LEAD.sub("", subject)
        if " and " not in subject and " as well as " not in subject:
            continue
        n, length = _victims_after(subject)
        if n is not None and (best is None or n > best.value):
            s0 = cut + 1 + len(seg) - len(seg.lstrip()) if cut >= 0 else 0
            best = Count(n, low[s0:m.end()], s0, m.end())
    # victims after an active verb: "killing three members", "killed a man"
    prev: tuple[int, int, int] | None = None  # the last verb's count: value, start, end
    starts: list[int] | None = None  # stop words of the whole sentence, found once when it has many verbs
    for k, m in enumerate(active.finditer(low)):
        before = low[max(0, m.start() - 40):m.start()]
        if "ha" in before.lower() and _CUMULATIVE_BEFORE.search(before):  # its "have", "has", "had" first
            continue  # "... mass shootings that have killed hundreds": a running total, not this event's
        if k + 1 >= _MANY_VERBS and starts is None:
            starts = _stop_starts(low)
        stop = None if starts is None else _stop_after(low, m.end(), starts)
        n, length = _victims_after(low[m.end():], stop)
        if n is None or _CUMULATIVE_WINDOW.match(low, m.end() + length):
            continue  # "... killed 40 people over the past month": a period's sum
        value, start, end = n, m.start(), m.end() + length  # (a Count is made only for a new best)
        if prev is not None and prev[2] <= start and _ALSO_BEFORE.search(low[max(0, start - 8):start]):
            # "the strike that killed the twins also killed three women": one event's dead, added up
            value, start = prev[0] + value, prev[1]
        prev = (value, start, end)
        if best is None or value > best.value:
            best = Count(value, low[start:end], start, end)
    return best


_DEATH_OF = guard(r"(?i)\b(?:killing|death|deaths) of (?:the )?" + _NUM + r"\b(?! (?:of|in|since))")
_BODIES_OF = guard(r"(?i)\b(?:bodies of|recovered the bodies of)\s+" + _NUM)
_N_BODIES = guard(r"(?i)\b" + _NUM + r"\s+bodies\b")
_DEAD_WORDS = r"killed|dead|died|slain|martyred|shot dead|lost their lives|perished|fatalities|deaths"
_HURT_WORDS = r"wounded|injured|hurt|maimed"


def fatalities(sentence: str) -> Count | None:
    """Deaths stated in ``sentence``, or None."""
    c = _count(sentence, KILL_VERB, _DEAD_WORDS)
    m = _TOLL_ROSE.search(sentence)
    if m:
        n = parse_number(m.group("num"))
        if n is not None and (c is None or n > c.value):
            c = Count(n, m.group(0), m.start(), m.end())
    if c is None:
        # "Sgt. Omer Gaon, 22, was killed": one named person
        m = _NAMED_VICTIM.search(sentence)
        if m:
            c = Count(1, m.group(0), m.start(), m.end())
    if c is None:
        # "soldiers shot the assailant dead": one person between the verb and "dead"
        m = _SHOT_ONE_DEAD.search(sentence)
        if m:
            c = Count(1, m.group(0), m.start(), m.end())
    if c is None:
        # "A 16-year-old boy has been shot and killed": one person as the subject of a passive
        m = _ONE_VICTIM.search(sentence)
        if m:
            c = Count(1, m.group(0), m.start(), m.end())
    m = _DEATH_OF.search(sentence)
    if m and c is None:
        n = parse_number(m.group("num"))
        if n:
            c = Count(n, m.group(0), m.start(), m.end())
    m = _BODIES_OF.search(sentence) or _N_BODIES.search(sentence)
    if m and c is None:
        n = parse_number(m.group("num"))
        if n:
            c = Count(n, m.group(0), m.start(), m.end())
    return c


# "At least 32 have been killed in Khan Younis and five in Rafah": the second place's own count, the verb left out
_ELLIPTIC = guard(re.compile(r"(?i)(?:,|\band|\bwhile|\bwith)\s+" + _NUM + r"\s+(?:(?:"
                             + alternation(_BOOK.vocab("elliptic_victims"), title=False) + r")\s+)?"
                             r"(?:(?:were|was)\s+killed\s+)?(?:in|at|near|inside)\s+(?:the\s+)?"
                             r"(?:[\w'’-]+\s+){0,3}?$"))
_ELLIPTIC_WINDOW = 80  # characters before the place read for it


def elliptic_count(sentence: str, place_at: int) -> Count | None:
    """The count an elliptical clause gives the place named at ``place_at`` ("... and five in Rafah"), or None."""
    start = max(0, place_at - _ELLIPTIC_WINDOW)
    m = _ELLIPTIC.search(sentence[start:place_at])
    if m is None:
        return None
    n = parse_number(m.group("num"))
    if n is None or m.group("num").lower() in ("a", "an"):
        return None
    text = m.group(0).rstrip()
    return Count(n, text, start + m.start(), start + m.start() + len(text))


def injuries(sentence: str) -> Count | None:
    """Injuries stated in ``sentence``, or None."""
    return _count(sentence, INJURE_VERB, _HURT_WORDS)
