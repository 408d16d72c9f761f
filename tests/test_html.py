"""incidents.html: HTML pages read with trafilatura (main text, metadata), captions and time stamps kept."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from incidents.html import is_document, read_html
from incidents.reading import read_bytes_report

HTML = Path(__file__).resolve().parent / "fixtures" / "html"


def page(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8")


def test_live_page_main_text_and_metadata():
    p = read_html(page("live.html"))
    assert p.main_text
    assert p.title == "Strikes across Gaza: live updates"  # og:title, not the cookie banner's heading
    assert p.site == "Example News" and p.url == "https://news.example.org/live/gaza-strikes"
    assert p.published == date(2024, 2, 7)
    assert "RAFAH, Gaza Strip — An Israeli airstrike on a house in Rafah killed 5 people" in p.text
    assert "KHAN YOUNIS, Gaza Strip — Troops and militants clashed" in p.text
    # what the entry splitter needs: the photo caption and both post time stamps, in order
    assert "People inspect a destroyed house in Rafah, Gaza Strip, Wednesday, Feb. 7, 2024." in p.text
    assert p.text.index("10:30 GMT") < p.text.index("RAFAH") < p.text.index("09:15 GMT") < p.text.index("KHAN")
    # page furniture is not text: the ticker, the cookie banner, menus, side boxes, the footer
    for furniture in ("BREAKING", "Markets fall", "cookies", "Home", "Most read", "Khiam", "rights reserved"):
        assert furniture not in p.text, furniture


def test_title_from_the_page_not_the_banner():
    p = read_html(page("banner-first.html"))
    assert p.title in ("Airstrike hits Khan Younis", "Airstrike hits Khan Younis - Wire Service")
    assert "privacy" not in p.title.lower()
    assert "JUST IN" not in p.text and "cookies" not in p.text
    assert p.text.startswith("Airstrike hits Khan Younis") or p.text.startswith("KHAN YOUNIS")


def test_a_ticker_does_not_become_an_incident(gazetteer):
    from incidents.extract import extract

    for name, kept, dropped in (("live.html", "rafah", "jabalia"), ("banner-first.html", "khan-younis",
                                                                     "deir-al-balah")):
        report = read_bytes_report((HTML / name).read_bytes(), name)
        ids = {i.place_id for i in extract(report, gazetteer).incidents}
        assert kept in ids and dropped not in ids, (name, ids)


def test_report_from_an_html_upload_carries_the_page_metadata():
    report = read_bytes_report((HTML / "live.html").read_bytes(), "live.html")
    assert report.title == "Strikes across Gaza: live updates"
    assert report.url == "https://news.example.org/live/gaza-strikes"
    assert report.published == date(2024, 2, 7)
    assert report.source == "Example News"  # no outlet signature in the text: the site's name


def test_fragments_use_the_plain_stripper():
    frag = "<p>RAFAH, Gaza Strip — An airstrike hit Rafah.</p><script>alert(1)</script><div>Second</div>"
    assert not is_document(frag)
    p = read_html(frag)
    assert not p.main_text and "An airstrike hit Rafah." in p.text and "Second" in p.text and "alert" not in p.text


@pytest.mark.parametrize("markup", ["<html><body></body></html>", "<html><body><nav>Menu</nav></body></html>"])
def test_a_page_without_main_text_falls_back_without_error(markup):
    p = read_html(markup)
    assert not p.main_text and "Menu" not in p.text


def test_scripts_never_reach_the_text():
    p = read_html("<!doctype html><html><head><script>var x='<p>evil</p>'</script></head><body><article>"
                  "<p>BEIRUT — Israeli strikes hit the town of Khiam on Monday, killing two people, the "
                  "ministry said. Rescue teams reached the site later in the day.</p>"
                  "<script>alert('x')</script></article></body></html>")
    assert "alert" not in p.text and "evil" not in p.text and "Khiam" in p.text
