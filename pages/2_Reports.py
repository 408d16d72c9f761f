"""Reports: paste, upload (one or several files) or fetch a report from a URL, preview its incidents,
save it; list stored reports with their versions, refresh one that has a URL, delete one.

A URL is fetched through :mod:`incidents.fetch` (polite: user agent, timeout, size and redirect
limits; http/https only; private and local addresses refused) and the report keeps its URL, so a
refresh of it is a new version of the same report (``ingest``).

Save stores the preview's own extraction (it is not run again). Nothing slow runs on the script
thread, so one long or unusual report cannot stall the other sessions: extraction (preview and
Refresh) runs in a worker process within ``EXTRACT_SECONDS`` and the URL fetch with the reading of
the page in another within ``ui.FETCH_SECONDS`` (incidents/budget.py); over budget the worker is
stopped and the page says so in one line.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

import streamlit_folium
import ui
from gazetteer.errors import IncidentMapError
from incidents import views
from incidents.errors import InputError
from incidents.reading import read_bytes_report, report_from_text

UPLOAD_TYPES = ["txt", "md", "markdown", "html", "htm"]
# One limit for pastes and uploads, in the units the uploader itself counts in (it refuses files
# over 5,000,000 bytes; server.maxUploadSize = 5 lets the request through).
LIMIT_MB = 5
LIMIT_BYTES = LIMIT_MB * 1_000_000
LIMIT_TEXT = f"{LIMIT_MB} MB ({LIMIT_BYTES:,} bytes)"
MAX_FILES = 20  # files read and previewed at once (each is extracted once, then cached)
PREVIEW_COLUMNS = ["date", "place", "event_type", "sub_event_type", "fatalities", "injuries",
                   "geo_precision", "dateline", "excerpt"]

EXTRACT_SECONDS = 60.0  # a 5 MB report extracts in about 10 s; slower is a runaway (stopped, and said so)
MODE_URL = "From a URL"
st.title("Reports")
if ui.is_dataset():  # read-only: nothing on this page can write a Parquet dataset
    st.info("This is a Parquet dataset: add reports with `python -m incidents batch`.")
    st.stop()


def uploaded_files() -> list:
    up = st.session_state.get("rep_file")
    if up is None:
        return []
    return list(up) if isinstance(up, (list, tuple)) else [up]


def read_upload(up):
    if up.size > LIMIT_BYTES:
        raise InputError(f"file is {up.size:,} bytes, larger than the {LIMIT_TEXT} limit", up.name)
    report = read_bytes_report(up.getvalue(), up.name, max_bytes=LIMIT_BYTES)
    if not report.text.strip():
        raise InputError("the report has no text", report.path or None)
    return report


def read_input(mode: str):
    """The report the user gave, or None when nothing was given yet. Raises InputError on bad input."""
    if mode == MODE_URL:
        got = st.session_state.get("rep_fetched")
        if got is None or got[0] != (st.session_state.get("rep_url") or "").strip():
            return None
        return got[1]
    if mode == "Paste text":
        text = st.session_state.get("rep_text") or ""
        if not text:
            return None
        if not text.strip():
            raise InputError("the pasted text is empty (only spaces)")
        if len(text.encode("utf-8", "surrogatepass")) > LIMIT_BYTES:
            raise InputError(f"the pasted text is larger than the {LIMIT_TEXT} limit")
        if "\x00" in text:
            raise InputError("the pasted text contains binary data")
        report = report_from_text(text)
    else:
        files = uploaded_files()
        if len(files) != 1:
            return None  # none yet, or several: saved together below
        return read_upload(files[0])
    if not report.text.strip():
        raise InputError("the report has no text", report.path or None)
    return report


@st.cache_data(max_entries=MAX_FILES + 4, show_spinner="Finding incidents…")
def _extract(report_hash: str, _text: str, source: str, published, title: str, gaz_key: tuple):
    """Extraction of one report, cached: widget changes on this page do not redo it. It runs in the
    extraction worker (incidents.budget), within EXTRACT_SECONDS: never on this session's script thread."""
    from incidents.model import Report

    return _extract_off_thread(Report(text=_text, source=source, published=published, title=title))


def _extract_off_thread(report):
    """``extract(report, gazetteer)`` in the worker process, with the user's gazetteer; BudgetExceeded (an
    IncidentMapError) when it takes longer than EXTRACT_SECONDS."""
    from gazetteer import default_user_path

    from incidents import budget

    return budget.extract_within(report, EXTRACT_SECONDS, user=default_user_path())


