"""Extraction knowledge as data: trigger rules, cues and vocabularies, one folder per language.

``incidents/rules/<lang>/`` holds TOML files:

* ``triggers.toml``: ``[[rule]]`` tables (``id``, ``tier``, ``event_type``,
  ``sub_event_type``, ``patterns``): the words that report an incident of an ACLED type;
* ``outlets.toml``: ``[[outlet]]`` tables (``id``, ``name``, ``signs``, ``decisive``): how a
  text shows the outlet that wrote it, compiled into one scan (:class:`OutletScan`);
  and ``[[line]]`` tables (``id``, ``kind``, ``patterns``): the line formats of pages (time
  stamps, datelines, captions, credits, furniture), one regex per kind (``book.line(kind)``);
* ``cues.toml`` and the other files: named cues (``[name]`` with ``patterns``,
  optional ``flags`` and ``wrap``) and vocabularies (``[vocab.name]`` tables of words).

:func:`load` reads and compiles them once (cached); code asks for ``book.cue("hedge")``
or ``book.vocab("months")``. A malformed file raises :class:`~incidents.errors.RulesError`
naming the file, and the line or the entry.

Tiers rank trigger rules when several match one sentence (the lower wins): a weapon
named beats a bare "killed". They are named here, in :class:`Tier`, because code
reasons about some of them ("a bare killing", "a follow-up such as an arrest").
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from pathlib import Path

from ..errors import RulesError
from .prefilter import Prefilter, guard, guarded, required_literals

RULES_DIR = Path(__file__).resolve().parent
DEFAULT_LANG = "en"


class Tier(IntEnum):
    """How specific a trigger is; when several match a sentence the lowest tier wins."""

    SUICIDE = 0  # suicide bombing
    AIR = 1  # air and drone strikes
    WEAPON = 2  # shelling, missiles, explosive devices, grenades
    STRIKE = 3  # a strike with no weapon named ("a strike hit", "struck")
    BATTLE = 4  # armed clashes
    RIOT = 5  # mob violence, violent demonstrations
    FORCE_ON_PROTEST = 6  # fire on protesters
    PROTEST = 7  # protests, protest with intervention
    VAC = 8  # shootings, stabbings, abductions
    DISRUPTED = 9  # interceptions, weapons found: follow-ups of an attack
    ARREST_PROPERTY = 10  # arrests, demolitions, looting
    OPERATION = 11  # raids and incursions with no harm named
    BARE = 12  # a killing, an explosion or an attack with no weapon named


@dataclass(frozen=True)
class TriggerRule:
    id: str
    tier: Tier
    event_type: str
    sub_event_type: str
    regex: re.Pattern
    literals: frozenset[str] | None  # the pre-filter: every match contains one of these (folded)


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    sign: re.Pattern  # one vote per occurrence
    decisive: re.Pattern | None  # settles it


@dataclass(frozen=True)
class OutletScan:
    """Every outlet's signs and decisive marks in one regex: one pass over a text counts them all."""

    outlets: tuple[Outlet, ...]
    regex: re.Pattern
    groups: dict[str, tuple[int, bool]]  # group name -> (outlet index, decisive)

    def votes(self, text: str) -> list[tuple[int, bool]]:
        """Per outlet (in file order): (signs counted, a decisive mark seen)."""
        signs = [0] * len(self.outlets)
        decisive = [False] * len(self.outlets)
        for m in self.regex.finditer(text):
            k, is_decisive = self.groups[m.lastgroup]
            if is_decisive:
                decisive[k] = True
                if self.outlets[k].sign.match(text, m.start()):
                    signs[k] += 1
            else:
                signs[k] += 1
        return list(zip(signs, decisive))


@dataclass
class Rulebook:
    lang: str
    triggers: tuple[TriggerRule, ...]
    cues: dict[str, re.Pattern]
    vocabularies: dict[str, dict | list]
    prefilter: Prefilter = field(repr=False)
    outlets: OutletScan | None = field(default=None, repr=False)
    calendar: Calendar | None = field(default=None, repr=False)
    lines: dict[str, re.Pattern] = field(default_factory=dict, repr=False)
    line_search: frozenset[str] = frozenset()  # kinds found anywhere in a line, not from its start
    line_ids: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)  # kind -> its rules' ids

    def line(self, kind: str) -> re.Pattern:
        """The regex of a kind of line (its rules joined, a named group per rule id)."""
        try:
            return self.lines[kind]
        except KeyError:
            raise RulesError(f"no line format of kind {kind!r} in rules/{self.lang}") from None

    def line_rule(self, kind: str, match: re.Match) -> str:
        """The id of the rule of ``kind`` that made ``match`` (a match of ``self.line(kind)``)."""
        ids = self.line_ids.get(kind, ())
        if len(ids) == 1:
            return ids[0]
        return next((rid for rid in ids if match.group(rid) is not None), kind)

    def cue(self, name: str) -> re.Pattern:
        try:
            return self.cues[name]
        except KeyError:
            raise RulesError(f"no cue named {name!r} in rules/{self.lang}") from None

    def vocab(self, name: str):
        try:
            return self.vocabularies[name]
        except KeyError:
            raise RulesError(f"no vocabulary named {name!r} in rules/{self.lang}") from None


