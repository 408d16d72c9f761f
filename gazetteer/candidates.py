"""Capitalised, place-like names in a text that the gazetteer may not know.

* :func:`candidate_names` finds sequences of 1-4 capitalised words (with the
  lower-case connectors of Arabic and English place names inside: "Deir
  al-Balah", "Bint Jbeil", "Kafr Qasim", "Gulf of Aden"), leaving out common
  words, weekdays and months, titles, people ("Dr. X", "X said"),
  organisations (Hamas, Health Ministry...) and names the gazetteer matched.
* :func:`unknown_names` keeps the ones that look like places (a locative cue
  before them, "in X", "the village of X", or a place-name shape like
  "Beit X", "Wadi X") and counts them: the gazetteer page lists these.
* :func:`fallback_mentions` places the cue-marked ones with a fallback
  gazetteer (GeoNames), chosen by the report's other places, and keeps only
  places near them (a report about Lebanon means the Lebanese town).
"""
from __future__ import annotations

import bisect
import re
from typing import Iterable

from .gazetteer import Context, Gazetteer, haversine_km
from .place import Place

from incidents.rules import calendar  # the one copy of the weekday and month names (rules/en/vocab.toml)

# ---------------------------------------------------------------- word lists
WEEKDAYS = frozenset(calendar().weekdays)
MONTHS = frozenset(calendar().months)  # names and abbreviations
TITLES = frozenset(
    """mr mrs ms dr prof president prime minister ministers king queen prince princess
    sheikh sheik emir imam general gen col lt sgt maj capt cpl pte adm lieutenant colonel
    major captain sergeant commander chief spokesman spokeswoman spokesperson secretary
    ambassador envoy senator rep representative mayor governor judge justice pope rabbi
    father sir lord lady dame saint st ayatollah mufti patriarch archbishop bishop
    director chairman chairwoman speaker deputy officer correspondent reporter""".split()
)
DEMONYMS = frozenset(
    """israeli israelis palestinian palestinians lebanese syrian syrians iraqi iraqis
    iranian iranians egyptian egyptians jordanian jordanians yemeni yemenis saudi saudis
    turkish turk turks kurdish kurd kurds arab arabs arabic hebrew persian english french
    german british american americans russian russians ukrainian ukrainians chinese
    european europeans western emirati qatari kuwaiti bahraini omani sudanese somali
    druze christian christians muslim muslims jewish jews sunni shiite shia alawite
    bedouin houthi houthis islamic israel's gazan gazans""".split()
)
ORGS = frozenset(
    """hamas hezbollah hizbollah hizballah houthis houthi ansarallah unrwa idf un nato
    eu unicef unhcr who ocha icrc msf isis isil daesh pij plo fatah pflp jihad
    reuters ap afp cnn bbc nbc cbs abc fox aljazeera jazeera guardian times ynet haaretz
    wafa sana irna xinhua anadolu tass telegram x twitter facebook instagram youtube
    google apple microsoft idf's unifil hts sdf pkk ypg pmf kataib cogat mossad irgc""".split()
)
# A capitalised sequence containing one of these is an organisation or office.
ORG_WORDS = frozenset(
    """ministry agency forces force army navy council committee commission organization
    organisation party movement brigades brigade corps guard guards authority office
    union crescent cross nations jihad press news network service services department
    institute foundation company corporation group association court parliament
    cabinet government administration command regiment battalion division unit
    media channel radio tv television newspaper agency's ministry's front resistance
    coalition alliance federation league club shin""".split()
)
# Frequent words written with a capital at a sentence's start or in headlines.
COMMON = frozenset(
    """a an the this that these those there here then than they them their he she it its
    his her him we our us you your i me my and or but nor so yet for of in on at to by
    from with without into onto over under after before during since until while when
    where why how what which who whom whose if as because although though also only
    just even still already again more most many much some any all both each every
    other another such no not nor none one two three four five six seven eight nine ten
    first second third last next new old several few dozens hundreds thousands
    is are was were be been being has have had do does did will would can could shall
    should may might must said says say told tells according officials official
    witnesses residents people children women men sources source police troops soldiers
    militants fighters gunmen rescuers medics doctors nurses civilians families family
    israel's however meanwhile earlier later today yesterday tomorrow tonight morning
    afternoon evening night overnight week month year day days weeks months years
    breaking live updates update latest photo video watch read analysis opinion
    editor's note key what's here's it's that's there's we're they're
    strike strikes airstrike airstrikes attack attacks killed kill kills killing
    wounded injured dead death deaths bombing bombardment shelling raid raids clashes
    fire fires missile missiles rocket rockets drone drones war ceasefire truce talks
    hostages hostage prisoners aid convoy trucks humanitarian crisis
    north south east west northern southern eastern western central upper lower
    middle greater old new great little big holy mount
    mr mrs ms dr
    ok yes no please thanks thank""".split()
)
# Generic place words: alone they name nothing ("the Sea", "the Camp").
GENERIC = frozenset(
    """sea city town village camp camps hospital street road square border crossing strip
    bank river valley coast gulf island islands mountain mountains hills hill area region
    province district governorate neighborhood neighbourhood airport port base mosque
    church school university market junction highway corridor zone sector gate""".split()
)
FIRST_NAMES = frozenset(
    """mohammed muhammad mohammad mohamed mahmoud mahmud ahmed ahmad ali hassan hasan hussein
    husayn omar umar khalil ibrahim yahya ismail ismail osama usama khaled khalid saleh salah
    yousef yusuf youssef abdel abdul abdullah abdallah nabih naim najib hassan walid fadi
    rami sami tareq tarek majed maher marwan mustafa moustafa nasser naser jamal kamal
    benjamin bibi joe joseph john donald antony tony david daniel yoav isaac itamar bezalel
    benny gideon yair herzi michel emmanuel kamala karim rishi keir olaf volodymyr vladimir
    recep bashar ebrahim masoud abbas ismail yahya mohammed-bin ali-khamenei qassem
    hakan fuad nasrallah haniyeh sinwar netanyahu gallant biden trump blinken""".split()
)
CONNECTORS = frozenset("al el ad ed ash az bin bint ibn of".split())
# A name that starts with one of these is shaped like an Arabic/Hebrew place name.
PLACE_PREFIXES = frozenset(
    """beit bayt beth deir dayr kafr kfar kafar tell tel tal tall ain ayn ein ayin jabal jebel
    jabel wadi khirbet khirbat khirbit bir nahr ras khan umm qasr marj birket majdal
    maaret maarat ma'arat hay hayy haret harat mazraat mazraa nabi nebi qalaat qalat
    jisr sahl tall bani beni arab ard jurf""".split()
)
PLACE_SUFFIXES = frozenset("camp city town village district governorate province valley".split())
PERSON_BEFORE = frozenset(
    "mr mr. mrs mrs. ms ms. dr dr. said told president minister spokesman spokeswoman "
    "gen gen. col col. lt lt. sgt sgt. sheikh king prince chief leader commander".split()
)
PERSON_AFTER = ("said", "says", "told", "added", "wrote", "stated", "announced", "tweeted",
                "who", "whose", "explained", "warned", "urged", "declared", "asked")

