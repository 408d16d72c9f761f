"""Place mentions in a report and the place each incident is tied to.

``find_mentions`` resolves every gazetteer name in the text (one automaton
pass) to one place, using the report's unambiguous places as context, and
marks mentions that are not locations of anything ("Gaza's Health Ministry",
"Lebanon's Al-Akhbar newspaper") as attributes.

``choose_place`` picks, among the mentions of an incident's sentences, the
most specific one the event is tied to ("the town of Khiam", "the Mashtal
neighborhood in eastern Baghdad", "off the coast of Rafah"), and the ACLED
geo-precision that the text supports.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from gazetteer import Gazetteer, Place, haversine_km
from gazetteer.gazetteer import Context

from .gates import cues_in
from .model import Mention
from .rules import load as _load_rules
from .rules.prefilter import LiteralIndex

_NAMES = _load_rules()  # the cues below are incidents/rules/en/places.toml

# Countries whose places our users map. Places elsewhere (Washington, New
# York) are where statements are made, rarely where incidents happen.
REGION = {"PS", "IL", "LB", "SY", "IQ", "JO", "EG", "YE", "IR", "SA", "AE", "QA", "KW", "BH", "OM", "TR", "CY", "DJ",
          "ER", "SO", "SD", ""}

_ORG_AFTER_POSSESSIVE = _NAMES.cue("org_after_possessive")
_ORG_BEFORE = _NAMES.cue("org_before")
_LOCATIVE_BEFORE = _NAMES.cue("locative_before")
_NEAR_BEFORE = _NAMES.cue("near_before")
_FROM_BEFORE = _NAMES.cue("from_before")
# an organisation's building as the target of an attack: its town is the incident's place
_TARGETED_ORG = _NAMES.cue("targeted_org")
_ACTOR_AFTER = _NAMES.cue("actor_after")
_ACTOR_BEFORE = _NAMES.cue("actor_before")
_CAMPAIGN_BEFORE = _NAMES.cue("campaign_before")
_CAPITAL_OF = _NAMES.cue("capital_of")
DEMONYM_COUNTRY: dict[str, str] = dict(_NAMES.vocab("demonym_countries"))  # "the Iraqi capital" -> IQ


def _mention(place: Place, start: int, end: int, surface: str, reason: str, role: str = "place") -> Mention:
    return Mention(surface=surface, start=start, end=end, place_id=place.id, place=place.name, lat=place.lat,
                   lon=place.lon, kind=place.kind, country=place.country, reason=reason, gazetteer=place.origin,
                   role=role)


_LEAD_WORDS = frozenset(_NAMES.vocab("place_lead_words")) | frozenset(_NAMES.calendar.weekdays) | \
    frozenset(_NAMES.calendar.month_names)
_NAME_PREFIXES = frozenset(_NAMES.vocab("place_name_prefixes"))
_KIND_WORDS = frozenset(_NAMES.vocab("place_kind_words"))
_WORD_BEFORE = _NAMES.cue("word_before")
_WORD_AFTER = _NAMES.cue("word_after")
_LOCATIVE_JUST_BEFORE = _NAMES.cue("locative_just_before")


_PARTICLE = re.compile(r"(?:al|el|Al|El)[- ]")


def _surname(surface: str) -> str:
    """A name without its article: "al-Mughayyir" and "Mughayyir" are one surname."""
    return _PARTICLE.sub("", surface, count=1).casefold() if _PARTICLE.match(surface) else surface.casefold()


def _kind_word_after(after: str) -> bool:
    """Does a place kind word follow ("al-Mughayyir village", "Jenin camp")?"""
    words = after.split(None, 1)
    return bool(words) and words[0].strip(".,;:").casefold() in _KIND_WORDS


def _name_word(word: str) -> bool:
    """A capitalised word that could be part of a person's name (not a lead-in to a place)."""
    return word.casefold() not in _LEAD_WORDS and not word.isupper()


def _in_person_name(text: str, start: int, end: int, gazetteer: Gazetteer, lines: "_Lines") -> bool:
    """Is the place name at ``start:end`` part of a person's name: "Yazid Sa'ad Adel Shafe', 22",
    "Hussam al-Malah" (a given name then a particle), "Omar Nablus, 24,"?"""
    before = _WORD_BEFORE.search(text[max(0, start - 30):start])
    if before is None or not _name_word(before.group(1)) or gazetteer.find(before.group(1)):
        return False
    if before.group(2) or _PARTICLE.match(text, start):
        # "Hussam al-Malah", "Mohammad al-Mughayyir", unless "Deir al-Balah"-like: a place's first word
        return before.group(1).casefold() not in _NAME_PREFIXES
    after = _WORD_AFTER.match(text[end:end + 30])
    if after is None or _title_case_line(text, start, lines):
        return False
    return after.group(1) is None or (_name_word(after.group(1)) and after.group(1).casefold() not in _KIND_WORDS)