def preview(report, gaz):
    from gazetteer import default_user_path

    ex = _extract(report.hash, report.text, report.source, report.published, report.title,
                  (str(default_user_path()), ui.gazetteer_stamp(default_user_path())))
    rows = [i.to_dict() if hasattr(i, "to_dict") else dict(i) for i in ex.incidents]
    df = pd.DataFrame(rows)
    if not df.empty:
        df.insert(0, "id", range(1, len(df) + 1))
        df["report_id"] = 0
        df = views.normalise_frame(df)
    return ex, df


def save(report, ex) -> None:
    """Store the report (or its new version) with the preview's extraction ``ex`` (nothing is extracted
    again) and link its incidents into events, as ``python -m incidents ingest`` does."""
    from incidents.ingest import ingest

    with ui.open_store() as store:
        res = ingest(store, report, ui.get_gazetteer(), extraction=ex)
    if res.state == "added":
        msg = f"Saved report #{res.report_id} with {res.incidents} incident(s). It is on the map now."
    elif res.state == "updated":
        msg = f"Saved a new version of report #{res.report_id}: {res.message.split(': ', 1)[-1]}."
    else:
        msg = f"This text is already stored (report #{res.report_id}); nothing changed."
    st.session_state["rep_saved"] = msg


def _input_changed() -> None:
    """New input: the last save message no longer applies."""
    st.session_state["rep_saved"] = ""


# ---------------------------------------------------------------------- input
def _fetch() -> None:
    """Fetch the URL the user gave (through incidents.fetch: polite, public addresses only)."""
    _input_changed()
    url = (st.session_state.get("rep_url") or "").strip()
    st.session_state["rep_fetched"] = None
    st.session_state["rep_fetch_error"] = ""
    if not url:
        st.session_state["rep_fetch_error"] = "Give the page's address (http:// or https://)."
        return
    try:
        st.session_state["rep_fetched"] = (url, ui.fetch_report(url))
    except IncidentMapError as exc:
        st.session_state["rep_fetch_error"] = f"Could not fetch the page: {exc}"


st.subheader("Add a report")
mode = st.radio("Input", ["Paste text", "Upload a file", MODE_URL], horizontal=True, key="rep_mode",
                label_visibility="collapsed", on_change=_input_changed)
if mode == "Paste text":
    st.text_area(f"Report text (at most {LIMIT_TEXT})", key="rep_text", height=240, on_change=_input_changed,
                 placeholder="Paste a live-updates page, a wire story or an article…")
elif mode == MODE_URL:
    u1, u2 = st.columns([5, 1], vertical_alignment="bottom")
    u1.text_input("Page URL", key="rep_url", placeholder="https://…",
                  help="The page is fetched by this server (http/https only; local and private addresses are "
                       f"refused; at most {ui.FETCH_LIMIT_TEXT}). The report keeps its URL: fetching it again "
                       "later is a new version of the same report.")
    u2.button("Fetch", key="rep_fetch", on_click=_fetch, width="stretch")
    if st.session_state.get("rep_fetch_error"):
        st.error(views.md_text(st.session_state["rep_fetch_error"]))
else:
    st.file_uploader(f"Report files (.txt, .md or .html, at most {LIMIT_TEXT} each; several at once)",
                     type=UPLOAD_TYPES, key="rep_file", max_upload_size=LIMIT_MB, on_change=_input_changed,
                     accept_multiple_files=True)


def save_many(items: list, problems: list[str]) -> None:
    """Save several uploaded files, each through ingest with its preview's extraction (not extracted
    again) and linked into events. ``items``: (report, extraction) pairs; ``problems``: files not read."""
    from incidents.ingest import ingest

    added = updated = same = 0
    problems = list(problems)
    with ui.open_store() as store:
        for rep, ex in items:
            try:
                res = ingest(store, rep, ui.get_gazetteer(), extraction=ex)
            except IncidentMapError as exc:
                problems.append(f"{rep.path or rep.title}: {exc}")
                continue
            added += res.state == "added"
            updated += res.state == "updated"
            same += res.state not in ("added", "updated")
    msg = f"Saved {added} new report(s), {updated} new version(s); {same} already stored."
    if problems:
        msg += " Not saved: " + "; ".join(problems)
    st.session_state["rep_saved"] = msg


