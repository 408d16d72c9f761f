"""Events across reports: incidents that tell the same thing linked into one :class:`Event`.

Pure functions over incident-like records (``Incident`` objects, store rows as
dicts, anything with the incident's attribute names). :func:`link` is the entry
point; the store calls it per place cell when reports change.

Blocking
    Each account (incident) gets a *place cell*: its place's outermost
    enclosing settlement in the gazetteer (Al-Mashtal -> Baghdad, Rafah camp ->
    Rafah), or the place itself when it is an area (a governorate, the Gaza
    Strip, a country) or unknown to the gazetteer. Only accounts of one cell
    and of the same or the adjacent day are ever compared, and an account is
    compared with at most ``max_candidates`` events of each day, so linking
    grows linearly with the number of incidents. Cells are independent, and
    within a cell a day depends only on the day before (:class:`CellLinker`):
    the store relinks only the cells and days a new report touched.

When two accounts tell the same event (rule ids as recorded in ``why``)
    * never when they come from the same report (``same-report``): in-report
      extraction already separated or merged them;
    * the same day (``same-day``) or the adjacent day (``adjacent-day``, only
      with the same sub-type and an ``overnight``/"late" cue or a corroborating
      detail below); further apart never;
    * the same place (``same-place``) or one inside the other
      (``place-inside``: a neighbourhood of the city, a hospital in the camp;
      gazetteer containment). Two different places of one city (siblings) are
      not the same place. An area-level account (region, country) links only
      to an account of the same area, same day and sub-type, corroborated;
    * compatible types: the same event and sub-event type (``same-sub-type``),
      or a pair outlets often tell differently (an air strike vs shelling, an
      explosion vs an attack on civilians: ``compatible-types``, which needs a
      corroborating detail); otherwise not;
    * counts that do not conflict: two known fatality counts ``lo <= hi`` are
      compatible when ``hi <= 2 * lo + 3`` (``compatible-counts``; 1 and 3 yes,
      2 and 14 no: ``counts-far-apart`` keeps them apart); equal counts
      (``same-count``) corroborate;
    * targets: when both accounts name what was hit (a car, a house, a tent, a
      school...) and the targets differ, they are two events
      (``different-targets``); a shared target (``same-target``) or shared
      victims (``same-victims``: children, journalists, a commander...) or the
      same injury count (``same-injuries``) corroborate.
    An account joins the event whose accounts it all agrees with (no veto
    against any of them) and matches best (weights in
    ``incidents/data/linking.json``); when two events match it equally well it
    joins neither (``ambiguous``: recorded on its own event), so two strikes
    in Rafah on one day stay two events unless a detail tells which one a
    third account is.

The event's fields (the best of its accounts)
    * ``event_id``: ``ev-`` + a hash of its first account's stable key (report
      id, entry hash, span in the entry); the first account is the earliest
      (day, publication date, report id, incident id), so the id survives
      re-linking, re-ingesting and re-extraction as long as that account does;
    * ``date``: the earliest day among the accounts with the finest time
      precision; ``place``: the most precise (geo precision, then the most
      specific kind: Al-Mashtal over Baghdad);
    * ``event_type``/``sub_event_type``: the pair most accounts give, ties to
      the most specific sub-type (``specificity`` in the data file);
    * ``fatalities_low``: the lowest known count (ACLED: "when sources conflict,
      the lowest"); ``fatalities_high``: the highest; ``fatalities_best``
      (UCDP-style best estimate): the count of the most recently published
      account, since later accounts carry revised tolls; when several accounts
      share that latest publication date, the lower median of their counts.
      ``injuries_low/best/high`` likewise. Unknown counts are ignored; all
      unknown gives None;
    * ``sources`` (outlets, sorted), ``n_reports``, ``incident_ids`` (first
      account first), ``why``: one :class:`EventLink` per joining account.
"""
from __future__ import annotations

import gc
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .model import Event, EventLink

DATA_PATH = Path(__file__).resolve().parent / "data" / "linking.json"
AREA_KINDS = frozenset({"district", "governorate", "region", "sea", "country", "corridor"})


