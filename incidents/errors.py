"""Errors of the pipeline; all derive from the project's one family."""
from __future__ import annotations

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


__all__ = [
    "GazetteerDataError", "GazetteerError", "IncidentMapError", "InputError",
    "PlaceValidationError", "RulesError", "StoreError",
]