@dataclass(frozen=True)
class Calendar:
    """The calendar words of a language (from its ``vocab.toml``), the one copy every module reads."""

    weekdays: tuple[str, ...]  # lower case, Monday first
    months: dict[str, int]  # every month word (names and abbreviations) -> 1..12
    month_names: tuple[str, ...]  # the full names, January first
    month_abbreviations: tuple[str, ...]  # "jan", "sept"...: every month word that is not a full name
    weekday_abbreviations: tuple[str, ...]

    def month_prefixes(self) -> tuple[str, ...]:
        """The three-letter stems of the months ("jan" .. "dec")."""
        return tuple(name[:3] for name in self.month_names)

    def weekday_prefixes(self) -> tuple[str, ...]:
        """The three-letter stems of the weekdays ("mon" .. "sun")."""
        return tuple(name[:3] for name in self.weekdays)


def alternation(words, title: bool = True) -> str:
    """A regex alternation of ``words`` (longest first, escaped), title-cased unless ``title`` is False."""
    uniq = sorted({w.title() if title else w for w in words}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in uniq)


def calendar(lang: str = DEFAULT_LANG) -> Calendar:
    """The calendar vocabulary of ``lang`` (weekdays, months and their abbreviations)."""
    return load(lang).calendar


def _calendar(vocab: dict, where: str) -> Calendar | None:
    if "weekdays" not in vocab or "months" not in vocab:
        return None
    weekdays = tuple(str(w).lower() for w in vocab["weekdays"])
    months = {str(k).lower(): v for k, v in vocab["months"].items()}
    if len(weekdays) != 7 or sorted(set(months.values())) != list(range(1, 13)):
        raise RulesError("vocab: 'weekdays' needs 7 words and 'months' every month 1-12", where)
    names = tuple(max((w for w, n in months.items() if n == k), key=len) for k in range(1, 13))
    abbrevs = tuple(w for w in months if w not in names)
    return Calendar(weekdays, months, names, abbrevs,
                    tuple(str(w).lower() for w in vocab.get("weekday_abbreviations", ())))


_FLAGS = {"i": re.I, "m": re.M, "s": re.S, "x": re.X}
_WRAPS = {"word": (r"\b(?:", r")\b"), "none": ("", ""), "line": (r"^(?:", r")$"), "start": (r"^(?:", r")"), "end": (r"(?:", r")$"),
          "word_start": (r"\b(?:", r")")}


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(at.group(1)) if at else None)
        raise RulesError(f"not valid TOML: {exc}", str(path), line) from None
    except OSError as exc:
        raise RulesError(f"cannot read: {exc.strerror}", str(path)) from None


def compile_patterns(spec: dict, where: str) -> re.Pattern:
    """One regex from a cue or rule table: its ``patterns`` joined, wrapped, with its flags."""
    pats = spec.get("patterns")
    if not isinstance(pats, list) or not pats or not all(isinstance(p, str) and p for p in pats):
        raise RulesError(f"{where}: 'patterns' must be a non-empty list of strings")
    flags = 0
    for ch in spec.get("flags", "i"):
        if ch not in _FLAGS:
            raise RulesError(f"{where}: unknown flag {ch!r} (use i, m, s, x)")
        flags |= _FLAGS[ch]
    wrap = spec.get("wrap", "word")
    if wrap not in _WRAPS:
        raise RulesError(f"{where}: unknown wrap {wrap!r} (use {', '.join(_WRAPS)})")
    head, tail = _WRAPS[wrap]
    try:
        return re.compile(head + "|".join(pats) + tail, flags)
    except re.error as exc:
        bad = next((p for p in pats if not _compiles(p, flags)), None)
        raise RulesError(f"{where}: bad pattern {bad!r}: {exc}" if bad else f"{where}: {exc}") from None


