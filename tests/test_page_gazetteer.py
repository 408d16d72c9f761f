"""AppTest of pages/3_Gazetteer.py: search, add a place (validated) to a temp user gazetteer, alias, unknown names."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui_fixtures import ROOT, all_text, make_report, seeded, ui_env  # noqa: F401
from gazetteer import Gazetteer
from gazetteer.loader import read_places
from incidents.store import Store

PAGE = str(ROOT / "pages" / "3_Gazetteer.py")


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def fill(at, **values):
    for key, v in values.items():
        w = at.get("text_input") + at.get("number_input") + at.get("selectbox")
        [el for el in w if el.key == key][0].set_value(v)


def submit(at, label="Add place"):
    [b for b in at.button if b.label == label][0].click()
    return ok(at.run())


def test_add_place_is_validated_saved_and_searchable(ui_env):
    _, user = ui_env
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    # bad latitude
    fill(at, gz_name="Wadi Testa", gz_lat=31.4, gz_lon=200.0)
    submit(at)
    assert not user.exists() or not read_places(user, origin="user")
    # number_input clamps out-of-range values itself; the country box check catches swapped coordinates
    fill(at, gz_name="Wadi Testa", gz_id="", gz_country="PS", gz_lat=34.40, gz_lon=31.45)
    submit(at)
    assert at.error and "outside PS" in at.error[0].value
    # a bad id
    fill(at, gz_name="Wadi Testa", gz_id="Bad Id!", gz_lat=31.45, gz_lon=34.40)
    submit(at)
    assert at.error and "bad id" in at.error[0].value
    # good
    fill(at, gz_name="Wadi Testa", gz_id="", gz_kind="village", gz_country="PS", gz_lat=31.45, gz_lon=34.40,
         gz_aliases="Wadi Testah | W. Testa")
    submit(at)
    assert not at.error, [e.value for e in at.error]
    assert any("Added Wadi Testa" in s.value for s in at.success)
    places = read_places(user, origin="user")
    assert [(p.id, p.name, p.kind, p.country, p.aliases) for p in places] == [
        ("wadi-testa", "Wadi Testa", "village", "PS", ("Wadi Testah", "W. Testa"))]
    # survives a restart: a fresh gazetteer from the same user file knows it (and extraction uses it)
    fresh = Gazetteer(read_places(user, origin="user"))
    assert [p.id for p in fresh.lookup("Wadi Testah")] == ["wadi-testa"]
    # the page's cached gazetteer was cleared: search finds it at once
    at.text_input(key="gz_query").set_value("testa")
    ok(at.run())
    assert "wadi-testa" in list(at.dataframe[0].value["id"])
    # unique id
    fill(at, gz_name="Wadi Testa", gz_id="wadi-testa", gz_lat=31.46, gz_lon=34.41)
    submit(at)
    assert at.error and "already taken" in at.error[0].value
    # alias on a user place
    fill(at, gz_alias_target="wadi-testa", gz_alias_name="Testa Valley")
    submit(at, "Add alias")
    assert not at.error, [e.value for e in at.error]
    assert read_places(user, origin="user")[0].aliases[-1] == "Testa Valley"
    # alias on a curated place: the place itself gains the name (no second marker at the same point)
    fill(at, gz_alias_target="khan-younis", gz_alias_name="Chan Junis")
    submit(at, "Add alias")
    assert not at.error, [e.value for e in at.error]
    from gazetteer import Gazetteer as _Gazetteer

    gaz = _Gazetteer.load(user=user)
    assert [p.id for p in gaz.lookup("Chan Junis")] == ["khan-younis"]
    assert gaz.get("khan-younis").origin == "curated" and "Chan Junis" in gaz.get("khan-younis").aliases


def test_unknown_names_prefill_the_form(ui_env):
    db, _ = ui_env
    pytest.importorskip("gazetteer.candidates")
    with Store(db) as s:
        make_report(s, [("Troops raided the village of Zarqoonville and an airstrike hit Rafah on Monday, "
                         "killing 2 people in Zarqoonville.", "rafah", "2024-02-05", "Battles", 2, 1)])
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    buttons = [b for b in at.button if b.key and b.key.startswith("gz_unknown_")]
    names = [b.label for b in buttons]
    assert any(label.startswith("Zarqoonville") for label in names), (names, all_text(at))
    [b for b in buttons if b.label.startswith("Zarqoonville")][0].click()
    ok(at.run())
    assert at.text_input(key="gz_name").value == "Zarqoonville"
    assert at.text_input(key="gz_id").value == "zarqoonville"
    assert "Prefilled with “Zarqoonville”" in all_text(at)


def test_malformed_user_file_keeps_the_curated_places_and_loses_nothing(ui_env):
    _, user = ui_env
    bad = "id,name,kind,country,lat,lon\nmine,My Place,town,PS,31.5,34.4\nbroken,Broken,town,PS,north,34.4\n"
    user.write_text(bad, encoding="utf-8")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert f"{user}:3" in errors and "not numbers" in errors
    at.text_input(key="gz_query").set_value("Khan Younis")
    at.run()
    assert "khan-younis" in list(at.dataframe[0].value["id"])  # curated places still there
    assert user.read_text(encoding="utf-8") == bad


def test_add_place_empties_the_form_and_updates_the_counts(ui_env):
    _, user = ui_env
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    before = [c.value for c in at.caption if "added by users" in c.value]
    assert before and "(0 added by users)" in before[0]
    fill(at, gz_name="Wadi Testa", gz_id="", gz_kind="village", gz_country="PS", gz_lat=31.45, gz_lon=34.40)
    submit(at)
    assert any("Added Wadi Testa" in s.value for s in at.success), all_text(at)
    # the form is empty again: pressing Add place once more is not "id taken"
    assert at.text_input(key="gz_name").value == "" and at.number_input(key="gz_lat").value is None
    assert [c.value for c in at.caption if "added by users" in c.value][0].endswith("(1 added by users).")
    submit(at)
    assert not [e for e in at.error if "already taken" in e.value]
    assert len(read_places(user, origin="user")) == 1


def test_country_picker_shows_names(ui_env):
    at = ok(AppTest.from_file(PAGE, default_timeout=60).run())
    box = at.selectbox(key="gz_country")
    assert box.value == "PS"
    labels = list(box.proto.options)
    assert "Lebanon (LB)" in labels and "Iraq (IQ)" in labels
    assert labels == sorted(labels, key=str.casefold)