STOP = WEEKDAYS | MONTHS | TITLES | DEMONYMS | ORGS | COMMON | GENERIC

# ---------------------------------------------------------------- tokenising
_APOS = "'\u2019\u02bc\u02bf\u2018"
# A word: letters/digits with inner apostrophes or hyphens ("al-Balah", "Ma'arat").
_WORD_RE = re.compile(r"[^\W\d_](?:[\w" + _APOS + r"]|-(?=\w))*", re.UNICODE)
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ad|ed|ash|as|at|an|ar|az|adh|ath)-(?=\w)", re.IGNORECASE)

_CUE_RE = re.compile(
    r"(?:\b(?:in|near|at|outside|around|inside|into|toward|towards|across|from|to|between)"
    r"(?:\s+the)?(?:\s+(?:northern|southern|eastern|western|central|north|south|east|west|"
    r"northeastern|northwestern|southeastern|southwestern|nearby|besieged|occupied|coastal|"
    r"border|frontline|front-line|southern\s+lebanese|lebanese|syrian|iraqi|yemeni|palestinian|israeli))?"
    r"|\b(?:town|village|city|camp|area|district|neighbou?rhood|suburb|region|province|governorate|"
    r"outskirts|municipality|hamlet|settlement|outpost|refugee\s+camp|neighbou?rhoods|towns|villages)\s+of"
    r"|\b(?:north|south|east|west|northeast|northwest|southeast|southwest)\s+of"
    r"|\b(?:km|kilometers|kilometres|miles)\s+(?:\w+\s+)?(?:from|of))\s+$",
    re.IGNORECASE,
)
_CUE_AFTER_RE = re.compile(
    r"^(?:\s+(?:refugee\s+)?camp\b|,\s+(?:a|the)\s+(?:\w+\s+){0,3}?(?:town|village|city|camp|"
    r"neighbou?rhood|suburb|district|area|hamlet|settlement)\b)",
    re.IGNORECASE,
)
_SENT_END = re.compile(r"(?:[.!?:;\"\u201c\u201d]\s*|\n\s*|^\s*)$")


