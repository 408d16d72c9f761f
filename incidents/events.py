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

import functools
import re
from dataclasses import dataclass

import ahocorasick

from gazetteer.text import fold as _fold

EXPLOSIONS = "Explosions/Remote violence"
BATTLES = "Battles"
VAC = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"

# (priority, event_type, sub_event_type, pattern); lower priority wins when several match
_RULES: list[tuple[int, str, str, str]] = [
    (0, EXPLOSIONS, "Suicide bomb", r"suicide (?:bomb(?:ing|er)?|attack(?:er)?|blast)s?"),
    (1, EXPLOSIONS, "Air/drone strike",
     r"air ?strikes?|airstrikes?|air raids?|air attacks?|aerial (?:bombardment|attack|strike|bombing)s?|drone strikes?|"
     r"drone attacks?|(?:strike|attack|struck|hit|targeted) by (?:a |an )?(?:drone|warplane|jet|aircraft|helicopter)s?|"
     r"warplanes?|fighter jets?|helicopter gunships?|bombed|bombing|bombings|bombardment|"
     r"(?:Israeli|US|U\.S\.|American|British|Russian|Syrian|Turkish|Saudi|Jordanian|Iranian|coalition|Houthi|Hezbollah)"
     r"(?: military| army)? strikes?|(?:drone|drones) (?:hit|struck|targeted|crashed into|slammed into)|"
     r"(?:a|an|the|another|two|three|several|multiple|separate|second|latest|overnight|deadly|fresh|new) strikes?(?! (?:on|against) (?:Iran|Yemen)'s)|"
     r"strikes? (?:hit|hits|struck|targeted|on|in|near|against|across|killed|that killed|killing)|struck|"
     r"precision strikes?|targeted killing|[A-Z]\w+(?:'s|’s) (?:air ?)?strikes?|"
     r"drones? (?:that |which )?(?:hit|struck|slammed into|crashed into|exploded)"),
    (2, EXPLOSIONS, "Shelling/artillery/missile attack",
     r"shell(?:ing|ed)|tank shells?|artillery (?:fire|shells?|strikes?|shelling|barrages?)|artillery|"
     r"(?:rocket|missile|mortar|drone|projectile) (?:fire|attacks?|barrages?|salvos?|strikes?|rounds?|shells?|impacts?)|"
     r"(?:fired|launched|shot) (?:a |an |two |three |several |dozens of |\d+ )?(?:\w+ )?(?:rockets?|missiles?|mortars?|projectiles?|drones?)|"
     r"(?:rockets?|missiles?|mortars?|projectiles?|mortar shells?|mortar rounds?)(?: were| was)? (?:fired|launched|hit|hits|struck|strikes|landed|slammed|fell|exploded|impacted|targeted)|"
     r"(?:rockets?|missiles?) (?:at|on|toward|towards|into)|anti-tank missiles?|ballistic missiles?|cruise missiles?|"
     r"naval (?:shelling|bombardment|gunfire|fire)|navy (?:gunfire|fire|shelling)|gunboats? (?:fire|opened fire|fired)|"
     r"tank fire|barrage|shrapnel|shells?(?: [\w-]+){0,4} (?:hit|struck|landed|fell|slammed|exploded)|(?:rockets?|missiles?|drones?|projectiles?|interceptors?|mortar shells?)(?: [\w-]+){0,3} "
     r"(?:came down|fell|landed|crashed|impacted|exploded)|(?:targeted|attacked|hit|struck|fired (?:on|at)) (?:a |an |the |two |another )?(?:[\w-]+ ){0,2}"
     r"(?:ship|vessel|tanker|freighter|carrier|warship|destroyer|bulk carrier|container ship)s?"),
    (2, EXPLOSIONS, "Remote explosive/landmine/IED",
     r"roadside bombs?|improvised explosive|IEDs?|landmines?|land mines?|car bombs?|explosive devices?|booby[- ]trap(?:ped)?|"
     r"explosive-laden|detonat(?:ed|ion)|pager|walkie-talkie"),
    (2, EXPLOSIONS, "Grenade", r"grenades?"),
    (3, BATTLES, "Armed clash",
     r"clash(?:es|ed)?|gun ?battles?|firefights?|exchanges? of fire|exchanged fire|fought|battled|battles?|"
     r"ambush(?:ed)?|fighting (?:with|between|against)|engaged (?:with )?(?:militants|fighters|gunmen)|"
     r"gunmen opened fire|shootout|confront(?:ed|ing) (?:an |the )?(?:[\w-]+ ){0,2}(?:force|forces|troops|unit|soldiers)|"
     r"repell?ed (?:an |the )?(?:\w+ )?(?:attack|advance|incursion|infiltration)"),
    (4, RIOTS, "Mob violence",
     r"settlers? (?:attacked|attack|rampaged|torched|set fire|stormed|raided|assaulted|beat|hurled)|settler attacks?|"
     r"settler violence|lynch(?:ed|ing)?|mob"),
    (4, RIOTS, "Violent demonstration",
     r"rioters?|riots?|threw stones|stone[- ]throw(?:ing|ers)|hurled stones|Molotov|petrol bombs?|firebombs?"),
    (5, PROTESTS, "Excessive force against protesters",
     r"(?:fired|opened fire|shot) (?:on|at|into) (?:protesters|demonstrators|crowds?|marchers)"),
    (5, PROTESTS, "Protest with intervention",
     r"dispersed (?:the |a )?(?:protesters|demonstrators|crowds?|rally|protest|march|sit-in|gathering)|tear ?gas|"
     r"rubber bullets|water cannons?|stun grenades?"),
    (6, PROTESTS, "Peaceful protest",
     r"protest(?:s|ers|ors|ed|ing)?|demonstrat(?:ion|ions|ors|ed|ing)|rall(?:y|ies|ied)|marche[ds]|sit-ins?|vigils?|"
     r"general strike|hunger strike|blockaded|blocked (?:the )?(?:aid )?(?:trucks|convoys?|roads?|the crossing|entrance)"),
    (7, VAC, "Abduction/forced disappearance",
     r"abduct(?:ed|ion|s)|kidnap(?:ped|ping|s)|taken hostage|seized (?:a|an|the|two|three) (?:civilians?|men|women|journalists?)"),
    (7, VAC, "Attack",
     r"shot (?:dead|and killed|and wounded)|shot (?:him|her|them)|shooting|shootings|opened fire|gunfire|gunshots?|"
     r"stabb(?:ed|ing)|ramming attack|rammed (?:his|her|a) (?:car|vehicle|truck)|run over|executed|beaten to death|tortured|shot(?! down)"),
    (8, STRATEGIC, "Disrupted weapons use",
     r"intercept(?:ed|ion|s|ing)?|shot down|downed|air defen[cs]es?|defused|dismantled|foiled|thwarted|"
     r"seized (?:weapons|arms|explosives|rockets)|weapons cache|(?:uncovered|discovered|found|located|destroyed|exposed) "
     r"(?:a |an |the |several |dozens of |\w+ )?(?:tunnels?|tunnel shafts?|weapons|arms|rocket launchers?|launchers?|"
     r"explosives|weapons depot|caches?)"),
    (9, STRATEGIC, "Arrests",
     r"arrest(?:ed|s|ing)?|detain(?:ed|ing|s)?|detention raids?|rounded up|taken into custody"),
    (9, STRATEGIC, "Looting/property destruction",
     r"demolish(?:ed|es|ing)?|demolitions?|bulldoz(?:ed|er|ers|ing)|razed|torched|set (?:fire|ablaze) to|burned (?:down )?(?:homes|houses|cars|vehicles|fields|olive trees)|"
     r"loot(?:ed|ing)|vandali[sz]ed|uprooted"),
    (10, STRATEGIC, "Other",
     r"raid(?:s|ed|ing)?|stormed|incursions?|military operation in|besieged"),
    (11, VAC, "Attack",  # a killing with no weapon named; refined by the victims
     r"killed|killing|killings|slain|died|wounded|injured|martyred|shot dead|came under (?:fire|attack|gunfire)|"
     r"(?:was|were) fired (?:up)?on"),
    (11, EXPLOSIONS, "Remote explosive/landmine/IED", r"(?:explosion|blast)s?"),
]