def _compiles(pattern: str, flags: int) -> bool:
    try:
        re.compile(pattern, flags)
        return True
    except re.error:
        return False


def _line_of(path: Path, needle: str, nth: int = 1) -> int | None:
    """The line of ``path`` where ``needle`` occurs for the ``nth`` time (for errors that name a line)."""
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                nth -= 1
                if nth <= 0:
                    return n
    except OSError:
        return None
    return None


def _outlets(path: Path, data: dict, vocab: dict, cal: Calendar | None) -> OutletScan:
    outlets: list[Outlet] = []
    alts: list[str] = []
    groups: dict[str, tuple[int, bool]] = {}
    specs = data.get("outlet", [])
    if not isinstance(specs, list):
        raise RulesError("'outlet' must be an array of tables ([[outlet]])", str(path))
    seen: set[str] = set()
    decisive_alts: list[str] = []
    for k, spec in enumerate(specs):
        oid, where, line = _unique_id(spec, k, seen, path, "outlet", "outlet")
        if not spec.get("name"):
            raise RulesError(f"{where}: missing name", str(path), line)

        def patterns(key: str) -> list | None:
            pats = spec.get(key)
            return [_expand(p, vocab, cal, where) if isinstance(p, str) else p for p in pats] if isinstance(pats, list) else pats

        try:
            sign = compile_patterns({"patterns": patterns("signs"), "flags": "m", "wrap": "none"}, f"{path.name} {where} signs")
            decisive = None
            if spec.get("decisive") is not None:
                decisive = compile_patterns({"patterns": patterns("decisive"), "flags": "m", "wrap": "none"},
                                            f"{path.name} {where} decisive")
        except RulesError as exc:
            raise RulesError(str(exc), str(path), line) from None
        if decisive is not None:
            decisive_alts.append(f"(?P<d_{oid}>{decisive.pattern})")
            groups[f"d_{oid}"] = (k, True)
        alts.append(f"(?P<s_{oid}>{sign.pattern})")
        groups[f"s_{oid}"] = (k, False)
        outlets.append(Outlet(oid, spec["name"], sign, decisive))
    # decisive marks first: at one position "(AP) -" is taken whole, not as the sign "(AP)"
    regex = guarded("|".join(decisive_alts + alts), re.M) if outlets else re.compile(r"(?!)")
    return OutletScan(tuple(outlets), regex, groups)


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _expand(pattern: str, vocab: dict, cal: Calendar | None, where: str) -> str:
    """``{{name}}`` -> the alternation of a vocabulary (months3, weekdays3 or a [vocab.name] word list)."""
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in ("months3", "weekdays3") and cal is not None:
            return alternation(cal.month_prefixes() if name == "months3" else cal.weekday_prefixes())
        words = vocab.get(name)
        if not isinstance(words, list) or not words:
            raise RulesError(f"{where}: {{{{{name}}}}} names no word list")
        return alternation(words, title=False)
    return _PLACEHOLDER.sub(sub, pattern)


def _unique_id(spec, k: int, seen: set[str], path: Path, label: str, what: str) -> tuple[str, str, int | None]:
    """An entry's id, checked unique (its label and line for errors); recorded in ``seen``."""
    rid = spec.get("id") if isinstance(spec, dict) else None
    where = f"{label} {rid or k + 1}"
    line = _line_of(path, f'"{rid}"', 2 if rid in seen else 1) if isinstance(rid, str) else None
    if not rid or not isinstance(rid, str) or not rid.isidentifier() or rid in seen:
        raise RulesError(f"{where}: every {what} needs a unique id (letters, digits, _)", str(path), line)
    seen.add(rid)
    return rid, where, line


