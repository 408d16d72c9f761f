"""AppTest of pages/2_Reports.py: paste -> preview -> save -> on the dashboard; uploads; bad input; delete."""
from __future__ import annotations

import html
from datetime import date

import pytest

from streamlit.testing.v1 import AppTest

from ui_fixtures import ROOT, all_text, extract_calls, map_args, metric, pipeline, seeded, ui_env  # noqa: F401
from incidents.store import Store

PAGE = str(ROOT / "pages" / "2_Reports.py")
DASH = str(ROOT / "dashboard.py")

REPORT = (
    "Israel-Hamas war: Live updates\n\n"
    "Wednesday, Feb. 7, 2024\n\n"
    "RAFAH, Gaza Strip (AP) — An Israeli airstrike on a house in Rafah killed 5 people on Wednesday, "
    "health officials said.\n"
)


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def page():
    return AppTest.from_file(PAGE, default_timeout=60)


def test_paste_preview_save_then_dashboard_shows_it(ui_env, pipeline):
    db, _ = ui_env
    at = ok(page().run())
    at.text_area(key="rep_text").set_value(REPORT)
    ok(at.run())
    # source and date default to what the text implies
    src = [t for t in at.text_input if t.label == "Source"][0]
    pub = [d for d in at.date_input if d.label == "Published"][0]
    assert src.value == "AP"
    assert pub.value == date(2024, 2, 7)
    n_found = int(metric(at, "Incidents found"))
    assert n_found >= 1, all_text(at)
    assert any(el for el in at.get("component_instance")), "no preview map"
    assert not at.error
    at.button(key="save_report").click()
    ok(at.run())
    assert any("Saved report #" in s.value for s in at.success)
    assert at.text_area(key="rep_text").value == REPORT  # nothing lost
    with Store(db) as s:
        assert s.count("reports") == 1 and s.count() == n_found
    assert "Live updates" in all_text(at)  # listed under stored reports

    dash = ok(AppTest.from_file(DASH, default_timeout=60).run())
    assert metric(dash, "Events") == str(n_found)  # one report: each incident its own event
    assert "Rafah" in map_args(dash)["feature_group"]
    assert "<mark>Rafah</mark>" in all_text(dash)

    # saving the same text again changes nothing
    at.button(key="save_report").click()
    ok(at.run())
    assert any("already stored" in s.value for s in at.success)


def test_upload_html_and_override_source(ui_env, pipeline):
    db, _ = ui_env
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("Upload a file")
    ok(at.run())
    html = ("<html><body><script>alert(1)</script><h1>Live</h1><p>Wednesday, Feb. 7, 2024</p>"
            "<p>RAFAH, Gaza Strip (AP) — An airstrike in Rafah killed 2 people on Wednesday.</p></body></html>")
    at.file_uploader(key="rep_file").set_value(("live.html", html.encode("utf-8"), "text/html"))
    ok(at.run())
    assert not at.error, [e.value for e in at.error]
    src = [t for t in at.text_input if t.label == "Source"][0]
    src.set_value("Wire")
    ok(at.run())
    at.button(key="save_report").click()
    ok(at.run())
    with Store(db) as s:
        reps = s.reports()
    assert len(reps) == 1 and reps[0]["source"] == "Wire"
    with Store(db) as s:
        assert "alert(1)" not in s.report_text(reps[0]["id"])


def test_bad_input_shows_an_error_and_keeps_it(ui_env, pipeline):
    at = ok(page().run())
    at.text_area(key="rep_text").set_value("   \n  ")
    ok(at.run())
    assert at.error and "empty" in at.error[0].value
    assert at.text_area(key="rep_text").value == "   \n  "
    at.radio(key="rep_mode").set_value("Upload a file")
    ok(at.run())
    at.file_uploader(key="rep_file").set_value(("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20,
                                                "text/plain"))
    ok(at.run())
    assert at.error and "binary" in at.error[0].value.lower(), [e.value for e in at.error]
    at.file_uploader(key="rep_file").set_value(("empty.txt", b"", "text/plain"))
    ok(at.run())
    assert at.error, "an empty file must be an error"
    at.file_uploader(key="rep_file").set_value(("big.txt", b"a" * 5_000_001, "text/plain"))
    ok(at.run())
    import html

    assert at.error and "5 MB (5,000,000 bytes)" in html.unescape(at.error[0].value)
    assert not any(b.key == "save_report" for b in at.button)
    # a file name is shown in the message, inert (no Markdown link or image)
    at.file_uploader(key="rep_file").set_value(("![x](http:__e.png).txt", b"\x00\x01" * 50, "text/plain"))
    ok(at.run())
    assert at.error and "![" not in at.error[0].value and "](" not in at.error[0].value


def test_delete_a_stored_report(seeded, pipeline):
    db, _ = seeded
    with Store(db) as s:
        rid = s.reports()[0]["id"]
    at = ok(page().run())
    at.button(key=f"del_{rid}").click()
    ok(at.run())
    at.button(key=f"del_yes_{rid}").click()
    ok(at.run())
    assert any("Deleted report" in s.value for s in at.success)
    with Store(db) as s:
        assert s.count("reports") == 1
        assert rid not in [r["id"] for r in s.reports()]


