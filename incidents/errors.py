"""Errors of the pipeline; all derive from the project's one family."""
from __future__ import annotations

from gazetteer.errors import GazetteerDataError, GazetteerError, IncidentMapError, PlaceValidationError


class InputError(IncidentMapError):
    """A report file cannot be read as text: missing, a directory, binary, bad encoding, too big."""

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class StoreError(IncidentMapError):
    """The local store could not be opened or written."""


__all__ = [
    "GazetteerDataError", "GazetteerError", "IncidentMapError", "InputError",
    "PlaceValidationError", "StoreError",
]
