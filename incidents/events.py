"""Which sentences report an incident, and its ACLED event type.

A sentence reports an incident when it has an event trigger (strike,
shelling, naval fire, raid, clash, killing, shooting, explosion, protest or
blockade, arrest, interception, discovery by troops...) that is not hedged
(would, could, plans to, warned of), negated, generic ("since the start of
the war", "death toll") or a mere back-reference ("in retaliation for the
attack"). Statements, meetings, speeches and warnings have no trigger of
their own and are not incidents.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, replace

from gazetteer.text import fold as _fold

from .gates import EVENT_CUES
from .rules import Tier, load
from .rules.prefilter import Prefilter

EXPLOSIONS = "Explosions/Remote violence"
BATTLES = "Battles"
VAC = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"

BOOK = load()
COMBATANTS = BOOK.cue("combatants")
_HEDGE = BOOK.cue("hedge")
_BACKREF = BOOK.cue("backref")
_TIME_AFTER = BOOK.cue("time_after")
_GENERIC = BOOK.cue("generic")
_RECORD_SINCE = BOOK.cue("record_since")
_ANAPHORA = BOOK.cue("anaphora")
_AGGREGATE = BOOK.cue("aggregate")
_AFTER_SUBJECT = BOOK.cue("after_subject")
_DISCOVERY = BOOK.cue("discovery")
_DEFINITE = BOOK.cue("definite")
_NOT_AN_AIRSTRIKE = BOOK.cue("not_an_airstrike")
_CLAUSE_END = BOOK.cue("history_clause_end")
_RELATIVE_BEFORE = BOOK.cue("relative_before_trigger")
_CIVILIANS = BOOK.cue("civilians")
_IMPACT = BOOK.cue("impact")
_PASSIVE_BEFORE = BOOK.cue("passive_before")
_UNDER_FIRE = BOOK.cue("under_fire")
_FORCES = BOOK.cue("forces")
_KILLED_IN_COMBAT = BOOK.cue("killed_in_combat")
_FIGHTING = BOOK.cue("fighting")
_INTERVENTION = BOOK.cue("intervention")
CLASH = BOOK.cue("clash_start")
ARMED = BOOK.cue("armed_start")
_OPERATION = BOOK.cue("military_operation")


ALL_CUES = frozenset(EVENT_CUES)  # with no index: every gated cue is searched
DEATH_STEMS = tuple(BOOK.vocab("casualty_stems")["death"])
HURT_STEMS = tuple(BOOK.vocab("casualty_stems")["hurt"])
# a sentence is looked at when a trigger rule can match in it, or when it can state a count
# ("The dead included three children" is the toll of the strike told just before)
_SENTENCE_FILTER = Prefilter({**{r.id: r.literals for r in BOOK.triggers},
                              "casualty": frozenset(_fold(w) for w in DEATH_STEMS + HURT_STEMS)})


class TriggerIndex:
    """Where trigger rules can match in one report: one pre-filter pass over the whole text.

    The literals come from the rules themselves (:mod:`incidents.rules.prefilter`); a
    sentence in which no literal starts cannot report an incident (most of a live page).
    """

    def __init__(self, text: str):
        self._hits = _SENTENCE_FILTER.scan(_fold(text))
        self._starts = [s for s, _ in self._hits]

    def any_in(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, start)
        return i < len(self._starts) and self._starts[i] < end

    def rules_in(self, start: int, end: int) -> frozenset[str]:
        """Ids of the rules that can match in ``text[start:end]``."""
        i = bisect.bisect_left(self._starts, start)
        out: set[str] = set(_SENTENCE_FILTER.always)
        while i < len(self._starts) and self._starts[i] < end:
            out |= self._hits[i][1]
            i += 1
        return frozenset(out)


@dataclass(frozen=True)
class EventHit:
    event_type: str
    sub_event_type: str
    start: int  # trigger span, relative to the sentence
    end: int
    trigger: str
    tier: Tier
    rule_id: str = ""

    @property
    def is_bare(self) -> bool:
        """A killing or explosion with no weapon named."""
        return self.tier >= Tier.BARE

    @property
    def is_follow_up(self) -> bool:
        """An interception, find, arrest, demolition or raid: joins the attack it follows."""
        return self.tier >= Tier.DISRUPTED

    @property
    def definite(self) -> bool:
        """A back-reference such as "the strike" rather than "an airstrike"."""
        return bool(_DEFINITE.match(self.trigger))


def triggers(sentence: str, rules: frozenset[str] | None = None) -> list[EventHit]:
    """Every trigger of every rule in ``sentence`` (spans relative to it).

    ``rules``: ids of the rules that can match (from :class:`TriggerIndex`); by default
    the sentence is scanned for them.
    """
    hits: list[EventHit] = []
    if rules is None:
        rules = BOOK.prefilter.keys_in(_fold(sentence))
    for rule in BOOK.triggers:
        if rule.id not in rules:
            continue
        for m in rule.regex.finditer(sentence):
            if rule.sub_event_type == "Air/drone strike" and _NOT_AN_AIRSTRIKE.match(
                    sentence, max(0, m.start() - 12), m.end()):
                continue
            hits.append(EventHit(rule.event_type, rule.sub_event_type, m.start(), m.end(), m.group(), rule.tier, rule.id))
    return hits


def _clause_before(sentence: str, pos: int, width: int = 60) -> str:
    chunk = sentence[max(0, pos - width):pos]
    cut = max(chunk.rfind(";"), chunk.rfind(":"), chunk.rfind(" — "), chunk.rfind("“"), chunk.rfind('"'))
    return chunk[cut + 1:] if cut >= 0 else chunk


def _is_live(sentence: str, hit: EventHit, cues: frozenset[str] = ALL_CUES) -> bool:
    """``cues``: the gated cues that can match in ``sentence`` (:mod:`incidents.gates`); the others are not searched."""
    before = _clause_before(sentence, hit.start, 70)
    if _HEDGE.search(before[-55:]):
        return False
    if _AFTER_SUBJECT.match(sentence[hit.end:hit.end + 40]):
        return False
    backref = "backref" in cues
    if backref:
        window = before[-45:] + sentence[hit.start:hit.end]
        m = _BACKREF.search(window)
        if m and m.start() < len(before[-45:]):
            return False  # "in retaliation for the attack on January 28": told as background
    if "time_after" in cues and _after_time_cue(sentence, hit.start):
        return False
    if backref and hit.is_bare and _RELATIVE_BEFORE.search(sentence[max(0, hit.start - 20):hit.start]) \
            and _BACKREF.search(sentence[:hit.start]):  # the cheap test first (a sentence of triggers was slow)
        return False  # "... for a drone strike on January 28 that killed three soldiers"
    return True


def _after_time_cue(sentence: str, pos: int) -> bool:
    """Is ``pos`` in the rest of a clause after "a day after", "in retaliation for"... (history)?"""
    if 0 < pos < len(sentence) and _is_word_char(sentence[pos - 1]) and _is_word_char(sentence[pos]):
        # inside a word the cue's closing \b would hold at ``pos`` only when the text is cut there
        for m in _TIME_AFTER.finditer(sentence, 0, pos):
            if pos < m.end() + _clause_rest(sentence, m.end()):
                return True
        return False
    return any(end <= pos < limit for end, limit in _time_cues(sentence))


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _clause_rest(sentence: str, start: int) -> int:
    stop = _CLAUSE_END.search(sentence, start)
    return stop.start() - start if stop else len(sentence)


@functools.lru_cache(maxsize=512)
def _time_cues(sentence: str) -> tuple[tuple[int, int], ...]:
    """(end, limit) of every time cue in ``sentence``: a position in [end, limit) is told after it.

    Worked out once per sentence: scanning the sentence again for every trigger in it was
    quadratic in a sentence made of trigger words.
    """
    return tuple((m.end(), m.end() + _clause_rest(sentence, m.end())) for m in _TIME_AFTER.finditer(sentence))


def in_history(sentence: str, pos: int, cues: frozenset[str] = ALL_CUES) -> bool:
    """Is ``pos`` inside a clause told as history ("..., a day after it said it killed a commander")?"""
    if "time_after" in cues and _after_time_cue(sentence, pos):
        return True
    if "backref" not in cues:
        return False
    window = sentence[max(0, pos - 45):pos]
    m = _BACKREF.search(window)
    if m is None:
        return False
    # "the school, which was sheltering displaced people, killed 12": the relative clause closed
    # at the comma and the count is the main clause's
    return not ("," in window[m.end():] and window.rstrip().endswith(","))


def is_background(sentence: str, fatalities: int | None = None, at: int | None = None) -> bool:
    """A toll or history sentence: its numbers belong to no single incident.

    ``at``: where the count is; a count after "in retaliation for", "after the
    killing of"... is history too.
    """
    if at is not None and (_BACKREF.search(sentence[:at]) or _TIME_AFTER.search(sentence[:at])):
        return True
    return bool(_GENERIC.search(sentence) or (fatalities is not None and (fatalities >= 500 or _AGGREGATE.search(sentence)))
                or _HEDGE.match(sentence))


def _generic(sentence: str, rules: frozenset[str] | None) -> bool:
    """Is the sentence about the war as a whole? Not an event compared with others: a "since", "to date" or
    "so far" after a superlative sums nothing up in a sentence that refers back to the event ("The attack on
    the camp was the deadliest such assault since Sep 23") or tells it first (".. killed 74 people, marking
    the deadliest US attack on Yemen to date"); before the event ("the deadliest day since October, with
    dozens killed") it is a day's or a war's sum."""
    m = _GENERIC.search(sentence)
    if m is None:
        return False
    record = _RECORD_SINCE.search(sentence)
    if record is None or not record.start() <= m.start() <= record.end() or \
            _GENERIC.search(sentence, record.end()) is not None:
        return True  # a sum told outside the comparison
    return not (_ANAPHORA.match(sentence) or triggers(sentence[:record.start()], rules))


def classify(sentence: str, fatalities: int | None = None, rules: frozenset[str] | None = None,
             cues: frozenset[str] = ALL_CUES) -> EventHit | None:
    """The incident a sentence reports, or None (statements, hedges, background).

    A back-reference ("in retaliation for the attack on January 28") is
    background even with its own date: the event is coded from its own reports.
    ``rules``: the trigger rules that can match (see :class:`TriggerIndex`); ``cues``: the
    gated cues that can match (:func:`incidents.gates.cues_in`), by default all.
    """
    if sentence.rstrip().endswith("?"):
        return None
    if "generic" in cues and _generic(sentence, rules):
        return None
    if fatalities is not None and (fatalities >= 500 or ("aggregate" in cues and _AGGREGATE.search(sentence))):
        return None
    hits = triggers(sentence, rules)
    live = [h for h in hits if _is_live(sentence, h, cues)]
    if not live:
        return None
    disc = _DISCOVERY.search(sentence) if "discovery" in cues else None
    if disc and not fatalities and not any(h.tier <= Tier.AIR or h.tier == Tier.STRIKE for h in live):
        found = EventHit(STRATEGIC, "Disrupted weapons use", disc.start(), disc.end(), disc.group(), Tier.DISRUPTED,
                         "discovery")
        if _is_live(sentence, found, cues):
            return found
    best = min(live, key=lambda h: (h.tier, h.start))
    if best.tier >= Tier.OPERATION:
        weapons = [h for h in hits if h.tier <= Tier.STRIKE and h.start < best.start]
        if weapons and fatalities is not None:
            w = weapons[-1]  # "a drone ... killed three": the weapon told before the killing
            best = replace(best, event_type=w.event_type, sub_event_type=w.sub_event_type)
    if best.event_type == EXPLOSIONS and not fatalities and any(
            h.sub_event_type == "Disrupted weapons use" and h.tier == Tier.DISRUPTED for h in live) and \
            not _IMPACT.search(sentence):
        return next(h for h in live if h.sub_event_type == "Disrupted weapons use")  # "air defences intercepted a missile"
    return refine_type(sentence, best, fatalities)


def _as(hit: EventHit, event_type: str, sub_event_type: str) -> EventHit:
    return replace(hit, event_type=event_type, sub_event_type=sub_event_type)


def refine_type(sentence: str, best: EventHit, fatalities: int | None) -> EventHit:
    """The ACLED type of a sentence's winning trigger, refined by its victims and context."""
    if best.is_bare or (best.event_type == VAC and best.sub_event_type == "Attack"):
        # a killing or shooting: fighters killed in fighting is a battle
        before = sentence[max(0, best.start - 60):best.start]
        if _PASSIVE_BEFORE.search(before):
            victims = before  # "three militants were killed"
        else:
            victims = sentence[best.end:best.end + 80]  # "gunmen killed a man": the victims follow
        if best.is_bare and _UNDER_FIRE.match(best.trigger) and _FORCES.search(sentence[max(0, best.start - 60):best.start]):
            return _as(best, BATTLES, "Armed clash")  # troops under fire
        if best.is_bare and best.event_type == VAC and _KILLED_IN_COMBAT.search(sentence):
            return _as(best, BATTLES, "Armed clash")
        if best.is_bare and best.event_type == VAC and COMBATANTS.search(victims) and not _CIVILIANS.search(victims):
            return _as(best, BATTLES, "Armed clash")
        if best.event_type == VAC and COMBATANTS.search(victims) and _FIGHTING.search(sentence):
            return _as(best, BATTLES, "Armed clash")
        if best.is_bare and best.sub_event_type == "Remote explosive/landmine/IED":
            return best
    if best.event_type == PROTESTS and best.sub_event_type == "Peaceful protest" and _INTERVENTION.search(sentence):
        return _as(best, PROTESTS, "Protest with intervention")
    if best.sub_event_type == "Other" and fatalities:
        victims = sentence[max(0, best.start - 80):best.end + 80]
        if COMBATANTS.search(victims) or CLASH.search(sentence):
            return _as(best, BATTLES, "Armed clash")
        return _as(best, VAC, "Attack")
    return best


def refine_cluster_type(hit: EventHit, sentences: list[str], fatalities: int | None) -> tuple[str, str, str]:
    """The ACLED type of a whole event (all its sentences): ``(event_type, sub_event_type, why)``.

    A raid or an arrest in which people were killed is a battle when armed men or fighting
    are named, else violence against civilians.
    """
    event_type, sub = hit.event_type, hit.sub_event_type
    if event_type == STRATEGIC and sub in ("Other", "Arrests") and fatalities:
        joined = " ".join(sentences)
        if COMBATANTS.search(joined) or CLASH.search(joined) or ARMED.search(joined):
            return BATTLES, "Armed clash", "deaths-in-operation:armed"
        if _OPERATION.search(joined):
            return BATTLES, "Armed clash", "deaths-in-operation:military-operation"
        return VAC, "Attack", "deaths-in-operation:civilians"
    return event_type, sub, ""