def batch_preview(files) -> None:
    """Several files: one line each (what was read and how many incidents), then one save for all."""
    gaz = ui.get_gazetteer()
    rows, good = [], 0
    if len(files) > MAX_FILES:
        st.warning(f"{len(files)} files: the first {MAX_FILES} are read; save them, then add the others.")
        files = files[:MAX_FILES]
    items, problems = [], []
    for up in files:
        try:
            rep = read_upload(up)
            ex, df = preview(rep, gaz)
            rows.append({"file": up.name, "source": rep.source, "published": rep.published, "title": rep.title,
                         "incidents": len(df), "problem": ""})
            items.append((rep, ex))
            good += 1
        except IncidentMapError as exc:
            rows.append({"file": up.name, "source": "", "published": None, "title": "", "incidents": 0,
                         "problem": str(exc)})
            problems.append(f"{up.name}: {exc}")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="batch_table")
    if good and st.button(f"Save {good} report{'s' if good != 1 else ''}", type="primary", key="save_all"):
        save_many(items, problems)  # the files read above (at most MAX_FILES), as previewed


report = None
try:
    report = read_input(mode)
except IncidentMapError as exc:
    st.session_state["rep_saved"] = ""
    st.error(f"Cannot read this report: {views.md_text(exc)}")
except Exception as exc:  # never lose the user's input to a crash
    st.session_state["rep_saved"] = ""
    st.error(f"Cannot read this report: unexpected {type(exc).__name__}: {views.md_text(exc)}")

many = uploaded_files() if mode == "Upload a file" else []
if len(many) > 1:
    batch_preview(many)
elif report is None:
    if not st.session_state.get("rep_saved"):
        st.caption("Paste text, upload files or fetch a page to preview its incidents.")
else:
    h = report.hash[:12]
    if st.session_state.get("rep_hash") != h:  # new input: forget the last save message
        st.session_state["rep_hash"] = h
        st.session_state["rep_saved"] = ""
    inferred_src, inferred_pub = report.source, report.published
    c1, c2, c3 = st.columns([2, 1, 2])
    src = c1.text_input("Source", value=inferred_src or "", key=f"src_{h}",
                        help="Inferred from the text; correct it if needed.")
    pub = c2.date_input("Published", value=inferred_pub, key=f"pub_{h}", format="YYYY-MM-DD",
                        help="Inferred from the text; relative dates ('Wednesday') count from it.")
    title = c3.text_input("Title", value=report.title, key=f"title_{h}")
    notes = []
    notes.append(f"source inferred: {inferred_src}" if inferred_src else "no source found in the text")
    notes.append(f"date inferred: {inferred_pub}" if inferred_pub else "no publication date found in the text")
    if getattr(report, "url", ""):
        notes.insert(0, f"from {views.shorten(report.url, 120)}")
    st.caption(views.md_text("; ".join(notes)))
    report.source, report.published, report.title = src.strip(), pub, title.strip()

    gaz = ui.get_gazetteer()
    ex = df = None
    try:
        ex, df = preview(report, gaz)
    except ImportError:
        st.error("Extraction is not available in this installation (incidents.extract is missing).")
    except IncidentMapError as exc:
        st.session_state["rep_saved"] = ""
        st.error(f"Extraction failed: {views.md_text(exc)}")

    if ex is not None:
        n, dead = views.totals(df) if len(df) else (0, 0)
        m1, m2, m3 = st.columns(3)
        m1.metric("Incidents found", n)
        m2.metric("Fatalities", dead)
        m3.metric("Places", df["place_id"].nunique() if len(df) else 0)
        undated = getattr(ex, "undated", None) or []
        if undated:
            st.warning(f"{len(undated)} entr{'y' if len(undated) == 1 else 'ies'} without a date: "
                       "set the publication date so relative dates can be resolved.")
        if len(df):
            places = views.aggregate_places(df)
            left, right = st.columns([2, 3])
            with left:
                streamlit_folium.st_folium(ui.base_map(places), key="preview_map", height=340,
                                           width=None, returned_objects=[],
                                           feature_group_to_add=ui.marker_layer(places, ""))
            with right:
                st.dataframe(df[[c for c in PREVIEW_COLUMNS if c in df.columns]], hide_index=True,
                             width="stretch", height=340)
        else:
            st.info("No incidents found in this text (statements, meetings and warnings are not incidents).")
        if st.button("Save report", type="primary", key="save_report"):
            try:
                save(report, ex)
            except IncidentMapError as exc:
                st.session_state["rep_saved"] = ""
                st.error(f"Could not save: {views.md_text(exc)}")

if st.session_state.get("rep_saved"):
    st.success(st.session_state["rep_saved"])


