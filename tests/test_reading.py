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
