"""One incident per real event across the entries of one report.

The same strike told in a summary bullet, a post and a photo caption is one
incident; the best-told copy (a post over a summary over a caption; with a
count; the most precise place) is kept and fills its gaps from the others.
Incidents split on purpose inside one entry ("another strike...") stay apart.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

from gazetteer import Gazetteer

from .events import EXPLOSIONS, STRATEGIC
from .model import Entry, Incident
from .places import related

_KIND_ORDER = {"post": 0, "summary": 1, "caption": 2}


def dedupe(items: list[tuple], gazetteer: Gazetteer) -> list[Incident]:
    """One incident per real event: the same strike told in several posts of a report is one.

    ``items``: ``(incident, entry, n_sentences[, date_stated])``. A summary bullet or a
    caption that states no date of its own takes the page's date, so it may retell a post's
    event of the day before.
    """
    kept: list[tuple[Incident, Entry, int]] = []
    stated: dict[int, bool] = {}
    index = _Candidates(gazetteer)
    for item in items:
        inc, entry, n = item[:3]
        stated[id(inc)] = item[3] if len(item) > 3 else True
        merged = False
        for k in index.near(inc, entry):
            other, oentry, on = kept[k]
            if oentry is entry:
                continue  # split on purpose within one entry ("another strike ...")
            if other.date != inc.date and not _near_unstated(inc, entry, other, oentry, stated):
                continue
            if other.event_type != inc.event_type and not (
                    {other.sub_event_type, inc.sub_event_type} & {"Disrupted weapons use"}
                    and {other.event_type, inc.event_type} == {EXPLOSIONS, STRATEGIC}):
                continue
            if other.sub_event_type != inc.sub_event_type and "Attack" not in (other.sub_event_type, inc.sub_event_type) \
                    and other.event_type == inc.event_type and entry.kind == "post" and oentry.kind == "post":
                continue  # two kinds of attack told in two posts; a summary or caption retells with other words
            if (other.fatalities is not None and inc.fatalities is not None and other.fatalities != inc.fatalities
                    and entry.kind == "post" and oentry.kind == "post"):
                continue
            pa, pb = gazetteer.get(other.place_id), gazetteer.get(inc.place_id)
            if pa is None or pb is None:
                if other.place_id != inc.place_id:
                    continue
            elif not related(pa, pb, gazetteer, near_km=2.0):  # Gaza's camps are 5 km apart: not one place
                continue
            kept[k] = _better((other, oentry, on), (inc, entry, n), gazetteer)
            index.add(k, *kept[k][:2])  # its date, type, place or entry may have changed
            merged = True
            break
        if not merged:
            kept.append((inc, entry, n))
            index.add(len(kept) - 1, inc, entry)
    return [inc for inc, _, _ in kept]


_NEAR_KM = 2.0  # the distance within which dedupe takes two points of one country for one place
_CELL = 2.5 / 6371.0088  # a cube on the unit sphere wider than _NEAR_KM (a chord is never longer than its arc)


class _Candidates:
    """The kept incidents that could be the same event as a new one, without looking at all of them.

    A kept incident can merge with a new one only if its date is the same or a day off, its type
    is the same (or explosion/strategic development, for an interception), and its place is
    related (the same id, one inside the other, or within 2 km in one country). Each kept
    incident is filed under keys that say so; a new one looks up the keys it would share with
    any such incident, and the checks in :func:`dedupe` decide, in the order incidents were kept.
    A superset is enough: keys left behind by a merge only add candidates. (Comparing every new
    incident with every kept one was quadratic: a 1 MB live page spent 22 s here.)
    """

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self.by_key: dict[tuple, dict[int, list[int]]] = {}  # key -> id(entry) -> kept indices

    @staticmethod
    def _group(inc: Incident) -> str:
        return "explosion-or-strategic" if inc.event_type in (EXPLOSIONS, STRATEGIC) else inc.event_type

    @staticmethod
    def _cell(place) -> tuple[int, int, int]:
        lat, lon = math.radians(place.lat), math.radians(place.lon)
        x, y, z = math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)
        return math.floor(x / _CELL), math.floor(y / _CELL), math.floor(z / _CELL)

    def _filed_under(self, inc: Incident) -> set:
        keys: set = {("pid", inc.place_id)}
        place = self.gazetteer.get(inc.place_id)
        if place is not None:
            keys.add(("self", place.id))
            keys.update(("inside", a.id) for a in self.gazetteer.ancestors(place))
            keys.add(("in", place.country))
            if place.kind == "country":
                keys.add(("country", place.country))
            keys.add(("cell", place.country, self._cell(place)))
        return keys

    def _looked_up(self, inc: Incident) -> set:
        keys: set = {("pid", inc.place_id)}
        place = self.gazetteer.get(inc.place_id)
        if place is not None:
            keys.add(("self", place.id))  # the same place
            keys.add(("inside", place.id))  # kept places inside it
            keys.update(("self", a.id) for a in self.gazetteer.ancestors(place))  # kept places it is inside
            keys.add(("country", place.country))  # the country it is in
            if place.kind == "country":
                keys.add(("in", place.country))  # everything in the country it is
            cx, cy, cz = self._cell(place)
            keys.update(("cell", place.country, (cx + i, cy + j, cz + k))
                        for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1))
        return keys

    def _dates(self, inc: Incident) -> tuple:
        if not inc.date:
            return (inc.date,)
        day = date.fromisoformat(inc.date)
        return tuple((day + timedelta(days=d)).isoformat() for d in (-1, 0, 1))

    def add(self, k: int, inc: Incident, entry: Entry) -> None:
        group = self._group(inc)
        for key in self._filed_under(inc):
            self.by_key.setdefault((inc.date, group, key), {}).setdefault(id(entry), []).append(k)

    def near(self, inc: Incident, entry: Entry) -> list[int]:
        """Kept incidents that may merge with ``inc``, in the order kept; none of ``entry``'s own
        (incidents split within one entry stay apart: 3,000 "and another strike" clauses in one
        post were each compared with all the others)."""
        group = self._group(inc)
        own = id(entry)
        found: set[int] = set()
        keys = self._looked_up(inc)
        for day in self._dates(inc):
            for key in keys:
                for eid, ks in self.by_key.get((day, group, key), {}).items():
                    if eid != own:
                        found.update(ks)
        return sorted(found)


def _near_unstated(a: Incident, ea: Entry, b: Incident, eb: Entry, stated: dict[int, bool]) -> bool:
    """Dates a day apart, one of them only the date of a summary or caption that stated none."""
    if not a.date or not b.date:
        return False
    from datetime import date

    if abs((date.fromisoformat(a.date) - date.fromisoformat(b.date)).days) > 1:
        return False
    return any(e.kind != "post" and not stated.get(id(i), True) for i, e in ((a, ea), (b, eb)))


def _better(a: tuple[Incident, Entry, int], b: tuple[Incident, Entry, int], gazetteer: Gazetteer) -> tuple[Incident, Entry, int]:
    def score(t):
        inc, entry, n = t
        place = gazetteer.get(inc.place_id)
        return (_KIND_ORDER.get(entry.kind, 3), inc.fatalities is None, inc.geo_precision,
                place.rank if place else 9, -n)

    best, other = (a, b) if score(a) <= score(b) else (b, a)
    inc = best[0]
    o = other[0]
    if inc.fatalities is None and o.fatalities is not None:
        inc.fatalities, inc.fatalities_text = o.fatalities, o.fatalities_text
    if inc.injuries is None and o.injuries is not None:
        inc.injuries, inc.injuries_text = o.injuries, o.injuries_text
    po, pi = gazetteer.get(o.place_id), gazetteer.get(inc.place_id)
    if po is not None and pi is not None and (po.rank, o.geo_precision) < (pi.rank, inc.geo_precision):
        inc.place, inc.place_id, inc.lat, inc.lon, inc.geo_precision, inc.country = (
            o.place, o.place_id, o.lat, o.lon, o.geo_precision, o.country)
    return best
