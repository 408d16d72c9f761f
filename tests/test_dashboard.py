"""AppTest of dashboard.py: slider, filters, play, click -> panel, URL state, escaping."""
from __future__ import annotations

import re
from datetime import date

import pytest
import streamlit_folium
from streamlit.testing.v1 import AppTest

from ui_fixtures import (ROOT, all_text, map_args, marker_count, marker_rows, metric, seed_xss, seeded,  # noqa: F401
                         ui_env)
from incidents.store import Store

APP = str(ROOT / "dashboard.py")


def run(at=None, **qp):
    at = at or AppTest.from_file(APP, default_timeout=60)
    for k, v in qp.items():
        at.query_params[k] = v
    return at.run()


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_first_view_shows_all_places_and_counts(seeded):
    at = ok(run())
    assert metric(at, "Incidents") == "5"
    assert metric(at, "Fatalities") == "11"
    assert metric(at, "Places") == "4"
    args = map_args(at)
    assert marker_count(args) == 4
    assert args["returned_objects"] == ["last_object_clicked_tooltip", "last_object_clicked",
                                        "last_object_clicked_count"]
    assert "L.markerClusterGroup" in args["script"]  # empty cluster on the base map: plugin JS at mount
    rows = {r["id"]: r for r in marker_rows(args)}
    # approximate: dashed and paler, but plainly visible (not 0.12)
    assert rows["gaza-strip"]["d"] and rows["gaza-strip"]["fo"] < rows["rafah"]["fo"]
    assert rows["gaza-strip"]["fo"] >= 0.3 and rows["gaza-strip"]["o"] >= 0.9
    assert rows["rafah"]["r"] >= 1.4 * rows["khiam"]["r"]  # sized by count (2 vs 1), visibly
    assert rows["khiam"]["f"] != rows["rafah"]["f"]  # coloured by type
    text = all_text(at)
    assert "All incidents in range" in text and "<mark>Rafah</mark>" in text


def test_moving_the_slider_changes_counts_markers_and_panel(seeded):
    at = ok(run())
    script_before = map_args(at)["script"]
    at.slider(key="dates").set_value((date(2024, 2, 7), date(2024, 2, 7)))
    ok(at.run())
    assert metric(at, "Incidents") == "2"
    assert metric(at, "Fatalities") == "4"
    args = map_args(at)
    assert marker_count(args) == 2
    assert {r["id"] for r in marker_rows(args)} == {"rafah", "gaza-strip"}
    assert args["script"] == script_before  # the base map is unchanged: no remount
    text = all_text(at)
    assert "Clashes erupted" not in text and "Another strike hit" in text


def test_filters_are_bound_to_the_url_by_streamlit(seeded):
    """The widgets keep the URL themselves (bind="query-params"; the browser test sees the URL change)."""
    at = ok(run())
    assert at.slider(key="dates").proto.query_param_key == "dates"
    assert at.multiselect(key="type").proto.query_param_key == "type"
    assert at.multiselect(key="source").proto.query_param_key == "source"
    assert at.text_input(key="q").proto.query_param_key == "q"


def test_sidebar_filters(seeded):
    at = ok(run())
    at.multiselect(key="type").set_value(["Protests"])
    ok(at.run())
    assert metric(at, "Incidents") == "1" and marker_count(map_args(at)) == 1
    at.multiselect(key="type").set_value([])
    at.multiselect(key="source").set_value(["AP"])
    ok(at.run())
    assert metric(at, "Incidents") == "4"
    at.text_input(key="q").set_value("raf")
    ok(at.run())
    assert metric(at, "Incidents") == "2" and marker_count(map_args(at)) == 1


@pytest.mark.parametrize("query, expected", [
    ("Khan Yunis", {"khan-younis"}),  # an alias
    ("Gaza", {"rafah", "khan-younis", "gaza-strip"}),  # the places inside the Strip (and the Strip)
    ("Lebanon", {"khiam"}),  # a country finds every place in it
])
def test_place_search_finds_aliases_and_places_inside_areas(seeded, query, expected):
    at = run()
    at.text_input(key="q").set_value(query)
    ok(at.run())
    assert {r["id"] for r in marker_rows(map_args(at))} == expected