class _Lines:
    """Where the text's lines start and end, found once (a scan per mention was quadratic on one long line)."""

    def __init__(self, text: str):
        self.text = text
        self._breaks: list[int] | None = None
        self._heads: dict[int, tuple[int, int]] | None = None

    def around(self, pos: int) -> tuple[int, int]:
        if self._breaks is None:
            self._breaks = [m.start() for m in re.finditer("\n", self.text)]
        k = bisect.bisect_left(self._breaks, pos)
        start = self._breaks[k - 1] + 1 if k > 0 else 0
        return start, self._breaks[k] if k < len(self._breaks) else len(self.text)

    def head(self, line_start: int, line_end: int) -> tuple[int, int]:
        """The line's first non-blank and the end of its all-caps dateline head (-1 without one), once per line.

        Matched per mention from the line's start, both were quadratic on a line of many names after a long
        blank run (a blank run then 1,000 names: 70 s)."""
        if self._heads is None:
            self._heads = {}
        got = self._heads.get(line_start)
        if got is None:
            m = _NON_BLANK.search(self.text, line_start, line_end)
            caps = _CAPS_DATELINE_HEAD.match(self.text, line_start, line_end)
            got = self._heads[line_start] = (m.start() if m else line_end, caps.end() if caps else -1)
        return got


def _title_case_line(text: str, pos: int, lines: _Lines) -> bool:
    """Is the line around ``pos`` a headline in Title Case ("Settlers Attack Qusra Village")?"""
    s, e = lines.around(pos)
    words = text[s:min(e, s + 300)].split()
    return len(words) >= 3 and sum(w[:1].isupper() for w in words) >= 0.7 * len(words)


def find_mentions(text: str, gazetteer: Gazetteer, fallback: bool = True) -> list[Mention]:
    """Every place mention in ``text``, resolved, in order.

    ``fallback=False`` leaves out names only the GeoNames fallback knows
    (extraction asks the fallback sentence by sentence, for event sentences only).
    """
    matches = gazetteer.find(text)
    # summed up once for every choice among same-named places (per choice it was quadratic)
    context = Context(m.candidates[0] for m in matches if len(m.candidates) == 1)
    mentions: list[Mention] = []
    people: set[str] = set()  # place names seen as part of a person's name
    lines = _Lines(text)
    cues = cues_in(text)
    for m in matches:
        place = gazetteer.choose(m.candidates, context) if len(m.candidates) > 1 else m.candidates[0]
        reason = "alias" if m.surface.casefold() != place.name.casefold() else "name"
        if len(m.candidates) > 1:
            reason = "context"
        role = "place"
        after = text[m.end:m.end + 60]
        before = text[max(0, m.start - 40):m.start]
        org = None if _ORG_AFTER_POSSESSIVE.match(after) or not cues.possible("org_before", m.start - 40, m.start) \
            else _ORG_BEFORE.search(before)
        org_at = max(0, m.start - 40) + org.start() if org else 0
        if _ORG_AFTER_POSSESSIVE.match(after) or (org and not _TARGETED_ORG.search(text[max(0, org_at - 80):org_at])):
            role = "attribute"  # "the ministry in Gaza said", not "strikes on the ministry in Damascus"
        elif place.kind == "country" and (_ACTOR_AFTER.match(after) or _ACTOR_BEFORE.search(before)):
            role = "actor"  # "Israel carried out a series of strikes", "blamed Israel": who acted, not where
        elif place.kind == "country" and _CAMPAIGN_BEFORE.search(before):
            role = "campaign"  # "as it expanded its bombardments of Lebanon": a whole war's target, not where
        elif _is_label(text, m.start, m.end, lines):
            role = "dateline"  # "Tel Aviv: The military said ...", "DUBAI, United Arab Emirates ...": where it was filed
        elif _in_person_name(text, m.start, m.end, gazetteer, lines):
            role = "person"  # "Yazid Sa'ad Adel", "Hussam al-Malah": part of someone's name
            people.add(_surname(m.surface))
        elif _surname(m.surface) in people and not _kind_word_after(after) and \
                (not _LOCATIVE_JUST_BEFORE.search(before) or before.rstrip().lower().endswith("according to")):
            role = "person"  # "al-Malah continued ...": the person named in full before
        mentions.append(_mention(place, m.start, m.end, m.surface, reason, role))
    # "the Iraqi capital" -> Baghdad
    capitals = gazetteer.capitals()
    for cm in _CAPITAL_OF.finditer(text):
        cap = capitals.get(DEMONYM_COUNTRY[cm.group("demonym")])
        if cap is not None:
            mentions.append(_mention(cap, cm.start(), cm.end(), cm.group(), "capital"))
    if fallback and gazetteer.fallback is not None:
        try:
            from gazetteer.candidates import fallback_mentions
        except ImportError:  # pragma: no cover - optional module
            fallback_mentions = None
        if fallback_mentions is not None:
            taken = [(mm.start, mm.end) for mm in mentions]
            for s, e, place in fallback_mentions(text, gazetteer, gazetteer.fallback, context):
                if not any(s < te and ts < e for ts, te in taken):
                    mentions.append(_mention(place, s, e, text[s:e], "fallback"))
    mentions.sort(key=lambda mm: mm.start)
    return mentions