_RULES_RE = [(prio, et, st, re.compile(r"\b(?:" + pat + r")\b", re.I)) for prio, et, st, pat in _RULES]

COMBATANTS = re.compile(
    r"\b(?:militants?|fighters?|gunmen|soldiers?|troops|combatants?|commanders?|operatives?|members of (?:the )?\w+|"
    r"terrorists?|insurgents?|Hezbollah (?:members|fighters|commander)|Hamas (?:members|fighters|commander)|"
    r"militiam[ae]n|militia|reservists?|(?:Sgt|Staff Sgt|Sgt\. First Class|Cpl|Capt|Lt|Maj|Col|Pvt|Warrant Officer)\.?)\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:would|will|could|might|may|should|plans? to|planned|planning|threat(?:en)?(?:ed|s)? to|vow(?:ed|s)? to|"
    r"prepar(?:ing|es|ed) (?:to|for)|intends? to|possible|potential|looming|imminent|expected|if|unless|"
    r"warn(?:ed|s|ing)? (?:of|that|against|about)|fears?(?:ed)?|risk of|in order to|aim(?:ed|s)? (?:at|to)|"
    r"to prevent|avoid|call(?:ed|s|ing)? for|demand(?:ed|s|ing)?|urg(?:ed|es|ing)|condemn(?:ed|s|ing)?|"
    r"end to|halt to|stop (?:the)?|ceasefire|cease-fire|truce|any|no|not|never|without|denied|deny|denies|"
    r"rule[sd]? out|readiness|ready to|capab(?:le|ility) of|authorized|authorised|approved|order(?:ed)? to|must|ensure|"
    r"in charge of|responsible for|specialist in|expert in|capabilities|operations? for|"
    r"halt(?:ing|ed|s)?|end(?:ing|ed)|stop(?:ping|ped|s)?|prevent(?:ing|ed|s)?|ban(?:ning|ned|s)?|against the|"
    r"concern(?:ed|s)? (?:by|about|over|at)|use of|denounc\w*|decr(?:y|ied|ies)|criticis\w+|criticiz\w+|"
    r"investigat\w+|probe into|inquiry into)\b",
    re.I,
)
_BACKREF = re.compile(
    r"\b(?:in retaliation for|(?:in )?response to|retaliat\w* (?:for|against)|blamed .{0,60}? for|responsible for|"
    r"accused .{0,40}? of|since|(?:after|following) (?:the|its|their|this|that|last|his|her) (?:[\w'’-]+ ){0,5}?"
    r"(?:strikes?|attacks?|killings?|assassination|bombing|raids?|assault|shelling|explosion|blast|massacre|war|"
    r"offensive|incursion|invasion|operation)\b|before|prior to|amid|"
    r"(?:days|weeks|hours|months|years|a day|a week|a month|two days|three days|shortly|soon|just) after|in the wake of|"
    r"the start of|began with|anniversary|remember(?:ed|ing)?|commemorat\w+|recalled|like the|similar to|"
    r"deadliest since|worst since|reminder of|who (?:was|were|had been|has been|have been|threw|hurled|tried|attempted|allegedly|had|carried out)|which (?:was|were)|"
    r"referenc\w*|referring to|ongoing|the latest in a series)\b",
    re.I,
)
_TIME_AFTER = re.compile(r"\b(?:(?:days|weeks|hours|months|years|a day|a week|a month|two days|three days|shortly|soon|just)"
                         r" after|in the wake of|in (?:retaliation|response) (?:for|to))\b", re.I)
