"""Reading report files and pasted text into :class:`Report` objects.

Accepts .txt, .md and .html (tags stripped safely, entities decoded), in
UTF-8 or Windows-1252. Anything else is an :class:`InputError` naming the
file: missing, a directory, unreadable, binary, not text, too big.
"""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError
from .model import Report

MAX_BYTES = 5 * 1024 * 1024  # uploads and files; a live page is ~50 KB
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "footer", "form", "iframe",
              "button", "select", "head", "aside"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
               "article", "header", "figure", "figcaption", "blockquote", "tr", "table", "time",
               "dt", "dd", "hr", "main", "pre"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page: scripts/styles dropped, entities decoded, one block per line."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", ln).strip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out).strip() + "\n"


def markdown_to_text(text: str) -> str:
    """Drop Markdown markup that would disturb parsing (headings, emphasis, links)."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"^\s*[-*+]\s+", "- ", text, flags=re.M)
    text = re.sub(r"^\s*(?:---+|\*\*\*+)\s*$", "", text, flags=re.M)
    return text


def decode_bytes(data: bytes, name: str = "<input>") -> str:
    """UTF-8 (with or without BOM), else Windows-1252; binary data is refused."""
    if not data.strip():
        return ""
    if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
        raise InputError("binary file, expected text (.txt, .md or .html)", name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 or Windows-1252 text (byte {exc.start})", name) from None


def _looks_binary(sample: bytes) -> bool:
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > max(4, len(sample) // 100)


def normalise_text(text: str, kind: str = "txt") -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "html" or (kind == "txt" and re.match(r"\s*<(?:!doctype|html)\b", text[:200], re.I)):
        text = html_to_text(text)
    elif kind == "md":
        text = markdown_to_text(text)
    return text


def read_bytes_report(data: bytes, filename: str = "<upload>", source: str | None = None,
                      published: date | None = None, max_bytes: int = MAX_BYTES) -> Report:
    """A report from raw bytes (an upload or a file's content)."""
    if len(data) > max_bytes:
        raise InputError(f"file is {len(data) / 1e6:.1f} MB, larger than the {max_bytes / 1e6:.0f} MB limit", filename)
    suffix = Path(filename).suffix.lower()
    kind = "html" if suffix in HTML_SUFFIXES else "md" if suffix in MARKDOWN_SUFFIXES else "txt"
    markup = decode_bytes(data, filename)
    if kind == "html" or (kind == "txt" and re.match(r"\s*<(?:!doctype|html)\b", markup[:200], re.I)):
        from .html import read_html  # main text and page metadata (trafilatura); fragments stripped

        page = read_html(markup.replace("\r\n", "\n").replace("\r", "\n"))
        report = report_from_text(page.text, source=source if source is not None else (
            infer_source(page.text) or page.site), published=published or page.published, title=page.title,
            url=page.url)
    else:
        report = report_from_text(normalise_text(markup, kind), source=source, published=published)
    report.path = filename
    return report


def read_report(path: str | Path, source: str | None = None, published: date | None = None,
                max_bytes: int = 64 * 1024 * 1024) -> Report:
    """Read a report file; every failure is an :class:`InputError` naming the file."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError("no such file", name)
    if p.is_dir():
        raise InputError("is a directory, expected a text file", name)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"file is {size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:.0f} MB limit", name)
        data = p.read_bytes()
    except PermissionError:
        raise InputError("permission denied", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    return read_bytes_report(data, name, source=source, published=published, max_bytes=max_bytes)


# Signatures of outlets in the text: (pattern, outlet name)
_SOURCE_SIGNS = [
    (r"\(AP\)|\bAP Photo\b|Associated Press", "AP"),
    (r"\bFrom CNN\b|\bCNN'?s\b|\bCNN\b", "CNN"),
    (r"\(Reuters\)|\bReuters\b", "Reuters"),
    (r"\bAFP\b|Agence France-Presse", "AFP"),
    (r"\bthe Guardian\b|\bGuardian\b", "The Guardian"),
    (r"\bAl Jazeera\b", "Al Jazeera"),
    (r"\bFrance 24\b", "France 24"),
    (r"\bThe National\b", "The National"),
    (r"\bIrish Times\b", "The Irish Times"),
    (r"\bBBC\b", "BBC"),
    (r"\bTimes of Israel\b", "Times of Israel"),
]


def infer_source(text: str) -> str:
    """The outlet a report most likely comes from, by its signatures ('' if none)."""
    head = text[:20000] + "\n" + text[-4000:] if len(text) > 24000 else text  # signatures are at the ends
    best, best_n = "", 0
    for pattern, name in _SOURCE_SIGNS:
        n = len(re.findall(pattern, head))
        # Outlets are often credited in other outlets' captions; a dateline
        # signature "(AP) —" or a "From CNN" byline is decisive.
        if name == "AP" and re.search(r"\(AP\) [—–-]|Associated Press writers?", head):
            n += 50
        if name == "CNN" and re.search(r"^From CNN", head, re.M):
            n += 50
        if n > best_n:
            best, best_n = name, n
    return best


def report_from_text(text: str, source: str | None = None, published: date | None = None,
                     title: str = "", url: str = "") -> Report:
    """A report from pasted text; source, published date and title are inferred when not given."""
    from .dates import infer_published

    text = normalise_text(text)
    if source is None:
        source = infer_source(text)
    if published is None:
        published = infer_published(text)
    if not title:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        title = first[:200]
    return Report(text=text, source=source, published=published, title=title, url=url)
