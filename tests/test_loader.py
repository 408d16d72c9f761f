import pytest

from gazetteer.errors import GazetteerDataError, IncidentMapError
from gazetteer.loader import parse_csv, read_places, write_places

HEADER = "id,name,kind,country,lat,lon,aliases,parent,population,source\n"


def test_parses_aliases_and_numbers():
    places = parse_csv(HEADER + "khiam,Khiam,town,LB,33.33,35.61,El Khiam|Al-Khiam,,5000,manual\n")
    p = places[0]
    assert (p.id, p.kind, p.country, p.lat, p.lon, p.population) == ("khiam", "town", "LB", 33.33, 35.61, 5000)
    assert p.aliases == ("El Khiam", "Al-Khiam")


@pytest.mark.parametrize(
    "row, message",
    [
        ("khiam,Khiam,town,LB,north,35.61,,,,", "not numbers"),
        ("khiam,Khiam,town,LB,133.3,35.61,,,,", "out of range"),
        ("Khiam!,Khiam,town,LB,33.3,35.61,,,,", "bad id"),
        ("khiam,Khiam,hamlet,LB,33.3,35.61,,,,", "unknown kind"),
        ("khiam,Khiam,town,Lebanon,33.3,35.61,,,,", "bad country code"),
        ("khiam,,town,LB,33.3,35.61,,,,", "missing 'name'"),
        ("khiam,Khiam,town,LB,33.3,35.61,a,b,c,d,e,f", "too many fields"),
    ],
)
def test_malformed_rows_name_file_and_line(row, message):
    with pytest.raises(GazetteerDataError) as err:
        parse_csv(HEADER + "ok,Ok,town,LB,33,35,,,,\n" + row + "\n", "places.csv")
    assert message in str(err.value)
    assert str(err.value).startswith("places.csv:3:")
    assert err.value.line == 3
    assert isinstance(err.value, IncidentMapError)


def test_duplicate_ids_are_refused():
    with pytest.raises(GazetteerDataError, match="duplicate id 'a'.*line 2"):
        parse_csv(HEADER + "a,A,town,LB,33,35,,,,\na,B,town,LB,33,35,,,,\n", "x.csv")


def test_header_must_have_required_columns():
    with pytest.raises(GazetteerDataError, match="header lacks"):
        parse_csv("id,name\nx,X\n", "x.csv")


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "p.csv"
    binary.write_bytes(b"\x00\x01\x02id,name")
    with pytest.raises(GazetteerDataError, match="binary"):
        read_places(binary)
    with pytest.raises(GazetteerDataError, match="not found"):
        read_places(tmp_path / "missing.csv")
    assert read_places(tmp_path / "missing.csv", origin="user") == []


def test_write_then_read_round_trips(tmp_path):
    places = parse_csv(HEADER + 'x,"Deir al-Balah, town",town,PS,31.41,34.35,Dair al Balah|دير البلح,,,manual\n')
    path = tmp_path / "user.csv"
    write_places(path, places)
    again = read_places(path, origin="user")
    assert again[0].name == "Deir al-Balah, town"
    assert again[0].aliases == ("Dair al Balah", "دير البلح")
    assert again[0].origin == "user"
