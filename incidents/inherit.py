"""Stage 3 of extraction: which clusters are incidents, and where and when the others' gaps are filled from.

Clusters that are only back-references ("the strike" of an event told elsewhere),
claims with no place, or earlier events with no place of their own are dropped. A
cluster that names no place takes one by the first strategy of
:data:`PLACE_STRATEGIES` that has one; a cluster that states no day takes one from
:data:`DATE_STRATEGIES`. Each strategy has a name, recorded in the incident's ``why``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gazetteer import Place

from .candidates import EntryContext
from .clauses import short_gap
from .clusters import Cluster
from .dates import DateExpr
from .events import BOOK
from .places import choose_place, refines

_UNKNOWN_PLACE = BOOK.cue("unknown_place")
_CLAIM = BOOK.cue("claim")


@dataclass
class Settled:
    """The entry's clusters so far, as the strategies see them."""

    clusters: list[Cluster]
    prev: Cluster | None = None  # the incident told just before in this entry
    _entry_choice: object = None  # the entry's own place (computed once), False when it has none
    _entry_dates: list[DateExpr] | None = None
    _told: dict[int, int] | None = None

    def told(self) -> dict[int, int]:
        """Where the sentences of the entry's events start -> the index of their event (worked out once)."""
        if self._told is None:
            self._told = {c.sentence.start: k for k, cl in enumerate(self.clusters) for c in cl.items}
        return self._told


PlaceFound = tuple[Place, int]  # place, precision
PlaceStrategy = Callable[[Cluster, Settled, EntryContext], "PlaceFound | None"]


def _from_previous(cl: Cluster, st: Settled, ctx: EntryContext) -> PlaceFound | None:
    """The place of the incident told just before in the entry ("... The strike also killed ...")."""
    if st.prev is not None and st.prev.place is not None:
        return st.prev.place, max(st.prev.precision, 2)
    return None


def _from_headline(cl: Cluster, st: Settled, ctx: EntryContext) -> PlaceFound | None:
    """The place the post's headline names."""
    if ctx.headline_choice is not None:
        return ctx.headline_choice.place, ctx.headline_choice.precision
    return None


def _entry_place(st: Settled, ctx: EntryContext) -> None:
    """The entry's places, except those of its incidents placed so far (worked out once, at the
    first cluster with no place of its own)."""
    if st._entry_choice is None:
        taken = {(c.sentence.start, c.sentence.end) for other in st.clusters if other.place is not None
                 for c in other.items}
        st._entry_choice = choose_place(
            [m for m in ctx.place_mentions(ctx.entry.body_start, ctx.entry.end)
             if not any(s <= m.start < e for s, e in taken)], ctx.text, ctx.gazetteer) or False


def _from_entry(cl: Cluster, st: Settled, ctx: EntryContext) -> PlaceFound | None:
    """A place the entry names that belongs to none of its other incidents."""
    _entry_place(st, ctx)
    choice = st._entry_choice
    if choice:
        return choice.place, max(choice.precision, 2)
    return None


def _from_dateline(cl: Cluster, st: Settled, ctx: EntryContext) -> PlaceFound | None:
    """Where the story was filed; only its country when the text names a village we cannot place."""
    place = ctx.dateline_place
    if place is None:
        return None
    if any(_UNKNOWN_PLACE.search(c.sentence.text) for c in cl.items):
        country = ctx.gazetteer.countries().get(place.country)
        if country is not None:
            return country, 3
    return place, 3 if place.is_area else 2


PLACE_STRATEGIES: list[tuple[str, PlaceStrategy]] = [
    ("previous-incident", _from_previous),
    ("headline", _from_headline),
    ("entry", _from_entry),
    ("dateline", _from_dateline),
]


def _date_from_previous(cl: Cluster, st: Settled, ctx: EntryContext) -> DateExpr | None:
    """The day of the incident told just before, when it is a day of the news (not the history it recalls)."""
    d = st.prev.date if st.prev is not None else None
    return d if ctx.news_time(d) else None


def _date_from_entry(cl: Cluster, st: Settled, ctx: EntryContext) -> DateExpr | None:
    """The first day of the news the entry states for anything."""
    if st._entry_dates is None:
        st._entry_dates = [d for sent in ctx.sentences if (d := ctx.event_date(sent)) is not None and d.precision == 1
                           and ctx.news_time(d)]
    return st._entry_dates[0] if st._entry_dates else None


_ANAPHORA = BOOK.cue("anaphora")
_OFF = BOOK.cue("off_coast")