_GENERIC = re.compile(
    r"\b(?:regularly|repeatedly|routinely|frequently|almost daily|near-daily|on a daily basis|every day|in recent (?:weeks|months)|"
    r"(?:last|past) 24 hours|bodies (?:brought|were brought|have been brought) to hospitals|"
    r"since (?:the )?(?:mid-?|early |late )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*|since (?:19|20)\d\d|"
    r"(?:war|offensive|campaign|bombardment)(?: \w+){0,4} (?:has|have) killed|"
    r"since the (?:start|beginning|outbreak)|since (?:Oct(?:ober)?\.? 7|the war began|the war started|the start)|"
    r"during that time|so far|to date|in total|overall|cumulative|death toll(?! (?:from|of|in) (?:the |[A-Z]\w+(?:'s|’s) )(?:[\w-]+ ){0,2}(?:strike|attack|bombing|raid|blast|explosion|shelling))|toll (?:has |had )?(?:risen|rose|reached|climbed)(?! to \d+ (?:from|in|after) (?:the|[A-Z]\w+(?:'s|’s)))|"
    r"throughout the war|over the course of the war|(?:killed|died|dead) (?:in|during) the war|since the war|over the past (?:\w+ )?(?:months|weeks|year)|"
    r"(?:tens of )?thousands of (?:people|civilians|Palestinians) (?:have|had)? ?(?:been )?(?:killed|wounded|displaced)|"
    r"have been killed in (?:the )?(?:fighting|war|attacks|strikes)|press(?:ed|es|ing)? on with|"
    r"continu(?:ed|es|ing) (?:its |their |the )?(?:\W?\w+\W? )?(?:operations?|offensive|raids?|campaign)|"
    r"(?:have|has) crossed|fled (?:to|into|across))\b",
    re.I,
)
# a death count summed over a whole country or territory is not one incident
_AGGREGATE = re.compile(
    r"\b(?:since (?:dawn|midnight|daybreak|the morning|this morning|early morning|morning)|in the past day|"
    r"over the past day|across (?:the )?(?:(?:northern|southern|eastern|western|central|occupied) )?(?:country|Gaza|Gaza Strip|Strip|Lebanon|southern Lebanon|south Lebanon|territory|enclave|"
    r"region|West Bank|occupied West Bank|Syria|Iraq|Yemen)\b|nationwide|throughout the (?:territory|enclave|Strip))",
    re.I,
)


