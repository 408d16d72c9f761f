"""Scoring the extractor against hand-coded incidents (the evaluation yardstick).

Expected incidents are coded as an ACLED coder would, one JSON file per report in
``tests/fixtures/cases/`` (``NAME.txt`` is the report, ``NAME.json`` its incidents)::

    {"published": "YYYY-MM-DD", "source": "...", "incidents": [
       {"date": "YYYY-MM-DD", "place_id_any": ["jabalia-camp", "jabalia"], "lat": .., "lon": ..,
        "event_type": "...", "sub_event_type": "...", "fatalities": N | null, "injuries": N | null,
        "note": "which sentence(s), and why"}]}

Optional keys of an expected incident:

- ``optional: true`` -- a real event a careful coder might or might not code (a photo
  caption of an older strike, an undated battle). Not finding it costs no recall; a
  prediction matching it costs no precision. It is left out of every accuracy figure.
- ``date_any`` -- other acceptable event dates (e.g. "late Thursday and early Friday").
- ``fatalities_any`` -- other acceptable fatality counts when the text supports several.
- ``event_type_any`` -- other acceptable ACLED event types.
- ``max_km`` -- a larger place tolerance for places the text itself gives loosely
  ("near the capital", a region); the default is :data:`PLACE_KM`.
- ``name`` -- a short label used in failure messages.

Scoring relies on distance, not on gazetteer ids: a prediction matches an expected
incident when its date is within :data:`DAY_WINDOW` days of an acceptable date and its
point is within the place tolerance (or, as a fallback for gazetteer points placed
slightly apart, its ``place_id`` is one of ``place_id_any``). Matching is greedy and
one-to-one, best pairs first (exact date, then nearest, then same event type and
fatalities), required incidents before optional ones. A second prediction of an
already matched event is a false positive: on a map it is a doubled marker and doubled
fatalities. Such extras are also counted as ``duplicates`` (an unmatched prediction
that could have matched an already matched event: a split or repeated event, or a
non-event such as an area-wide toll that happens to fall on the same place and day).

Among matched required incidents:

- place accuracy: the predicted point within the place tolerance of the true point;
- date accuracy: exact date (or one of ``date_any``);
- fatality accuracy: exact count (or one of ``fatalities_any``); "none reported"
  (null) and 0 are treated as equal;
- event type accuracy: ``event_type`` (or one of ``event_type_any``);
- injuries accuracy is reported too, with the same rule as fatalities.
"""
from __future__ import annotations

import functools
import json
import math
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Iterable

PLACE_KM = 10.0
DAY_WINDOW = 1
from gazetteer import haversine_km  # noqa: E402  (one great-circle formula for the project)

EVENT_TYPES = {
    "Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
    "Strategic developments",
}

USE_GEONAMES = True  # as `python -m incidents extract` does by default

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "cases"


# --------------------------------------------------------------------------- helpers


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _dates(exp: dict) -> list[date]:
    out = [_day(exp.get("date"))] + [_day(d) for d in exp.get("date_any", [])]
    return [d for d in out if d is not None]


