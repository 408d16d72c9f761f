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
    assert metric(at, "Events") == "5"
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
    assert "All events in range" in text and "<mark>Rafah</mark>" in text


def test_moving_the_slider_changes_counts_markers_and_panel(seeded):
    at = ok(run())
    script_before = map_args(at)["script"]
    at.slider(key="dates").set_value((date(2024, 2, 7), date(2024, 2, 7)))
    ok(at.run())
    assert metric(at, "Events") == "2"
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
    assert metric(at, "Events") == "1" and marker_count(map_args(at)) == 1
    at.multiselect(key="type").set_value([])
    at.multiselect(key="source").set_value(["AP"])
    ok(at.run())
    assert metric(at, "Events") == "4"
    at.text_input(key="q").set_value("raf")
    ok(at.run())
    assert metric(at, "Events") == "2" and marker_count(map_args(at)) == 1


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
    assert metric(at, "Events") == "1"
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))
    text = all_text(at)
    assert "Khiam" in text and "protested" in text and "Clashes" not in text


def test_links_with_from_and_to_still_work(seeded):
    at = ok(run(**{"from": "2024-02-06", "to": "2024-02-06"}))
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))
    assert metric(at, "Events") == "2"


def test_click_on_marker_fills_the_panel(seeded, monkeypatch):
    clicks = {"value": None}

    def fake_st_folium(fig, key=None, feature_group_to_add=None, returned_objects=None, **kw):
        clicks["returned_objects"] = returned_objects
        return clicks["value"]

    monkeypatch.setattr(streamlit_folium, "st_folium", fake_st_folium)
    at = ok(run())
    assert "All events in range" in all_text(at)
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
    assert "All events in range" in all_text(at) and "place" not in at.query_params


def test_next_previous_day_and_play(seeded):
    at = ok(run(dates=["2024-02-05", "2024-02-05"]))
    assert metric(at, "Events") == "1"
    next_btn = [b for b in at.button if b.label.startswith("Next day")][0]
    next_btn.click()
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 6))
    assert metric(at, "Events") == "2"
    at.toggle(key="playing").set_value(True)
    ok(at.run())
    # one tick of the play fragment (it sets _tick and reruns the app)
    at.session_state["_tick"] = True
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 7), date(2024, 2, 7))
    assert metric(at, "Events") == "2" and marker_count(map_args(at)) == 2
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
        assert int(metric(at, "Events").replace(",", "")) > 0
    else:
        assert "No dated incidents yet" in all_text(at)


def _one_rafah_strike(db) -> int:
    """A store holding one strike in Rafah; its incident id."""
    from ui_fixtures import make_report

    with Store(db) as s:
        make_report(s, [("An airstrike on Rafah killed 5 people on Monday.", "rafah", "2024-02-05",
                         "Explosions/Remote violence", 5, 1)])
        return s.incidents()[0]["id"]


def test_whole_entry_loads_only_when_opened(ui_env):
    db, _ = ui_env
    iid = _one_rafah_strike(db)
    with Store(db) as s:
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
    assert "Newest 50 of 230 events." in all_text(at)
    for expected in (100, 150, 200):
        at.button(key="panel_more").click()
        ok(at.run())
        assert len(entries()) == expected
    assert not [b for b in at.button if b.key == "panel_more"]
    assert "Showing the newest 200 of 230 events" in all_text(at)
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
    assert "No events at this place" in text
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


# ---------------------------------------------------------------------- events (issue 9 part 3)
def _samples_or_skip(at):
    try:
        import incidents.samples  # noqa: F401
    except ImportError:
        pytest.skip("no bundled samples")
    return at


def test_the_samples_count_events_not_incidents(ui_env):
    at = ok(_samples_or_skip(run()))
    with Store(ui_env[0]) as s:
        n_inc, n_ev = s.count("incidents"), s.count("events")
    assert (n_inc, n_ev) == (10, 9)
    assert metric(at, "Events") == "9"
    rows = {r["id"]: r for r in marker_rows(map_args(at))}
    assert all("event" in r["t"] and "incident" not in r["t"] for r in rows.values())
    # the Baghdad strike: one event told by AP (3 killed) and CNN (1 killed)
    heads = [m.value for m in at.markdown if 'class="event-head"' in m.value]
    assert len(heads) == 9
    mashtal = [h for h in heads if "Al&#45;Mashtal" in h]
    assert len(mashtal) == 1 and "1–3 killed" in mashtal[0] and "2 accounts from AP" in mashtal[0]