# Every rule above needs at least one word starting with one of these stems; a sentence with none
# of them cannot report an incident. (tests/test_events.py checks the stems cover every rule.)
TRIGGER_STEMS = (
    "strik", "airst", "raid", "aeri", "dron", "warpl", "jet", "aircr", "helic", "bomb", "struck", "hit", "explo",
    "shell", "artil", "rocke", "missi", "morta", "proje", "fire", "barra", "salvo", "shrap", "gunbo", "naval", "navy",
    "ship", "vessel", "tanker", "freig", "carri", "warsh", "destr", "launc", "shot", "shoot", "ied", "landm",
    "lande", "mine", "booby", "deton", "pager", "walki", "grena", "clash", "battl", "firef", "excha", "fough",
    "ambus", "fight", "engag", "gunme", "gunfi", "gunsh", "settl", "lynch", "mob", "riot", "stone", "molot", "petro",
    "dispe", "tear", "rubbe", "water", "stun", "prote", "demon", "rall", "march", "sit-in", "vigil", "block",
    "abduc", "kidna", "hosta", "seize", "stabb", "rammi", "ramme", "run over", "execu", "beate", "tortu", "inter",
    "downe", "defen", "defus", "disma", "foile", "thwar", "cache", "uncov", "disco", "found", "locat", "expos",
    "confi", "arres", "detai", "deten", "rounded", "custo", "demol", "bulld", "razed", "torch", "set fire",
    "set ablaze", "burne", "loot", "vanda", "uproo", "storm", "incur", "opera", "besie", "evacu", "order", "kill",
    "slain", "died", "dead", "wound", "injur", "marty", "blast", "hurle", "threw", "throw", "hunge", "gener",
    "suici", "impac", "crash", "slamm", "fell", "tank", "targe", "preci", "bullet", "cannon", "came down", "bodies",
    "confr", "repel",
)


def _stem_automaton():
    auto = ahocorasick.Automaton()
    for stem in TRIGGER_STEMS:
        auto.add_word(_fold(stem), (len(stem), stem))
    auto.make_automaton()
    return auto


_STEMS_AUTO = _stem_automaton()


def trigger_positions(folded: str) -> list[int]:
    """Start offsets of trigger stems at word starts in ``folded`` (``gazetteer.text.fold`` of a text).

    One Aho-Corasick pass: the pre-filter that lets extraction skip the sentences
    (most of a live page) that cannot report an incident.
    """
    out = []
    for end, (length, _) in _STEMS_AUTO.iter(folded):
        start = end - length + 1
        if start == 0 or not folded[start - 1].isalnum():
            out.append(start)
    out.sort()
    return out


@dataclass(frozen=True)
class EventHit:
    event_type: str
    sub_event_type: str
    start: int  # trigger span, relative to the sentence
    end: int
    trigger: str
    priority: int

    @property
    def definite(self) -> bool:
        """A back-reference such as "the strike" rather than "an airstrike"."""
        return bool(_DEFINITE.match(self.trigger))


_NOT_AN_AIRSTRIKE = re.compile(r"(?i)(?:hunger|general|labou?r|workers'?) strike")
# the stems each rule's matches contain: a rule none of whose stems is in a sentence is not run
_RULE_STEMS = [tuple(st for st in TRIGGER_STEMS if st in pat.lower()) for _, _, _, pat in _RULES]