def _get(obj: Any, key: str, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _as_dict(pred: Any) -> dict:
    if isinstance(pred, dict):
        return pred
    if hasattr(pred, "to_dict"):
        return pred.to_dict()
    return dict(vars(pred))


def _count_ok(expected: dict, key: str, predicted: Any) -> bool:
    accepted = [expected.get(key)] + list(expected.get(f"{key}_any", []))
    norm = {None if v in (None, 0) else int(v) for v in accepted}
    got = None if predicted in (None, 0) else int(predicted)
    return got in norm


def _type_ok(expected: dict, predicted: Any) -> bool:
    accepted = {expected.get("event_type")} | set(expected.get("event_type_any", []))
    return predicted in accepted


def _tolerance(expected: dict) -> float:
    return max(PLACE_KM, float(expected.get("max_km") or 0))


def _distance(expected: dict, pred: dict) -> float:
    try:
        return haversine_km(float(expected["lat"]), float(expected["lon"]), float(pred["lat"]), float(pred["lon"]))
    except (KeyError, TypeError, ValueError):
        return math.inf


def _label(exp: dict) -> str:
    if exp.get("name"):
        return f"{exp['name']} ({exp.get('date')})"
    ids = exp.get("place_id_any") or ["?"]
    return f"{ids[0]} {exp.get('date')} {exp.get('event_type', '')}".strip()


# --------------------------------------------------------------------------- scoring
def score(expected: dict | list, predicted: Iterable[Any]) -> dict:
    """Match predicted incidents to expected ones and compute the figures.

    ``expected`` is a case (a dict with ``incidents``) or a list of expected incidents;
    ``predicted`` is a list of incident dicts (the JSON Lines of ``extract``) or
    :class:`incidents.model.Incident` objects.
    """
    exp_list = list(expected.get("incidents", []) if isinstance(expected, dict) else expected)
    preds = [_as_dict(p) for p in predicted]

    pairs = []
    for ei, e in enumerate(exp_list):
        edates = _dates(e)
        ids = set(e.get("place_id_any", []))
        tol = _tolerance(e)
        for pi, p in enumerate(preds):
            pday = _day(p.get("date"))
            if pday is None or not edates:
                continue
            gap = min(abs((pday - d).days) for d in edates)
            if gap > DAY_WINDOW:
                continue
            dist = _distance(e, p)
            if dist > tol and p.get("place_id") not in ids:
                continue
            pairs.append(((
                1 if e.get("optional") else 0,
                0 if gap == 0 else 1,
                0 if dist <= tol else 1,
                round(dist, 1),
                0 if _type_ok(e, p.get("event_type")) else 1,
                0 if _count_ok(e, "fatalities", p.get("fatalities")) else 1,
                pi,
            ), ei, pi, dist))
    pairs.sort(key=lambda t: t[0])

    exp_taken: dict[int, tuple[int, float]] = {}
    pred_taken: dict[int, int] = {}
    for _, ei, pi, dist in pairs:
        if ei in exp_taken or pi in pred_taken:
            continue
        exp_taken[ei] = (pi, dist)
        pred_taken[pi] = ei

    matches, missed, optional_missed = [], [], []
    n_required = sum(1 for e in exp_list if not e.get("optional"))
    n_optional = len(exp_list) - n_required
    place_ok = date_ok = fat_ok = inj_ok = type_ok = 0
    optional_matched = 0
    for ei, e in enumerate(exp_list):
        if ei not in exp_taken:
            (optional_missed if e.get("optional") else missed).append(e)
            continue
        pi, dist = exp_taken[ei]
        p = preds[pi]
        if e.get("optional"):
            optional_matched += 1
            continue
        checks = {
            "place": dist <= _tolerance(e),
            "date": _day(p.get("date")) in _dates(e),
            "fatalities": _count_ok(e, "fatalities", p.get("fatalities")),
            "injuries": _count_ok(e, "injuries", p.get("injuries")),
            "event_type": _type_ok(e, p.get("event_type")),
        }
        place_ok += checks["place"]
        date_ok += checks["date"]
        fat_ok += checks["fatalities"]
        inj_ok += checks["injuries"]
        type_ok += checks["event_type"]
        matches.append({"expected": e, "predicted": p, "km": round(dist, 1), "checks": checks})

    false_positives, duplicates = [], []
    matched_exp_ids = set(exp_taken)
    for pi, p in enumerate(preds):
        if pi in pred_taken:
            continue
        false_positives.append(p)
        # would it have matched an already matched event? then it is a doubled marker
        for _, ei, pj, _d in pairs:
            if pj == pi and ei in matched_exp_ids:
                duplicates.append(p)
                break

    matched = len(matches)
    judged = len(preds) - optional_matched
    ratio = lambda a, b: (a / b) if b else None  # noqa: E731
    return {
        "expected": n_required,
        "optional": n_optional,
        "predicted": len(preds),
        "matched": matched,
        "optional_matched": optional_matched,
        "false_positives": len(false_positives),
        "duplicates": len(duplicates),
        "recall": ratio(matched, n_required),
        "precision": ratio(matched, judged),
        "place_accuracy": ratio(place_ok, matched),
        "date_accuracy": ratio(date_ok, matched),
        "fatality_accuracy": ratio(fat_ok, matched),
        "injury_accuracy": ratio(inj_ok, matched),
        "event_type_accuracy": ratio(type_ok, matched),
        "place_ok": place_ok, "date_ok": date_ok, "fatalities_ok": fat_ok, "injuries_ok": inj_ok,
        "event_type_ok": type_ok,
        "matches": matches,
        "missed": missed,
        "optional_missed": optional_missed,
        "false_positive_items": false_positives,
        "duplicate_items": duplicates,
    }


COUNT_KEYS = ("expected", "optional", "predicted", "matched", "optional_matched", "false_positives", "duplicates",
              "place_ok", "date_ok", "fatalities_ok", "injuries_ok", "event_type_ok")


def total(results: Iterable[dict]) -> dict:
    """Micro-averaged totals over several :func:`score` results."""
    results = list(results)
    out = {k: sum(r[k] for r in results) for k in COUNT_KEYS}
    ratio = lambda a, b: (a / b) if b else None  # noqa: E731
    out["recall"] = ratio(out["matched"], out["expected"])
    out["precision"] = ratio(out["matched"], out["predicted"] - out["optional_matched"])
    for key, ok in (("place_accuracy", "place_ok"), ("date_accuracy", "date_ok"),
                    ("fatality_accuracy", "fatalities_ok"), ("injury_accuracy", "injuries_ok"),
                    ("event_type_accuracy", "event_type_ok")):
        out[key] = ratio(out[ok], out["matched"])
    return out


# --------------------------------------------------------------------------- running
@functools.lru_cache(maxsize=1)
def gazetteer():
    """The project gazetteer, without any user additions (loaded once)."""
    from gazetteer import Gazetteer

    missing = Path(tempfile.gettempdir()) / "incidents-eval-no-user-places" / "user_places.csv"
    return Gazetteer.load(user=missing, fallback=True if USE_GEONAMES else None)


def load_case(json_path: str | Path) -> dict:
    return json.loads(Path(json_path).read_text(encoding="utf-8"))


def extract_file(txt_path: str | Path, published: str | None, source: str | None) -> list[dict]:
    """Run the library pipeline on one report; incidents as dicts (like the CLI's JSON Lines)."""
    from incidents.extract import extract
    from incidents.reading import read_report

    report = read_report(txt_path, source=source, published=_day(published))
    return [inc.to_dict() for inc in extract(report, gazetteer()).incidents]


def run_case(txt_path: str | Path, json_path: str | Path | dict) -> dict:
    """Extract one report and score it against its hand-coded JSON (or an already loaded case dict)."""
    case = json_path if isinstance(json_path, dict) else load_case(json_path)
    predicted = extract_file(txt_path, case.get("published"), case.get("source"))
    result = score(case, predicted)
    result["case"] = Path(txt_path).name
    result["predicted_items"] = predicted
    return result


def case_paths(directory: str | Path = CASES_DIR) -> list[tuple[Path, Path]]:
    """(report, expected) pairs of the evaluation set, sorted by name."""
    directory = Path(directory)
    return [(txt, txt.with_suffix(".json")) for txt in sorted(directory.glob("*.txt"))
            if txt.with_suffix(".json").exists()]


# --------------------------------------------------------------------------- reporting
def _pct(x: float | None) -> str:
    return "  -  " if x is None else f"{100 * x:4.0f}%"


HEADER = (f"{'case':34} {'exp':>3} {'opt':>3} {'pred':>4} {'hit':>3} {'FP':>3} {'dup':>3} "
          f"{'recall':>6} {'prec':>6} {'place':>6} {'date':>6} {'fatal':>6} {'type':>6}")


def table_row(name: str, r: dict) -> str:
    return (f"{name[:34]:34} {r['expected']:3d} {r['optional']:3d} {r['predicted']:4d} {r['matched']:3d} "
            f"{r['false_positives']:3d} {r['duplicates']:3d} {_pct(r['recall']):>6} {_pct(r['precision']):>6} "
            f"{_pct(r['place_accuracy']):>6} {_pct(r['date_accuracy']):>6} {_pct(r['fatality_accuracy']):>6} "
            f"{_pct(r['event_type_accuracy']):>6}")


def table(results: list[dict]) -> str:
    lines = [HEADER, "-" * len(HEADER)]
    lines += [table_row(r.get("case", "?"), r) for r in results]
    lines.append("-" * len(HEADER))
    lines.append(table_row("TOTAL", total(results)))
    return "\n".join(lines)


def _short(text: str, n: int = 110) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def failures(result: dict) -> list[str]:
    """Human-readable problems of one case: missed, false positives, wrong fields."""
    out = []
    name = result.get("case", "?")
    for e in result["missed"]:
        out.append(f"{name}: MISSED {_label(e)} fat={e.get('fatalities')} — {_short(e.get('note'))}")
    for p in result["false_positive_items"]:
        kind = "EXTRA (near a matched event)" if p in result["duplicate_items"] else "FALSE POSITIVE"
        out.append(f"{name}: {kind} {p.get('place_id')} {p.get('date')} {p.get('event_type')} "
                   f"fat={p.get('fatalities')} — {_short(p.get('excerpt'))}")
    for m in result["matches"]:
        e, p, c = m["expected"], m["predicted"], m["checks"]
        bad = []
        if not c["place"]:
            bad.append(f"place {p.get('place_id')} is {m['km']} km from {e.get('place_id_any', ['?'])[0]}")
        if not c["date"]:
            bad.append(f"date {p.get('date')} != {e.get('date')}")
        if not c["fatalities"]:
            bad.append(f"fatalities {p.get('fatalities')} != {e.get('fatalities')}")
        if not c["event_type"]:
            bad.append(f"type {p.get('event_type')} != {e.get('event_type')}")
        if bad:
            out.append(f"{name}: WRONG {_label(e)}: " + "; ".join(bad) + f" — {_short(p.get('excerpt'), 80)}")
    return out


def check_case(name: str, case: dict) -> list[str]:
    """Format problems of one hand-coded case (keys, dates near publication, region, types, counts)."""
    out = []
    try:
        pub = date.fromisoformat(case["published"])
    except (KeyError, ValueError):
        return [f"{name}: bad published"]
    if not case.get("source"):
        out.append(f"{name}: no source")
    if not case.get("incidents"):
        out.append(f"{name}: no incidents")
    for i, inc in enumerate(case.get("incidents", [])):
        where = f"{name}#{i}"
        for key in ("date", "place_id_any", "lat", "lon", "event_type", "sub_event_type", "fatalities", "injuries", "note"):
            if key not in inc:
                out.append(f"{where}: missing {key}")
        for d in [inc.get("date")] + inc.get("date_any", []):
            try:
                day = date.fromisoformat(d)
            except (TypeError, ValueError):
                out.append(f"{where}: bad date {d!r}")
                continue
            if not -60 <= (day - pub).days <= 1:
                out.append(f"{where}: date {d} far from publication {pub}")
        if not (10 <= float(inc.get("lat", 0)) <= 40 and 30 <= float(inc.get("lon", 0)) <= 50):
            out.append(f"{where}: lat/lon outside the region")
        for t in [inc.get("event_type")] + inc.get("event_type_any", []):
            if t not in EVENT_TYPES:
                out.append(f"{where}: unknown event type {t!r}")
        for key in ("fatalities", "injuries"):
            v = inc.get(key)
            if v is not None and (not isinstance(v, int) or v < 0):
                out.append(f"{where}: bad {key} {v!r}")
    return out


def place_disagreements(named_cases, gaz) -> tuple[list[str], list[str]]:
    """``(far, unknown)``: coded incidents whose listed gazetteer ids lie far from the coded point
    (the id fallback of the scorer would then accept wrong places), and ids the gazetteer lacks."""
    far, unknown = [], []
    for name, case in named_cases:
        for inc in case["incidents"]:
            known = [gaz.get(i) for i in inc["place_id_any"] if gaz.get(i) is not None]
            if not known:
                unknown.append(f"{name}: none of {inc['place_id_any']} in the gazetteer")
                continue
            d = min(haversine_km(inc["lat"], inc["lon"], p.lat, p.lon) for p in known)
            if d > _tolerance(inc) and not inc.get("optional"):
                far.append(f"{name}: {inc['place_id_any']} nearest listed place {d:.1f} km from the coded point")
    return far, unknown


def set_problems(cases: list[tuple[Path, Path]], require_incidents: bool = False) -> tuple[list[str], int]:
    """Format problems of a set of ``(report, json)`` cases, and how many need their date inferred."""
    problems, inferred = [], 0
    for report, js in cases:
        words = len(Path(report).read_text(encoding="utf-8").split())
        if not 150 <= words <= 600:
            problems.append(f"{Path(report).name}: {words} words")
        case = load_case(js)
        inferred += bool(case.get("published_inferred"))
        problems += check_case(Path(js).name, case)
        if require_incidents and not [i for i in case.get("incidents", []) if not i.get("optional")]:
            problems.append(f"{Path(js).name}: no required incidents")
    return problems, inferred


def assert_floors(results: list[dict], floors: dict, cases_dir: Path, label: str) -> None:
    """Print the per-case table and problems of a held-out set; fail if a total is below its floor."""
    tot = total(results)
    report = table(results)
    details = [line for r in results for line in failures(r)]
    for r in results:
        if load_case(Path(cases_dir) / (Path(r["case"]).stem + ".json")).get("published_inferred"):
            got = ", ".join(r["published_got"]) or "no incidents"
            mark = "ok" if r["published_got"] == [r["published_expected"]] else "WRONG"
            details.append(f"{r['case']}: inferred publication date {got} (expected {r['published_expected']}) {mark}")
    for r in results:  # dense areas (central Gaza camps, border villages): a neighbour's prediction may match
        for m in r["matches"]:
            e, p = m["expected"], m["predicted"]
            if p.get("place_id") not in e.get("place_id_any", []):
                details.append(f"{r['case']}: MATCHED BY A NEIGHBOUR {_label(e)} <- {p.get('place_id')} "
                               f"{m['km']} km ({p.get('event_type')})")
    print("\n" + report)
    print("\n".join(["", "Problems:"] + details))
    summary = ", ".join(f"{k}={tot[k]:.2f}" if tot[k] is not None else f"{k}=n/a" for k in floors)
    print("\nTotals vs floors: " + summary)
    low = [k for k, floor in floors.items() if tot[k] is None or tot[k] < floor]
    assert not low, (f"{label} below floor: {low} ({summary})\n{report}\n" + "\n".join(details[:80]))

