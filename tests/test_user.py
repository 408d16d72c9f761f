"""The user gazetteer under concurrent writers, and the names it refuses (gazetteer/user.py)."""
from __future__ import annotations

import multiprocessing as mp
import threading

import pytest

from gazetteer import Gazetteer, Place
from gazetteer.errors import GazetteerDataError, PlaceValidationError
from gazetteer.loader import read_places, write_places
from gazetteer.user import add_user_alias, add_user_place, check_alias, check_name


def _place(i: int, tag: str) -> Place:
    return Place(id=f"{tag}-{i}", name=f"Qaryat {tag.title()} {i:04d}", kind="village", country="LB",
                 lat=33.0 + i / 10_000, lon=35.5, aliases=(f"Kafr {tag.title()} {i:04d}",), source="manual")


def _add_many(path, tag: str, n: int, gazetteer) -> None:
    for i in range(n):
        add_user_place(_place(i, tag), path, gazetteer)


def _add_many_in_a_process(path, tag, n):
    _add_many(path, tag, n, Gazetteer([]))


def test_two_threads_adding_200_places_each_lose_nothing_and_tear_nothing(tmp_path):
    path = tmp_path / "user_places.csv"
    gaz = Gazetteer([])
    threads = [threading.Thread(target=_add_many, args=(path, tag, 200, gaz)) for tag in ("north", "south")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    places = read_places(path, origin="user")  # parses: not torn
    assert len(places) == 400 and len({p.id for p in places}) == 400
    assert not list(tmp_path.glob("*.tmp"))  # every temporary file was renamed over the file or removed


def test_two_processes_adding_200_places_each_lose_nothing(tmp_path):
    path = tmp_path / "user_places.csv"
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_add_many_in_a_process, args=(path, tag, 200)) for tag in ("east", "west")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    places = read_places(path, origin="user")
    assert len(places) == 400 and {p.id.split("-")[0] for p in places} == {"east", "west"}
    assert Gazetteer.load(user=path).get("east-199").aliases == ("Kafr East 0199",)


def test_an_empty_user_file_holds_no_places(tmp_path):
    path = tmp_path / "user_places.csv"
    for content in ("", "\n\n  \n"):
        path.write_text(content)
        assert read_places(path, origin="user") == []
        assert len(Gazetteer.load(user=path)) == len(Gazetteer.load(user=False))
    with pytest.raises(GazetteerDataError, match="header lacks"):
        read_places(path)  # the curated file must not be empty


@pytest.mark.parametrize("alias, why", [
    ("The", "common word"), ("A", "shorter than 3 letters"), ("Wednesday", "common word"), ("march", "common word"),
    ("al", "shorter"), ("city", "common word"), ("42", "no letters"), ("  ", "empty"), ("Khan|Younis", "contains '|'"),
])
def test_aliases_that_would_capture_unrelated_text_are_refused(alias, why, gazetteer, tmp_path):
    with pytest.raises(PlaceValidationError, match=why):
        add_user_alias("rafah", alias, tmp_path / "user_places.csv", gazetteer)
    assert not (tmp_path / "user_places.csv").exists() or read_places(tmp_path / "user_places.csv", origin="user") == []


def test_an_alias_of_another_place_is_refused_naming_it(gazetteer, tmp_path):
    path = tmp_path / "user_places.csv"
    with pytest.raises(PlaceValidationError, match=r"already a name of Tyre \(tyre, LB\)"):
        add_user_alias("rafah", "Sur", path, gazetteer)
    add_user_place(_place(1, "new"), path, gazetteer)
    with pytest.raises(PlaceValidationError, match=r"already a name of Qaryat New 0001 \(new-1"):
        add_user_alias("rafah", "Kafr New 0001", path, gazetteer)  # another user place, not yet loaded
    with pytest.raises(PlaceValidationError, match="already has the name"):
        add_user_alias("khan-younis", "Khan Yunis", path, gazetteer)
    check_alias("Kafr New 0001", gazetteer, owner="new-1", others=read_places(path, origin="user"))  # its own: fine
    with pytest.raises(PlaceValidationError, match="the name 'The' is refused"):
        check_name("The")


def test_aliases_are_added_to_user_and_curated_places(gazetteer, tmp_path):
    path = tmp_path / "user_places.csv"
    add_user_place(_place(1, "new"), path, gazetteer)
    assert add_user_alias("new-1", "Qaryat Jadida", path, gazetteer) == "new-1"
    assert add_user_alias("rafah", "Rafah al-Balad", path, gazetteer) == "rafah"
    gaz = Gazetteer.load(user=path)
    assert gaz.get("new-1").aliases == ("Kafr New 0001", "Qaryat Jadida")
    assert "Rafah al-Balad" in gaz.get("rafah").aliases and gaz.get("rafah").origin == "curated"
    assert [p.id for p in gaz.lookup("Rafah al-Balad")] == ["rafah"]
    with pytest.raises(PlaceValidationError, match="already taken"):
        add_user_place(_place(1, "new"), path, gazetteer)


def test_write_places_refuses_an_alias_holding_the_separator(tmp_path):
    bad = Place(id="x-1", name="Xyz", kind="town", country="LB", lat=33.0, lon=35.0, aliases=("Ab|Cd",))
    with pytest.raises(GazetteerDataError, match="contains '\\|'"):
        write_places(tmp_path / "u.csv", [bad])
    assert not list(tmp_path.iterdir())