_AGENCY_LEAD = _NAMES.cue("agency_lead")
_CAPS_DATELINE_HEAD = _NAMES.cue("caps_dateline_head")


_NON_BLANK = re.compile(r"\S")
# the blanks are skipped by index (``str.isspace`` is the ``\s`` of these Unicode patterns), never matched
assert not (_AGENCY_LEAD.flags | _CAPS_DATELINE_HEAD.flags) & re.ASCII


def _is_label(text: str, start: int, end: int, lines: "_Lines") -> bool:
    """A place name that opens a line as its dateline or topic label: "Tel Aviv: ...", "DUBAI, United Arab
    Emirates ...", "Associated Press Dubai: ..." (also where the entry splitter saw no dateline).

    The line before the name is blanks, an agency lead, blanks (``\s*(?:lead)\s*`` from the line's start, which
    backtracked quadratically per mention); the agency lead starts and ends with a non-blank, so it is the text
    between the line's first non-blank and the blanks before the name, matched anchored there (a few literals)."""
    line_start, line_end = lines.around(start)
    first, caps_end = lines.head(line_start, line_end)
    core_end = start
    while core_end > first and text[core_end - 1].isspace():  # the blanks right before this name: its own
        core_end -= 1
    if first >= start or _AGENCY_LEAD.fullmatch(text, first, core_end):
        after = text[end:end + 2]
        if after.startswith(":") and not after.startswith("::"):
            return True
        surface = text[start:end]
        return after.startswith(",") and surface.isupper() and len(surface) > 2  # an all-caps dateline
    # the country after it: "DUBAI, United Arab Emirates": the line's caps head ends with its comma and blanks,
    # so the text up to the name matches it when the name starts after that comma and within those blanks
    return first < start <= caps_end and text[core_end - 1] == ","


def resolve_dateline(dateline: str, gazetteer: Gazetteer) -> Place | None:
    """The place of a dateline such as ``RAFAH, Gaza Strip`` or ``Beirut``."""
    if not dateline:
        return None
    head = dateline.split(",")[0].strip()
    cands = gazetteer.lookup(head)
    if not cands:
        ms = gazetteer.find(dateline)
        cands = list(ms[0].candidates) if ms else []
    if not cands:
        return None
    tail = [p for part in dateline.split(",")[1:] for p in gazetteer.lookup(part.strip())]
    return gazetteer.choose(cands, tail) if len(cands) > 1 else cands[0]


@dataclass
class PlaceChoice:
    mention: Mention | None
    place: Place
    precision: int
    reason: str  # how the name resolved: name, alias, context (disambiguated), capital, fallback
    cue: str = "named"  # how the text ties it to the event: locative ("in X", "the town of X"), near, named


_HOSPITAL_HIT = _NAMES.cue("hospital_hit")


# "Beit Ummar, north of Hebron", "Qana, near Tyre": a second place that only locates the first
RELATIVE_BEFORE = _NAMES.cue("relative_before")
BETWEEN_BEFORE = _NAMES.cue("between_before")


def _score(m: Mention, text: str, gazetteer: Gazetteer, cues: LiteralIndex | None = None) -> tuple:
    place = gazetteer.get(m.place_id)
    before = text[max(0, m.start - 80):m.start]
    rank = place.rank if place else 3
    region_penalty = 0 if m.country in REGION else 1
    origin = 1 if _can(cues, "from_before", m.start - 80, m.start) and _FROM_BEFORE.search(before) and \
        not _LOCATIVE_BEFORE.search(before) else 0
    locative = 0 if _LOCATIVE_BEFORE.search(before) else 1
    if place is not None and place.kind == "hospital" and not _HOSPITAL_HIT.search(before):
        origin = max(origin, 1)  # "taken to X Hospital", "medics at X": where victims went, not where it happened
    # "Beit Ummar, north of Hebron", "Qana, near Tyre": the second town only locates the first
    reference = 1 if _can(cues, "relative_before", m.start - 80, m.start) and RELATIVE_BEFORE.search(before) else 0
    return (region_penalty, origin, rank, reference, locative, m.start)