# ---------------------------------------------------------------------- rules (data)
_TOKEN = re.compile(r"[^\W_]+")


class Vocabulary:
    """Phrases (one to a few words) mapped to a group, found in one pass over a text's words."""

    def __init__(self, groups: Mapping[str, Iterable[str]]):
        self.phrases: dict[tuple[str, ...], str] = {}
        for group, words in groups.items():
            for w in words:
                toks = tuple(_TOKEN.findall(w.casefold()))
                if toks:
                    self.phrases[toks] = group
        self.first: dict[str, tuple[int, ...]] = {}
        for toks in self.phrases:
            self.first[toks[0]] = tuple(sorted({*self.first.get(toks[0], ()), len(toks)}, reverse=True))

    def groups(self, tokens: list[str]) -> frozenset[str]:
        found = set()
        first, phrases = self.first, self.phrases
        for i, t in enumerate(tokens):
            lengths = first.get(t)
            if lengths:
                for n in lengths:
                    g = phrases.get(tuple(tokens[i:i + n]))
                    if g is not None:
                        found.add(g)
                        break
        return frozenset(found)


@dataclass(frozen=True)
class Rules:
    ratio: float
    slack: float
    max_candidates: int
    weights: dict[str, int]
    generic: frozenset[str]
    specificity: dict[str, int]
    compatible: tuple[tuple[tuple[str, str], tuple[str, str]], ...]
    targets: Vocabulary
    victims: Vocabulary
    overnight: Vocabulary
    _compat_cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def types_compatible(self, a: tuple[str, str], b: tuple[str, str]) -> bool:
        key = (a, b)
        hit = self._compat_cache.get(key)
        if hit is None:
            hit = self._compat_cache[key] = any(
                (_type_match(x, a) and _type_match(y, b)) or (_type_match(x, b) and _type_match(y, a))
                for x, y in self.compatible)
        return hit

    def partners(self, event_type: str) -> tuple[str, ...]:
        """Event types an account of ``event_type`` may share an event with (itself first)."""
        hit = self._compat_cache.get(event_type)
        if hit is None:
            others = sorted(({y[0] for x, y in self.compatible if x[0] == event_type}
                             | {x[0] for x, y in self.compatible if y[0] == event_type}) - {event_type})
            hit = self._compat_cache[event_type] = (event_type, *others)
        return hit

    def scan(self, text: str) -> tuple[frozenset[str], frozenset[str], bool]:
        """(target groups, victim groups, overnight cue) of an excerpt."""
        if not text:
            return frozenset(), frozenset(), False
        toks = _TOKEN.findall(text.casefold())
        return self.targets.groups(toks), self.victims.groups(toks), bool(self.overnight.groups(toks))


def _type_match(pattern: tuple[str, str], t: tuple[str, str]) -> bool:
    return pattern[0] == t[0] and (pattern[1] == "*" or pattern[1] == t[1])


@lru_cache(maxsize=4)
def load_rules(path: str | Path = DATA_PATH) -> Rules:
    """The linking vocabularies and thresholds, read once."""
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    return Rules(
        ratio=float(d["counts"]["ratio"]), slack=float(d["counts"]["slack"]),
        max_candidates=int(d["max_candidates"]), weights=dict(d["weights"]),
        generic=frozenset(d["generic_sub_types"]),
        specificity={s: i for i, s in enumerate(d["specificity"])},
        compatible=tuple((tuple(a), tuple(b)) for a, b in d["compatible"]),
        targets=Vocabulary(d["targets"]), victims=Vocabulary(d["victims"]),
        overnight=Vocabulary({"overnight": d["overnight"]}),
    )


# ---------------------------------------------------------------------- places
@dataclass(frozen=True)
class PlaceInfo:
    """Where a place sits for linking: its cell, and the places it is inside (itself included)."""

    anchor: str
    chain: frozenset[str]
    is_area: bool
    rank: int  # gazetteer kind rank: lower is more specific
    name: str = ""


