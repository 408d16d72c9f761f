"""Reading an HTML page: its main text and metadata with trafilatura.

trafilatura finds the article or live blog in a page (dropping menus, tickers,
cookie banners, share bars and footers) and reads the page's metadata: title
(``og:title``, ``<title>``, ``<h1>``), publication date, site name and URL
(``og:url`` / canonical link). What the entry splitter needs and trafilatura
would drop is kept: photo captions (``<figcaption>``) and post time stamps
(``<time>``) become paragraphs of their own before extraction.

A fragment (no ``<html>`` or ``<body>``), or a page trafilatura finds no text in,
is read by the plain tag stripper (:func:`incidents.reading.html_to_text`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# a document, not a fragment: it has a doctype, <html>, <head> or <body>
_DOCUMENT = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)
# the tags whose text trafilatura drops but entries need, made paragraphs of their own
_FIGURE = re.compile(r"<figure\b[^>]*>(.*?)</figure\s*>", re.I | re.S)
_CAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption\s*>", re.I | re.S)
_TIME = re.compile(r"<time\b([^>]*)>(.*?)</time\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]{0,2000}>")
# page furniture trafilatura may take for text: menus, side boxes, headline tickers, cookie and
# consent banners, newsletter boxes (by class or id), the site's header and footer outside the article
FURNITURE_XPATH = (
    "//marquee | //*[@role='banner' or @role='navigation' or @role='dialog']"
    " | //header[not(ancestor::article) and not(ancestor::main)] | //nav | //aside | //form"
    " | //footer[not(ancestor::article)]"
    " | //*[re:test(concat(' ', @class, ' ', @id), "
    "'ticker|breaking-?news|cookie|consent|gdpr|newsletter|paywall|subscribe', 'i')]"
)


@dataclass
class Page:
    """What a page holds: its main text and the metadata it states."""

    text: str
    title: str = ""
    published: date | None = None
    site: str = ""
    url: str = ""
    main_text: bool = True  # False: read by the plain tag stripper (a fragment, or nothing found)


def is_document(markup: str) -> bool:
    return bool(_DOCUMENT.search(markup[:5000]))


def _drop_furniture(markup: str) -> str:
    """The page without tickers, banners and the site header (see FURNITURE_XPATH)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return markup
    for el in root.xpath(FURNITURE_XPATH, namespaces={"re": "http://exslt.org/regular-expressions"}):
        if el.getparent() is not None and el.tag not in ("html", "body", "main", "article"):
            el.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


def _keep_for_entries(markup: str) -> str:
    """Captions and time stamps as paragraphs (trafilatura drops <figcaption> and most <time>)."""
    def figure(m: re.Match) -> str:  # a figure is its caption (the image itself is dropped anyway)
        caps = _CAPTION.findall(m.group(1))
        return "".join(f"<p>{c}</p>" for c in caps) if caps else m.group(0)

    markup = _FIGURE.sub(figure, markup)
    markup = _CAPTION.sub(lambda m: f"<p>{m.group(1)}</p>", markup)
    return _TIME.sub(lambda m: f"<p>{m.group(2)}</p>" if _TAG.sub("", m.group(2)).strip() else m.group(0), markup)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10]) if value else None
    except ValueError:
        return None


def _clean(text: str) -> str:
    lines = [" ".join(ln.split()) for ln in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln:
            out.append(ln)
    return "\n\n".join(out).strip() + "\n" if out else ""


def read_html(markup: str) -> Page:
    """The main text and metadata of an HTML page (see the module's docstring)."""
    from .reading import html_to_text

    if not is_document(markup):
        return Page(text=html_to_text(markup), main_text=False)
    import trafilatura

    doc = trafilatura.bare_extraction(_keep_for_entries(_drop_furniture(markup)), with_metadata=True, include_comments=False,
                                      include_tables=True, include_images=False, include_links=False,
                                      favor_recall=True, deduplicate=False)
    text = _clean(getattr(doc, "text", "") or "") if doc is not None else ""
    if not text.strip():
        return Page(text=html_to_text(_drop_furniture(markup)), title=_title_only(markup), main_text=False)
    return Page(text=text, title=" ".join((doc.title or "").split())[:300], published=_date(doc.date),
                site=" ".join((doc.sitename or "").split()), url=(doc.url or "").strip())


def _title_only(markup: str) -> str:
    try:
        import trafilatura

        meta = trafilatura.extract_metadata(markup)
    except Exception:  # metadata is a convenience: the text is what matters
        return ""
    return " ".join((getattr(meta, "title", "") or "").split())[:300] if meta is not None else ""
