"""Stage 2 of extraction: the candidates of one entry grouped into events.

Sentences of one event in one entry become one :class:`Cluster` ("An airstrike hit
X. The strike flattened a building. The dead included three children."); a sentence
that opens another event ("another strike hit Bint Jbeil", a different day, a town
far away, a different kind of attack) starts a new one. A sentence naming a place goes
back to the latest cluster at that place; a place-less one continues the cluster told
last.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from gazetteer import Gazetteer, Place

from .candidates import Candidate, EntryContext
from .dates import DateExpr
from .events import BOOK, EventHit, is_background
from .model import Entry, Mention
from .places import choose_place, refines, related, within_area
from .rules import Tier

_NEW_EVENT = BOOK.cue("new_event")
_OCCURRENCE = BOOK.cue("occurrence")
# a first trigger of these tiers says what the event is; later sentences add detail, not another type
_DEFINING_TIERS = frozenset({Tier.SUICIDE, Tier.AIR, Tier.WEAPON, Tier.BATTLE, Tier.RIOT, Tier.FORCE_ON_PROTEST,
                             Tier.PROTEST})
_ANAPHORA = BOOK.cue("anaphora")
_ENUMERATED = BOOK.cue("enumerated_part")
_PLURAL_TOTAL = BOOK.cue("plural_total")
_SINGULAR_PART = BOOK.cue("singular_part")


@dataclass
class Cluster:
    entry: Entry
    items: list[Candidate]
    place: Place | None = None
    place_mention: Mention | None = None
    precision: int = 3
    date: DateExpr | None = None
    place_cue: str = ""  # how the place was chosen: "sentence" or an inheritance strategy's name
    date_cue: str = ""  # how the date was chosen: "sentence" or an inheritance strategy's name

    _best: EventHit | None = None  # the hit so far, kept as items are added (recomputing it was quadratic)
    has_count: bool = False  # an item tells deaths
    _most: Candidate | None = None  # the first item telling the largest death count (kept as items are added)
    part_of: "Cluster | None" = None  # the total this one is an enumerated part of ("The second strike killed three")
    told_in_parts: bool = False  # a total whose parts are told one by one: no event besides them

    def add(self, cand: Candidate) -> None:
        self.items.append(cand)
        self.has_count = self.has_count or cand.fatalities is not None
        if cand.fatalities is not None and (self._most is None or cand.fatalities > self._most.fatalities):
            self._most = cand
        h = cand.hit
        first = self.items[0].hit
        if len(self.items) == 1:
            self._best = h
        elif first.tier in _DEFINING_TIERS and not first.definite:
            pass  # "Heavy clashes ... killed three. The fighting ... with rocket-propelled grenades": a clash
        elif first.is_bare or h.tier != Tier.STRIKE:  # a later bare "struck" retypes nothing
            if _rank(h) < _rank(self._best):
                self._best = h

    @property
    def hit(self) -> EventHit:
        """What the event is: a first trigger that names its kind; else its own specific trigger ("an
        airstrike"), else a specific one told back ("the strike on Ghobeiry"), else a bare killing."""
        return self._best

    @property
    def first_sentence(self) -> str:
        return self.items[0].sentence.text

    @property
    def deaths(self) -> int | None:
        """The largest death count its sentences tell, if any."""
        return None if self._most is None else self._most.fatalities

    @property
    def deaths_text(self) -> str:
        """The words of that count ("more than 80 people were killed")."""
        return "" if self._most is None else self._most.fatalities_text

    @property
    def plural_total(self) -> bool:
        """Is its largest count told of several strikes at once ("killed in double strikes on the camp")?"""
        c = self._most
        return c is not None and c.hit is not None and not c.toll and \
            _PLURAL_TOTAL.search(c.sentence.text[:c.hit.end]) is not None


def _rank(h: EventHit) -> tuple:
    return (h.is_bare, h.definite, h.tier)


def _own_place(cand: Candidate, gazetteer: Gazetteer):
    return choose_place(cand.place_mentions, "", gazetteer) if cand.place_mentions else None


def _opens_new_event(cand: Candidate, window: int) -> bool:
    return bool(_NEW_EVENT.search(cand.sentence.text[:window])) and not _ANAPHORA.match(cand.sentence.text)


def compatible(cluster: Cluster, cand: Candidate, ctx: EntryContext) -> bool:
    """Can ``cand`` tell the same event as ``cluster``?"""
    gazetteer = ctx.gazetteer
    if _opens_new_event(cand, ctx.settings.new_event_window):
        return False
    if cand.parts > 1 and any(it.sentence.start == cand.sentence.start and it.part != cand.part
                              for it in cluster.items[-cand.parts:]):
        return False  # "strikes on the Nuseirat and Bureij camps": the other place of the sentence is another incident
    if _ANAPHORA.match(cand.sentence.text):
        return True  # "The strike came on a main thoroughfare...": the same event told on
    a, b = cluster.hit, cand.hit
    own = _own_place(cand, gazetteer)
    # follow-ups of one operation (arrests, interceptions, "the raid") join it; a killing joins anything;
    # so does anything told of the same town on the same day ("troops raided X ... clashes in X")
    same_place = (own is not None and cluster.place is not None and not cluster.place.is_area
                  and not own.place.is_area and related(own.place, cluster.place, gazetteer, near_km=0))
    # a sentence with no place of its own goes on with the event told ("Settlers stormed X. A farmer was
    # shot in the leg.")
    same_kind = a.sub_event_type == b.sub_event_type or a.is_follow_up or b.is_follow_up or same_place or own is None
    # "U.S. killed five militiamen in eastern Syria ... warplanes targeted gatherings in Deir ez-Zor province":
    # the weapon of the killing told, at a place inside its area
    weapon_inside = (a.is_bare and not b.is_bare and own is not None and cluster.place is not None
                     and cluster.place.is_area and within_area(cluster.place, own.place, gazetteer))
    same_kind = same_kind or weapon_inside
    if not same_kind:
        return False
    if cand.date is not None and cluster.date is not None and cand.date.day != cluster.date.day:
        return False
    if own is not None and cluster.place is not None and not weapon_inside and not related(
            own.place, cluster.place, gazetteer, near_km=ctx.settings.cluster_km):
        return False
    return True


def absorb(cluster: Cluster, cand: Candidate, ctx: EntryContext) -> None:
    """Add ``cand`` to ``cluster``, taking its date and a more specific place."""
    gazetteer = ctx.gazetteer
    first = not cluster.items
    anaphoric = not first and bool(_ANAPHORA.match(cand.sentence.text))
    choice = choose_place(cand.place_mentions, ctx.text, gazetteer) if cand.place_mentions else None
    other_day = cand.date is not None and cluster.date is not None and cand.date.day != cluster.date.day
    # "Drone strikes killed eight soldiers on a southern suburb of Damascus, officials said on Wednesday. The
    # ministry said the attacks took place Tuesday in the suburb of Kiswah": the event's own day and town
    occurrence = anaphoric and bool(_OCCURRENCE.search(cand.sentence.text))
    if anaphoric:
        # "The strike came amid ... days after ... in Jordan": keep it with the event it refers to,
        # but take nothing from clauses about other places; "The fighting in X erupted on Saturday
        # evening" tells the event's place (inside the one so far) but not a day of its own
        near = ctx.settings.occurrence_km if occurrence else ctx.settings.cluster_km
        if choice is not None and cluster.place is not None and not cluster.place.is_area \
                and not related(choice.place, cluster.place, gazetteer, near_km=near):
            return
        if other_day and not occurrence and not (choice is not None and cluster.place is not None
                                                 and refines(choice.place, cluster.place, gazetteer, ctx.settings.cluster_km)):
            return
    cluster.add(cand)
    if occurrence and cand.date is not None and cand.date.precision == 1:
        cluster.date, cluster.date_cue = cand.date, "occurrence"
    elif cand.date is not None and not (anaphoric and other_day) and (first or cand.date.precision == 1) and (
            cluster.date is None or (cluster.date.precision > 1 and cand.date.precision == 1)):
        cluster.date, cluster.date_cue = cand.date, "sentence"
    if choice is None:
        return
    off_coast = (cluster.place is not None and cluster.place.kind == "sea" and choice.cue == "near"
                 and choice.place.is_settlement)  # "a ship in the Red Sea ... The attack off the port of Hodeida"
    # "a Hezbollah drone killed four soldiers at one of its bases, as it expanded its bombardments of Lebanon.
    # The attack on a camp in Binyamina ...": the event told on names its town; a country named only in
    # passing was no place of the event
    told_on = (anaphoric and cluster.place is not None and cluster.place.kind == "country"
               and not choice.place.is_area and choice.place.country != cluster.place.country) or (
        occurrence and not choice.place.is_area)
    if cluster.place is None or off_coast or told_on or refines(choice.place, cluster.place, gazetteer,
                                                                ctx.settings.cluster_km):
        # inside the place so far ("the Ghobeiry district of the Dahiyeh"), or more specific beside it;
        # never a place elsewhere ("strikes in southern Lebanon ... came after a missile at Tel Aviv")
        cluster.place, cluster.place_mention, cluster.precision = choice.place, choice.mention, choice.precision
        cluster.place_cue = (cand.place_ref or "sentence") + ":" + choice.cue


def _cluster_for(clusters: list[Cluster], current: Cluster | None, cand: Candidate, ctx: EntryContext) -> Cluster | None:
    """The cluster of this entry a sentence continues.

    A sentence that names a place continues the latest cluster at that place
    ("... late Wednesday and another strike hit Bint Jbeil. The strike on the
    southern suburbs flattened a building in Haret Hreik" goes back to the
    Dahiyeh strike); one that names none continues the cluster told last.
    """
    if not clusters:
        return None
    gazetteer = ctx.gazetteer
    own = _own_place(cand, gazetteer)
    if own is not None and not own.place.is_area and not _NEW_EVENT.search(cand.sentence.text[:ctx.settings.new_event_window]):
        for cl in reversed(clusters):
            if cl.place is not None and not cl.place.is_area and related(own.place, cl.place, gazetteer,
                                                                         near_km=ctx.settings.cluster_km) \
                    and compatible(cl, cand, ctx):
                return cl
    current = current or clusters[-1]
    if own is None and cand.hit.definite and cand.hit.sub_event_type != current.hit.sub_event_type:
        # "the strike ..." with no place of its own: the latest strike told, not the latest event
        for cl in reversed(clusters):
            if cl.hit.sub_event_type == cand.hit.sub_event_type and compatible(cl, cand, ctx):
                return cl
    if compatible(current, cand, ctx):
        return current
    return None


def _told_just_before(current: Cluster | None, cand: Candidate, ctx: EntryContext) -> bool:
    """Was the event told last told within ``toll_window`` characters before ``cand``?"""
    return current is not None and current.items[-1].sentence.end >= cand.sentence.start - ctx.settings.toll_window


def _toll_joins(current: Cluster | None, cand: Candidate, ctx: EntryContext) -> bool:
    """"The dead included three children": the toll of the event just told, if it has none yet."""
    if not _told_just_before(current, cand, ctx):
        return False
    rel = cand.fatalities_at - cand.sentence.start
    if is_background(cand.sentence.text, cand.fatalities, rel):
        return False
    return not current.has_count


def cluster_candidates(cands: list[Candidate], ctx: EntryContext) -> list[Cluster]:
    """The events an entry's candidates tell, in the order they are first told."""
    clusters: list[Cluster] = []
    current: Cluster | None = None  # the cluster told last
    for cand in cands:
        if cand.occurrence:
            if _told_just_before(current, cand, ctx):
                absorb(current, replace(cand, hit=current.items[-1].hit), ctx)
            continue
        if cand.toll:
            if _toll_joins(current, cand, ctx):
                current.add(replace(cand, hit=current.items[-1].hit))
            continue
        whole = _enumerated_whole(current, cand)
        if whole is not None:  # "The second Rafah strike killed three": a part of the total, an event of its own
            target = Cluster(ctx.entry, [], part_of=whole)
            clusters.append(target)
            absorb(target, cand, ctx)
            if target.date is None and whole.date is not None:  # "overnight on Friday" told of the total
                target.date, target.date_cue = whole.date, "enumerated_whole"
            current = target
            continue
        target = _cluster_for(clusters, current, cand, ctx)
        if target is None and cand.quoted and not cand.quote_names_town:
            continue  # direct speech with no town of its own tells no new event ("'We are fighting,' he said")
        if target is None:
            target = Cluster(ctx.entry, [])
            clusters.append(target)
        absorb(target, cand, ctx)
        current = target
    return _mark_enumerated_totals(clusters, ctx)


def _enumerated_whole(current: Cluster | None, cand: Candidate) -> Cluster | None:
    """The counted total that a sentence telling its own deaths is a part of: the cluster told last, or the
    total that one is a part of. A part opens with an ordinal ("Twenty-two were killed in strikes on two
    buildings in Rafah. The first airstrike ... killed five. The second Rafah strike killed three."), or tells
    one strike after a total of several ("More than 80 were killed in double strikes on the camp. At least 50
    were killed in an Israeli strike at dawn on the school ... A separate strike ... killed 32")."""
    if current is None or cand.fatalities is None:
        return None
    whole = current.part_of or current
    if whole.deaths is None or cand.fatalities > whole.deaths:
        return None  # five told after a total of three is no part of it
    text = cand.sentence.text
    if _ENUMERATED.match(text):
        return whole
    if cand.fatalities < whole.deaths and whole.plural_total and cand.hit is not None and \
            _SINGULAR_PART.search(text[:cand.hit.end + 20]):
        return whole
    return None


_OVER = tuple(BOOK.vocab("count_lower_bounds"))  # "more than 80" may be 50 and 32 told one by one


def _at_most(whole: Cluster) -> int:
    """The most its parts can add up to: the total, or a little more for "more than 80" (50 and 32)."""
    n = whole.deaths or 0
    return n + n // 5 if whole.deaths_text.lower().startswith(_OVER) else n


def _mark_enumerated_totals(clusters: list[Cluster], ctx: EntryContext) -> list[Cluster]:
    """A total whose parts are told one by one is not an event besides them: it is marked ``told_in_parts``
    when its parts' deaths add up to no more than it and each part is at its place (a part elsewhere says
    the total was of a wider area). Extraction drops it after dedupe has matched its retellings in other
    entries (a lead repeated above the story) to it, so that they go too."""
    parts: dict[int, list[Cluster]] = {}
    for cl in clusters:
        if cl.part_of is not None:
            parts.setdefault(id(cl.part_of), []).append(cl)
    for cl in clusters:
        told = parts.get(id(cl))
        told_sum = sum(p.deaths or 0 for p in told) if told else 0
        # parts told as one strike each (no ordinal) must add up to most of the total: else they are strikes
        # besides the one the total tells ("more than 80 ... in double strikes" and only "a separate strike ... 32")
        covered = all(_ENUMERATED.match(p.items[0].sentence.text) for p in told or ()) or \
            told_sum * 5 >= (cl.deaths or 0) * 4
        if told and cl.deaths is not None and covered and told_sum <= _at_most(cl) and all(
                p.place is None or cl.place is None or related(p.place, cl.place, ctx.gazetteer,
                                                               near_km=ctx.settings.cluster_km) for p in told):
            cl.told_in_parts = True
    return clusters