def test_an_event_panel_lists_each_account_beneath_it(ui_env, monkeypatch):
    clicks = {"value": None}
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: clicks["value"])
    at = ok(_samples_or_skip(run()))
    clicks["value"] = {"last_object_clicked_tooltip": "Al-Mashtal — 1 event",
                       "last_object_clicked": {"lat": 33.3, "lng": 44.4}, "last_object_clicked_count": 1}
    ok(at.run())
    text = all_text(at)
    assert "#### Al&#45;Mashtal" in text or "#### Al-Mashtal" in text
    heads = [m.value for m in at.markdown if 'class="event-head"' in m.value]
    cards = [m.value for m in at.markdown if "incident-excerpt" in m.value]
    assert len(heads) == 1 and len(cards) == 2
    assert any("AP &#40;sample&#41;" in c for c in cards) and any("CNN &#40;sample&#41;" in c for c in cards)
    assert all("<mark>" in c for c in cards)  # highlights kept
    assert "fatalities 3" in "".join(cards) and "fatalities 1" in "".join(cards)


def test_event_permalink_opens_the_map_on_it(ui_env):
    at = ok(_samples_or_skip(run()))
    with Store(ui_env[0]) as s:
        ev = [e for e in s.events() if len(e.incident_ids) == 2][0]
    at = ok(run(event=ev.event_id, dates=["2024-01-25", "2024-01-26"]))  # a range without it: widened
    assert at.slider(key="dates").value == (date(2024, 2, 7), date(2024, 2, 7))
    heads = [m.value for m in at.markdown if 'class="event-head"' in m.value]
    assert len(heads) == 1 and "1–3 killed" in heads[0]
    assert f"?event={ev.event_id}".replace("-", "&#45;") in heads[0]  # its own link
    assert at.query_params["event"] == [ev.event_id] or at.query_params["event"] == ev.event_id
    rows = {r["id"]: r for r in marker_rows(map_args(at))}
    assert rows[ev.place_id]["c"] == "#111"  # its place selected on the map
    at.button(key="clear_sel").click()
    ok(at.run())
    assert "event" not in at.query_params and "All events in range" in all_text(at)
    at = ok(run(event="ev-no-such-event"))
    assert "no longer in the store" in all_text(at)


def test_the_source_filter_keeps_events_any_of_whose_outlets_is_chosen(ui_env):
    at = ok(_samples_or_skip(run()))
    at.multiselect(key="source").set_value(["CNN (sample)"])
    ok(at.run())
    assert metric(at, "Events") == "3"  # Nuseirat, Jordan and the Baghdad strike (also told by AP)
    heads = [m.value for m in at.markdown if 'class="event-head"' in m.value]
    assert any("1–3 killed" in h for h in heads)


def test_account_cards_link_the_report_title_to_its_url(ui_env):
    db, _ = ui_env
    from ui_fixtures import make_report

    with Store(db) as s:
        rid = make_report(s, [("An airstrike on Rafah killed 5 people on Monday.", "rafah", "2024-02-05",
                               "Explosions/Remote violence", 5, 1)], title='Live "updates" <b>x</b>')
        s.conn.execute("UPDATE reports SET url = ? WHERE id = ?", ('https://example.org/live?a=1&b="2"', rid))
        s.conn.commit()
        make_report(s, [("Shelling hit Khan Younis on Monday.", "khan-younis", "2024-02-05", "Battles", 1, 1)],
                    title="No URL here", source="Other")
        s.conn.execute("UPDATE reports SET url = 'javascript:alert(1)' WHERE title = 'No URL here'")
        s.conn.commit()
    at = ok(run())
    cards = [m.value for m in at.markdown if "incident-excerpt" in m.value]
    linked = [c for c in cards if "Rafah" in c][0]
    assert 'rel="noopener noreferrer"' in linked and 'target="_blank"' in linked
    assert 'href="https&#58;&#47;&#47;example&#46;org&#47;live&#63;a&#61;1&#38;b&#61;&#34;2&#34;"' in linked
    assert "<b>x</b>" not in linked and "&#60;b&#62;x" in linked
    other = [c for c in cards if "Khan Younis" in c][0]
    assert "javascript" not in other and "<a " not in other and "No URL here" in other


