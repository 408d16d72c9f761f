"""The user gazetteer (``data/user_places.csv``): adding places and aliases safely.

Several dashboard sessions (threads of one server) and command-line runs (processes) may
add places at once. Every change here reads, changes and rewrites the file while holding an
exclusive lock (``fcntl.flock`` on ``<file>.lock`` beside it, plus a lock between threads),
and the rewrite goes through a temporary file of its own renamed over the old one
(:func:`gazetteer.loader.write_places`), so the file is never torn and no row is lost.

Names are checked before they are added (:func:`check_alias`, :func:`check_name`): an alias
must not be a word that occurs everywhere in news text (``The``, ``A``, ``Wednesday``,
``March``, ``city``: it would capture unrelated text), shorter than three letters, without
any letter, or hold ``|`` (the file's alias separator: it would be read back as two
aliases); and it must not already be a name or alias of another place (the message names
that place). Every refusal is a :class:`~gazetteer.errors.PlaceValidationError`.

API::

    from gazetteer.user import add_user_alias, add_user_place

    add_user_place(place, gazetteer=gaz)            # -> the Place as stored
    add_user_alias("khan-younis", "Khan Yunis", gazetteer=gaz)   # -> the id the alias was added to

``path`` (both) defaults to :func:`gazetteer.default_user_path`; ``gazetteer`` (the loaded
curated + user gazetteer) is used for the name checks; without it they run against the
curated gazetteer and the user file as it is on disk.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from .errors import PlaceValidationError
from .geonames import STOPLIST
from .loader import read_places, write_places
from .place import Place
from .text import fold_key

MIN_LETTERS = 3  # "Ur" or "Al" alone would match inside countless names and words
_thread_lock = threading.Lock()  # flock also excludes threads (one open file each); this keeps it cheap


@contextlib.contextmanager
def locked(path: str | os.PathLike | None = None) -> Iterator[Path]:
    """Hold the user gazetteer's lock (between threads and processes) while changing the file."""
    from .gazetteer import default_user_path

    target = Path(path) if path is not None else default_user_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(target.name + ".lock")
    with _thread_lock:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield target
        finally:
            os.close(fd)  # releases the lock


def _is_filler(name: str) -> str | None:
    """Why ``name`` cannot stand for a place on its own, or None."""
    key = fold_key(name)
    letters = sum(ch.isalpha() for ch in key)
    if not key:
        return "it is empty"
    if "|" in name:
        return "it contains '|', which separates aliases in the file"
    if not letters:
        return "it has no letters"
    if letters < MIN_LETTERS:
        return f"it is shorter than {MIN_LETTERS} letters"
    if key in STOPLIST:
        return "it is a common word (like 'the', a weekday, a month, 'city') that would match unrelated text"
    return None


def check_name(name: str) -> None:
    """A new place's name must be able to stand for it alone (see :func:`check_alias`)."""
    why = _is_filler(name)
    if why:
        raise PlaceValidationError(f"the name {name.strip()!r} is refused: {why}")


def check_alias(alias: str, gazetteer=None, owner: str | None = None, others: list[Place] | None = None) -> None:
    """Refuse an alias that would capture unrelated text or that another place already has.

    ``owner``: the id of the place the alias is for (its own names are not "another place").
    ``gazetteer`` and ``others`` (places not yet in it, e.g. the user file as read under the
    lock) are searched for a place already called so.
    """
    why = _is_filler(alias)
    if why:
        raise PlaceValidationError(f"the alias {alias.strip()!r} is refused: {why}")
    key = fold_key(alias)
    taken = [p for p in (others or []) if any(fold_key(n) == key for n in p.names)]
    if gazetteer is not None:
        taken += gazetteer.lookup(alias)  # the names the gazetteer would match this alias's text to
    for place in taken:
        if place.id != owner:
            raise PlaceValidationError(
                f"the alias {alias.strip()!r} is already a name of {place.name} ({place.id}, {place.country or 'no country'}): "
                "an alias shared by two places would be placed by guesswork; add a more specific one")


def _gazetteer(gazetteer):
    if gazetteer is not None:
        return gazetteer
    from .gazetteer import Gazetteer

    return Gazetteer.load(user=False)


def add_user_place(place: Place, path: str | os.PathLike | None = None, gazetteer=None) -> Place:
    """Add a new place to the user gazetteer (under the lock); returns it as stored."""
    gaz = _gazetteer(gazetteer)
    check_name(place.name)
    place = replace(place, name=place.name.strip(), aliases=tuple(dict.fromkeys(a.strip() for a in place.aliases if a.strip())),
                    origin="user")
    with locked(path) as target:
        users = read_places(target, origin="user")
        if any(p.id == place.id for p in users) or place.id in gaz:
            raise PlaceValidationError(f"the id {place.id!r} is already taken")
        for alias in place.aliases:
            check_alias(alias, gaz, owner=place.id, others=users)
        write_places(target, [*users, place])
    return place


def add_user_alias(place_id: str, alias: str, path: str | os.PathLike | None = None, gazetteer=None) -> str:
    """Add ``alias`` to a place (a user place's row, or a user row that adds names to a curated one)."""
    gaz = _gazetteer(gazetteer)
    alias = re.sub(r"\s+", " ", alias).strip()
    with locked(path) as target:
        users = read_places(target, origin="user")
        mine = next((p for p in users if p.id == place_id), None)
        target_place = mine or gaz.get(place_id)
        if target_place is None:
            raise PlaceValidationError(f"no place with id {place_id!r}")
        known = {fold_key(n) for n in target_place.names}
        if mine is not None:
            known |= {fold_key(n) for n in mine.names}
        if fold_key(alias) in known:
            raise PlaceValidationError(f"{target_place.name} already has the name {alias!r}")
        check_alias(alias, gaz, owner=place_id, others=users)
        if mine is not None:
            users = [replace(p, aliases=(*p.aliases, alias)) if p.id == place_id else p for p in users]
        else:
            # a curated place: a user row with its id adds names to it (its point and kind stay curated)
            users.append(Place(id=target_place.id, name=alias, kind=target_place.kind, country=target_place.country,
                               lat=target_place.lat, lon=target_place.lon, parent=target_place.parent,
                               source="user-alias", origin="user"))
        write_places(target, users)
    return place_id
