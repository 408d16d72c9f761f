"""One incident per real event across the entries of one report.

The same strike told in a summary bullet, a post and a photo caption is one
incident; the best-told copy (a post over a summary over a caption; with a
count; the most precise place) is kept and fills its gaps from the others.
Incidents split on purpose inside one entry ("another strike...") stay apart,
except a headline-style account placed only in an area ("settlers attack
farmers in the West Bank") that a more precise account inside that area tells
again ("... in the town of Qusra").

Incidents are compared only within their day and the days beside it (blocking
by date), so the cost grows about linearly with the report.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from gazetteer import Gazetteer
from gazetteer.gazetteer import EARTH_RADIUS_KM

from .casualties import is_vague
from .events import EXPLOSIONS, STRATEGIC
from .model import Entry, Incident
from .places import related, within_area
from .settings import SETTINGS, Settings

_KIND_ORDER = {"post": 0, "summary": 1, "caption": 2}
_OPERATION_SUBTYPES = {"Other", "Arrests"}  # a raid or arrests: a killing during it is the same event


@dataclass
class _Kept:
    inc: Incident
    entry: Entry
    n: int  # sentences that told it
    stated: bool  # its date was stated in the text (not only the page's)
    told_in_parts: bool = False  # a total its own entry tells part by part: dropped, with the retellings merged into it
    entries: set[int] | None = None  # the entries of the accounts merged into it (never two of one entry)

    def __post_init__(self):
        if self.entries is None:
            self.entries = {id(self.entry)}


def dedupe(items: list[tuple], gazetteer: Gazetteer, settings: Settings = SETTINGS) -> list[Incident]:
    """One incident per real event: the same strike told in several posts of a report is one.

    ``items``: ``(incident, entry, n_sentences[, date_stated[, told_in_parts]])``. A summary bullet
    or a caption that states no date of its own takes the page's date, so it may retell a post's
    event of the day before. A total that its entry tells part by part ("The first strike ...
    The second ...") is matched like any account, so that a lead repeating it elsewhere merges
    into it, and then dropped with what merged into it: the parts are the events. The incidents
    given are not changed; merged copies are new objects.
    """
    kept: list[_Kept] = []
    index = PlaceIndex(gazetteer, settings.dedupe_km)  # (day, place key) -> indices into kept
    for item in items:
        cur = _Kept(item[0], item[1], item[2], item[3] if len(item) > 3 else True, item[4] if len(item) > 4 else False)
        target = None
        for k in index.candidates(cur.inc, cur.entry):
            if _same_event(kept[k], cur, gazetteer, settings):
                target = k
                break
        if target is None:
            index.add(len(kept), cur.inc, cur.entry)
            kept.append(cur)
            continue
        index.remove(target, kept[target].inc, kept[target].entry)
        kept[target] = _merge(kept[target], cur, gazetteer)
        index.add(target, kept[target].inc, kept[target].entry)
    return [k.inc for k in _fold_area_summaries([k for k in kept if not k.told_in_parts], gazetteer)]


class PlaceIndex:
    """Kept incidents by day and by the place keys two accounts of one event share.

    :func:`_same_event` holds only for incidents on the day or the days beside it whose places
    are the same id, one inside the other (an ancestor, or the country), or in one country
    within ``near_km`` (so less than ``near_km`` apart in latitude). Every incident is filed
    under its place id, as inside each of its ancestors, its country and its latitude band; the
    candidates for a new incident are those filed under one of the keys it could share, in the
    order they were kept. A page of one day's posts compared every pair (quadratic); the
    candidates are now the incidents at related places only, and the first match is the same.
    Each key's incidents are filed by their entry too, and those of the new incident's own entry
    are left out (:func:`_same_event` never merges two of one entry): an entry of thousands of
    incidents at one place and day compared every pair of them. Under each key they are filed by
    their signature too (kind of event, post or not, toll: :func:`_signature`), and only those whose
    signature may merge with the new one's are candidates (:func:`_may_merge`): a one-day page of
    thousands of posts compared each with every other post of another toll or kind of attack.
    """

    def __init__(self, gazetteer: Gazetteer, near_km: float):
        self.gazetteer = gazetteer
        self.near_km = near_km
        # a band at least 1.5x the largest latitude difference of two places within near_km
        self._band = near_km / EARTH_RADIUS_KM * 180 / math.pi * 1.5 if near_km > 0 else 0.0
        # (day, key) -> signature -> entry -> indices
        self._filed: dict[tuple, dict[tuple, dict[int | None, set[int]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(set)))

    def _keys(self, inc: Incident, lookup: bool) -> list[tuple]:
        keys: list[tuple] = [("id", inc.place_id)]  # a place the gazetteer lacks: the same id only
        place = self.gazetteer.get(inc.place_id)
        if place is None:
            return keys
        ancestors = self.gazetteer.ancestors(place)
        if lookup:  # the same place or one enclosing it; a place it encloses
            keys += [("is", p.id) for p in (place, *ancestors)] + [("within", place.id)]
        else:
            keys += [("is", place.id)] + [("within", p.id) for p in ancestors]
        if lookup:
            keys.append(("country", place.country))  # a country named once contains the other's place
            if place.kind == "country":
                keys.append(("of", place.country))  # ... or this country contains it
        else:
            keys.append(("of", place.country))
            if place.kind == "country":
                keys.append(("country", place.country))
        if self._band and math.isfinite(place.lat):
            band = math.floor(place.lat / self._band)
            keys += [("near", place.country, b) for b in ((band - 1, band, band + 1) if lookup else (band,))]
        return keys

    def _days(self, day: str | None) -> tuple:
        if day is None:
            return (None,)
        d = date.fromisoformat(day)
        return tuple((d + timedelta(days=delta)).isoformat() for delta in (-1, 0, 1))

    def add(self, k: int, inc: Incident, entry: object = None) -> None:
        group = None if entry is None else id(entry)
        sig = _signature(inc, entry)
        for key in self._keys(inc, lookup=False):
            self._filed[(inc.date, key)][sig][group].add(k)

    def remove(self, k: int, inc: Incident, entry: object = None) -> None:
        group = None if entry is None else id(entry)
        sig = _signature(inc, entry)
        for key in self._keys(inc, lookup=False):
            found = self._filed.get((inc.date, key))
            by_group = None if found is None else found.get(sig)
            if by_group is not None and group in by_group:
                by_group[group].discard(k)
                if not by_group[group]:
                    del by_group[group]
                    if not by_group:
                        del found[sig]

    def candidates(self, inc: Incident, entry: object = None) -> list[int]:
        """Indices of the kept incidents ``inc`` can be the same event as, in the order they were kept
        (with ``entry``: those of other entries only; only accounts whose kind and toll may merge with it)."""
        out: set[int] = set()
        own = None if entry is None else id(entry)
        sig = _signature(inc, entry)
        keys = self._keys(inc, lookup=True)
        for day in self._days(inc.date):
            for key in keys:
                found = self._filed.get((day, key))
                if not found:
                    continue
                for old_sig, by_group in found.items():
                    if not _may_merge(old_sig, sig):
                        continue
                    for group, ks in by_group.items():
                        if group != own or own is None:
                            out |= ks
        return sorted(out)


def _nearby(by_day: dict[str | None, list[int]], day: str | None) -> list[int]:
    """Indices of kept incidents on ``day`` and the days beside it, in the order they were kept."""
    if day is None:
        return list(by_day.get(None, ()))
    d = date.fromisoformat(day)
    out = []
    for delta in (-1, 0, 1):
        out.extend(by_day.get((d + timedelta(days=delta)).isoformat(), ()))
    return sorted(out)


def _fold_area_summaries(kept: list[_Kept], gazetteer: Gazetteer) -> list[_Kept]:
    """An account placed only in an area ("settlers attack farmers in the West Bank", a headline or lead)
    that a more precise account inside the area tells again ("... in the town of Qusra") is that account."""
    out = list(kept)
    specific = [i for i, k in enumerate(out) if not _is_area(k, gazetteer)]
    area = [i for i, k in enumerate(out) if _is_area(k, gazetteer)]
    if not area or not specific:
        return out
    by_day: dict[str | None, list[int]] = defaultdict(list)
    for i in specific:
        by_day[out[i].inc.date].append(i)
    dropped: set[int] = set()
    for j in area:
        a = out[j]
        pa = gazetteer.get(a.inc.place_id)
        cands = [i for i in _nearby(by_day, a.inc.date)
                 if (out[i].inc.date == a.inc.date or not a.stated or not out[i].stated)
                 and _types_agree(a.inc, out[i].inc)
                 # in one entry the two were told apart on purpose: only the same kind of event folds
                 and (out[i].entry is not a.entry or out[i].inc.event_type == a.inc.event_type)
                 and _toll_agrees(a.inc, out[i].inc)
                 and (pi := gazetteer.get(out[i].inc.place_id)) is not None and within_area(pa, pi, gazetteer)]
        if not cands:
            continue
        # the account most like it: the same kind of attack, the same day, the same toll, told first
        best = min(cands, key=lambda i: (out[i].inc.sub_event_type != a.inc.sub_event_type,
                                         out[i].inc.date != a.inc.date,
                                         a.inc.fatalities is not None and out[i].inc.fatalities != a.inc.fatalities,
                                         i))
        out[best] = _merge(out[best], a, gazetteer)
        dropped.add(j)
    return [k for i, k in enumerate(out) if i not in dropped]


def _toll_agrees(area: Incident, precise: Incident) -> bool:
    """A summary tells no toll of its own, or the same toll, or a vague one ("dozens") the precise account exceeds."""
    if area.fatalities is None or area.fatalities == precise.fatalities:
        return True
    return precise.fatalities is not None and is_vague(area.fatalities_text) and precise.fatalities >= area.fatalities


def _is_area(k: _Kept, gazetteer: Gazetteer) -> bool:
    place = gazetteer.get(k.inc.place_id)
    return place is not None and place.is_area


def _types_agree(a: Incident, b: Incident) -> bool:
    return _kinds_agree(a.event_type, a.sub_event_type, b.event_type, b.sub_event_type)


def _kinds_agree(type_a: str, sub_a: str, type_b: str, sub_b: str) -> bool:
    if type_a == type_b:
        return True
    if "Disrupted weapons use" in (sub_a, sub_b) and {type_a, type_b} == {EXPLOSIONS, STRATEGIC}:
        return True
    # "troops raided the camp" and "a teenager was shot dead during the raid"
    return bool({sub_a, sub_b} & _OPERATION_SUBTYPES) and STRATEGIC in (type_a, type_b)


SAME_TOLL_MIN = 3  # an exact toll this large, told of one place on one day, is one event however typed


def _same_toll_same_place(a: Incident, b: Incident, gazetteer: Gazetteer) -> bool:
    """"Troops killed eight people in a raid on Jenin on Tuesday" and "eight Palestinians were killed in
    Jenin on Tuesday" (typed as a clash and as an attack): one event when the exact toll is the same."""
    if not _tolls_alike(a.fatalities, is_vague(a.fatalities_text), a.event_type,
                        b.fatalities, is_vague(b.fatalities_text), b.event_type):
        return False
    pa, pb = gazetteer.get(a.place_id), gazetteer.get(b.place_id)
    return pa is not None and pb is not None and (pa.id == pb.id or gazetteer.contains(pa, pb)
                                                  or gazetteer.contains(pb, pa))


def _tolls_alike(fat_a: int | None, vague_a: bool, type_a: str, fat_b: int | None, vague_b: bool, type_b: str) -> bool:
    """The toll part of :func:`_same_toll_same_place`: the same exact toll, at least ``SAME_TOLL_MIN``, no arrests."""
    return (fat_a is not None and fat_a == fat_b and fat_a >= SAME_TOLL_MIN and not vague_a and not vague_b
            and STRATEGIC not in (type_a, type_b))


def _signature(inc: Incident, entry: object) -> tuple:
    """What :func:`_may_merge` reads of an account: its kind of event, whether it is a post, its toll."""
    return (inc.event_type, inc.sub_event_type, getattr(entry, "kind", None) == "post", inc.fatalities,
            is_vague(inc.fatalities_text))


@lru_cache(maxsize=65536)
def _may_merge(old: tuple, cur: tuple) -> bool:
    """The checks of :func:`_same_event` that read only the accounts' kinds, posts and tolls (false: never
    the same event, whatever the places and days); :class:`PlaceIndex` skips such accounts."""
    type_a, sub_a, post_a, fat_a, vague_a = old
    type_b, sub_b, post_b, fat_b, vague_b = cur
    if not _kinds_agree(type_a, sub_a, type_b, sub_b) and not _tolls_alike(fat_a, vague_a, type_a, fat_b, vague_b, type_b):
        return False
    both_posts = post_a and post_b
    if sub_a != sub_b and "Attack" not in (sub_a, sub_b) and type_a == type_b and both_posts:
        return False  # two kinds of attack told in two posts; a summary or caption retells with other words
    return not (fat_a is not None and fat_b is not None and fat_a != fat_b and both_posts)


def _same_event(old: _Kept, cur: _Kept, gazetteer: Gazetteer, settings: Settings) -> bool:
    a, b = old.inc, cur.inc
    if not old.entries.isdisjoint(cur.entries):
        return False  # split on purpose within one entry ("another strike ..."), also once merged with others
    if a.date != b.date and not _near_unstated(old, cur):
        return False
    if not _may_merge(_signature(a, old.entry), _signature(b, cur.entry)):
        return False  # kinds of event that never agree; two kinds of attack, or two tolls, told in two posts
    if not _types_agree(a, b) and not _same_toll_same_place(a, b, gazetteer):
        return False  # kinds apart: one event only for the same toll at one place
    pa, pb = gazetteer.get(a.place_id), gazetteer.get(b.place_id)
    if pa is None or pb is None:
        return a.place_id == b.place_id
    if a.event_type != b.event_type:  # a raid and a killing during it: the same place, not a neighbour
        return gazetteer.contains(pa, pb) or gazetteer.contains(pb, pa)
    return related(pa, pb, gazetteer, near_km=settings.dedupe_km)


def _near_unstated(a: _Kept, b: _Kept) -> bool:
    """Dates a day apart, one of them only the date of a summary, caption or headline that stated none."""
    if not a.inc.date or not b.inc.date:
        return False
    if abs((date.fromisoformat(a.inc.date) - date.fromisoformat(b.inc.date)).days) > 1:
        return False
    return any((k.entry.kind != "post" or k.inc.geo_precision == 3 or _headline(k.inc)) and not k.stated for k in (a, b))


HEADLINE_CHARS = 200


def _headline(inc: Incident) -> bool:
    """Is the account only a headline ("At least 2 killed in strikes on Sanaa: officials"): one short line with
    no sentence end, dated by the page, retelling the story's event of the day before?"""
    text = inc.excerpt.strip()
    return 0 < len(text) <= HEADLINE_CHARS and "\n" not in text and not text.endswith((".", "!", "?", '"', "”", "’"))


def _merge(a: _Kept, b: _Kept, gazetteer: Gazetteer) -> _Kept:
    """The better-told of two accounts, its gaps filled from the other (a new object)."""
    def score(k: _Kept):
        place = gazetteer.get(k.inc.place_id)
        # an exact toll over a vague one ("At least 32 ... in Khan Younis" over "Dozens killed in Khan Younis")
        return (place is not None and place.is_area, _KIND_ORDER.get(k.entry.kind, 3), k.inc.fatalities is None,
                k.inc.fatalities is not None and is_vague(k.inc.fatalities_text or ""), k.inc.geo_precision,
                place.rank if place else 9, -k.n)

    best, other = (a, b) if score(a) <= score(b) else (b, a)
    inc, o = best.inc, other.inc
    changes: dict = {}
    if inc.fatalities is None and o.fatalities is not None:
        changes.update(fatalities=o.fatalities, fatalities_text=o.fatalities_text)
    if inc.injuries is None and o.injuries is not None:
        changes.update(injuries=o.injuries, injuries_text=o.injuries_text)
    po, pi = gazetteer.get(o.place_id), gazetteer.get(inc.place_id)
    if po is not None and pi is not None and po.id != pi.id and (
            (po.rank, o.geo_precision) < (pi.rank, inc.geo_precision) or (pi.is_area and within_area(pi, po, gazetteer))):
        changes.update(place=o.place, place_id=o.place_id, lat=o.lat, lon=o.lon, geo_precision=o.geo_precision,
                       country=o.country)
    if not best.stated and other.stated and o.date:
        changes.update(date=o.date, time_precision=o.time_precision)  # the day the other account states
    why = dict(inc.why)  # the other account, and what it filled in
    why["merged"] = why.get("merged", []) + [{"start": o.start, "end": o.end, "filled": sorted(changes)}]
    inc = replace(inc, **changes, why=why)
    # the larger set takes the smaller in place: an event told in thousands of posts costs linear time, not quadratic
    big, small = (a.entries, b.entries) if len(a.entries) >= len(b.entries) else (b.entries, a.entries)
    big |= small
    return _Kept(inc, best.entry, best.n, best.stated or other.stated, a.told_in_parts or b.told_in_parts, big)