def test_circles_by_fatalities_and_the_heat_map(seeded):
    at = ok(run())
    by_count = {r["id"]: r["r"] for r in marker_rows(map_args(at))}
    at.radio(key="size_by").set_value("fatalities")
    ok(at.run())
    by_dead = {r["id"]: r["r"] for r in marker_rows(map_args(at))}
    assert by_dead["rafah"] > by_count["rafah"]  # 8 killed vs 2 events
    assert by_dead["khiam"] == by_count["khiam"]  # no toll: the smallest circle
    at.toggle(key="heat").set_value(True)
    ok(at.run())
    args = map_args(at)
    assert "L.heatLayer" in args["feature_group"] and marker_count(args) == 0
    heat_js = [u for u in args["js_links"] if u.endswith("leaflet-heat.js")]
    assert heat_js == ["/app/static/vendor/leaflet.heat-0.2.0/leaflet-heat.js"]  # served by the app
    assert all(u.startswith("/app/static/") for u in args["js_links"] + args["css_links"])
    assert (ROOT / "static" / heat_js[0][len("/app/static/"):]).is_file()
    assert "weighted by fatalities" in all_text(at)


def test_exact_date_inputs_and_slider_follow_each_other(seeded):
    at = ok(run())
    assert at.date_input(key="date_from").value == date(2024, 2, 5)
    assert at.date_input(key="date_to").value == date(2024, 2, 7)
    at.date_input(key="date_from").set_value(date(2024, 2, 6))
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 7))
    assert metric(at, "Events") == "4"
    at.slider(key="dates").set_value((date(2024, 2, 7), date(2024, 2, 7)))
    ok(at.run())
    assert at.date_input(key="date_from").value == date(2024, 2, 7)
    assert at.date_input(key="date_to").value == date(2024, 2, 7)
    assert metric(at, "Events") == "2"


# ---------------------------------------------------------------------- timeline (issue 11 part 1)
def timeline_spec(at) -> dict:
    import json

    charts = at.get("vega_lite_chart")
    assert charts, "no timeline"
    return json.loads(charts[0].proto.spec)


def test_the_timeline_shows_events_per_day_by_type_with_the_range_shaded(seeded):
    at = ok(run())
    chart = at.get("vega_lite_chart")[0].proto
    assert list(chart.selection_mode) == ["span"]  # selecting a span reruns the app
    spec = timeline_spec(at)
    band, bars = spec["layer"]
    assert band["mark"]["type"] == "rect" and bars["mark"]["type"] == "bar"
    assert bars["encoding"]["color"]["field"] == "event_type"
    assert bars["encoding"]["x"]["scale"]["domain"] == ["2024-02-05", "2024-02-08"]
    data = timeline_data(at)
    assert sorted(map(tuple, data["bars"][["date", "event_type", "events"]].values.tolist())) == [
        ("2024-02-05", "Explosions/Remote violence", 1), ("2024-02-06", "Battles", 1),
        ("2024-02-06", "Protests", 1), ("2024-02-07", "Explosions/Remote violence", 2)]
    assert data["band"].values.tolist() == [["2024-02-05", "2024-02-08"]]  # the whole range shaded
    assert "0 of 3 days have none" in all_text(at)
    at.multiselect(key="type").set_value(["Protests"])
    ok(at.run())
    assert "2 of 3 days have none" in all_text(at)  # the chart follows the filters
    assert timeline_data(at)["bars"]["events"].sum() == 1
    at.slider(key="dates").set_value((date(2024, 2, 6), date(2024, 2, 6)))
    ok(at.run())
    assert timeline_data(at)["band"].values.tolist() == [["2024-02-06", "2024-02-07"]]  # follows the slider
    assert timeline_data(at)["bars"]["events"].sum() == 1  # the chart keeps every day: only the band moves


def timeline_data(at) -> dict:
    """The timeline's two datasets (sent as Arrow beside the spec): the shaded band and the bars."""
    import pyarrow as pa

    proto = at.get("vega_lite_chart")[0].proto
    frames = {}
    for ds in proto.datasets:
        df = pa.ipc.open_stream(ds.data.data).read_all().to_pandas()
        frames["band" if "start" in df.columns else "bars"] = df
    return frames


def test_selecting_a_span_on_the_timeline_sets_the_date_range(seeded, monkeypatch):
    import json

    from streamlit.testing.v1 import element_tree

    at = ok(run())
    chart_id = at.get("vega_lite_chart")[0].proto.id
    selection = {"value": None}
    real = element_tree.ElementTree.get_widget_states

    def with_selection(self):  # what the browser sends after a drag across the chart
        states = real(self)
        if selection["value"] is not None:
            w = states.widgets.add()
            w.id = chart_id
            w.string_value = json.dumps({"selection": {"span": selection["value"]}})
        return states

    monkeypatch.setattr(element_tree.ElementTree, "get_widget_states", with_selection)
    feb6 = 1707177600000
    selection["value"] = {"utcyearmonthdate_date": [feb6 + 5000, feb6 + 86_400_000 + 5000]}
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 6), date(2024, 2, 7))
    assert metric(at, "Events") == "4"
    # the same selection on later reruns does not undo a slider move
    at.slider(key="dates").set_value((date(2024, 2, 5), date(2024, 2, 5)))
    ok(at.run())
    assert at.slider(key="dates").value == (date(2024, 2, 5), date(2024, 2, 5))


