"""Gazetteer data checks and the `gazetteer check` entry point."""
from pathlib import Path

import pytest

from gazetteer import CURATED_PATH, Gazetteer
from gazetteer.check import check_gazetteer, main, read_bboxes, unplaced_names

FIX = Path(__file__).parent / "fixtures"
BAD = FIX / "gaz_bad_places.csv"
GOOD = FIX / "gaz_places.csv"
NO_USER = FIX / "gaz_no_user_file.csv"


def test_bad_fixture_yields_exactly_its_problems():
    problems = check_gazetteer(files=[BAD])
    got = sorted((p.place_id, p.line) for p in problems)
    assert got == [("jenin", 7), ("khiam", 6), ("marjayoun", 8), ("qlayaa", 9)]
    by_id = {p.place_id: p for p in problems}
    assert "duplicate id" in by_id["khiam"].message and ":4" in by_id["khiam"].message
    assert "outside PS" in by_id["jenin"].message and "swapped" in by_id["jenin"].message
    assert "marjayoun-district" in by_id["marjayoun"].message
    assert "'khiam'" in by_id["qlayaa"].message
    assert all(p.path == str(BAD) for p in problems)
    assert str(by_id["jenin"]).startswith("jenin: ")


def test_good_fixture_has_no_problems():
    # Rafah (PS city) and Rafah (EG town) share a name, but country tells them apart
    assert check_gazetteer(files=[GOOD]) == []


def test_duplicates_across_curated_and_user(tmp_path):
    user = tmp_path / "user.csv"
    # a user row with a curated id adds names to that place: not a problem ...
    user.write_text("id,name,kind,country,lat,lon\nkhiam,El Khiyam,town,LB,33.33,35.61\n", encoding="utf-8")
    assert check_gazetteer(files=[GOOD, user]) == []
    # ... unless it says the place is in another country, or twice in the user file
    user.write_text("id,name,kind,country,lat,lon\nkhiam,Khiam,town,SY,33.33,35.61\n"
                    "jenin,Jenin,city,PS,32.46,35.29\njenin,Jenin,city,PS,32.46,35.29\n", encoding="utf-8")
    problems = check_gazetteer(files=[GOOD, user])
    assert [(p.place_id, p.path, p.line) for p in problems] == [("khiam", str(user), 2), ("jenin", str(user), 4)]


def test_shared_alias_allow_list(tmp_path):
    allow = tmp_path / "allow.txt"
    allow.write_text("# ok\nKhiam: khiam qlayaa\n", encoding="utf-8")
    problems = check_gazetteer(files=[BAD], shared_aliases=allow)
    assert "qlayaa" not in {p.place_id for p in problems}
    allow.write_text("khiam: khiam tyre\n", encoding="utf-8")  # another pair: still a problem
    assert "qlayaa" in {p.place_id for p in check_gazetteer(files=[BAD], shared_aliases=allow)}


def test_parent_cycle_and_distance(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text(
        "id,name,kind,country,lat,lon,aliases,parent\n"
        "lb,Lebanon,country,LB,33.85,35.86,,\n"
        "a,Aaa,district,LB,33.3,35.5,,b\n"
        "b,Bbb,district,LB,33.31,35.51,,a\n"
        "far,Far Hospital,hospital,LB,34.4,35.9,,tyre\n"
        "tyre,Tyre,city,LB,33.27,35.20,,lb\n",
        encoding="utf-8",
    )
    problems = check_gazetteer(files=[csv])
    msgs = {p.place_id: p.message for p in problems}
    assert "cycle" in msgs["a"] and "cycle" in msgs["b"]
    assert "km from its parent 'tyre'" in msgs["far"]
    assert set(msgs) == {"a", "b", "far"}


def test_in_memory_gazetteer():
    gaz = Gazetteer.load(curated=GOOD, user=NO_USER)
    assert check_gazetteer(gaz) == []


def test_bboxes_cover_the_region():
    boxes = read_bboxes()
    for cc in ("PS", "IL", "LB", "SY", "IQ", "JO", "EG", "YE", "IR", "SA", "TR"):
        min_lat, min_lon, max_lat, max_lon = boxes[cc]
        assert min_lat < max_lat and min_lon < max_lon


@pytest.mark.skipif(not CURATED_PATH.exists(), reason="curated places.csv not written yet")
def test_real_curated_file_has_no_problems(monkeypatch):
    monkeypatch.setenv("INCIDENTS_USER_GAZETTEER", str(NO_USER))
    problems = check_gazetteer()
    assert problems == [], "\n".join(map(str, problems))


def test_unplaced_names():
    gaz = Gazetteer.load(curated=GOOD, user=NO_USER)
    text = (FIX / "gaz_report.txt").read_text(encoding="utf-8")
    assert unplaced_names(text, gaz) == [("Aitaroun", 2)]


def test_main(capsys):
    assert main(["--curated", str(GOOD), "--user", str(NO_USER), str(FIX / "gaz_report.txt")]) == 0
    out = capsys.readouterr().out
    assert "gaz_report.txt: 1 place-like name(s)" in out and "Aitaroun\t2" in out
    assert main(["--curated", str(BAD), "--user", str(NO_USER)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "7 places checked (7 curated, 0 user): 4 problem(s)"
    lines = lines[:-1]
    assert len(lines) == 4 and all(": " in ln for ln in lines)
    assert lines[0].split(": ")[0] in {"khiam", "jenin", "marjayoun", "qlayaa"}


def test_main_bad_report(capsys):
    assert main(["--curated", str(GOOD), "--user", str(NO_USER), str(FIX / "gaz_missing_report.txt")]) == 2
    assert "gaz_missing_report.txt" in capsys.readouterr().err
