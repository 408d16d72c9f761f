"""Our own gazetteer of the places that Middle East conflict reports name.

>>> from gazetteer import Gazetteer
>>> gaz = Gazetteer.load()
>>> [m.surface for m in gaz.find("An airstrike hit Khan Yunis and Rafah.")]
['Khan Yunis', 'Rafah']
"""
from .errors import GazetteerDataError, GazetteerError, IncidentMapError, PlaceValidationError
from .gazetteer import CURATED_PATH, Gazetteer, default_user_path, haversine_km
from .place import AREA_KINDS, KIND_RANK, KINDS, Match, Place

__all__ = [
    "AREA_KINDS", "CURATED_PATH", "Gazetteer", "GazetteerDataError", "GazetteerError",
    "IncidentMapError", "KINDS", "KIND_RANK", "Match", "Place", "PlaceValidationError",
    "default_user_path", "haversine_km", "GazetteerGeocoder",
]


def __getattr__(name):  # geopy is imported only when the geocoder is used
    if name == "GazetteerGeocoder":
        from .geocoder import GazetteerGeocoder

        return GazetteerGeocoder
    raise AttributeError(name)