class PlaceIndex:
    """Place cells and containment from a gazetteer (or from ids alone without one)."""

    def __init__(self, gazetteer: Any = None):
        self.gazetteer = gazetteer
        self._cache: dict[tuple[str, bool], PlaceInfo] = {}

    def info(self, place_id: str | None, geo_precision: int | None = 1) -> PlaceInfo:
        pid = place_id or ""
        coarse = geo_precision == 3
        key = (pid, coarse)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._info(pid, coarse)
        return hit

    def _info(self, pid: str, coarse: bool) -> PlaceInfo:
        place = self.gazetteer.get(pid) if (self.gazetteer is not None and pid) else None
        if place is None:
            return PlaceInfo(anchor=pid, chain=frozenset((pid,)), is_area=coarse, rank=3 if coarse else 2)
        if place.kind in AREA_KINDS:
            return PlaceInfo(anchor=pid, chain=frozenset((pid,)), is_area=True, rank=place.rank, name=place.name)
        chain, anchor = [pid], pid
        for anc in self.gazetteer.ancestors(place):
            if anc.kind in AREA_KINDS:
                break
            chain.append(anc.id)
            anchor = anc.id
        return PlaceInfo(anchor=anchor, chain=frozenset(chain), is_area=False, rank=place.rank, name=place.name)


# ---------------------------------------------------------------------- accounts
@dataclass(slots=True)
class Account:
    """The fields linking reads from one incident, precomputed once."""

    incident_id: int
    key: str
    report: str
    order: tuple
    day: int | None
    date: str | None
    time_precision: int
    place: str
    place_id: str
    lat: float | None
    lon: float | None
    geo_precision: int
    country: str
    event_type: str
    sub_event_type: str
    fatalities: int | None
    injuries: int | None
    source: str
    published: str
    targets: frozenset[str]
    victims: frozenset[str]
    overnight: bool
    info: PlaceInfo


def _getter(rec: Any):
    if isinstance(rec, Mapping):
        get = rec.get
    else:
        def get(name: str, default: Any = None) -> Any:
            return getattr(rec, name, default)
    return get


def _int(v: Any) -> int | None:
    try:
        return None if v is None or v != v else int(v)  # v != v: NaN
    except (TypeError, ValueError, OverflowError):
        return None


def _day(text: str | None) -> int | None:
    try:
        return date.fromisoformat(text).toordinal() if text else None
    except (TypeError, ValueError):
        return None


def account(rec: Any, places: PlaceIndex, rules: Rules, position: int = 0) -> Account:
    """One record as an :class:`Account` (``position`` stands in for a missing id)."""
    get = _getter(rec)
    iid = _int(get("id", get("incident_id")))
    iid = position if iid is None else iid
    rid = _int(get("report_id"))
    report = str(rid) if rid is not None else str(get("report_hash") or "") or f"record-{position}"
    d = get("date") or None
    pid = str(get("place_id") or "")
    gp = _int(get("geo_precision")) or 1
    published = str(get("published") or "")
    day = _day(d)
    targets, victims, overnight = rules.scan(str(get("excerpt") or ""))
    return Account(
        incident_id=iid, key=str(get("key") or "") or f"incident:{iid}", report=report,
        order=(day if day is not None else 10**9, published, rid if rid is not None else -1, report, iid),
        day=day, date=d, time_precision=_int(get("time_precision")) or 1,
        place=str(get("place") or ""), place_id=pid, lat=get("lat"), lon=get("lon"),
        geo_precision=gp, country=str(get("country") or ""),
        event_type=str(get("event_type") or ""), sub_event_type=str(get("sub_event_type") or ""),
        fatalities=_count(get("fatalities")), injuries=_count(get("injuries")),
        source=str(get("source") or ""), published=published,
        targets=targets, victims=victims, overnight=overnight,
        info=places.info(pid, gp),
    )


def _count(v: Any) -> int | None:
    n = _int(v)
    return n if n is not None and n >= 0 else None


# ---------------------------------------------------------------------- pairs
VETO = None


