"""Optional online fallback: OpenStreetMap Nominatim, cached on disk. OFF by default.

Only used when explicitly enabled (``INCIDENTS_ONLINE_GEOCODER=1`` or
``CachedNominatim(enabled=True)``): extraction must be reproducible and work
offline. When enabled it follows Nominatim's usage policy: a custom
user agent, at most one request per second (geopy's ``RateLimiter``), and every
answer (including "not found") cached in a JSON file under ``data/cache/`` so
a name is asked at most once.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from geopy.location import Location
from geopy.point import Point

from .gazetteer import PROJECT_DIR
from .text import fold_key

ENV = "INCIDENTS_ONLINE_GEOCODER"
USER_AGENT = "incident-map/0.1 (+local)"
DEFAULT_CACHE = PROJECT_DIR / "data" / "cache" / "nominatim.json"


def online_enabled() -> bool:
    """True only when ``INCIDENTS_ONLINE_GEOCODER=1`` (or true/yes/on)."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


class CachedNominatim:
    """Nominatim lookups through a rate limiter and an on-disk JSON cache.

    ``geocoder``: an object with a geopy-style ``geocode(query, **kw)``
    (default: ``geopy.geocoders.Nominatim``, created on first use); tests
    pass a fake. ``enabled``: default from the environment, so it is off
    unless someone asked for it.
    """

    def __init__(self, cache_path: str | Path | None = None, enabled: bool | None = None,
                 geocoder=None, min_delay_seconds: float = 1.0, timeout: float = 10.0):
        self.cache_path = Path(cache_path) if cache_path is not None else DEFAULT_CACHE
        self.enabled = online_enabled() if enabled is None else bool(enabled)
        self._geocoder = geocoder
        self._rate_limited = None
        self.min_delay_seconds = min_delay_seconds
        self.timeout = timeout
        self._cache: dict | None = None
        self._lock = threading.Lock()
        self.requests = 0  # how many times the service was asked

    # ------------------------------------------------------------------ cache
    def _load_cache(self) -> dict:
        if self._cache is None:
            try:
                self._cache = json.loads(self.cache_path.read_text(encoding="utf-8"))
                if not isinstance(self._cache, dict):
                    self._cache = {}
            except (FileNotFoundError, ValueError, OSError):
                self._cache = {}
        return self._cache

    def _save_cache(self) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_path.with_suffix(self.cache_path.suffix + ".tmp")
        tmp.write_text(json.dumps(self._cache, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
        tmp.replace(self.cache_path)

    @staticmethod
    def cache_key(query: str, country_codes=None) -> str:
        if isinstance(country_codes, str):
            country_codes = [country_codes]
        codes = ",".join(sorted(c.lower() for c in country_codes or ()))
        return f"{fold_key(query)}|{codes}"

    # ------------------------------------------------------------------ lookup
    def _limiter(self):
        if self._rate_limited is None:
            from geopy.extra.rate_limiter import RateLimiter

            if self._geocoder is None:
                from geopy.geocoders import Nominatim

                self._geocoder = Nominatim(user_agent=USER_AGENT, timeout=self.timeout)
            self._rate_limited = RateLimiter(
                self._geocoder.geocode, min_delay_seconds=self.min_delay_seconds,
                max_retries=1, swallow_exceptions=False,
            )
        return self._rate_limited

    def geocode(self, query: str, country_codes=None) -> Location | None:
        """A :class:`Location` for ``query``, from the cache or (if enabled) Nominatim.

        Disabled: ``None`` without touching the network or the cache file.
        Errors from the service are not cached (and give ``None``).
        """
        if not self.enabled or not query or not query.strip():
            return None
        key = self.cache_key(query, country_codes)
        with self._lock:
            cache = self._load_cache()
            if key in cache:
                return self._from_cache(cache[key])
            kwargs = {"exactly_one": True}
            if country_codes:
                kwargs["country_codes"] = country_codes
            self.requests += 1
            try:
                location = self._limiter()(query, **kwargs)
            except Exception:  # network/service failure: do not cache, do not crash extraction
                return None
            cache[key] = self._to_cache(location)
            self._save_cache()
            return location

    @staticmethod
    def _to_cache(location: Location | None):
        if location is None:
            return None
        raw = location.raw if isinstance(location.raw, dict) else {}
        return {"address": location.address, "lat": location.latitude, "lon": location.longitude, "raw": raw}

    @staticmethod
    def _from_cache(entry) -> Location | None:
        if not entry:
            return None
        return Location(entry.get("address", ""), Point(entry["lat"], entry["lon"]), entry.get("raw") or {})