def triggers(sentence: str) -> list[EventHit]:
    """Every trigger of every rule in ``sentence`` (spans relative to it)."""
    hits: list[EventHit] = []
    present = {stem for _, (_, stem) in _STEMS_AUTO.iter(_fold(sentence))}  # every stem inside the sentence
    for (prio, et, st, rx), stems in zip(_RULES_RE, _RULE_STEMS):
        if stems and present.isdisjoint(stems):
            continue
        for m in rx.finditer(sentence):
            if et == EXPLOSIONS and st == "Air/drone strike" and _NOT_AN_AIRSTRIKE.match(
                    sentence, max(0, m.start() - 12), m.end()):
                continue
            hits.append(EventHit(et, st, m.start(), m.end(), m.group(), prio))
    return hits


def _clause_before(sentence: str, pos: int, width: int = 60) -> str:
    chunk = sentence[max(0, pos - width):pos]
    cut = max(chunk.rfind(";"), chunk.rfind(":"), chunk.rfind(" — "), chunk.rfind("“"), chunk.rfind('"'))
    return chunk[cut + 1:] if cut >= 0 else chunk


_AFTER_SUBJECT = re.compile(
    r"^\s+(?:don[’']t|do not|didn[’']t|did not|want|wants|wanted|say|says|said|believe|believes|argue|argued|hope|"
    r"demand|demanded|would|will|could|may|might|plan|plans|planned|have said|claim|claimed that|called|urged|"
    r"warned|vowed|threatened|are expected|were expected|is expected|(?:\w+\s+){0,3}?(?:could be heard|can be heard|"
    r"were heard|was heard|could be seen|were reported))\b",
    re.I,
)


def _is_live(sentence: str, hit: EventHit) -> bool:
    before = _clause_before(sentence, hit.start, 70)
    if _HEDGE.search(before[-55:]):
        return False
    if _AFTER_SUBJECT.match(sentence[hit.end:hit.end + 40]):
        return False
    window = before[-45:] + sentence[hit.start:hit.end]
    m = _BACKREF.search(window)
    if m and m.start() < len(before[-45:]):
        return False  # "in retaliation for the attack on January 28": told as background
    if _after_time_cue(sentence, hit.start):
        return False
    if hit.priority >= 11 and re.search(r"\b(?:that|which|who)\s+(?:\w+\s+)?$", sentence[max(0, hit.start - 20):hit.start]) \
            and _BACKREF.search(sentence[:hit.start]):
        return False  # "... for a drone strike on January 28 that killed three soldiers"
    return True


_DISCOVERY = re.compile(r"\b(?:uncovered|discovered|found|located|seized|confiscated|exposed)\b[^.;]{0,80}\b(?:weapons|arms|explosives|rockets?|grenades|mortars|launchers?|tunnels?|ammunition|caches?)\b", re.I)
_DEFINITE = re.compile(r"^(?:the|this|that|its|their)\s", re.I)


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
    stop = re.search(r"[;.—]|,\s+(?:[A-Z]|and |but |while )", sentence[start:])
    return stop.start() if stop else len(sentence)


@functools.lru_cache(maxsize=512)
def _time_cues(sentence: str) -> tuple[tuple[int, int], ...]:
    """(end, limit) of every time cue in ``sentence``: a position in [end, limit) is told after it.

    Worked out once per sentence: scanning the sentence again for every trigger in it was
    quadratic in a sentence made of trigger words.
    """
    return tuple((m.end(), m.end() + _clause_rest(sentence, m.end())) for m in _TIME_AFTER.finditer(sentence))


def in_history(sentence: str, pos: int) -> bool:
    """Is ``pos`` inside a clause told as history ("..., a day after it said it killed a commander")?"""
    return _after_time_cue(sentence, pos) or bool(_BACKREF.search(sentence[max(0, pos - 45):pos]))


def is_background(sentence: str, fatalities: int | None = None, at: int | None = None) -> bool:
    """A toll or history sentence: its numbers belong to no single incident.

    ``at``: where the count is; a count after "in retaliation for", "after the
    killing of"... is history too.
    """
    if at is not None and (_BACKREF.search(sentence[:at]) or _TIME_AFTER.search(sentence[:at])):
        return True
    return bool(_GENERIC.search(sentence) or (fatalities is not None and (fatalities >= 500 or _AGGREGATE.search(sentence)))
                or _HEDGE.match(sentence))