def compare(a: Account, b: Account, rules: Rules) -> tuple[bool, int, list[str], str] | None:
    """Whether two accounts can tell one event: None (a veto), else (linkable, score, rules, detail).

    ``linkable`` is False when nothing contradicts but the evidence is too thin
    on its own (the pair may still sit in one event through another account).
    """
    if a.report == b.report or a.day is None or b.day is None or not a.place_id or not b.place_id:
        return VETO
    dd = abs(a.day - b.day)
    if dd > 1:
        return VETO
    ids = ["same-day" if dd == 0 else "adjacent-day"]
    detail = []
    if a.place_id == b.place_id:
        ids.append("same-place")
    elif not a.info.is_area and not b.info.is_area and (a.place_id in b.info.chain or b.place_id in a.info.chain):
        inner, outer = (a, b) if b.place_id in a.info.chain else (b, a)
        ids.append("place-inside")
        detail.append(f"{inner.place} inside {outer.place}")
    else:
        return VETO
    ta, tb = (a.event_type, a.sub_event_type), (b.event_type, b.sub_event_type)
    if ta == tb:
        ids.append("same-sub-type")
    elif a.event_type == b.event_type and (a.sub_event_type in rules.generic or b.sub_event_type in rules.generic):
        ids.append("compatible-types")
    elif rules.types_compatible(ta, tb):
        ids.append("compatible-types")
    else:
        return VETO
    corroborated = False
    fa, fb = a.fatalities, b.fatalities
    if fa is not None and fb is not None:
        lo, hi = min(fa, fb), max(fa, fb)
        if lo == hi:
            ids.append("same-count")
            corroborated = lo > 0
        elif hi <= rules.ratio * lo + rules.slack:
            ids.append("compatible-counts")
        else:
            return VETO
        detail.append(f"{fa} and {fb} killed" if lo != hi else f"{fa} killed")
    if a.targets and b.targets:
        if a.targets & b.targets:
            ids.append("same-target")
            corroborated = True
        else:
            return VETO
    if a.victims & b.victims:
        ids.append("same-victims")
        corroborated = True
    if a.injuries is not None and a.injuries == b.injuries and a.injuries > 0:
        ids.append("same-injuries")
        corroborated = True
    if dd == 1 and (a.overnight or b.overnight):
        ids.append("overnight")
    same_sub = "same-sub-type" in ids
    if a.info.is_area or b.info.is_area:
        linkable = "same-place" in ids and dd == 0 and same_sub and corroborated
    elif dd == 1:
        linkable = same_sub and ("overnight" in ids or corroborated)
    elif not same_sub:
        linkable = corroborated
    else:
        linkable = True
    score = sum(rules.weights.get(r, 0) for r in ids)
    return linkable, score, ids, "; ".join(detail)


# ---------------------------------------------------------------------- linking
class _Ev:
    __slots__ = ("members", "links", "notes", "reports", "f_lo", "f_hi")

    def __init__(self, first: Account):
        self.members = [first]
        self.links: list[EventLink] = []
        self.notes: list[EventLink] = []
        self.reports = {first.report}
        self.f_lo = self.f_hi = first.fatalities

    def add(self, a: Account, why: EventLink) -> None:
        self.members.append(a)
        self.links.append(why)
        self.reports.add(a.report)
        if a.fatalities is not None:
            self.f_lo = a.fatalities if self.f_lo is None else min(self.f_lo, a.fatalities)
            self.f_hi = a.fatalities if self.f_hi is None else max(self.f_hi, a.fatalities)


def _fit(a: Account, ev: _Ev, rules: Rules) -> tuple[int, EventLink] | None:
    if a.report in ev.reports:  # the same report never tells one event twice
        return None
    f = a.fatalities
    if f is not None and ev.f_lo is not None:  # compatible with every count iff with the lowest and the highest
        lo, hi = min(f, ev.f_lo), max(f, ev.f_hi)
        if hi > rules.ratio * lo + rules.slack:
            return None
    best = None
    for m in ev.members:
        res = compare(a, m, rules)
        if res is VETO:
            return None
        linkable, score, ids, detail = res
        if linkable and (best is None or score > best[0]):
            best = (score, EventLink(incident_id=a.incident_id, linked_to=m.incident_id, rules=ids, detail=detail))
    return best