def test_place_search_inside_a_city(ui_env):
    db, _ = ui_env
    from ui_fixtures import PLACES, make_report

    PLACES["mashtal"] = ("Al-Mashtal", 33.32, 44.465)
    try:
        with Store(db) as s:
            make_report(s, [("A drone strike hit a car in Al-Mashtal on Wednesday.", "mashtal", "2024-02-07",
                             "Explosions/Remote violence", 1, 1),
                            ("An airstrike on Rafah killed 5 people on Monday.", "rafah", "2024-02-05",
                             "Explosions/Remote violence", 5, 1)])
        at = run()
        at.text_input(key="q").set_value("Baghdad")
        ok(at.run())
        assert {r["id"] for r in marker_rows(map_args(at))} == {"mashtal"}
    finally:
        del PLACES["mashtal"]


def test_url_reproduces_the_view(seeded):
    at = ok(run(**{"dates": ["2024-02-06", "2024-02-06"], "place": "khiam", "type": "Protests"}))
    assert metric(at, "Incidents") == "1"
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))
    text = all_text(at)
    assert "Khiam" in text and "protested" in text and "Clashes" not in text


def test_links_with_from_and_to_still_work(seeded):
    at = ok(run(**{"from": "2024-02-06", "to": "2024-02-06"}))
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))
    assert metric(at, "Incidents") == "2"


def test_click_on_marker_fills_the_panel(seeded, monkeypatch):
    clicks = {"value": None}

    def fake_st_folium(fig, key=None, feature_group_to_add=None, returned_objects=None, **kw):
        clicks["returned_objects"] = returned_objects
        return clicks["value"]

    monkeypatch.setattr(streamlit_folium, "st_folium", fake_st_folium)
    at = ok(run())
    assert "All incidents in range" in all_text(at)
    clicks["value"] = {"last_object_clicked_tooltip": "\n  Rafah — 2 incidents \n",
                       "last_object_clicked": {"lat": 31.2968, "lng": 34.2435},
                       "last_object_clicked_count": 1}
    ok(at.run())
    text = all_text(at)
    assert "#### Rafah" in text
    assert "An airstrike on <mark>Rafah</mark>" in text and "Another strike hit <mark>Rafah</mark>" in text
    assert "Clashes erupted" not in text and "Khiam" not in text.replace("Rafah", "")
    assert at.query_params["place"] == "rafah"
    # the same component value on a later rerun is not a new click; the selection stays
    at.slider(key="dates").set_value((date(2024, 2, 7), date(2024, 2, 7)))
    ok(at.run())
    text = all_text(at)
    assert "Another strike hit" in text and "An airstrike on" not in text
    # a click on another marker (no tooltip: nearest place to the click)
    clicks["value"] = {"last_object_clicked_tooltip": None,
                       "last_object_clicked": {"lat": 31.41, "lng": 34.39}, "last_object_clicked_count": 2}
    ok(at.run())
    assert "#### Gaza Strip" in all_text(at)
    at.button(key="clear_sel").click()
    ok(at.run())
    assert "All incidents in range" in all_text(at) and "place" not in at.query_params


def test_next_previous_day_and_play(seeded):
    at = ok(run(dates=["2024-02-05", "2024-02-05"]))
    assert metric(at, "Incidents") == "1"
    next_btn = [b for b in at.button if b.label.startswith("Next day")][0]
    next_btn.click()
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))
    assert metric(at, "Incidents") == "2"
    at.toggle(key="playing").set_value(True)
    ok(at.run())
    # one tick of the play fragment (it sets _tick and reruns the app)
    at.session_state["_tick"] = True
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 7), date(2024, 2, 7))
    assert metric(at, "Incidents") == "2" and marker_count(map_args(at)) == 2
    at.session_state["_tick"] = True
    ok(at.run())  # at the last day: play stops
    assert at.toggle(key="playing").value is False
    prev_btn = [b for b in at.button if b.label.startswith("◂")][0]
    prev_btn.click()
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))