def test_a_long_span_draws_the_timeline_by_month_stacked_by_the_server(ui_env):
    """Over years of dates the timeline has one bar per month and type (~120 over 10 years, not ~3,650 days
    a type), stacked by the server (rectangles from date to end, y0 to y1: Vega aggregates nothing); the band
    and a drag across the chart work as on the daily chart."""
    import json

    from streamlit.testing.v1 import element_tree

    from ui_fixtures import make_report

    db, _ = ui_env
    with Store(db) as s:
        make_report(s, [("An airstrike on Rafah killed 5 people.", "rafah", "2024-01-10", "Explosions/Remote violence", 5, 1),
                        ("An airstrike on Rafah killed 2 people.", "rafah", "2024-01-20", "Explosions/Remote violence", 2, 1),
                        ("Fighters clashed in Rafah.", "rafah", "2024-01-21", "Battles", None, 1),
                        ("Protesters marched in Rafah.", "rafah", "2032-06-30", "Protests", None, 1)],
                    published="2032-07-01")
    at = ok(run())
    spec = timeline_spec(at)
    band, bars = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    enc = bars["encoding"]
    assert (enc["x"]["field"], enc["x2"]["field"], enc["y"]["field"], enc["y2"]["field"]) == ("date", "end", "y0", "y1")
    assert "aggregate" not in enc["y"] and enc["x"]["scale"]["domain"] == ["2024-01-10", "2032-07-01"]
    data = timeline_data(at)
    assert data["bars"][["date", "end", "event_type", "events", "y0", "y1"]].values.tolist() == [
        ["2024-01-10", "2024-02-01", "Battles", 1, 0, 1],  # the legend's order: Battles first
        ["2024-01-10", "2024-02-01", "Explosions/Remote violence", 2, 1, 3],
        ["2032-06-01", "2032-07-01", "Protests", 1, 0, 1]]
    days = (date(2032, 6, 30) - date(2024, 1, 10)).days + 1  # over 400 weeks: by month
    assert f"Events per month for the current filters; {days - 4} of {days} days have none" in all_text(at)
    assert data["band"].values.tolist() == [["2024-01-10", "2032-07-01"]]

    chart_id = at.get("vega_lite_chart")[0].proto.id
    real = element_tree.ElementTree.get_widget_states

    def with_selection(self):  # a drag across January 2024 on this chart: the field is "date"
        states = real(self)
        w = states.widgets.add()
        w.id = chart_id
        w.string_value = json.dumps({"selection": {"span": {"date": [1704844800000, 1706659200000]}}})
        return states

    element_tree.ElementTree.get_widget_states = with_selection
    try:
        ok(at.run())
    finally:
        element_tree.ElementTree.get_widget_states = real
    assert at.slider(key="dates").value == (date(2024, 1, 10), date(2024, 1, 31))
    assert metric(at, "Events") == "3"


def test_why_opens_on_demand_with_the_rules_place_cue_and_date(ui_env):
    import json as _json

    db, _ = ui_env
    iid = _one_rafah_strike(db)
    with Store(db) as s:
        why = {"rules": [{"rule": "air-strike", "text": "airstrike", "start": 3}], "type": {"rule": "air-strike"},
               "place": {"cue": "sentence:locative", "surface": "Rafah", "start": 17, "reason": "name"},
               "date": {"cue": "sentence", "expression": "on Monday"},
               "fatalities": {"phrase": "killed 5 people", "start": 23}}
        s.conn.execute("UPDATE incidents SET why = ? WHERE id = ?", (_json.dumps(why), iid))
        s.conn.commit()
    at = ok(run())
    assert not any("Rules that fired" in t.value for t in at.text)  # closed: nothing read
    at.session_state[f"why_{iid}"] = True
    ok(at.run())
    shown = "\n".join(t.value for t in at.text)
    assert 'Rules that fired: air-strike ("airstrike")' in shown
    assert 'Place from sentence:locative: "Rafah" (name)' in shown
    assert 'Date from sentence: "on Monday"' in shown and 'Fatalities from "killed 5 people"' in shown