def test_the_page_states_the_limit_the_uploader_enforces(ui_env, pipeline):
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("Upload a file")
    ok(at.run())
    up = at.get("file_uploader")[0]
    assert up.proto.max_upload_size_mb == 5  # the uploader refuses files over 5,000,000 bytes
    assert "5 MB (5,000,000 bytes)" in up.proto.label
    # just under the limit is read, not refused
    body = (REPORT + " " * (5_000_000 - len(REPORT.encode()) - 1)).encode()
    at.file_uploader(key="rep_file").set_value(("big.txt", body, "text/plain"))
    ok(at.run())
    assert not [e for e in at.error if "limit" in e.value]


def test_a_new_error_replaces_the_last_success_message(ui_env, pipeline):
    at = ok(page().run())
    at.text_area(key="rep_text").set_value(REPORT)
    ok(at.run())
    at.button(key="save_report").click()
    ok(at.run())
    assert any("Saved report #" in s.value for s in at.success)
    at.text_area(key="rep_text").set_value("   \n  ")
    ok(at.run())
    assert at.error and "empty" in at.error[0].value
    assert not [s for s in at.success if "Saved report" in s.value]


def test_save_stores_the_preview_without_extracting_again(ui_env, pipeline, extract_calls):
    calls = extract_calls
    db, _ = ui_env
    at = ok(page().run())
    at.text_area(key="rep_text").set_value(REPORT)
    ok(at.run())
    n_found = int(metric(at, "Incidents found"))
    assert calls["n"] == 1
    at.button(key="save_report").click()
    ok(at.run())
    assert calls["n"] == 1  # the preview's extraction was stored
    with Store(db) as s:
        assert s.count() == n_found


def test_html_upload_uses_the_page_title_and_skips_the_ticker(ui_env, pipeline):
    from pathlib import Path

    data = (Path(__file__).resolve().parent / "fixtures" / "html" / "live.html").read_bytes()
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("Upload a file")
    ok(at.run())
    at.file_uploader(key="rep_file").set_value(("live.html", data, "text/html"))
    ok(at.run())
    title = [t for t in at.text_input if t.label == "Title"][0]
    assert title.value == "Strikes across Gaza: live updates"  # not the cookie banner
    df = at.dataframe[0].value
    assert "Rafah" in set(df["place"]) and "Jabalia" not in set(df["place"])  # the ticker is no incident


# ---------------------------------------------------------------------- several files, URLs, versions
LIVE_V1 = """<html><head><title>Strikes in Rafah: live updates</title>
<meta property="og:site_name" content="Local Wire">
<meta property="article:published_time" content="2024-02-07T10:00:00Z"></head><body><main>
<article><h2>Strike in Rafah</h2><p>RAFAH, Gaza Strip — An Israeli airstrike on a house in Rafah killed 5 people on
Wednesday, health officials said.</p></article>
</main></body></html>"""
LIVE_V2 = LIVE_V1.replace("</main>", """<article><h2>Clashes in Khan Younis</h2><p>KHAN YOUNIS, Gaza Strip —
Clashes in Khan Younis killed 2 fighters on Wednesday, witnesses said.</p></article></main>""")


@pytest.fixture
def web(monkeypatch):
    """A page server on 127.0.0.1; the Reports page may fetch from it (only there: the guard stays on)."""
    import ui
    from local_http import LocalServer, page as route

    server = LocalServer().start()
    server.routes["/live"] = route(LIVE_V1)
    server.set = lambda body: server.routes.__setitem__("/live", route(body))
    monkeypatch.setattr(ui, "FETCH_OPTIONS", {"allow_addresses": ["127.0.0.1"]})
    yield server
    server.stop()


def test_several_files_at_once(ui_env, pipeline):
    db, _ = ui_env
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("Upload a file")
    ok(at.run())
    assert at.get("file_uploader")[0].proto.multiple_files
    other = REPORT.replace("Rafah", "Khan Younis").replace("5 people", "2 people")
    at.file_uploader(key="rep_file").set_value([("a.txt", REPORT.encode(), "text/plain"),
                                                ("b.txt", other.encode(), "text/plain"),
                                                ("bad.txt", b"\x00\x01" * 50, "text/plain")])
    ok(at.run())
    table = at.dataframe[0].value
    assert list(table["file"]) == ["a.txt", "b.txt", "bad.txt"]
    assert (table["incidents"] >= 1).tolist()[:2] == [True, True] and table["problem"].iloc[2]
    at.button(key="save_all").click()
    ok(at.run())
    assert any("Saved 2 new report(s)" in s.value and "bad.txt" in s.value for s in at.success)
    with Store(db) as s:
        assert s.count("reports") == 2 and s.count("events") >= 2
        assert {r["path"] for r in s.reports()} == {"a.txt", "b.txt"}