class CellLinker:
    """Links the accounts of one place cell day by day, earliest first.

    Candidates for an account are the events founded on its day or the day
    before whose first account's event type can go with its own (at most
    ``max_candidates`` of each, the latest). What day ``d`` decides depends
    only on the events founded on ``d - 1`` (with their accounts of that day)
    and the accounts of ``d``: so the store can resume linking at a changed
    day from the stored events of the day before (:meth:`seed`) and stop once
    a day comes out as it was.
    """

    def __init__(self, rules: Rules):
        self.rules = rules
        self.buckets: dict[tuple[int, str], list[_Ev]] = defaultdict(list)
        self.by_founding_day: dict[int | None, list[_Ev]] = defaultdict(list)

    def seed(self, day: int, events: list[_Ev]) -> None:
        """Events founded on ``day`` as they stood after it (its accounts only), in founding order."""
        for ev in events:
            self.buckets[(day, ev.members[0].event_type)].append(ev)
            self.by_founding_day[day].append(ev)

    def add_day(self, accounts: list[Account]) -> None:
        """All accounts of one day (in any order); days must come in increasing order."""
        accounts.sort(key=lambda x: x.order)
        for a in accounts:
            self.add(a)

    def add(self, a: Account) -> None:
        rules = self.rules
        if a.day is None or not a.place_id:
            self.by_founding_day[a.day if a.place_id else None].append(_Ev(a))
            return
        cap = rules.max_candidates
        scored = []
        for d in (a.day, a.day - 1):
            for t in rules.partners(a.event_type):
                for ev in self.buckets.get((d, t), ())[-cap:]:
                    fit = _fit(a, ev, rules)
                    if fit is not None:
                        scored.append((fit[0], fit[1], ev))
        scored.sort(key=lambda t: -t[0])
        if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            scored[0][2].add(a, scored[0][1])
            return
        ev = _Ev(a)
        if scored:  # two or more events fit equally well: joining either would be a guess
            tied = sorted(t[2].members[0].incident_id for t in scored if t[0] == scored[0][0])
            ev.notes.append(EventLink(incident_id=a.incident_id, linked_to=0, rules=["ambiguous"],
                                      detail="matches the events of incidents " + ", ".join(map(str, tied))
                                             + " equally well; linked to neither"))
        self.buckets[(a.day, a.event_type)].append(ev)
        self.by_founding_day[a.day].append(ev)

    def founded_on(self, day: int | None) -> list[_Ev]:
        return self.by_founding_day.get(day, [])

    def events(self) -> list[_Ev]:
        days = sorted(d for d in self.by_founding_day if d is not None)
        return [ev for d in days for ev in self.by_founding_day[d]] + self.by_founding_day.get(None, [])


def restore(members: list[Account], why: Iterable[EventLink]) -> _Ev:
    """An event as it was stored, with only ``members`` (its first account first)."""
    ev = _Ev(members[0])
    keep = {m.incident_id for m in members}
    for w in why:
        if w.incident_id not in keep:
            continue
        (ev.notes if w.linked_to == 0 else ev.links).append(w)
    for m in members[1:]:
        ev.members.append(m)
        ev.reports.add(m.report)
        if m.fatalities is not None:
            ev.f_lo = m.fatalities if ev.f_lo is None else min(ev.f_lo, m.fatalities)
            ev.f_hi = m.fatalities if ev.f_hi is None else max(ev.f_hi, m.fatalities)
    return ev


def link_cell(accounts: list[Account], rules: Rules) -> list[_Ev]:
    """Link all accounts of one place cell."""
    linker = CellLinker(rules)
    by_day: dict[int | None, list[Account]] = defaultdict(list)
    for a in accounts:
        by_day[a.day].append(a)
    for d in sorted(d for d in by_day if d is not None):
        linker.add_day(by_day[d])
    for a in sorted(by_day.get(None, []), key=lambda x: x.order):
        linker.add(a)
    return linker.events()


