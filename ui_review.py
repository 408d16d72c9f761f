"""Review controls for the dashboard panel and the Incidents page (the Streamlit side of incidents/review.py).

* :func:`review_controls` renders, for one incident, its review state and
  Confirm / Reject / Correct (a small form: place from the gazetteer, date,
  type / sub-type, fatalities, injuries, note). Every widget key starts with
  ``key`` so several incidents can be reviewed on one page. Writes go through
  :mod:`incidents.review` (so they are logged and survive re-extraction).
* :func:`review_filter` is a multiselect of review states for the Incidents
  page; pass its result to ``review.apply_frame(df, store,
  include_rejected="rejected" in states)`` and ``review.filter_frame``.

Plugging it in (dashboard panel, Incidents page)::

    from incidents import review
    import ui_review

    res = review.load(store)                       # once per rerun (or cached on ui.data_version)
    df = review.apply_frame(df, res)               # map, counts: reviewed values, rejected hidden
    states = ui_review.review_filter("inc-review") # Incidents page
    df = review.filter_frame(review.apply_frame(raw, res, include_rejected="rejected" in states), states)
    review.to_csv(df) / review.export_frame(df)    # downloads with the review columns
    events = review.apply_events(store.events(gaz), store, gaz, reviews=res)
    ui_review.review_controls(store, incident_row, key=f"panel-{incident_row['id']}", gazetteer=gaz)

Every text that comes from a report or a reviewer is shown as plain text
(``st.text``) or escaped; nothing is rendered as HTML.
"""
from __future__ import annotations

import html
from datetime import date
from typing import Any

import streamlit as st

from incidents import review
from incidents.errors import IncidentMapError
from incidents.review import ReviewState

STATE_LABELS = {
    "machine": "not reviewed",
    "confirmed": "confirmed",
    "corrected": "corrected",
    "rejected": "rejected (hidden by default)",
}
DEFAULT_FILTER = ("machine", "confirmed", "corrected")
REVIEWER_KEY = "review_who"  # session state: the reviewer's name, if the app asks for it
_PLACE_OPTIONS: dict[int, tuple[list[str], dict[str, str]]] = {}


def _esc(text: Any) -> str:
    """Text safe inside Markdown and HTML (every ASCII punctuation character escaped)."""
    s = html.escape("" if text is None else str(text), quote=True)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~<>$" else ch for ch in s)


def _places(gazetteer: Any) -> tuple[list[str], dict[str, str]]:
    """Place ids sorted by name, and their labels ("Rafah (city, PS)"), once per gazetteer."""
    hit = _PLACE_OPTIONS.get(id(gazetteer))
    if hit is None:
        places = list(getattr(gazetteer, "places", {}).values()) if gazetteer is not None else []
        places.sort(key=lambda p: (p.name.casefold(), p.id))
        labels = {p.id: f"{p.name} ({p.kind}, {p.country or '-'})" for p in places}
        hit = _PLACE_OPTIONS[id(gazetteer)] = ([p.id for p in places], labels)
    return hit


def _type_pairs() -> list[tuple[str, str]]:
    return [(t, s) for t, subs in review.event_types().items() for s in subs]


def _reviewer() -> str:
    who = st.session_state.get(REVIEWER_KEY)
    return str(who).strip() if who and str(who).strip() else review.default_reviewer()


def _flash(key: str, kind: str, text: str) -> None:
    st.session_state[f"{key}:flash"] = (kind, text)


def _write(key: str, action, *args, **kw) -> bool:
    try:
        rev = action(*args, **kw)
    except IncidentMapError as exc:
        _flash(key, "error", str(exc).splitlines()[0])
        return False
    _flash(key, "success", f"{rev.state.value.capitalize()} by {rev.who}")
    return True


def dataset_review_text(incident_id: int) -> str:
    """Why a review cannot be saved on a Parquet dataset, and how to make it (shown in the Review expander)."""
    return (
        "Reviews are not saved on a Parquet dataset. Why: the dataset is the output of `batch` or `export`, "
        "immutable monthly files other readers share, and a review changes the events that linking builds from "
        "their accounts (a correction can move an account to another day or place), which only the SQLite "
        "store redoes. The states shown here are those exported with it. To review this account, open the "
        "store it came from (`INCIDENTS_DB=path/to/store.db`), or run "
        f"`python -m incidents review set {int(incident_id)} --reject --db STORE` (or `--confirm`, "
        "`--correct FIELD=VALUE`), then `python -m incidents export --db STORE --to DATASET` again: the export "
        "carries every review.")


