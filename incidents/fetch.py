"""Polite, safe HTTP fetching of news pages, and reading a fetched page as a :class:`Report`.

:func:`fetch` gets one page over ``http``/``https``:

* polite: a user agent naming the project and a contact, one deadline for the
  whole fetch (DNS, connect, redirects, body), a size limit enforced while the
  body streams in (also after gzip decoding), a bounded number of redirects,
  conditional requests (``If-None-Match`` / ``If-Modified-Since``) for re-fetches;
* safe, because the URL may come from a web form: only ``http`` and ``https``;
  no credentials in URLs; the host is resolved once and every address it
  resolves to must be public (no loopback, RFC 1918, link-local, unique-local,
  shared/CGNAT, multicast, unspecified or reserved addresses, also inside
  IPv4-mapped / 6to4 / NAT64 IPv6 addresses and in decimal, octal and hex IPv4
  spellings); the connection goes to the address that was checked, so DNS
  cannot change between the check and the connect; every redirect target is
  checked the same way. Proxies from the environment are not used.

The private-address guard is switched off only by an explicit argument
(``allow_private=True`` or ``allow_addresses=[...]``), never by configuration a
web user could reach. Every failure is a :class:`~incidents.errors.FetchError`
whose message starts with the URL and says what was wrong.

:func:`report_from_url` fetches and reads the page: HTML through
:func:`read_html` (visible text, and title, date and outlet from the page's
metadata), plain text as text; the report keeps its URL (after redirects).
"""
from __future__ import annotations

import codecs
import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from . import __version__
from .errors import FetchError, FetchProblem, InputError
from .model import Report

PROJECT_NAME = "incident-map"
CONTACT = "contact: incident-map-operator@example.invalid"  # placeholder: the operator sets a real address
DEFAULT_USER_AGENT = f"{PROJECT_NAME}/{__version__} (news incident mapper; {CONTACT})"

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
OK_STATUSES = frozenset({200, 203})
NOT_MODIFIED = 304
MAX_URL_LENGTH = 8192
CHUNK_BYTES = 64 * 1024
# Labels of WHATWG's encoding standard that mean Windows-1252 in practice.
_CP1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii",
                            "windows-1252", "cp1252"})

Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchedPage:
    """One fetched page: where it ended up, what the server said, and its bytes."""

    url: str                      # after redirects, without fragment
    status: int                   # 200 (or 203), or 304 for a conditional request that matched
    content_type: str             # "text/html", "text/plain", ... ("" for a 304)
    charset: str | None           # from the Content-Type header, else the page's <meta charset>
    content: bytes                # the body, decoded from gzip/deflate if it was sent so
    fetched_at: datetime          # UTC
    requested_url: str = ""
    redirects: tuple[str, ...] = ()  # the URLs that redirected, in order
    address: str = ""             # the IP address connected to (the one that was checked)
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == NOT_MODIFIED

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES

    @property
    def text(self) -> str:
        """The body as text: the declared charset, else UTF-8, else Windows-1252."""
        return decode_body(self.content, self.charset, self.url)


@dataclass(frozen=True)
class Target:
    """A URL taken apart and checked for syntax (no DNS yet)."""

    url: str              # normalised: lower-case scheme and host, default port dropped, no fragment
    scheme: str
    host: str             # ASCII (IDNA) host name or IP address literal, without brackets
    port: int
    request_target: str   # path and query, percent-encoded, for the request line
    literal: IPAddress | None = None  # the address when the host is an IP literal (any IPv4 spelling)
    given: str = ""       # the URL as given, shown in error messages


# ---------------------------------------------------------------- URL checks


def shown_url(url: object, limit: int = 200) -> str:
    """A URL as it may appear in an error line: printable, credentials hidden, bounded length."""
    s = "".join(c if c.isprintable() else "?" for c in str(url).strip())
    s = _USERINFO.sub(r"\1***@", s, count=1)
    return s if len(s) <= limit else s[: limit - 1] + "…"


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,30}://)[^/?#@]*@")