def references(cl: Cluster, st: Settled, ctx: EntryContext):
    """Sentences among and right after the event's own that refer back to it without being read as an event
    ("... an ambush in Shejaiya killed 10 soldiers. The attack on Tuesday marked the heaviest losses")."""
    first = ctx.sentence_index(cl.items[0].sentence.start)
    last = ctx.sentence_index(cl.items[-1].sentence.end)
    if first is None:
        return
    stop = len(ctx.sentences) if last is None else min(len(ctx.sentences), last + 1)
    told = st.told()
    me = told.get(cl.items[0].sentence.start)
    owner = me
    for k in range(first, stop):
        sent = ctx.sentences[k]
        if sent.start in told:
            owner = told[sent.start]  # a reference goes with the event told just before it
        elif owner == me and _ANAPHORA.match(sent.text):
            yield sent


def _place_from_reference(cl: Cluster, st: Settled, ctx: EntryContext) -> None:
    """A reference after the event that says better where it was ("... a ship in the Red Sea. The attack off
    the port city of Hodeida comes as ...") places it there."""
    for ref in references(cl, st, ctx):
        choice = choose_place(ctx.place_mentions(ref.start, ref.end), ctx.text, ctx.gazetteer)
        if choice is not None:
            _refine_by(cl, choice, ctx)
            return


def _refine_by(cl: Cluster, choice, ctx: EntryContext) -> None:
    at_sea = cl.place.kind == "sea" and choice.place.is_settlement and bool(
        _OFF.search(ctx.text[max(0, choice.mention.start - 40):choice.mention.start]))
    if at_sea or (cl.place.is_area and refines(choice.place, cl.place, ctx.gazetteer, ctx.settings.cluster_km)):
        # a ship off a port is near it, not in it
        cl.place, cl.place_mention = choice.place, choice.mention
        cl.precision = max(choice.precision, 2) if at_sea else choice.precision
        cl.place_cue = "reference:" + choice.cue


def _date_from_reference(cl: Cluster, st: Settled, ctx: EntryContext) -> DateExpr | None:
    """The day a reference to the event tells (:func:`references`)."""
    for ref in references(cl, st, ctx):
        d = ctx.event_date(ref)
        if d is not None and d.precision == 1 and ctx.news_time(d):
            return d
    return None


DATE_STRATEGIES: list[tuple[str, Callable[[Cluster, Settled, EntryContext], DateExpr | None]]] = [
    ("reference", _date_from_reference),
    ("previous-incident", _date_from_previous),
    ("entry", _date_from_entry),
]


def _unlocated_claim(cl: Cluster) -> bool:
    """An armed group's claim of an attack that names no town, camp or base (only a sea or a country)."""
    if not all(_CLAIM.search(c.sentence.text) for c in cl.items):
        return False
    if any(c.fatalities is not None or c.injuries is not None for c in cl.items):
        return False
    return cl.place is None or cl.place.is_area


def _referential(cl: Cluster) -> bool:
    """A cluster made only of back-references ("the strike") with nothing of its own."""
    if not all(c.hit.definite for c in cl.items):
        return False
    if any(c.fatalities is not None or c.injuries is not None for c in cl.items):
        return False
    return cl.place is None or cl.place.kind == "country"


def settle(clusters: list[Cluster], ctx: EntryContext, unplaced: list[str]) -> list[Cluster]:
    """The clusters that are incidents, each with a place; the place-less are listed in ``unplaced``."""
    st = Settled(clusters)
    out = []
    for cl in clusters:
        if _referential(cl):
            continue  # only "the strike" said of an event told elsewhere
        if _unlocated_claim(cl):
            continue  # "the Houthis say they fired missiles at a ship": a claim with no place of its own
        if cl.place is None and cl.date is not None and ctx.base is not None and abs((cl.date.day - ctx.base).days) > 1:
            # an earlier event with no place of its own: the entry's places are about today
            unplaced.append(cl.first_sentence)
            continue
        if cl.place is not None and cl.place.is_area:
            _place_from_reference(cl, st, ctx)
        if cl.place is None:
            _entry_place(st, ctx)
            for name, strategy in PLACE_STRATEGIES:
                found = strategy(cl, st, ctx)
                if found is not None:
                    cl.place, cl.precision = found
                    cl.place_cue = name
                    break
        gap = ctx.after_gap.get(cl.items[0].sentence.start)
        if cl.date is None and gap is not None and not short_gap(gap):
            # "... comes days after Israel killed X in Beirut", with no day of its own: an earlier event
            # whose day the entry does not tell (the entry's day would be wrong)
            unplaced.append(cl.first_sentence)
            continue
        if cl.date is None:
            for name, strategy in DATE_STRATEGIES:
                d = strategy(cl, st, ctx)
                if d is not None:
                    cl.date, cl.date_cue = d, name
                    break
        st.prev = cl
        if cl.place is None:
            unplaced.append(cl.first_sentence)
            continue
        out.append(cl)
    return out