def _low_best_high(accounts: list[Account], attr: str) -> tuple[int | None, int | None, int | None]:
    known = [(a.published, getattr(a, attr)) for a in accounts if getattr(a, attr) is not None]
    if not known:
        return None, None, None
    counts = [c for _, c in known]
    latest = max(p for p, _ in known)
    recent = sorted(c for p, c in known if p == latest)
    return min(counts), recent[(len(recent) - 1) // 2], max(counts)


def _event_id(first: Account, used: set[str]) -> str:
    base = "ev-" + hashlib.sha1(first.key.encode("utf-8", "replace")).hexdigest()[:16]
    eid, n = base, 1
    while eid in used:
        n += 1
        eid = f"{base}-{n}"
    used.add(eid)
    return eid


def finish(ev: _Ev, rules: Rules, used: set[str]) -> Event:
    """The :class:`Event` of a linked group of accounts."""
    ms = ev.members
    first = ms[0]
    order = {id(m): i for i, m in enumerate(ms)}
    best_place = min(ms, key=lambda m: (m.geo_precision, m.info.rank, -len(m.info.chain), order[id(m)]))
    dated = [m for m in ms if m.day is not None]
    if dated:
        tp = min(m.time_precision for m in dated)
        when = min((m for m in dated if m.time_precision == tp), key=lambda m: m.day)
        day, time_precision = when.date, tp
    else:
        day, time_precision = None, first.time_precision
    votes: dict[tuple[str, str], int] = defaultdict(int)
    for m in ms:
        votes[(m.event_type, m.sub_event_type)] += 1
    spec = rules.specificity
    etype, sub = min(votes, key=lambda t: (-votes[t], t[1] in rules.generic, spec.get(t[1], len(spec)), t))
    f_lo, f_best, f_hi = _low_best_high(ms, "fatalities")
    i_lo, i_best, i_hi = _low_best_high(ms, "injuries")
    return Event(
        event_id=_event_id(first, used), date=day, time_precision=time_precision,
        place=best_place.place, place_id=best_place.place_id, lat=best_place.lat, lon=best_place.lon,
        geo_precision=best_place.geo_precision, country=best_place.country,
        event_type=etype, sub_event_type=sub,
        fatalities_low=f_lo, fatalities_best=f_best, fatalities_high=f_hi,
        injuries_low=i_lo, injuries_best=i_best, injuries_high=i_hi,
        sources=sorted({m.source for m in ms if m.source}),
        n_reports=len({m.report for m in ms}),
        incident_ids=[m.incident_id for m in ms],
        why=ev.notes + ev.links,
        anchor=first.info.anchor,
    )


def link(records: Iterable[Any], places: Any = None, rules: Rules | None = None) -> list[Event]:
    """Link incident-like records into events (every record lands in exactly one event).

    ``places`` is a :class:`PlaceIndex`, a gazetteer (containment and place
    cells come from it) or None (places are related only by id). Events come
    out ordered by place cell, then by their first account.
    """
    rules = rules or load_rules()
    index = places if isinstance(places, PlaceIndex) else PlaceIndex(places)
    # Hundreds of thousands of small objects: the cyclic GC would rescan them all again and again
    # (super-linear); none of them form cycles, so it is paused while linking.
    paused = gc.isenabled()
    gc.disable()
    try:
        cells: dict[str, list[Account]] = defaultdict(list)
        for i, rec in enumerate(records):
            a = account(rec, index, rules, i)
            cells[a.info.anchor].append(a)
        used: set[str] = set()
        events: list[Event] = []
        for anchor in sorted(cells):
            for ev in link_cell(cells[anchor], rules):
                events.append(finish(ev, rules, used))
        return events
    finally:
        if paused:
            gc.enable()


def cell_of(place_id: str | None, geo_precision: int | None, places: Any) -> str:
    """The place cell (blocking key) of a place."""
    index = places if isinstance(places, PlaceIndex) else PlaceIndex(places)
    return index.info(place_id, geo_precision).anchor
