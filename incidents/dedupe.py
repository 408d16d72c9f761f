"""One incident per real event across the entries of one report.

The same strike told in a summary bullet, a post and a photo caption is one
incident; the best-told copy (a post over a summary over a caption; with a
count; the most precise place) is kept and fills its gaps from the others.
Incidents split on purpose inside one entry ("another strike...") stay apart.
"""
from __future__ import annotations

from gazetteer import Gazetteer

from .events import EXPLOSIONS, STRATEGIC
from .model import Entry, Incident
from .places import related
from .settings import SETTINGS, Settings

_KIND_ORDER = {"post": 0, "summary": 1, "caption": 2}


def dedupe(items: list[tuple], gazetteer: Gazetteer, settings: Settings = SETTINGS) -> list[Incident]:
    """One incident per real event: the same strike told in several posts of a report is one.

    ``items``: ``(incident, entry, n_sentences[, date_stated])``. A summary bullet or a
    caption that states no date of its own takes the page's date, so it may retell a post's
    event of the day before.
    """
    kept: list[tuple[Incident, Entry, int]] = []
    stated: dict[int, bool] = {}
    for item in items:
        inc, entry, n = item[:3]
        stated[id(inc)] = item[3] if len(item) > 3 else True
        merged = False
        for k, (other, oentry, on) in enumerate(kept):
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
            elif not related(pa, pb, gazetteer, near_km=settings.dedupe_km):
                continue
            kept[k] = _better((other, oentry, on), (inc, entry, n), gazetteer)
            merged = True
            break
        if not merged:
            kept.append((inc, entry, n))
    return [inc for inc, _, _ in kept]


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
