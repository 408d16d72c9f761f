"""Reading report files and pasted text into :class:`Report` objects.

Accepts .txt, .md and .html (tags stripped safely, entities decoded), in
UTF-8 or Windows-1252. Anything else is an :class:`InputError` naming the
file: missing, a directory, not a regular file (a FIFO, a device such as
/dev/zero, a socket: refused before anything is read from it), unreadable,
binary, not text, too big. A file name that is not valid UTF-8 is shown (and
stored) with U+FFFD for its bad bytes. Text is normalised once, here: line
ends, markup, UTF-16 surrogates (never reach hashing or storage).
"""
from __future__ import annotations

import os
import re
import stat
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from .dates import check_published
from .errors import InputError
from .model import Report, without_surrogates
from .rules import load

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


_MD_IMAGE = re.compile(r"!\[([^\][]*)\]\((?:[^()]|\([^()]*\))*+\)")
_MD_LINK = re.compile(r"\[([^\][]+)\]\((?:[^()]|\([^()]*\))*+\)")
_MD_HEADING = re.compile(r"^[^\S\n]{0,3}#{1,6}[^\S\n]*", re.M)
_MD_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_MD_BULLET = re.compile(r"^[^\S\n]*[-*+][^\S\n]+", re.M)
_MD_RULE = re.compile(r"^[^\S\n]*(?:---+|\*\*\*+)[^\S\n]*$", re.M)


def markdown_to_text(text: str) -> str:
    """Drop Markdown markup that would disturb parsing (headings, emphasis, links).

    Every pattern stays inside one line (``[^\\S\\n]`` is a space that is not a line break) and
    link texts hold no brackets, so each character is looked at a bounded number of times:
    200 KB of newline-space runs took 131 s when ``^\\s*`` ran across lines from every line start.
    """
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_BULLET.sub("- ", text)
    text = _MD_RULE.sub("", text)
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


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _looks_binary(sample: bytes) -> bool:
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control > max(4, len(sample) // 100)


def normalise_text(text: str, kind: str = "txt") -> str:
    """Line ends to ``\\n``, HTML/Markdown markup dropped, surrogates made whole (see :func:`without_surrogates`)."""
    text = without_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
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
        from .dates import plausible_published
        from .html import read_html  # main text and page metadata (trafilatura); fragments stripped

        page = read_html(markup.replace("\r\n", "\n").replace("\r", "\n"))
        stated = page.published if page.published and plausible_published(page.published) else None
        report = report_from_text(page.text, source=source if source is not None else (
            infer_source(page.text) or page.site), published=published or stated, title=page.title,
            url=page.url)
    else:
        report = report_from_text(normalise_text(markup, kind), source=source, published=published)
    report.path = without_surrogates(filename)
    return report


def display_name(path: str | os.PathLike) -> str:
    """A file name fit to print and store: bytes that are not UTF-8 shown as U+FFFD."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", "replace")


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, expected a text file"
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"is {kind}, expected a regular text file"


def read_report(path: str | Path, source: str | None = None, published: date | None = None,
                max_bytes: int = 64 * 1024 * 1024) -> Report:
    """Read a report file; every failure is an :class:`InputError` naming the file.

    Only regular files are read: a FIFO, a device (``/dev/zero``, ``/dev/urandom``) or a
    socket is refused at once, from its metadata, and the file is opened without blocking
    and checked again (it may have been swapped since), then read to at most ``max_bytes``.
    """
    name = display_name(path)
    check_published(published)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except PermissionError:
        raise InputError("permission denied", name) from None
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL in the name
        raise InputError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", name) from None
    problem = _not_regular(st.st_mode)
    if problem:
        raise InputError(problem, name)
    if st.st_size > max_bytes:
        raise InputError(f"file is {st.st_size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:.0f} MB limit", name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            problem = _not_regular(os.fstat(fd).st_mode)
            if problem:
                raise InputError(problem, name)
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(max_bytes + 1)
        finally:
            os.close(fd)
    except PermissionError:
        raise InputError("permission denied", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    return read_bytes_report(data, name, source=source, published=published, max_bytes=max_bytes)


def infer_source(text: str) -> str:
    """The outlet a report most likely comes from, by its signatures ('' if none).

    The outlets and their signs are data (``rules/<lang>/outlets.toml``), scanned in one
    pass over the ends of the text (signatures are at the ends): every sign is a vote, a
    decisive mark (a dateline tag "(AP) -", a "From CNN" byline) 50 votes, since outlets
    are credited in each other's captions. The first outlet in the file wins a tie.
    """
    head = text[:20000] + "\n" + text[-4000:] if len(text) > 24000 else text
    scan = _OUTLETS
    if scan is None:
        return ""
    best, best_n = "", 0
    for outlet, (n, decisive) in zip(scan.outlets, scan.votes(head)):
        n += 50 if decisive else 0
        if n > best_n:
            best, best_n = outlet.name, n
    return best


_OUTLETS = load().outlets
_OUTLET_SCAN = _OUTLETS.regex if _OUTLETS is not None else None  # module level: the fuzz harness pumps it


def report_from_text(text: str, source: str | None = None, published: date | None = None,
                     title: str = "", url: str = "") -> Report:
    """A report from pasted text; source, published date and title are inferred when not given."""
    from .dates import infer_published

    check_published(published)
    text = normalise_text(text)
    if source is None:
        source = infer_source(text)
    if published is None:
        published = infer_published(text)
    if not title:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        title = first[:200]
    return Report(text=text, source=without_surrogates(source), published=published, title=without_surrogates(title),
                  url=without_surrogates(url))