def parse_url(url: str) -> Target:
    """Take an http(s) URL apart; refuse other schemes and URLs that are not well formed."""
    if not isinstance(url, str) or not url.strip():
        raise FetchError("empty URL", "<url>", FetchProblem.BAD_URL)
    raw = url.strip()
    where = shown_url(raw)
    if len(raw) > MAX_URL_LENGTH:
        raise FetchError(f"URL longer than {MAX_URL_LENGTH} characters", where, FetchProblem.BAD_URL)
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise FetchError("control characters in the URL", where, FetchProblem.BAD_URL)
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if not scheme or not raw.lower().startswith(scheme + ":") or raw[len(scheme) + 1:][:1].isdigit():
        raise FetchError("not a URL (expected http:// or https://)", where, FetchProblem.BAD_URL)
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"refused scheme '{scheme}:' (only http and https URLs are fetched)",
                         where, FetchProblem.SCHEME)
    if "@" in parts.netloc:
        raise FetchError("refused: credentials in the URL (user@host) are not supported", where,
                         FetchProblem.BAD_URL)
    try:
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:
        raise FetchError(f"bad host or port ({exc})", where, FetchProblem.BAD_URL) from None
    if not host:
        raise FetchError("no host in the URL", where, FetchProblem.BAD_URL)
    if port == 0:
        raise FetchError("bad port 0", where, FetchProblem.BAD_URL)
    port = port or DEFAULT_PORTS[scheme]
    bracketed = parts.netloc.rsplit("@", 1)[-1].startswith("[")
    literal: IPAddress | None
    if bracketed or ":" in host:
        if "%" in host:
            raise FetchError("refused: IPv6 zone ids are not supported", where, FetchProblem.ADDRESS)
        try:
            literal = ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchError(f"bad IPv6 address '{host}'", where, FetchProblem.BAD_URL) from None
        host = str(literal)
        netloc_host = f"[{host}]"
    else:
        host = host.rstrip(".")
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise FetchError(f"bad host name '{host}'", where, FetchProblem.BAD_URL) from None
        if not host or not _HOST_NAME.fullmatch(host):
            raise FetchError(f"bad host name '{host}'", where, FetchProblem.BAD_URL)
        literal = ipv4_literal(host)
        if literal is None and _looks_numeric(host):
            raise FetchError(f"bad IPv4 address '{host}'", where, FetchProblem.BAD_URL)
        netloc_host = host
    path = quote(parts.path or "/", safe=_URL_SAFE)
    if not path.startswith("/"):
        path = "/" + path
    query = quote(parts.query, safe=_URL_SAFE + "?")
    request_target = path + ("?" + query if query else "")
    netloc = netloc_host if port == DEFAULT_PORTS[scheme] else f"{netloc_host}:{port}"
    return Target(url=f"{scheme}://{netloc}{request_target}", scheme=scheme, host=host, port=port,
                  request_target=request_target, literal=literal, given=where)


_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")
_URL_SAFE = "/:@!$&'()*+,;=%-._~"
_DEC, _OCT, _HEX = re.compile(r"[1-9][0-9]{0,11}"), re.compile(r"0[0-7]{0,15}"), re.compile(r"0[xX][0-9a-fA-F]{0,10}")
_NUMERIC_PART = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")


def _looks_numeric(host: str) -> bool:
    return all(_NUMERIC_PART.fullmatch(p) for p in host.split("."))


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any form the C resolver accepts (inet_aton):
    dotted quads, and one to four parts each decimal, octal (leading 0) or hex (0x):
    '2130706433', '0x7f000001', '0177.0.0.1' and '127.1' are all 127.0.0.1. None if it is not one."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for p in parts:
        if _HEX.fullmatch(p):
            values.append(int(p[2:] or "0", 16))
        elif _OCT.fullmatch(p):
            values.append(int(p, 8))
        elif _DEC.fullmatch(p):
            values.append(int(p))
        else:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, v in enumerate(head):
        number += v << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_RFC1918 = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("172.16.0.0/12"),
            ipaddress.ip_network("192.168.0.0/16"))