def classify(sentence: str, fatalities: int | None = None) -> EventHit | None:
    """The incident a sentence reports, or None (statements, hedges, background).

    A back-reference ("in retaliation for the attack on January 28") is
    background even with its own date: the event is coded from its own reports.
    """
    if sentence.rstrip().endswith("?"):
        return None
    if _GENERIC.search(sentence):
        return None
    if fatalities is not None and (fatalities >= 500 or _AGGREGATE.search(sentence)):
        return None
    hits = triggers(sentence)
    live = [h for h in hits if _is_live(sentence, h)]
    if not live:
        return None
    disc = _DISCOVERY.search(sentence)
    if disc and not fatalities and not any(h.priority <= 1 for h in live):
        if _is_live(sentence, EventHit("", "", disc.start(), disc.end(), "", 8)):
            return EventHit(STRATEGIC, "Disrupted weapons use", disc.start(), disc.end(), disc.group(), 8)
    best = min(live, key=lambda h: (h.priority, h.start))
    if best.priority >= 10:
        weapons = [h for h in hits if h.priority <= 2 and h.start < best.start]
        if weapons and fatalities is not None:
            w = weapons[-1]
            best = EventHit(w.event_type, w.sub_event_type, best.start, best.end, best.trigger, best.priority)
    if best.event_type == EXPLOSIONS and not fatalities and any(
            h.sub_event_type == "Disrupted weapons use" and h.priority == 8 for h in live) and not re.search(
            r"\b(?:hit|struck|landed|impacted|exploded|damaged|wounded|injured)\b", sentence, re.I):
        intercept = next(h for h in live if h.sub_event_type == "Disrupted weapons use")
        return intercept  # "air defences intercepted a missile fired from Yemen"
    if best.priority >= 11 or (best.event_type == VAC and best.sub_event_type == "Attack"):
        # a killing or shooting: fighters killed in fighting is a battle
        before = sentence[max(0, best.start - 60):best.start]
        if re.search(r"\b(?:were|was|been|being|are|is)\s+(?:\w+ly\s+)?$", before):
            victims = before  # "three militants were killed"
        else:
            victims = sentence[best.end:best.end + 80]  # "gunmen killed a man": the victims follow
        if best.priority >= 11 and re.match(r"(?i)came under|(?:was|were) fired", best.trigger) and re.search(
                r"\b(?:troops|soldiers|forces|police|army|patrol|unit|fighters|militants|gunmen|officers?)\b",
                sentence[max(0, best.start - 60):best.start], re.I):
            return EventHit(BATTLES, "Armed clash", best.start, best.end, best.trigger, best.priority)  # troops under fire
        if best.priority >= 11 and best.event_type == VAC and re.search(r"\bkilled (?:in|during) (?:combat|battle|fighting|clashes)\b", sentence, re.I):
            return EventHit(BATTLES, "Armed clash", best.start, best.end, best.trigger, best.priority)
        if best.priority >= 11 and best.event_type == VAC and COMBATANTS.search(victims) and not re.search(
                r"\b(?:civilians?|children|women|residents|journalists?|medics?|paramedics?|aid workers?)\b", victims, re.I):
            return EventHit(BATTLES, "Armed clash", best.start, best.end, best.trigger, best.priority)
        if best.event_type == VAC and COMBATANTS.search(victims) and re.search(
                r"\b(?:clash\w*|fighting|fought|battles?|battled|exchanges? of fire|exchanged fire|combat|gunfight)\b",
                sentence, re.I):
            return EventHit(BATTLES, "Armed clash", best.start, best.end, best.trigger, best.priority)
        if best.priority >= 11 and best.sub_event_type == "Remote explosive/landmine/IED":
            return best
    if best.event_type == PROTESTS and best.sub_event_type == "Peaceful protest":
        if re.search(r"\b(?:dispersed|tear ?gas|rubber bullets|water cannon|arrested|detained)\b", sentence, re.I):
            return EventHit(PROTESTS, "Protest with intervention", best.start, best.end, best.trigger, best.priority)
    if best.sub_event_type == "Other" and fatalities:
        victims = sentence[max(0, best.start - 80):best.end + 80]
        if COMBATANTS.search(victims) or re.search(r"\b(?:clash|gunfight|exchange of fire|battle)", sentence, re.I):
            return EventHit(BATTLES, "Armed clash", best.start, best.end, best.trigger, best.priority)
        return EventHit(VAC, "Attack", best.start, best.end, best.trigger, best.priority)
    return best