def review_controls(store: Any, incident: dict, key: str, gazetteer: Any) -> None:
    """Review state and Confirm / Reject / Correct for one incident (a dict as ``Store.incidents`` or
    ``review.apply_reviews`` gives it: ``id`` is what matters). Widget keys derive from ``key``."""
    if getattr(store, "read_only", False):  # a Parquet dataset: reviews are made on a SQLite store
        st.caption(dataset_review_text(int(incident["id"])))
        return
    iid = int(incident["id"])
    res = review.load(store, [incident["report_id"]]) if incident.get("report_id") is not None else review.load(store)
    current = res.by_incident.get(iid)
    state = current.state if current is not None else ReviewState.MACHINE
    row = next(iter(store.incidents("id = ?", (iid,))), None) or dict(incident)  # the machine's values
    shown = review.apply_row(row, current)

    line = f"Review: **{_esc(STATE_LABELS[state.value])}**"
    if current is not None:
        line += f" by {_esc(current.who)}, {_esc(current.when[:16].replace('T', ' '))} UTC"
    st.markdown(line)
    if current is not None and current.note:
        st.text(f"Note: {current.note}")
    if current is not None and current.state is ReviewState.CORRECTED:
        was = ", ".join(f"{k}: {v if v is not None else 'unknown'}" for k, v in shown.get("machine", {}).items()
                        if k in review.FIELDS)
        st.text(f"Extracted: {was}")
    flash = st.session_state.pop(f"{key}:flash", None)
    if flash:
        (st.error if flash[0] == "error" else st.success)(flash[1])

    c1, c2, c3 = st.columns(3)
    if c1.button("Confirm", key=f"{key}:confirm", disabled=state is ReviewState.CONFIRMED,
                 help="The extracted values are right"):
        if _write(key, review.confirm, store, iid, who=_reviewer()):
            st.rerun()
    if state is ReviewState.REJECTED:
        if c2.button("Restore", key=f"{key}:restore", help="Not a false positive after all"):
            if _write(key, review.clear, store, iid, who=_reviewer()):
                st.rerun()
    elif c2.button("Reject", key=f"{key}:reject", help="A false positive: hidden from the map and counts"):
        if _write(key, review.reject, store, iid, who=_reviewer()):
            st.rerun()
    open_key = f"{key}:correcting"
    if c3.button("Correct…", key=f"{key}:correct"):
        st.session_state[open_key] = not st.session_state.get(open_key, False)
    if st.session_state.get(open_key):
        _correct_form(store, iid, shown, key, gazetteer)


def _correct_form(store: Any, iid: int, shown: dict, key: str, gazetteer: Any) -> None:
    ids, labels = _places(gazetteer)
    pid = shown.get("place_id") or ""
    options = ids if pid in labels or not pid else [pid, *ids]
    pairs = _type_pairs()
    pair = (shown.get("event_type") or "", shown.get("sub_event_type") or "")
    if pair not in pairs:
        pairs = [pair, *pairs]
    try:
        day = date.fromisoformat(shown["date"]) if shown.get("date") else None
    except ValueError:
        day = None
    with st.form(key=f"{key}:form"):
        place = st.selectbox("Place", options, index=options.index(pid) if pid in options else None,
                             format_func=lambda p: labels.get(p, p), key=f"{key}:place",
                             placeholder="Choose a place from the gazetteer")
        when = st.date_input("Date", value=day, key=f"{key}:date", min_value=date(1900, 1, 1),
                             max_value=date(2100, 12, 31))
        etype = st.selectbox("Type / sub-type", pairs, index=pairs.index(pair), key=f"{key}:type",
                             format_func=lambda p: f"{p[0]} / {p[1]}" if p[0] else "(none)")
        f1, f2 = st.columns(2)
        dead = f1.number_input("Fatalities", min_value=0, max_value=review.MAX_COUNT, step=1,
                               value=shown.get("fatalities"), key=f"{key}:fatalities", placeholder="unknown")
        hurt = f2.number_input("Injuries", min_value=0, max_value=review.MAX_COUNT, step=1,
                               value=shown.get("injuries"), key=f"{key}:injuries", placeholder="unknown")
        note = st.text_input("Note", key=f"{key}:note", max_chars=review.MAX_NOTE)
        submitted = st.form_submit_button("Save correction")
    if not submitted:
        return
    values: dict[str, Any] = {}
    if place and place != pid:
        values["place_id"] = place
    if when and (not day or when != day):
        values["date"] = when.isoformat()
    if etype and tuple(etype) != pair:
        values["event_type"], values["sub_event_type"] = etype
    for name, v in (("fatalities", dead), ("injuries", hurt)):
        if v is not None and v != shown.get(name):
            values[name] = int(v)
    if not values:
        _flash(key, "error", "Nothing to correct: change a value first")
        st.rerun()
    if _write(key, review.correct, store, iid, values, gazetteer, note=note, who=_reviewer()):
        st.session_state[f"{key}:correcting"] = False
    st.rerun()


def import_summary_text(summary: review.ImportSummary) -> str:
    """What an upload of a review log did, in one line (plain text: show it with st.success / st.text)."""
    parts = [f"{summary.read} entries read: {summary.added} added, {summary.present} already there"]
    if summary.unknown_reports:
        parts.append(f"{len(summary.unknown_reports)} for reports not in this store (skipped)")
    if summary.unattached:
        parts.append(f"{len(summary.unattached)} for incidents not found now (kept; they apply if the "
                     "incident comes back)")
    if summary.bad:
        parts.append(f"{len(summary.bad)} bad line(s): " + "; ".join(summary.bad[:3]))
    return "; ".join(parts) + "."


def review_filter(key: str) -> set[str]:
    """A multiselect of review states (default: everything but rejected); the states chosen."""
    chosen = st.multiselect("Review", list(review.STATES), default=list(DEFAULT_FILTER), key=key,
                            format_func=lambda s: STATE_LABELS.get(s, s))
    return set(chosen)