def _line_formats(path: Path, specs, vocab: dict, cal: Calendar | None
                  ) -> tuple[dict[str, re.Pattern], frozenset[str], dict[str, tuple[str, ...]]]:
    if not isinstance(specs, list):
        raise RulesError("'line' must be an array of tables ([[line]])", str(path))
    by_kind: dict[str, list[tuple[str, re.Pattern]]] = {}
    search: dict[str, bool] = {}
    seen: set[str] = set()
    for k, spec in enumerate(specs):
        rid, where, line = _unique_id(spec, k, seen, path, f"{path.name} line", "line rule")
        kind = spec.get("kind")
        if not kind or not isinstance(kind, str):
            raise RulesError(f"{where}: missing kind", str(path), line)
        if search.setdefault(kind, bool(spec.get("search"))) != bool(spec.get("search")):
            raise RulesError(f"{where}: the rules of kind {kind!r} disagree on 'search'", str(path), line)
        pats = spec.get("patterns")
        if isinstance(pats, list):
            pats = [_expand(p, vocab, cal, where) if isinstance(p, str) else p for p in pats]
        try:
            rx = compile_patterns({"patterns": pats, "flags": spec.get("flags", ""), "wrap": spec.get("wrap", "line")}, where)
        except RulesError as exc:
            raise RulesError(str(exc), str(path), line) from None
        by_kind.setdefault(kind, []).append((rid, rx))
    out: dict[str, re.Pattern] = {}
    for kind, rules in by_kind.items():
        if len(rules) == 1:
            pattern, flags = rules[0][1].pattern, rules[0][1].flags
        else:
            parts = []
            for rid, rx in rules:
                fl = "".join(ch for ch, bit in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)) if rx.flags & bit)
                parts.append(f"(?P<{rid}>(?{fl}:{rx.pattern}))" if fl else f"(?P<{rid}>{rx.pattern})")
            pattern, flags = "|".join(parts), 0
        # a kind searched through a line is guarded by its first characters (most positions fail at once)
        out[kind] = guarded(pattern, flags) if search[kind] else re.compile(pattern, flags)
    ids = {kind: tuple(rid for rid, _ in rules) for kind, rules in by_kind.items()}
    return out, frozenset(k for k, v in search.items() if v), ids


def _trigger_rules(path: Path, data: dict) -> list[TriggerRule]:
    rules = []
    seen: set[str] = set()
    for k, spec in enumerate(data.get("rule", [])):
        rid = spec.get("id")
        where = f"{path.name} rule {rid or k + 1}"
        if not rid or rid in seen:
            raise RulesError(f"{where}: every rule needs a unique id", str(path))
        seen.add(rid)
        try:
            tier = Tier[str(spec.get("tier", "")).upper()]
        except KeyError:
            raise RulesError(f"{where}: unknown tier {spec.get('tier')!r} (one of "
                             f"{', '.join(t.name.lower() for t in Tier)})", str(path)) from None
        for key in ("event_type", "sub_event_type"):
            if not spec.get(key):
                raise RulesError(f"{where}: missing {key}", str(path))
        rx = compile_patterns(spec, where)
        rules.append(TriggerRule(rid, tier, spec["event_type"], spec["sub_event_type"], guard(rx),
                                 required_literals(rx.pattern, rx.flags)))
    return rules


@lru_cache(maxsize=4)
def load(lang: str = DEFAULT_LANG, folder: Path | None = None) -> Rulebook:
    """The rulebook of ``lang``, read and compiled once."""
    base = Path(folder) if folder is not None else RULES_DIR / lang
    if not base.is_dir():
        raise RulesError(f"no rules folder for language {lang!r}", str(base))
    triggers: list[TriggerRule] = []
    cues: dict[str, re.Pattern] = {}
    vocab: dict[str, dict | list] = {}
    outlets: OutletScan | None = None
    line_specs: tuple[Path, list] | None = None
    outlet_data: tuple[Path, dict] | None = None
    for path in sorted(base.glob("*.toml")):
        data = _read(path)
        if path.stem == "triggers":
            triggers.extend(_trigger_rules(path, data))
            continue
        if path.stem == "outlets":  # compiled once every vocabulary is read (their patterns name them)
            outlet_data = (path, data)
            line_specs = (path, data.get("line", []))
            data = {k: v for k, v in data.items() if k not in ("outlet", "line")}
        for name, spec in data.items():
            if name == "vocab":
                for vname, table in spec.items():
                    if vname in vocab:
                        raise RulesError(f"vocabulary {vname!r} defined twice", str(path))
                    vocab[vname] = table.get("words", table) if isinstance(table, dict) else table
                continue
            if not isinstance(spec, dict):
                raise RulesError(f"{name!r}: expected a table with 'patterns'", str(path))
            if name in cues:
                raise RulesError(f"cue {name!r} defined twice", str(path))
            cues[name] = guard(compile_patterns(spec, f"{path.name} [{name}]"))
    if not triggers:
        raise RulesError("no trigger rules (triggers.toml)", str(base))
    prefilter = Prefilter({r.id: r.literals for r in triggers})
    cal = _calendar(vocab, str(base))
    lines, line_search, line_ids = _line_formats(*line_specs, vocab, cal) if line_specs else ({}, frozenset(), {})
    outlets = _outlets(*outlet_data, vocab, cal) if outlet_data else None
    return Rulebook(lang, tuple(triggers), cues, vocab, prefilter, outlets, cal, lines, line_search, line_ids)
