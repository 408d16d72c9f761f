"""The project's one exception family.

Every error the project raises on purpose derives from :class:`IncidentMapError`,
so callers (the command line, the dashboard) can catch one class and show its
message, which always says what was wrong and where (file, line).
"""
from __future__ import annotations


class IncidentMapError(Exception):
    """Base class of every error this project raises on purpose."""


class GazetteerError(IncidentMapError):
    """Something is wrong with gazetteer data or a gazetteer lookup."""


class GazetteerDataError(GazetteerError):
    """A gazetteer file has a malformed row.

    ``path`` and ``line`` say where; the message includes both.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class PlaceValidationError(GazetteerError):
    """A place or alias a user tried to add is not acceptable (bad id, lat/lon, country)."""