# Kinds of address that allow_private=True lets through (a test server, an intranet mirror).
_PRIVATE_KINDS = frozenset({"loopback", "private (RFC 1918)", "link-local", "unique-local", "site-local",
                            "shared (carrier-grade NAT)", "not globally routable"})


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 IPv6 address."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if any(ip in net for net in _NAT64) or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is not a public one ('loopback', 'private (RFC 1918)', ...), None if it is public.
    An IPv6 address with an IPv4 address inside is judged by that IPv4 address."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        return address_kind(inner)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_multicast:
        return "multicast"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _UNIQUE_LOCAL:
            return "unique-local"
        if ip.is_site_local:
            return "site-local"
    else:
        if any(ip in net for net in _RFC1918):
            return "private (RFC 1918)"
        if ip in _SHARED:
            return "shared (carrier-grade NAT)"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not globally routable"
    return None


def _allowed(ip: IPAddress, kind: str, allow_private: bool, allow_networks: Sequence[Any]) -> bool:
    inner = embedded_ipv4(ip)
    if any(a in net for net in allow_networks for a in (ip, inner) if a is not None and a.version == net.version):
        return True
    return allow_private and kind in _PRIVATE_KINDS


def _networks(allow_addresses: Collection[str]) -> list[Any]:
    nets = []
    for a in allow_addresses:
        try:
            nets.append(ipaddress.ip_network(str(a), strict=False))
        except ValueError:
            raise FetchError(f"bad address in allow_addresses: '{a}'") from None
    return nets


def check_address(ip: IPAddress, url: str, host: str, *, allow_private: bool = False,
                  allow_networks: Sequence[Any] = ()) -> None:
    """Raise a FetchError unless ``ip`` may be connected to."""
    kind = address_kind(ip)
    if kind is None or _allowed(ip, kind, allow_private, allow_networks):
        return
    inner = embedded_ipv4(ip)
    note = f" (IPv4 {inner} inside IPv6)" if inner is not None else ""
    if host == str(ip):
        what = f"{ip} is a {kind} address{note}"
    elif ipv4_literal(host) is not None:
        what = f"{host} is {ip}, a {kind} address"
    else:
        what = f"{host} resolves to {ip}, a {kind} address{note}"
    raise FetchError(f"refused: {what}; only public addresses are fetched", shown_url(url), FetchProblem.ADDRESS)


def check_url(url: str, *, allow_private: bool = False, allow_addresses: Collection[str] = ()) -> Target:
    """Check a URL without fetching it or asking DNS: scheme, syntax, and the address when the
    host is an IP literal. (DNS names are checked by :func:`fetch` once resolved.)"""
    target = parse_url(url)
    if target.literal is not None:
        check_address(target.literal, target.given, target.host, allow_private=allow_private,
                      allow_networks=_networks(allow_addresses))
    return target