def _bare(word: str) -> str:
    return _ARTICLE_PREFIX.sub("", word)


def _is_cap(word: str) -> bool:
    core = _bare(word).lstrip(_APOS)
    return bool(core) and core[0].isupper()


def _low(word: str) -> str:
    return word.lower().replace("\u2019", "'")


def _tokens(text: str):
    return [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]


# Only the words that can be part of a name: capitalised (Latin upper-case
# start, after an optional "al-" or apostrophe) or a lower-case connector. The
# words skipped leave a gap that is not a single space, which ends a run, so
# the runs are those of all words, found ~5x faster.
_NAME_WORD_RE = re.compile(
    r"(?<![\w" + _APOS + r"-])(?:"
    r"(?:(?:al|el|ad|ed|ash|as|at|an|ar|az|adh|ath)-)?[" + _APOS + r"]?[A-Z\u00C0-\u00D6\u00D8-\u00DE\u0100-\u024F\u1E00-\u1EFF]"
    r"(?:[\w" + _APOS + r"]|-(?=\w))*"
    r"|(?:" + "|".join(sorted(CONNECTORS)) + r")(?![\w" + _APOS + r"-]))",
)
_LOWER_WORD_RE = re.compile(r"(?<![\w-])[a-z]+(?![\w-])")


def _sentence_initial(text: str, start: int) -> bool:
    return bool(_SENT_END.search(text[max(0, start - 4):start])) or start == 0


def has_locative_cue(text: str, start: int, end: int) -> bool:
    """A locative cue right before (``in``, ``the town of``) or after (``X camp``, ``X, a village``)."""
    before = text[max(0, start - 48):start]
    if _CUE_RE.search(before):
        return True
    return bool(_CUE_AFTER_RE.match(text[end:end + 64]))


def _person_like(text: str, start: int, end: int, words: list[str]) -> bool:
    before = text[max(0, start - 24):start].split()
    if before and _low(before[-1]).rstrip(",") in PERSON_BEFORE:
        return True
    if len(before) >= 2 and _low(before[-2]) == "prime" and _low(before[-1]) == "minister":
        return True
    after = text[end:end + 16]
    after_words = after.replace(",", " , ").split()
    if after_words and after_words[0].lower() in PERSON_AFTER:
        return True
    if len(after_words) >= 2 and after_words[0] == "," and after_words[1].lower() in ("who", "whose", "aged"):
        return True  # "X, who ...", "X, aged 45"
    if _low(_bare(words[0])) in FIRST_NAMES:
        return True
    return False


