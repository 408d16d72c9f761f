"""Errors of the pipeline; all derive from the project's one family."""
from __future__ import annotations

from enum import Enum

from gazetteer.errors import GazetteerDataError, GazetteerError, IncidentMapError, PlaceValidationError


class InputError(IncidentMapError):
    """A report file cannot be read as text: missing, a directory, binary, bad encoding, too big."""

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class RulesError(IncidentMapError):
    """A rules data file (incidents/rules/<lang>/*.toml) is malformed: says which file, line and entry."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.path, self.line = path, line
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + message)


class StoreError(IncidentMapError):
    """The local store could not be opened or written."""


class FetchProblem(str, Enum):
    """What kind of thing went wrong fetching a URL (for callers that react per kind)."""

    BAD_URL = "bad-url"              # not a URL we can fetch (no host, bad port, credentials, ...)
    SCHEME = "scheme"                # file:, ftp:, data:, javascript:, ... (only http and https)
    ADDRESS = "address"              # loopback, private, link-local, ... address (directly or by DNS)
    DNS = "dns"                      # the host name does not resolve
    CONNECT = "connect"              # refused, unreachable, reset
    TLS = "tls"                      # certificate or handshake failure
    TIMEOUT = "timeout"
    TOO_LARGE = "too-large"
    HTTP_STATUS = "http-status"      # 404, 500, ...
    CONTENT_TYPE = "content-type"    # not HTML or plain text
    REDIRECT_LOOP = "redirect-loop"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    BAD_RESPONSE = "bad-response"    # not valid HTTP, a redirect without Location, ...
    NO_TEXT = "no-text"              # fetched, but nothing readable in it


class FetchError(IncidentMapError):
    """A URL could not be fetched, or was refused; the message starts with the URL."""

    def __init__(self, message: str, url: str | None = None,
                 problem: FetchProblem = FetchProblem.BAD_URL, status: int | None = None):
        self.url, self.problem, self.status, self.detail = url, problem, status, message
        super().__init__(f"{url}: {message}" if url else message)


class ReviewError(IncidentMapError):
    """A review cannot be stored or read: no such incident, a field or value a correction cannot take,
    a review log line that is not a review."""


class WatchError(IncidentMapError):
    """A watch cannot start: a bad interval ("0s", "abc", more than a day) or no URL."""


__all__ = [
    "FetchError", "FetchProblem", "GazetteerDataError", "GazetteerError", "IncidentMapError",
    "InputError", "PlaceValidationError", "ReviewError", "RulesError", "StoreError", "WatchError",
]
