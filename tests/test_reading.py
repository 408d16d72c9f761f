from datetime import date

import pytest

from incidents.errors import IncidentMapError, InputError
from incidents.reading import (MAX_BYTES, decode_bytes, html_to_text, infer_source, read_bytes_report, read_report,
                               report_from_text)


def test_missing_directory_binary(tmp_path):
    with pytest.raises(InputError, match="no such file") as err:
        read_report(tmp_path / "nope.txt")
    assert "nope.txt" in str(err.value)
    with pytest.raises(InputError, match="is a directory"):
        read_report(tmp_path)
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="binary"):
        read_report(png)
    assert issubclass(InputError, IncidentMapError)


def test_windows_1252_is_read():
    raw = "BEIRUT \u2014 Israel\u2019s strike hit Khiam \u2013 caf\u00e9".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert decode_bytes(raw) == "BEIRUT \u2014 Israel\u2019s strike hit Khiam \u2013 caf\u00e9"


def test_utf8_bom_and_empty():
    assert decode_bytes("\ufeffRafah".encode("utf-8")) == "Rafah"
    assert decode_bytes(b"   \n") == ""


def test_too_big_upload_is_refused_with_the_limit():
    with pytest.raises(InputError, match="larger than the 5 MB limit"):
        read_bytes_report(b"a" * (MAX_BYTES + 1), "big.txt")


def test_html_is_stripped_safely():
    page = ("<html><head><title>t</title><style>p{}</style></head><body><nav>Menu</nav>"
            "<p>RAFAH, Gaza Strip &mdash; An airstrike hit Rafah &amp; Khan Younis.</p>"
            "<script>alert('x')</script><p>Second&nbsp;para</p></body></html>")
    text = html_to_text(page)
    assert "alert" not in text and "Menu" not in text and "p{}" not in text
    assert "RAFAH, Gaza Strip \u2014 An airstrike hit Rafah & Khan Younis." in text
    assert "Second para" in text.replace("\u00a0", " ")
    rep = read_bytes_report(page.encode(), "page.html")
    assert rep.text.startswith("RAFAH")


def test_markdown_markup_is_dropped():
    rep = read_bytes_report(b"# Title\n\n**BEIRUT** - [Strike](http://x) hits *Tyre*\n", "a.md")
    assert "#" not in rep.text and "http" not in rep.text and "**" not in rep.text


def test_source_and_date_are_inferred():
    text = ("Live updates\n\nPeople gather in Rafah, Wednesday, Feb. 7, 2024. (AP Photo/Someone)\n\n"
            "RAFAH, Gaza Strip (AP) \u2014 An airstrike hit a house Wednesday.\n")
    rep = report_from_text(text)
    assert rep.source == "AP"
    assert rep.published == date(2024, 2, 7)
    assert infer_source("From CNN's Jane Doe\nA strike hit Gaza, Reuters said") == "CNN"


def test_empty_file_reads_as_empty_report(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("")
    assert read_report(p).text.strip() == ""


# ---------------------------------------------------------------- bad input
def test_fifos_devices_and_sockets_are_refused_at_once(tmp_path):
    import os
    import socket

    from bounded import returns

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # reading it blocked forever (no writer)
    for path, what in ((fifo, "FIFO"), ("/dev/zero", "device"), ("/dev/urandom", "device")):
        err = returns(_refusal, str(path), limit=10)
        assert what in err and str(path) in err
    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(sock_path))
    try:
        assert "socket" in _refusal(str(sock_path))
    finally:
        sock.close()
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")  # a link to a device is a device
    assert "device" in _refusal(str(link))


def _refusal(path: str) -> str:
    try:
        read_report(path)
    except InputError as exc:
        return str(exc)
    return "read"


def test_a_file_name_that_is_not_utf8_is_read_and_shown_with_replacement_characters(tmp_path):
    import os

    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write("BEIRUT (AP) \u2014 A strike hit Khiam.\n".encode())
    rep = read_report(os.fsdecode(raw))
    assert rep.path.endswith("caf\ufffd.txt")
    rep.path.encode("utf-8")  # printable and storable
    with pytest.raises(InputError, match="missing\ufffd"):
        read_report(os.fsdecode(os.fsencode(tmp_path) + b"/missing\xe9.txt"))


