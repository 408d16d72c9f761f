"""AppTest of the review flow in the dashboard's panel (dashboard.account_actions -> ui_review) and of the
Events page's review filter, review column and review-log download/upload."""
from __future__ import annotations

import csv
import io
import json

from streamlit.testing.v1 import AppTest

from ui_fixtures import ROOT, all_text, downloads, map_args, marker_rows, metric, seeded, ui_env  # noqa: F401
from incidents import review
from incidents.store import Store

APP = str(ROOT / "dashboard.py")
PAGE = str(ROOT / "pages" / "1_Incidents.py")


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def incident_id(db, place_id: str, date: str) -> int:
    with Store(db) as s:
        return next(r["id"] for r in s.incidents() if r["place_id"] == place_id and r["date"] == date)


def open_review(at, iid: int):
    """Open the account's collapsed review expander (its controls run only once opened)."""
    at.session_state[f"review_{iid}"] = True
    return ok(at.run())


def test_panel_review_confirm_reject_show_and_correct(seeded):
    db, _ = seeded
    iid = incident_id(db, "khiam", "2024-02-06")  # one account, one event, no death toll
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    assert metric(at, "Events") == "5" and metric(at, "Fatalities") == "11"
    # the controls are collapsed: one expander per account, no form drawn
    assert len([e for e in at.expander if e.label == "Review"]) == 5
    assert not [b for b in at.button if b.key and b.key.startswith("panel-")]

    open_review(at, iid)
    at.button(key=f"panel-{iid}:confirm").click()
    ok(at.run())
    with Store(db) as s:
        assert review.load(s).state(iid) is review.ReviewState.CONFIRMED
    assert "✓ confirmed" in all_text(at)

    # reject: the account and its event leave the map and the counts (the base map stays: no remount)
    script = map_args(at)["script"]
    at.button(key=f"panel-{iid}:reject").click()
    ok(at.run())
    assert map_args(at)["script"] == script
    assert metric(at, "Events") == "4" and metric(at, "Places") == "3"
    assert "khiam" not in {r["id"] for r in marker_rows(map_args(at))}
    assert "Residents of" not in all_text(at)

    # "Show rejected" brings it back, marked, still not counted
    at.toggle(key="show_rejected").set_value(True)
    ok(at.run())
    rows = {r["id"]: r for r in marker_rows(map_args(at))}
    assert rows["khiam"]["f"] == "#9e9e9e" and rows["khiam"]["d"] == "2 4"  # marked: grey, dotted
    assert rows["rafah"]["f"] != "#9e9e9e"
    text = all_text(at)
    assert "Residents of" in text and "✗ rejected" in text, text
    assert metric(at, "Events") == "4"
    at.toggle(key="show_rejected").set_value(False)
    ok(at.run())

    # correct the fatalities of a Rafah account: the event's count follows
    rid = incident_id(db, "rafah", "2024-02-05")
    open_review(at, rid)
    at.button(key=f"panel-{rid}:correct").click()
    ok(at.run())
    at.number_input(key=f"panel-{rid}:fatalities").set_value(9)
    at.text_input(key=f"panel-{rid}:note").input("hospital figure")
    at.button(key=f"FormSubmitter:panel-{rid}:form-Save correction").click()
    ok(at.run())
    with Store(db) as s:
        rev = review.load(s).by_incident[rid]
    assert rev.state is review.ReviewState.CORRECTED and rev.fatalities == 9
    assert metric(at, "Fatalities") == str(11 + 4)  # 5 -> 9
    heads = [m.value for m in at.markdown if 'class="event-head"' in m.value]
    assert any("9 killed" in h and "corrected" in h for h in heads), heads


def test_corrected_place_moves_a_single_account_event(seeded):
    db, _ = seeded
    iid = incident_id(db, "khiam", "2024-02-06")
    from gazetteer import Gazetteer

    with Store(db) as s:
        review.correct(s, iid, {"place_id": "jabalia"}, Gazetteer.load(), who="tester")
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    ids = {r["id"] for r in marker_rows(map_args(at))}
    assert "jabalia" in ids and "khiam" not in ids
    assert metric(at, "Events") == "5"