def _usable(m: Mention, text: str) -> bool:
    """Places outside the region ("US", "Washington") locate an incident only after "in", "at", "near"."""
    if m.country in REGION:
        return True
    if not text:
        return False
    return bool(re.search(r"\b(?:in|at|near|outside)\s+(?:the\s+)?$", text[max(0, m.start - 12):m.start]))


def _can(cues: LiteralIndex | None, name: str, start: int, end: int) -> bool:
    """Can cue ``name`` match in the report's ``text[start:end]`` (always, with no index)?"""
    return cues is None or cues.possible(name, start, end)


def precision_for(m: Mention, text: str, place: Place, cues: LiteralIndex | None = None) -> int:
    if place.is_area:
        return 3
    before = text[max(0, m.start - 60):m.start]
    if _can(cues, "near_before", m.start - 60, m.start) and _NEAR_BEFORE.search(before):
        return 2
    return 1


def choose_place(mentions: list[Mention], text: str, gazetteer: Gazetteer) -> PlaceChoice | None:
    """The most specific place mention an incident is tied to, or None."""
    usable = [m for m in mentions if m.role == "place" and _usable(m, text)]
    cues = cues_in(text) if text else None  # the report's text: its index is kept between calls
    if text:
        targets = [m for m in usable if not (_can(cues, "from_before", m.start - 80, m.start) and
                                             _FROM_BEFORE.search(text[max(0, m.start - 80):m.start]))]
        usable = targets  # "rockets fired from southern Lebanon": the origin is not the incident's place
    if not usable:
        return None
    best = min(usable, key=lambda m: _score(m, text, gazetteer, cues))
    place = gazetteer.get(best.place_id) or _place_of(best)
    precision = precision_for(best, text, place, cues)
    before = text[max(0, best.start - 80):best.start] if text else ""
    cue = "near" if precision == 2 else "locative" if before and _LOCATIVE_BEFORE.search(before) else "named"
    return PlaceChoice(best, place, precision, best.reason, cue)


def _place_of(m: Mention) -> Place:
    return Place(id=m.place_id, name=m.place, kind=m.kind, country=m.country, lat=m.lat, lon=m.lon, origin=m.gazetteer)


def related(a: Place, b: Place, gazetteer: Gazetteer, near_km: float = 8.0) -> bool:
    """Could two places be the same incident's place (same, one inside the other, or within ``near_km``)?"""
    if a.id == b.id:
        return True
    if gazetteer.contains(a, b) or gazetteer.contains(b, a):
        return True
    # two points of one town (a neighbourhood and its city), or very close
    return a.country == b.country and near_km > 0 and haversine_km(a.lat, a.lon, b.lat, b.lon) < near_km


# how far from an area's point a place may lie and still be inside it (areas without parent links,
# such as "southern Lebanon" or "northern Gaza", and seas)
AREA_RADIUS_KM = {"district": 20.0, "corridor": 15.0, "governorate": 45.0, "region": 60.0, "sea": 1000.0}


def within_area(area: Place, place: Place, gazetteer: Gazetteer) -> bool:
    """Is ``place`` inside ``area`` (an ancestor, its country, or near enough to a region's point)?"""
    if gazetteer.contains(area, place):
        return True
    radius = AREA_RADIUS_KM.get(area.kind)
    if radius is None or (area.country and place.country and area.country != place.country and area.kind != "sea"):
        return False
    return haversine_km(area.lat, area.lon, place.lat, place.lon) <= radius


def refines(new: Place, old: Place, gazetteer: Gazetteer, near_km: float) -> bool:
    """Does ``new`` say better where ``old``'s event happened (a place inside it, or a more specific one
    beside it), rather than name somewhere else?"""
    if new.id == old.id:
        return False
    if old.is_area:
        # a governorate or district inside a compass region ("Deir ez-Zor province" in "eastern Syria") says more
        finer = new.rank < old.rank or (old.kind == "region" and new.kind in ("governorate", "district"))
        return finer and within_area(old, new, gazetteer)
    if gazetteer.contains(old, new):
        return True
    return new.rank < old.rank and related(new, old, gazetteer, near_km=near_km)