# ---------------------------------------------------------------------- stored reports
def _ask_delete(rid: int) -> None:
    st.session_state["rep_confirm"] = rid


def _delete(rid: int) -> None:
    with ui.open_store() as store:
        store.delete_report(rid)
    st.session_state.pop("rep_confirm", None)
    st.session_state["rep_saved"] = ""
    st.session_state["rep_deleted"] = rid


def _cancel() -> None:
    st.session_state.pop("rep_confirm", None)


def _refresh(rid: int, url: str) -> None:
    """Fetch a stored report's URL again and save it through ingest: a new version when the page changed."""
    from incidents.ingest import ingest

    st.session_state["rep_saved"] = ""
    st.session_state["rep_refresh_error"] = ""
    try:
        report = ui.fetch_report(url)  # fetched and read in a worker, within ui.FETCH_SECONDS
        ex = _extract_off_thread(report)  # and extracted in another, within EXTRACT_SECONDS
        with ui.open_store() as store:
            res = ingest(store, report, ui.get_gazetteer(), extraction=ex)
    except IncidentMapError as exc:
        st.session_state["rep_refresh_error"] = f"Could not refresh report #{rid}: {exc}"
        return
    if res.state == "updated":
        st.session_state["rep_saved"] = (f"Refreshed report #{res.report_id}: version {res.version}, "
                                         f"{res.message.split(': ', 1)[-1]}.")
    elif res.state == "added":  # the page now reads as another report (its URL moved)
        st.session_state["rep_saved"] = f"The page was saved as report #{res.report_id} ({res.incidents} incident(s))."
    else:
        st.session_state["rep_saved"] = f"Report #{rid} is unchanged since it was last fetched."


st.divider()
st.subheader("Stored reports")
with ui.open_store() as store:
    reports = store.reports()
if st.session_state.get("rep_refresh_error"):
    st.error(views.md_text(st.session_state.pop("rep_refresh_error")))
if st.session_state.get("rep_deleted"):
    st.success(f"Deleted report #{st.session_state.pop('rep_deleted')} and its incidents.")
if not reports:
    st.caption("No reports stored yet.")
LIST_CAP = 200
for r in reports[:LIST_CAP]:
    c1, c2, c3 = st.columns([6, 2, 1])
    title = r.get("title") or "(untitled)"
    href = views.safe_href(r.get("url"))
    title_html = (f'<a href="{href}" target="_blank" rel="noopener noreferrer">{views.escape_md(title)}</a>'
                  if href else views.escape_md(title))
    n_versions = int(r.get("versions") or 1)
    c1.markdown(f"**#{r['id']}** {title_html}<br><small>{views.escape_md(r.get('source') or 'unknown source')}"
                f" · {views.escape_md(r.get('published') or 'no date')} · {r.get('chars', 0):,} characters"
                f" · {n_versions} version{'s' if n_versions != 1 else ''}</small>",
                unsafe_allow_html=True)
    c2.markdown(f"{r.get('incidents', 0)} incident(s)")
    if href:
        c2.button("Refresh", key=f"refresh_{r['id']}", on_click=_refresh, args=(r["id"], r["url"]),
                  help="Fetch the page again: what changed is saved as a new version of this report.")
    if st.session_state.get("rep_confirm") == r["id"]:
        c3.button("Confirm", key=f"del_yes_{r['id']}", on_click=_delete, args=(r["id"],), type="primary")
        c3.button("Cancel", key=f"del_no_{r['id']}", on_click=_cancel)
    else:
        c3.button("Delete", key=f"del_{r['id']}", on_click=_ask_delete, args=(r["id"],))
    exp = st.expander(f"Versions ({n_versions})", key=f"versions_{r['id']}", on_change="rerun")
    if exp.open:  # loaded only when opened
        with exp:
            with ui.open_store() as store:
                vs = store.versions(r["id"])
            st.dataframe(pd.DataFrame([{
                "version": v.version, "stored": v.ingested_at, "latest": v.latest, "published": v.published,
                "characters": v.chars, "new entries": v.entries_new, "changed entries": v.entries_changed,
                "kept entries": v.entries_kept, "entries gone": v.entries_gone, "new incidents": v.incidents_new,
                "kept incidents": v.incidents_kept, "updated incidents": v.incidents_updated,
                "retired incidents": v.incidents_retired} for v in vs]), hide_index=True, width="stretch",
                key=f"versions_table_{r['id']}")
if len(reports) > LIST_CAP:
    st.caption(f"Showing the newest {LIST_CAP} of {len(reports)} reports.")