def _split_runs(text: str):
    """Maximal runs of capitalised words joined by single spaces/connectors."""
    toks = [(m.start(), m.end(), m.group()) for m in _NAME_WORD_RE.finditer(text)]
    runs: list[list[tuple[int, int, str]]] = []
    cur: list[tuple[int, int, str]] = []
    pending: list[tuple[int, int, str]] = []  # connectors waiting for a capitalised word
    prev_end = None
    for s, e, w in toks:
        gap = text[prev_end:s] if prev_end is not None else None
        joined = gap is not None and gap in (" ", "\u00a0", "-")
        if _is_cap(w):
            if cur and joined:
                cur.extend(pending)
                cur.append((s, e, w))
            else:
                if cur:
                    runs.append(cur)
                cur = [(s, e, w)]
            pending = []
        elif cur and joined and _low(w) in CONNECTORS and len(pending) < 1:
            pending.append((s, e, w))
        else:
            if cur:
                runs.append(cur)
            cur, pending = [], []
        prev_end = e
    if cur:
        runs.append(cur)
    return runs


def _is_connector(word: str) -> bool:
    """A lower-case joining word inside a name ("al", "bin", "of"); "Bint" is not."""
    return word.islower() and word in CONNECTORS


def _stopword(word: str) -> bool:
    low = _low(word)
    if low.endswith("'s"):
        low = low[:-2]
    return low in STOP or _low(_bare(word)) in ORGS


def _pieces(run):
    """Split a run at stop words; drop org runs; trim connectors at the ends."""
    if any(_low(w) in ORG_WORDS for _, _, w in run):
        return []
    pieces, cur = [], []
    for tok in run:
        if _stopword(tok[2]) and not _is_connector(tok[2]):
            if cur:
                pieces.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        pieces.append(cur)
    out = []
    for p in pieces:
        while p and _is_connector(p[0][2]):
            p = p[1:]
        while p and _is_connector(p[-1][2]):
            p = p[:-1]
        if p and len(p) <= 4 + sum(1 for t in p if _is_connector(t[2])):
            out.append(p)
    return out


def _matched_spans(text: str, gazetteer: Gazetteer | None) -> list[tuple[int, int]]:
    if gazetteer is None:
        return []
    return [(m.start, m.end) for m in gazetteer.find(text)]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Does [start, end) overlap one of ``spans`` (sorted, non-overlapping)?"""
    i = bisect.bisect_right(spans, (start, float("inf")))
    if i > 0 and spans[i - 1][1] > start:
        return True
    return i < len(spans) and spans[i][0] < end


def candidate_names(text: str, gazetteer: Gazetteer | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of capitalised place-like word sequences in ``text``.

    Leaves out stop words (sentence-initial common words, weekdays, months,
    titles, demonyms), organisations, people and, when ``gazetteer`` is
    given, names it already matched.
    """
    matched = sorted(_matched_spans(text, gazetteer))
    lower_words: set[str] | None = None  # words that occur in lower case somewhere
    out = []
    for run in _split_runs(text):
        for piece in _pieces(run):
            start, end = piece[0][0], piece[-1][1]
            # possessive "Gaza's": keep the name only
            name = text[start:end]
            for suffix in ("'s", "\u2019s"):
                if name.endswith(suffix):
                    end -= 2
                    name = name[:-2]
            words = [w for _, _, w in piece]
            if len(name) < 3:
                continue
            if _person_like(text, start, end, words):
                continue
            if len(piece) == 1 and _sentence_initial(text, start):
                if lower_words is None:
                    lower_words = set(_LOWER_WORD_RE.findall(text))
                if name.lower() in lower_words:
                    continue  # "Rescuers pulled..." when "rescuers" also occurs in lower case
            if _overlaps(matched, start, end):
                continue
            out.append((start, end, name))
    return out


def looks_like_place(name: str) -> bool:
    """A place-name shape: "Beit X", "Wadi X", "Tel X", "X camp"."""
    words = name.replace("-", " ").split()
    if not words:
        return False
    return _low(words[0]) in PLACE_PREFIXES or _low(words[-1]) in PLACE_SUFFIXES