def test_report_text_is_escaped_everywhere(ui_env):
    db, _ = ui_env
    with Store(db) as s:
        seed_xss(s)
    at = ok(run())
    args = map_args(at)
    fg = args["feature_group"]
    assert marker_count(args) == 2
    # tooltips hold only the escaped place label: no raw tag, backtick, ${ or backslash
    labels = [r["t"] for r in marker_rows(args)]
    assert len(labels) == 2
    for label in labels:
        assert not set(label) & set("<>`$\\\"'"), label
    assert "<script" not in fg and "<img" not in fg and "${" not in fg
    assert "Beit &lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt; &#96;&#36;{1+1}&#96; &#92;" in labels[1] + labels[0]
    assert "&" not in fg.split("[", 1)[-1].replace("\\u0026", "")  # JSON escapes & < > too
    panel = "\n".join(str(m.value) for m in at.markdown)
    assert "<script" not in panel and "<img" not in panel and "`" not in panel and "${" not in panel
    assert "&#60;script&#62;" in panel  # shown as text
    assert "Evil &#60;b&#62;Source&#60;&#47;b&#62;" in panel


def test_empty_store_gets_samples_or_a_hint(ui_env):
    at = ok(run())
    try:
        import incidents.samples  # noqa: F401
    except ImportError:
        assert "No dated incidents yet" in all_text(at)
        return
    with Store(ui_env[0]) as s:
        n = s.count("reports")
    if n:
        assert int(metric(at, "Incidents").replace(",", "")) > 0
    else:
        assert "No dated incidents yet" in all_text(at)


def test_whole_entry_loads_only_when_opened(ui_env):
    db, _ = ui_env
    from ui_fixtures import make_report

    with Store(db) as s:
        make_report(s, [("An airstrike on Rafah killed 5 people on Monday.", "rafah", "2024-02-05",
                         "Explosions/Remote violence", 5, 1)])
        iid = s.incidents()[0]["id"]
        # make the entry larger than the excerpt, as in a real live-blog post
        s.conn.execute("UPDATE incidents SET entry_end = entry_end + 2 WHERE id = ?", (iid,))
        s.conn.execute("UPDATE reports SET text = text || 'More.'")
        s.conn.commit()
    at = ok(run())
    assert not at.text  # closed: nothing loaded
    at.session_state[f"entry_{iid}"] = True
    ok(at.run())
    assert [t.value.strip() for t in at.text] == ["An airstrike on Rafah killed 5 people on Monday."]


def test_filters_carry_over_to_the_incidents_page(seeded):
    at = ok(run())
    at.multiselect(key="type").set_value(["Battles"])
    at.slider(key="dates").set_value((date(2024, 2, 6), date(2024, 2, 7)))
    ok(at.run())
    at.switch_page("pages/1_Incidents.py")
    ok(at.run())
    df = at.dataframe[0].value
    assert list(df["place_id"]) == ["khan-younis"]
    assert at.multiselect(key="type").value == ["Battles"]


def test_panel_is_capped_with_show_more(ui_env):
    db, _ = ui_env
    from ui_fixtures import make_report

    with Store(db) as s:
        make_report(s, [(f"Strike number {i} hit Rafah.", "rafah", f"2024-02-{1 + i % 20:02d}",
                         "Explosions/Remote violence", 1, 1) for i in range(230)])
    at = ok(run())

    def entries():
        return [m.value for m in at.markdown if "incident-excerpt" in m.value]

    assert len(entries()) == 50
    assert "Newest 50 of 230 incidents." in all_text(at)
    for expected in (100, 150, 200):
        at.button(key="panel_more").click()
        ok(at.run())
        assert len(entries()) == expected
    assert not [b for b in at.button if b.key == "panel_more"]
    assert "Showing the newest 200 of 230 incidents" in all_text(at)
    # newest first
    dates = [re.search(r"<b>([0-9&#;]+)</b>", e).group(1).replace("&#45;", "-") for e in entries()]
    assert dates == sorted(dates, reverse=True)