def test_lone_surrogates_are_normalised_away_before_hashing_and_storage():
    from incidents.model import content_hash

    rep = report_from_text("RAFAH \u2014 A strike\ud800 hit Rafah \ud83d\ude00.\udfff\n", source="x\udc80",
                           title="t\ud800", published=date(2024, 2, 7))
    assert "\ufffd" in rep.text and "\U0001F600" in rep.text
    assert not any("\ud800" <= c <= "\udfff" for c in rep.text + rep.source + rep.title)
    for field in (rep.text, rep.source, rep.title):
        field.encode("utf-8")
    assert content_hash("a\ud800b") == content_hash("a\ufffdb")  # library callers with raw text: no crash
    assert rep.hash == content_hash(rep.text)


def test_publication_dates_outside_1900_2100_are_refused(tmp_path):
    for bad in (date(1, 1, 1), date(1899, 12, 31), date(2101, 1, 1), date(9999, 12, 31)):
        with pytest.raises(InputError, match="outside 1900-2100"):
            report_from_text("A strike hit Rafah.", published=bad)
    p = tmp_path / "r.txt"
    p.write_text("A strike hit Rafah.")
    with pytest.raises(InputError, match="outside 1900-2100"):
        read_report(p, published=date(9999, 12, 31))
    assert report_from_text("A strike hit Rafah.", published=date(1900, 1, 1)).published == date(1900, 1, 1)


def test_markdown_clean_up_is_linear_on_runs_that_were_quadratic():
    from bounded import returns

    from incidents.reading import markdown_to_text

    # 200 KB of newline-space runs took 131 s (^\s* ran across every following line from each line start)
    for text in ("\n " * 100_000, "![" * 100_000, "[a](" * 50_000, "- \n" * 100_000, "\n \t" * 70_000 + "- x"):
        out = returns(markdown_to_text, text)
        assert isinstance(out, str)
    md = "# Title\n\n  ## Sub\n**BEIRUT** - [Strike](http://x/a_(b)) hits ![img](p.png) *Tyre*\n* item\n---\n\n- two\n"
    assert markdown_to_text(md) == "Title\n\nSub\nBEIRUT - Strike hits img *Tyre*\n- item\n\n\n- two\n"


# ---------------------------------------------------------------- outlets told by their formats (rules/en/outlets.toml)
@pytest.mark.parametrize("text, outlet", [
    # a house date line settles it even when the name is never written
    ("Live: shelling reported near a border town\n\nSat 9 Mar 2024 08.40 GMT\n\nResidents said shells fell overnight.\n",
     "The Guardian"),
    ("Strikes reported along the coast\n\nPublished On 9 Mar 2024\n\nHere are the latest developments:\n", "Al Jazeera"),
    ("Ceasefire talks stall again\n\nSat Mar 9 2024 - 08:40\n\nNegotiators left the capital on Friday.\n\n– Reuters\n",
     "The Irish Times"),
    # a masthead line, a dateline tag
    ("Middle East Eye\nTwo hurt in a village raid\nPublished date: 9 March 2024 08:40 GMT\nThe raid began at dawn, "
     "a photographer told AFP.\n", "Middle East Eye"),
    ("Anadolu Agency\nWORLD\n\nA drone fell near a base, officials said, according to AFP and AFP reporters.\n",
     "Anadolu Agency"),
    ("Two hurt as troops enter a camp\n\nNABLUS, March 9, 2024 (WAFA) - Two young men were hurt, AFP reported.\n",
     "WAFA"),
])
def test_outlets_are_told_by_their_house_formats(text, outlet):
    assert infer_source(text) == outlet


def test_a_caption_credit_is_not_a_house_format():
    # another outlet's date style inside a sentence is no date line; credits stay mere votes
    text = "A town was shelled (AP Photo/Jane Roe)\nOfficials said on Sat 9 Mar 2024 08.40 GMT that two died.\n"
    assert infer_source(text) == "AP"