# ---------------------------------------------------------------- fetching


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (IPv4 and IPv6)."""
    seen: list[str] = []
    for family, _, _, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if family in (socket.AF_INET, socket.AF_INET6):
            a = str(sockaddr[0]).split("%")[0]
            if a not in seen:
                seen.append(a)
    return seen


def _remaining(deadline: float, url: str, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"timed out after {timeout:g} s", shown_url(url), FetchProblem.TIMEOUT)
    return left


def _resolve(target: Target, resolver: Resolver, deadline: float, timeout: float) -> list[IPAddress]:
    """Resolve in a helper thread so a slow DNS answer cannot outlast the deadline."""
    where = target.given
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["addresses"] = list(resolver(target.host, target.port))
        except Exception as exc:  # noqa: BLE001 - reported below as a FetchError
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="fetch-resolve", daemon=True).start()
    if not done.wait(_remaining(deadline, target.url, timeout)):
        raise FetchError(f"timed out resolving {target.host} after {timeout:g} s", where, FetchProblem.TIMEOUT)
    if "error" in box:
        exc = box["error"]
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FetchError(f"cannot resolve host {target.host} ({reason})", where, FetchProblem.DNS)
    out: list[IPAddress] = []
    for a in box.get("addresses", []):
        try:
            out.append(ipaddress.ip_address(str(a).split("%")[0]))
        except ValueError:
            raise FetchError(f"resolver gave a bad address '{a}' for {target.host}", where, FetchProblem.DNS) from None
    if not out:
        raise FetchError(f"cannot resolve host {target.host} (no address)", where, FetchProblem.DNS)
    return out


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address: Host header from the URL, socket to ``address``."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self._create_connection = self._connect_to_checked_address

    def _connect_to_checked_address(self, hostport, timeout, source_address=None):
        return socket.create_connection((self._address, hostport[1]), timeout, source_address)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is verified for the URL's host name (SNI too)."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._create_connection = self._connect_to_checked_address

    def _connect_to_checked_address(self, hostport, timeout, source_address=None):
        return socket.create_connection((self._address, hostport[1]), timeout, source_address)


def _connect_address(ip: IPAddress) -> str:
    # An IPv4-mapped address is dialled as the IPv4 address it maps.
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return str(mapped or ip)


def _content_type(resp: http.client.HTTPResponse) -> tuple[str, str | None]:
    raw = resp.getheader("Content-Type")
    if not raw:
        return "", None
    ctype = raw.split(";", 1)[0].strip().lower()
    charset = resp.headers.get_content_charset()
    return ctype, (charset.strip().lower() or None) if charset else None


_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", re.I)
_HTML_START = re.compile(rb"\s*(?:<!--.{0,200}?-->\s*)?<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)


def sniff_charset(head: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (<meta charset> or http-equiv)."""
    m = _META_CHARSET.search(head[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def decode_body(content: bytes, charset: str | None, url: str = "<page>") -> str:
    """Bytes to text: the declared charset when it decodes cleanly, else UTF-8 / Windows-1252
    (as reading.decode_bytes does); binary content is a FetchError."""
    from .reading import decode_bytes

    name = None
    if charset:
        label = charset.strip().lower()
        name = "cp1252" if label in _CP1252_LABELS else label
        try:
            codecs.lookup(name)
        except LookupError:
            name = None
    if name:
        try:
            return content.decode(name).lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    try:
        return decode_bytes(content, shown_url(url))
    except InputError as exc:
        if "binary" in str(exc):
            raise FetchError("binary content, expected HTML or text", shown_url(url), FetchProblem.CONTENT_TYPE) from None
        return content.decode(name or "utf-8", errors="replace")


def _decoder(encoding: str, url: str) -> Any:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise FetchError(f"unsupported Content-Encoding '{encoding}'", shown_url(url), FetchProblem.BAD_RESPONSE)


def _read_body(resp: http.client.HTTPResponse, sock: socket.socket, url: str,
               max_bytes: int, deadline: float, timeout: float) -> bytes:
    """Stream the body, stopping as soon as it passes max_bytes (after decoding) or the deadline."""
    where = shown_url(url)
    declared = resp.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"too large: {int(declared):,} bytes declared, the limit is {max_bytes:,}",
                         where, FetchProblem.TOO_LARGE)
    decoder = _decoder((resp.getheader("Content-Encoding") or "").strip().lower(), url)
    out = bytearray()
    raw_total = 0
    while True:
        sock.settimeout(_remaining(deadline, url, timeout))
        chunk = resp.read1(CHUNK_BYTES)
        if not chunk:
            break
        raw_total += len(chunk)
        if decoder is not None:
            try:
                chunk = decoder.decompress(chunk, max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise FetchError(f"bad compressed body ({exc})", where, FetchProblem.BAD_RESPONSE) from None
        out += chunk
        if len(out) > max_bytes or raw_total > max_bytes:
            raise FetchError(f"too large: more than the {max_bytes:,}-byte limit (stopped reading)",
                             where, FetchProblem.TOO_LARGE)
        _remaining(deadline, url, timeout)
    if decoder is not None:
        out += decoder.flush()
        if len(out) > max_bytes:
            raise FetchError(f"too large: more than the {max_bytes:,}-byte limit (stopped reading)",
                             where, FetchProblem.TOO_LARGE)
    return bytes(out)


def _request_headers(user_agent: str, if_none_match: str | None, if_modified_since: str | None) -> dict[str, str]:
    headers = {
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8",
        "Accept-Encoding": "gzip",
        "Connection": "close",
    }
    for name, value in (("If-None-Match", if_none_match), ("If-Modified-Since", if_modified_since)):
        if value:
            if any(ord(c) < 32 for c in value):
                raise FetchError(f"bad {name} value")
            headers[name] = value
    return headers


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
          max_redirects: int = DEFAULT_MAX_REDIRECTS, user_agent: str = DEFAULT_USER_AGENT,
          allow_private: bool = False, allow_addresses: Collection[str] = (),
          if_none_match: str | None = None, if_modified_since: str | None = None,
          resolver: Resolver | None = None, ssl_context: ssl.SSLContext | None = None) -> FetchedPage:
    """Fetch an HTML or plain-text page over http(s), politely and safely (see the module doc).

    ``timeout`` bounds the whole fetch in seconds, ``max_bytes`` the (decoded) body,
    ``max_redirects`` the redirects followed. ``allow_private=True`` lets loopback and
    private addresses through (tests, a trusted command line); ``allow_addresses`` lets
    only the listed addresses or networks through. ``if_none_match``/``if_modified_since``
    make a conditional request: an unchanged page comes back with status 304 and no body.
    ``resolver(host, port) -> [address, ...]`` replaces the system resolver (tests).
    """
    if timeout <= 0 or max_bytes <= 0 or max_redirects < 0:
        raise FetchError("timeout and max_bytes must be positive, max_redirects not negative", shown_url(url))
    deadline = time.monotonic() + timeout
    networks = _networks(allow_addresses)
    resolver = resolver or system_resolver
    context = ssl_context or ssl.create_default_context()
    headers = _request_headers(user_agent, if_none_match, if_modified_since)
    requested = parse_url(url)
    target = requested
    redirects: list[str] = []
    seen = {target.url}
    while True:
        try:
            page_or_location = _fetch_one(target, headers, deadline, timeout, max_bytes, allow_private, networks,
                                          resolver, context)
        except FetchError as exc:
            if not redirects:
                raise
            raise FetchError(f"redirected to {shown_url(target.url)}: {exc.detail}", shown_url(requested.url),
                             exc.problem, exc.status) from None
        if isinstance(page_or_location, FetchedPage):
            return _finish(page_or_location, requested.url, tuple(redirects))
        location = page_or_location
        redirects.append(target.url)
        next_url = urljoin(target.url, location)
        try:
            nxt = parse_url(next_url)
        except FetchError as exc:
            raise FetchError(f"redirected to {shown_url(next_url)}: {exc.detail}", shown_url(requested.url),
                             exc.problem) from None
        if nxt.url in seen:
            raise FetchError(f"redirect loop ({' -> '.join(shown_url(u, 80) for u in redirects + [nxt.url])})",
                             shown_url(requested.url), FetchProblem.REDIRECT_LOOP)
        if len(redirects) > max_redirects:
            raise FetchError(f"too many redirects (more than {max_redirects})", shown_url(requested.url),
                             FetchProblem.TOO_MANY_REDIRECTS)
        seen.add(nxt.url)
        target = nxt


def _finish(page: FetchedPage, requested_url: str, redirects: tuple[str, ...]) -> FetchedPage:
    return FetchedPage(url=page.url, status=page.status, content_type=page.content_type, charset=page.charset,
                       content=page.content, fetched_at=page.fetched_at, requested_url=requested_url,
                       redirects=redirects, address=page.address, etag=page.etag,
                       last_modified=page.last_modified)


def _fetch_one(target: Target, headers: dict[str, str], deadline: float, timeout: float, max_bytes: int,
               allow_private: bool, networks: Sequence[Any], resolver: Resolver,
               context: ssl.SSLContext) -> FetchedPage | str:
    """One request: a page, or the Location of a redirect."""
    where = target.given
    if target.literal is not None:
        addresses: list[IPAddress] = [target.literal]
    else:
        addresses = _resolve(target, resolver, deadline, timeout)
    for ip in addresses:  # every address the name has must pass, whichever one we reach
        check_address(ip, target.given, target.host, allow_private=allow_private, allow_networks=networks)
    last_error: FetchError | None = None
    for ip in addresses:
        try:
            return _request(target, _connect_address(ip), headers, deadline, timeout, max_bytes, context)
        except _ConnectFailed as exc:
            last_error = exc.error
    assert last_error is not None
    raise last_error if len(addresses) == 1 else FetchError(
        f"{last_error.detail} (tried {len(addresses)} addresses)", where, last_error.problem)


class _ConnectFailed(Exception):
    def __init__(self, error: FetchError):
        self.error = error


def _request(target: Target, address: str, headers: dict[str, str], deadline: float, timeout: float,
             max_bytes: int, context: ssl.SSLContext) -> FetchedPage | str:
    where = target.given
    left = _remaining(deadline, target.url, timeout)
    if target.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPSConnection(target.host, target.port, address, left, context)
    else:
        conn = _PinnedHTTPConnection(target.host, target.port, address, left)
    try:
        try:
            conn.connect()
        except ssl.SSLCertVerificationError as exc:
            raise FetchError(f"TLS certificate not valid for {target.host} ({exc.verify_message})", where,
                             FetchProblem.TLS) from None
        except ssl.SSLError as exc:
            raise FetchError(f"TLS handshake failed ({exc.reason or exc})", where, FetchProblem.TLS) from None
        except TimeoutError:
            raise FetchError(f"timed out connecting after {timeout:g} s", where, FetchProblem.TIMEOUT) from None
        except OSError as exc:
            raise _ConnectFailed(FetchError(f"cannot connect to {address} port {target.port} "
                                            f"({exc.strerror or exc})", where, FetchProblem.CONNECT)) from None
        resp: http.client.HTTPResponse | None = None
        try:
            conn.request("GET", target.request_target, headers=headers)
            sock = conn.sock  # kept: http.client lets go of it once the response is read ("Connection: close")
            sock.settimeout(_remaining(deadline, target.url, timeout))
            resp = conn.getresponse()
            return _response(resp, sock, target, address, deadline, timeout, max_bytes)
        except TimeoutError:
            raise FetchError(f"timed out after {timeout:g} s (no complete answer)", where,
                             FetchProblem.TIMEOUT) from None
        except http.client.HTTPException as exc:
            raise FetchError(f"bad HTTP response ({type(exc).__name__}: {str(exc)[:100]})", where,
                             FetchProblem.BAD_RESPONSE) from None
        except ssl.SSLError as exc:
            raise FetchError(f"TLS error ({exc.reason or exc})", where, FetchProblem.TLS) from None
        except OSError as exc:
            raise FetchError(f"connection failed ({exc.strerror or exc})", where, FetchProblem.CONNECT) from None
        finally:
            if resp is not None:
                resp.close()  # hang up at once (a body over the limit is not read to its end)
    finally:
        conn.close()


def _response(resp: http.client.HTTPResponse, sock: socket.socket, target: Target, address: str,
              deadline: float, timeout: float, max_bytes: int) -> FetchedPage | str:
    where = target.given
    status = resp.status
    now = datetime.now(timezone.utc)
    etag = (resp.getheader("ETag") or "").strip()
    last_modified = (resp.getheader("Last-Modified") or "").strip()
    if status in REDIRECT_STATUSES:
        location = (resp.getheader("Location") or "").strip()
        if not location:
            raise FetchError(f"HTTP {status} redirect without a Location", where, FetchProblem.BAD_RESPONSE)
        return location
    if status == NOT_MODIFIED:
        return FetchedPage(url=target.url, status=status, content_type="", charset=None, content=b"",
                           fetched_at=now, address=address, etag=etag, last_modified=last_modified)
    if status not in OK_STATUSES:
        reason = (resp.reason or "").strip()[:60]
        raise FetchError(f"HTTP {status}{' ' + reason if reason else ''}", where, FetchProblem.HTTP_STATUS,
                         status=status)
    ctype, charset = _content_type(resp)
    if ctype and ctype not in HTML_TYPES | TEXT_TYPES:
        raise FetchError(f"not HTML or text: the server says '{ctype[:60]}'", where, FetchProblem.CONTENT_TYPE)
    body = _read_body(resp, sock, target.url, max_bytes, deadline, timeout)
    if not ctype:  # undeclared: only an unmistakable HTML document is accepted
        if not _HTML_START.match(body[:1024]):
            raise FetchError("not HTML or text: the server declares no Content-Type and it does not look like HTML",
                             where, FetchProblem.CONTENT_TYPE)
        ctype = "text/html"
    if ctype in HTML_TYPES and not charset:
        charset = sniff_charset(body)
    return FetchedPage(url=target.url, status=status, content_type=ctype, charset=charset, content=body,
                       fetched_at=now, address=address, etag=etag, last_modified=last_modified)


# ---------------------------------------------------------------- reading a fetched page


@dataclass(frozen=True)
class PageMetadata:
    """What a page says about itself: Open Graph, JSON-LD, <title>, <time datetime>."""

    title: str = ""
    published: date | None = None
    site_name: str = ""


@dataclass(frozen=True)
class PageText:
    """An HTML page read for extraction: its visible text and its metadata."""

    text: str
    metadata: PageMetadata


# <meta property|name|itemprop=KEY content=...> keys, best first.
_TITLE_KEYS = ("og:title", "twitter:title")
_SITE_KEYS = ("og:site_name", "application-name")
_DATE_KEYS = ("article:published_time", "og:published_time", "datepublished", "date", "pubdate",
              "publish-date", "publishdate", "dc.date", "dc.date.issued", "dcterms.created",
              "parsely-pub-date", "sailthru.date")
_ARTICLE_TYPES = frozenset({"newsarticle", "article", "liveblogposting", "reportagenewsarticle", "blogposting",
                            "analysisnewsarticle", "backgroundnewsarticle", "opinionnewsarticle",
                            "reviewnewsarticle", "socialmediaposting", "webpage"})
_MAX_JSONLD_NODES = 2000


class _MetadataParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self.in_title = False
        self.title_done = False
        self.jsonld: list[str] = []
        self.in_jsonld = False
        self.times: list[tuple[bool, str]] = []  # (marked as the publication time, datetime)

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").strip().lower()
            if key and "content" in a and key not in self.meta:
                self.meta[key] = a["content"].strip()
        elif tag == "title" and not self.title_done:
            self.in_title = True
        elif tag == "script" and a.get("type", "").strip().lower() == "application/ld+json":
            self.in_jsonld = True
            self.jsonld.append("")
        elif tag == "time" and a.get("datetime") and len(self.times) < 200:
            marked = "pubdate" in a or a.get("itemprop", "").lower() == "datepublished"
            self.times.append((marked, a["datetime"]))

    def handle_endtag(self, tag):
        if tag == "title" and self.in_title:
            self.in_title, self.title_done = False, True
        elif tag == "script":
            self.in_jsonld = False

    def handle_data(self, data):
        if self.in_title:
            self.title_parts.append(data)
        elif self.in_jsonld:
            self.jsonld[-1] += data


def _clean(s: str, limit: int = 300) -> str:
    return " ".join(s.split())[:limit]


def parse_page_date(value: str) -> date | None:
    """The calendar date of an ISO 8601 stamp as the page wrote it ('2024-02-07T09:30:00+02:00' -> 7 Feb)."""
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not m:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return d if 1900 <= d.year <= 2100 else None


def _jsonld_articles(blobs: list[str]) -> list[dict]:
    """Article-like objects of the page's JSON-LD, outermost first (bounded walk)."""
    found: list[dict] = []
    budget = _MAX_JSONLD_NODES
    for blob in blobs:
        try:
            data = json.loads(blob.strip().rstrip(";"))
        except (ValueError, RecursionError):
            continue
        stack: list[tuple[Any, int]] = [(data, 0)]
        while stack and budget > 0:
            node, depth = stack.pop(0)
            budget -= 1
            if isinstance(node, list):
                stack.extend((x, depth + 1) for x in node[:200] if depth < 6)
            elif isinstance(node, dict):
                types = node.get("@type")
                names = {str(t).lower() for t in (types if isinstance(types, list) else [types]) if t}
                if names & _ARTICLE_TYPES:
                    found.append(node)
                for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                    if key in node and depth < 6:
                        stack.append((node[key], depth + 1))
    # real articles before a generic WebPage
    return sorted(found, key=lambda n: "webpage" in str(n.get("@type", "")).lower())


def _name_of(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name", "")
    return _clean(value) if isinstance(value, str) else ""


_METADATA_TAG = re.compile(r"<(meta|time|title|script)\b", re.I)
_LD_JSON = re.compile(r"""type\s*=\s*["']?\s*application/ld\+json""", re.I)
_MAX_TAG = 4000
_MAX_ELEMENT = 2_000_000


def _metadata_pieces(markup: str) -> Iterator[str]:
    """The <meta> and <time> tags, the first <title> element and the JSON-LD <script> elements of a
    page, in order, found in one forward scan (linear: every step moves past what it looked at)."""
    pos, title_seen = 0, False
    while (m := _METADATA_TAG.search(markup, pos)) is not None:
        gt = markup.find(">", m.end())
        if gt < 0:
            return
        pos = gt + 1
        tag, name = markup[m.start():pos], m.group(1).lower()
        if len(tag) > _MAX_TAG:
            continue
        if name in ("meta", "time"):
            yield tag
            continue
        if name == "title" and title_seen:
            continue
        close = "</title" if name == "title" else "</script"
        end = markup.find(close, pos)
        if end < 0:
            return  # never closed: nothing after it is markup
        if end - pos > _MAX_ELEMENT:
            pos = end
            continue
        if name == "title":
            title_seen = True
            yield markup[m.start():end] + "</title>"
        elif _LD_JSON.search(tag):
            yield markup[m.start():end] + "</script>"
        pos = end  # a script's body may hold "<meta" strings: skip it


def read_page_metadata(markup: str) -> PageMetadata:
    """Title, publication date and outlet from a page's metadata: JSON-LD (headline, datePublished,
    publisher), Open Graph / article: tags, <title>, then the first <time datetime>."""
    p = _MetadataParser()
    for piece in _metadata_pieces(markup):  # only the tags that matter: 2-3x faster than the whole page
        p.feed(piece)
    p.close()
    articles = _jsonld_articles(p.jsonld)
    site = next((_clean(p.meta[k]) for k in _SITE_KEYS if p.meta.get(k)), "")
    site = site or next((_name_of(a.get("publisher")) for a in articles if _name_of(a.get("publisher"))), "")
    title = next((_clean(p.meta[k]) for k in _TITLE_KEYS if p.meta.get(k)), "")
    title = title or next((_clean(a["headline"]) for a in articles if isinstance(a.get("headline"), str)), "")
    if not title:
        title = _clean("".join(p.title_parts))
        for sep in (" | ", " - ", " – ", " — "):
            if site and title.endswith(sep + site):
                title = title[: -len(sep + site)].strip()
    published = next((d for a in articles if (d := parse_page_date(str(a.get("datePublished", ""))))), None)
    published = published or next((d for k in _DATE_KEYS if (d := parse_page_date(p.meta.get(k, "")))), None)
    times = sorted(p.times, key=lambda t: not t[0])  # marked ones first, else document order
    published = published or next((d for _, v in times if (d := parse_page_date(v))), None)
    return PageMetadata(title=title, published=published, site_name=site)


def read_html(markup: str) -> PageText:
    """The one place a fetched HTML page becomes text and metadata.

    The main text through :func:`incidents.html.read_html` (trafilatura, keeping captions and post
    time stamps; fragments through the plain tag stripper) and the metadata through
    :func:`read_page_metadata`.
    """
    from .html import read_html as main_text

    return PageText(text=main_text(markup).text, metadata=read_page_metadata(markup))


def _host_outlet(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def report_from_page(page: FetchedPage, *, source: str | None = None, published: date | None = None) -> Report:
    """Read a fetched page as a Report that keeps its URL (``page.url``, after redirects).

    HTML: text, title, date and outlet from the page (``source``/``published`` override);
    an outlet the metadata does not name is inferred from the text, else the host name.
    Plain text is read as text. A page with no readable text is a FetchError.
    """
    from .reading import infer_source, report_from_text

    if page.not_modified:
        raise FetchError("not modified since the last fetch (no body to read)", shown_url(page.url),
                         FetchProblem.NO_TEXT)
    raw = page.text
    title = ""
    if page.is_html:
        read = read_html(raw)
        text, meta = read.text, read.metadata
        title = meta.title
        published = published or meta.published
        source = source or meta.site_name or None
    else:
        text = raw
    if not text.strip():
        raise FetchError("no readable text on the page", shown_url(page.url), FetchProblem.NO_TEXT)
    if source is None:
        source = infer_source(text) or _host_outlet(page.url)
    return report_from_text(text, source=source, published=published, title=title, url=page.url)


def report_from_url(url: str, *, source: str | None = None, published: date | None = None,
                    **fetch_options: Any) -> Report:
    """Fetch ``url`` (``fetch_options`` go to :func:`fetch`) and read it as a Report keeping its URL."""
    return report_from_page(fetch(url, **fetch_options), source=source, published=published)