def unknown_names(text: str, gazetteer: Gazetteer) -> list[tuple[str, int]]:
    """Place-like capitalised names the gazetteer cannot place, with their counts.

    A name qualifies when one of its occurrences follows a locative cue ("in
    X", "the village of X", "near X", "X camp") or it has a place-name shape
    ("Beit X", "Wadi X"); names with a cue come first, then by count.
    Names the gazetteer knows (exactly, folded) are left out.
    """
    stats: dict[str, list[int]] = {}  # name -> [count, cue count, first offset]
    speakers: set[str] = set()
    possessive: dict[str, bool] = {}  # every occurrence is "X's ...": a person or a body, rarely a place
    for start, end, name in candidate_names(text, gazetteer):
        name = _POSSESSIVE_END.sub("", name)
        if not name or _low(name) in ORGS or _low(name) in NOT_PLACES or _COMPOUND_ADJ.search(name) \
                or (name.isupper() and len(name) <= 5):
            continue  # "Hamas’", "Hamas-run", "Iran-aligned", "PMU", "Pentagon"
        if _SPEECH_AFTER.match(text, end) or _low(name.split()[0]) in TITLES | {"state"}:
            speakers.add(name)  # "Blinken said", "(Secretary of) State Antony Blinken": a person
        if text.startswith(("’s", "'s"), end):
            possessive.setdefault(name, True)
        else:
            possessive[name] = False
        if gazetteer is not None and gazetteer.lookup(name):
            continue
        entry = stats.setdefault(name, [0, 0, start])
        entry[0] += 1
        if has_locative_cue(text, start, end):
            entry[1] += 1
    keep = [(n, v) for n, v in stats.items() if (v[1] or looks_like_place(n)) and n not in speakers
            and not (possessive.get(n) and not looks_like_place(n))]
    keep.sort(key=lambda nv: (-(nv[1][1] > 0), -nv[1][0], nv[1][2]))
    return [(n, v[0]) for n, v in keep]


_POSSESSIVE_END = re.compile(r"(?:['’]s?)$")
_COMPOUND_ADJ = re.compile(r"-(?:run|backed|aligned|led|based|linked|affiliated|allied|controlled|held|sponsored)$", re.I)
_SPEECH_AFTER = re.compile(r"['’]?s?\s+(?:said|says|told|tells|speaks|spoke|added|stressed|raised|urged|warned|"
                           r"wrote|announced|insisted|pressing|met|meets)\b")
NOT_PLACES = frozenset("pentagon white house kremlin élysée elysee downing street capitol knesset".split())


REGION_FALLBACK_KM = 1500.0


def fallback_mentions(
    text: str,
    gazetteer: Gazetteer,
    fallback,
    context: Iterable[Place] = (),
    max_km: float = REGION_FALLBACK_KM,
) -> list[tuple[int, int, Place]]:
    """Place the cue-marked names the gazetteer does not know with ``fallback``.

    ``context``: the report's places already resolved (if empty, the curated
    places the gazetteer finds in ``text``). The candidate is chosen with
    :meth:`Gazetteer.choose` and kept only if it lies within ``max_km`` of the
    context's centroid; with no context at all, only places in the fallback's
    own countries are kept. A name confirmed by a cue once is a mention
    everywhere in the text.
    """
    if fallback is None:
        return []
    if not isinstance(context, Context):  # a Context comes summed up (one per report, not per sentence)
        context = list(context)
    if not context:
        context = [m.candidates[0] for m in gazetteer.find(text) if m.candidates]
    if not isinstance(context, Context):
        context = Context(context)
    centroid = None
    if context:
        centroid = (context.lat, context.lon)
    allowed = getattr(fallback, "countries", None)
    cands_in_text = candidate_names(text, gazetteer)
    # a name is sent to the fallback only if one of its occurrences has a cue;
    # then every occurrence of it is a mention
    cued = {name for start, end, name in cands_in_text if has_locative_cue(text, start, end)}
    chosen: dict[str, Place | None] = {}
    for name in cued:
        chosen[name] = None
        if gazetteer.lookup(name):
            continue
        cands = fallback.lookup(name)
        if not cands:
            continue
        place = gazetteer.choose(cands, context)
        if centroid is not None:
            if haversine_km(place.lat, place.lon, *centroid) <= max_km:
                chosen[name] = place
        elif allowed is not None and place.country in allowed:
            chosen[name] = place
    return [(start, end, chosen[name]) for start, end, name in cands_in_text if chosen.get(name) is not None]