def test_permalink_to_a_rejected_event_says_so(seeded):
    db, _ = seeded
    iid = incident_id(db, "khiam", "2024-02-06")
    from gazetteer import Gazetteer

    with Store(db) as s:
        s.relink(Gazetteer.load())  # as the dashboard does on its first run
        eid = s.event_of(iid)
        review.reject(s, iid, who="tester")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["event"] = eid
    ok(at.run())
    assert "rejected in review" in all_text(at)
    at.toggle(key="show_rejected").set_value(True)
    ok(at.run())
    text = all_text(at)
    assert "rejected in review" not in text and "Residents of" in text and "✗ rejected" in text


# ---------------------------------------------------------------------- Events page


def _file(got: dict, prefix: str, ext: str) -> bytes:
    return next(v for k, v in got.items() if k.startswith(prefix) and k.endswith(ext))


def test_events_page_review_filter_column_and_exports(seeded, downloads):
    db, _ = seeded
    khiam = incident_id(db, "khiam", "2024-02-06")
    rafah = incident_id(db, "rafah", "2024-02-05")
    younis = incident_id(db, "khan-younis", "2024-02-06")
    with Store(db) as s:
        review.reject(s, khiam, who="tester")
        review.correct(s, rafah, {"fatalities": 7}, who="tester", note="morgue")
        review.confirm(s, younis, who="tester")
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    df = at.dataframe[0].value
    assert len(df) == 4 and "review" in df.columns  # rejected hidden by default
    assert set(df["review"]) == {"machine", "corrected", "confirmed"}
    assert metric(at, "Events") == "4" and metric(at, "Fatalities") == str(11 + 2)

    rows = list(csv.DictReader(io.StringIO(_file(downloads, "events_", ".csv").decode())))
    assert {r["review"] for r in rows} == {"machine", "corrected", "confirmed"}
    assert next(r for r in rows if r["review"] == "corrected")["fatalities_best"] == "7"
    feats = json.loads(_file(downloads, "events_", ".geojson"))["features"]
    assert {f["properties"]["review"] for f in feats} == {"machine", "corrected", "confirmed"}
    acc = list(csv.DictReader(io.StringIO(_file(downloads, "accounts_", ".csv").decode())))
    corrected = next(r for r in acc if r["review"] == "corrected")
    assert corrected["fatalities"] == "7" and corrected["review_note"] == "morgue"
    assert "rejected" not in {r["review"] for r in acc}

    # only the rejected
    at.multiselect(key="ev_review").set_value(["rejected"])
    ok(at.run())
    df = at.dataframe[0].value
    assert list(df["review"]) == ["rejected"] and list(df["place"]) == ["Khiam"]
    at.multiselect(key="ev_review").set_value(["confirmed"])
    ok(at.run())
    assert list(at.dataframe[0].value["place"]) == ["Khan Younis"]


def test_events_page_review_log_download_and_upload(seeded, downloads, tmp_path):
    db, _ = seeded
    khiam = incident_id(db, "khiam", "2024-02-06")
    with Store(db) as s:
        review.reject(s, khiam, who="tester")
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    log = _file(downloads, "review_log", ".jsonl").decode()
    lines = [json.loads(x) for x in log.splitlines()]
    assert len(lines) == 1 and lines[0]["state"] == "rejected"

    # a log from another analyst: this entry again, one new, one for a report this store lacks
    with Store(db) as s:
        other = review.confirm(s, incident_id(db, "rafah", "2024-02-07"), who="other")
    extra = json.loads(json.dumps(other.to_json()))
    foreign = dict(lines[0], report_id=999, report="elsewhere", key="999:x:0-1", uid="")
    foreign.pop("uid")
    upload = "\n".join([log.strip(), json.dumps(extra), json.dumps(foreign)]) + "\n"
    at.file_uploader(key="review_log_upload").set_value(("log.jsonl", upload.encode(), "application/jsonl"))
    ok(at.run())
    text = all_text(at)
    assert "0 added" in text, text
    # the confirm was already in this store (made above), the rejection too: nothing new; one unknown report
    assert "2 already there" in text and "1 for reports not in this store" in text
    # a rerun does not import the same upload again
    ok(at.run())
    with Store(db) as s:
        assert s.count("review_log") == 2