def test_a_report_from_a_url_is_previewed_saved_and_refreshed(ui_env, pipeline, web):
    db, _ = ui_env
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("From a URL")
    ok(at.run())
    url = web.url("/live")
    at.text_input(key="rep_url").set_value(url)
    at.button(key="rep_fetch").click()
    ok(at.run())
    assert not at.error, [e.value for e in at.error]
    assert [t for t in at.text_input if t.label == "Title"][0].value == "Strikes in Rafah: live updates"
    n1 = int(metric(at, "Incidents found"))
    assert n1 >= 1
    at.button(key="save_report").click()
    ok(at.run())
    assert any("Saved report #" in s.value for s in at.success)
    with Store(db) as s:
        rep = s.reports()[0]
        assert rep["url"] == url and s.count("report_versions") == 1
    assert any(b.key == f"refresh_{rep['id']}" for b in at.button)
    links = [m.value for m in at.markdown if f"#{rep['id']}" in m.value]
    assert links and 'rel="noopener noreferrer"' in links[0]
    # the page changed: Refresh stores a new version of the same report
    web.set(LIVE_V2)
    at.button(key=f"refresh_{rep['id']}").click()
    ok(at.run())
    assert any(f"Refreshed report #{rep['id']}: version 2" in s.value for s in at.success), \
        [s.value for s in at.success]
    with Store(db) as s:
        assert s.count("reports") == 1 and [v.version for v in s.versions(rep["id"])] == [1, 2]
        assert s.count() > n1
    at.button(key=f"refresh_{rep['id']}").click()  # nothing new
    ok(at.run())
    assert any("unchanged" in s.value for s in at.success)
    # the versions, on demand
    at.session_state[f"versions_{rep['id']}"] = True
    ok(at.run())
    versions = [d.value for d in at.dataframe if "version" in d.value.columns][0]
    assert list(versions["version"]) == [1, 2] and list(versions["latest"]) == [False, True]


def test_the_url_field_refuses_local_and_private_addresses(ui_env, pipeline):
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("From a URL")
    ok(at.run())
    for url in ("http://127.0.0.1:9/", "file:///etc/passwd", "http://10.0.0.1/", "http://[::1]/x"):
        at.text_input(key="rep_url").set_value(url)
        at.button(key="rep_fetch").click()
        ok(at.run())
        assert at.error and "Could not fetch" in at.error[0].value, url
        assert not any(b.key == "save_report" for b in at.button)


def test_a_slow_page_is_fetched_off_the_script_thread_and_stopped_at_the_budget(ui_env, pipeline, web,
                                                                               monkeypatch):
    import ui

    def trickle(h):  # headers at once, then a byte every 50 ms: the page never ends within the budget
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not web.release.wait(0.05):
            h.wfile.write(b"x")
            h.wfile.flush()

    web.routes["/slow"] = trickle
    monkeypatch.setattr(ui, "FETCH_SECONDS", 1.0)
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("From a URL")
    ok(at.run())
    at.text_input(key="rep_url").set_value(web.url("/slow"))
    at.button(key="rep_fetch").click()
    ok(at.run())
    assert at.error, all_text(at)
    msg = html.unescape(at.error[0].value)  # shown escaped
    assert "Could not fetch the page" in msg and "stopped after 1 s (the time budget)" in msg and "\n" not in msg
    assert not any(b.key == "save_report" for b in at.button)
    # the next fetch (the worker was replaced) works
    at.text_input(key="rep_url").set_value(web.url("/live"))
    at.button(key="rep_fetch").click()
    ok(at.run())
    assert not at.error and [t for t in at.text_input if t.label == "Title"][0].value == "Strikes in Rafah: live updates"


def test_extraction_over_its_budget_is_stopped_and_said_in_one_line(ui_env, pipeline, monkeypatch):
    from incidents import budget

    def over(report, seconds=60, **_):
        raise budget.BudgetExceeded(f"extraction of {report.title!r} stopped after {seconds:g} s (the time budget)")

    monkeypatch.setattr(budget, "extract_within", over)
    at = ok(page().run())
    at.text_area(key="rep_text").set_value(REPORT + "\nA different tail so the cache does not answer.\n")
    ok(at.run())
    msg = html.unescape(at.error[0].value) if at.error else ""
    assert "Extraction failed: extraction of" in msg and "stopped after 60 s (the time budget)" in msg
    assert not any(b.key == "save_report" for b in at.button)


def test_several_files_are_saved_as_previewed(ui_env, pipeline, extract_calls):
    calls = extract_calls
    at = ok(page().run())
    at.radio(key="rep_mode").set_value("Upload a file")
    ok(at.run())
    other = REPORT.replace("Rafah", "Khan Younis")
    at.file_uploader(key="rep_file").set_value([("a.txt", REPORT.encode(), "text/plain"),
                                                ("b.txt", other.encode(), "text/plain")])
    ok(at.run())
    assert calls["n"] == 2
    at.button(key="save_all").click()
    ok(at.run())
    assert calls["n"] == 2  # the previews' extractions were stored
    with Store(ui_env[0]) as s:
        assert s.count("reports") == 2