def test_a_cluster_click_never_selects_a_place(seeded, monkeypatch):
    from incidents import views

    clicks = {"value": None}
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: clicks["value"])
    at = ok(run())
    clicks["value"] = {"last_object_clicked_tooltip": "Rafah — 2 incidents",
                       "last_object_clicked": {"lat": 31.2968, "lng": 34.2435}, "last_object_clicked_count": 1}
    ok(at.run())
    assert "#### Rafah" in all_text(at)
    # then a click on the "2" bubble over Khan Younis: st_folium reports the bubble's own tooltip
    clicks["value"] = {"last_object_clicked_tooltip": f"2 places {views.CLUSTER_HINT}",
                       "last_object_clicked": {"lat": 31.3462, "lng": 34.3063}, "last_object_clicked_count": 2}
    ok(at.run())
    text = all_text(at)
    assert "#### Rafah" in text and "#### Khan Younis" not in text


def test_panel_header_never_shows_a_raw_id(seeded):
    at = ok(run(dates=["2024-02-07", "2024-02-07"], place="khan-younis"))  # nothing there that day
    text = all_text(at)
    assert "No incidents at this place" in text
    assert "#### Khan Younis" in text and "khan-younis" not in text.replace("place=khan-younis", "")
    at = ok(run(place="no-such-place-id"))
    assert "no-such-place-id" not in all_text(at)


def test_excerpt_without_the_place_shows_the_entry_sentence_naming_it(ui_env):
    db, _ = ui_env
    from ui_fixtures import make_report

    with Store(db) as s:
        make_report(s, [("A US strike killed a commander in Iraq on Wednesday.", "jabalia", "2024-02-07",
                         "Explosions/Remote violence", 1, 1)])
        # the entry goes on to name the place in a sentence the excerpt does not hold
        s.conn.execute("UPDATE reports SET text = text || 'Police said the car was hit in Jabalia, in the north.'")
        s.conn.execute("UPDATE incidents SET entry_end = entry_end + 2 + 52, mentions = '[]'")
        s.conn.commit()
    at = ok(run())
    text = all_text(at)
    assert "Where, from the same entry" in text
    assert "Police said the car was hit in <mark>Jabalia</mark>" in text


def test_a_very_long_place_name_is_cut_with_the_full_name_on_demand(ui_env):
    db, _ = ui_env
    from ui_fixtures import PLACES, make_report

    long = "Beit " + "Lahia" * 2000  # 10,005 characters
    PLACES["long"] = (long, 31.55, 34.5)
    try:
        with Store(db) as s:
            make_report(s, [(f"Shelling hit {long} on Monday.", "long", "2024-02-05", "Battles", 1, 1)])
        at = ok(run(place="long"))
        headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
        assert headings and len(headings[0]) < 200
        assert any(e.label == "Full name" for e in at.expander)
        assert long in [t.value for t in at.text] or any(long == t.value for t in at.text)
        cards = [m.value for m in at.markdown if "incident-excerpt" in m.value]
        assert cards and len(cards[0].split('<div class="incident-excerpt">')[0]) < 1000  # the card's header line
    finally:
        del PLACES["long"]


def test_no_deprecation_warnings_while_every_page_runs(seeded):
    """Every page and the main interactions, with Streamlit's log and Python warnings captured."""
    from ui_fixtures import StreamlitLog

    at = AppTest.from_file(APP, default_timeout=60)
    with StreamlitLog() as log:
        ok(at.run())
        at.slider(key="dates").set_value((date(2024, 2, 6), date(2024, 2, 7)))
        ok(at.run())
        [b for b in at.button if b.label.startswith("Next day")][0].click()
        ok(at.run())
        at.toggle(key="playing").set_value(True)
        ok(at.run())
        at.text_input(key="q").set_value("Gaza")
        ok(at.run())
        for page in ("pages/1_Incidents.py", "pages/2_Reports.py", "pages/3_Gazetteer.py"):
            at.switch_page(page)
            ok(at.run())
    assert log.records is not None
    assert not log.deprecations(), log.deprecations()


def test_the_log_capture_sees_streamlit_deprecations(tmp_path):
    """The capture above would catch the warning this project used to print 49 times."""
    from ui_fixtures import StreamlitLog

    script = tmp_path / "old.py"
    script.write_text("import streamlit as st\nst.dataframe({'a': [1]}, use_container_width=True)\n")
    with StreamlitLog() as log:
        AppTest.from_file(str(script)).run()
    assert any("use_container_width" in m for m in log.deprecations())
