"""The literal pre-filter of a set of regexes, derived from the regexes themselves.

``required_literals(pattern)`` finds a set of plain strings such that every match
of ``pattern`` contains at least one of them (the idea of RE2's and Hyperscan's
pre-filters). A text that contains none of a rule's literals cannot match the rule,
so one Aho-Corasick pass over a document tells which rules can match which sentence;
most sentences of a live page have none and are skipped. Nothing is kept by hand
beside the rules: change a pattern and its literals follow.

Literals are folded with :func:`gazetteer.text.fold` (lower case, accents, dashes as
spaces), the same length-preserving fold the document is scanned in, so the check
is sound for case-insensitive patterns too.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass

try:  # Python 3.11+: the parser lives in re._parser
    import re._parser as _sre  # type: ignore[import-not-found]
    import re._constants as _c  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

import ahocorasick

from gazetteer.text import fold

MAX_SET = 48  # an exact set larger than this is not expanded further
MIN_USEFUL = 3  # literals shorter than this filter nothing

Exact = "frozenset[str] | None"


def _cross(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > MAX_SET:
        return None
    return frozenset(x + y for x, y in itertools.product(a, b))


def _strength(s: frozenset[str] | None) -> int:
    if s is None or not s:
        return -1
    return min(len(x) for x in s)


@dataclass
class _Info:
    exact: frozenset[str] | None  # every string the node can match, when few and finite
    req: frozenset[str] | None  # every match contains one of these (None: no requirement known)


def _best(cands: list[frozenset[str]]) -> frozenset[str] | None:
    cands = [c for c in cands if c and "" not in c]
    if not cands:
        return None
    return max(cands, key=lambda c: (_strength(c), -len(c)))


def _class_exact(items) -> frozenset[str] | None:
    out: set[str] = set()
    for op, av in items:
        if op == _c.LITERAL:
            out.add(chr(av))
        elif op == _c.RANGE and av[1] - av[0] < 4:
            out.update(chr(x) for x in range(av[0], av[1] + 1))
        else:
            return None
    return frozenset(out)


def _node(op, av) -> _Info:
    if op == _c.LITERAL:
        ch = frozenset({chr(av)})
        return _Info(ch, ch)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT, _c.GROUPREF):
        return _Info(frozenset({""}), None)  # zero width
    if op == _c.IN:
        e = _class_exact(av)
        return _Info(e, e)
    if op == _c.SUBPATTERN:
        return _seq(av[-1])
    if op == _c.BRANCH:
        infos = [_seq(branch) for branch in av[1]]
        exact = None
        if all(i.exact is not None for i in infos):
            union = frozenset().union(*(i.exact for i in infos))
            exact = union if len(union) <= MAX_SET else None
        req = None
        if all(i.req is not None for i in infos):
            req = frozenset().union(*(i.req for i in infos))
        if req is None and exact is not None and "" not in exact:
            req = exact
        return _Info(exact, req)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, body = av
        inner = _seq(body)
        if lo == 0 and hi == 1 and inner.exact is not None:
            return _Info(inner.exact | {""}, None)
        if lo == 1 and hi == 1:
            return inner
        return _Info(None, inner.req if lo >= 1 else None)
    if op == getattr(_c, "ATOMIC_GROUP", None):
        return _seq(av)
    return _Info(None, None)  # ANY, CATEGORY, NOT_LITERAL ...


def _seq(items) -> _Info:
    cands: list[frozenset[str]] = []
    acc: frozenset[str] | None = frozenset({""})
    whole: frozenset[str] | None = frozenset({""})
    for op, av in items:
        info = _node(op, av)
        if info.exact is not None:
            nxt = _cross(acc, info.exact) if acc is not None else None
            if nxt is None:  # too many combinations: close this run, start a new one here
                if acc is not None:
                    cands.append(acc)
                nxt = info.exact
            acc = nxt
            whole = _cross(whole, info.exact) if whole is not None else None
        else:
            if acc is not None:
                cands.append(acc)
            acc = frozenset({""})
            whole = None
            if info.req is not None:
                cands.append(info.req)
    if acc is not None:
        cands.append(acc)
    return _Info(whole, _best(cands))


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Folded strings one of which every match of ``pattern`` contains, or None when there is no such set."""
    req = _seq(_sre.parse(pattern, flags)).req
    if req is None:
        return None
    folded = frozenset(fold(x) for x in req)
    if _strength(folded) < MIN_USEFUL:
        return None
    return folded


class Prefilter:
    """One Aho-Corasick automaton over the literals of many keyed patterns."""

    def __init__(self, literals: dict[str, frozenset[str] | None]):
        self.always = frozenset(k for k, lits in literals.items() if lits is None)
        self._auto = ahocorasick.Automaton()
        owners: dict[str, set[str]] = {}
        for key, lits in literals.items():
            for lit in lits or ():
                owners.setdefault(lit, set()).add(key)
        for lit, keys in owners.items():
            self._auto.add_word(lit, (len(lit), frozenset(keys)))
        if owners:
            self._auto.make_automaton()
        self._empty = not owners

    def scan(self, folded: str) -> list[tuple[int, frozenset[str]]]:
        """``(start, keys)`` of every literal occurrence in ``folded``, in start order."""
        if self._empty:
            return []
        out = [(end - length + 1, keys) for end, (length, keys) in self._auto.iter(folded)]
        out.sort(key=lambda t: t[0])
        return out

    def keys_in(self, folded: str) -> frozenset[str]:
        """Keys of the patterns that can match somewhere in ``folded``."""
        found: set[str] = set(self.always)
        for _, keys in self.scan(folded):
            found |= keys
        return frozenset(found)


def check_sound(pattern: re.Pattern, literals: frozenset[str] | None, text: str) -> bool:
    """Test helper: every match of ``pattern`` in ``text`` contains one of ``literals``."""
    if literals is None:
        return True
    return all(any(lit in fold(m.group()) for lit in literals) for m in pattern.finditer(text) if m.group())


# ------------------------------------------------------------------ first characters
MAX_FIRST = 64  # a pattern that can start with more characters than this gets no guard
_FOLDED = "(?i)"  # prefix of a first character matched ignoring case
_CATEGORIES = {_c.CATEGORY_DIGIT: "\\d", _c.CATEGORY_WORD: "\\w", _c.CATEGORY_SPACE: "\\s"}


def _first_of(items, flags: int) -> tuple[set[str] | None, bool]:
    """(characters a match of the sequence can start with, whether it can match empty); None: unknown."""
    out: set[str] = set()
    for op, av in items:
        chars: set[str] | None
        nullable = False
        if op is _c.AT or op in (_c.ASSERT, _c.ASSERT_NOT):
            continue  # zero width: the next item starts the match
        if op is _c.LITERAL:
            chars = {chr(av)}
        elif op is _c.IN:
            chars = set()
            for iop, iav in av:
                if iop is _c.LITERAL:
                    chars.add(chr(iav))
                elif iop is _c.RANGE and iav[1] - iav[0] < MAX_FIRST:
                    chars.update(chr(x) for x in range(iav[0], iav[1] + 1))
                elif iop is _c.CATEGORY and iav in _CATEGORIES:
                    chars.add(_CATEGORIES[iav])  # kept as its class escape ("\\d")
                else:  # a negated category, a negation, a wide range
                    return None, False
        elif op is _c.SUBPATTERN:
            chars, nullable = _first_of(av[-1], flags | av[1])
        elif op is _c.BRANCH:
            chars, nullable = set(), False
            for alt in av[1]:
                c, n = _first_of(alt, flags)
                if c is None:
                    return None, False
                chars |= c
                nullable = nullable or n
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            chars, nullable = _first_of(av[2], flags)
            nullable = nullable or av[0] == 0
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            chars, nullable = _first_of(av, flags)
        else:  # any character, a back-reference...
            return None, False
        if chars is None:
            return None, False
        if flags & re.I:  # matched ignoring case (U+212A KELVIN SIGN matches "k"): the guard ignores it too
            chars = {c if c.startswith(_FOLDED) or len(c) == 2 else _FOLDED + c for c in chars}
        out |= chars
        if len(out) > MAX_FIRST:
            return None, False
        if not nullable:
            return out, False
    return out, True


def first_chars(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """The characters every match of ``pattern`` starts with (None when unknown, many, or it can match empty).

    Class escapes stay escapes ("\\d"); a character matched ignoring case is written "(?i)x".
    """
    try:
        parsed = _sre.parse(pattern, flags)
    except re.error:
        return None
    chars, nullable = _first_of(list(parsed), flags | parsed.state.flags)
    return None if chars is None or nullable or not chars else frozenset(chars)


def leading_literals(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` starts with (an alternation of words and a class of
    marks: each alternative's leading literal run, each character of a leading class); None: unknown."""
    if pattern.flags & re.I:
        return None

    def of(items) -> set[str] | None:
        items = [it for it in items if not (it[0] is _c.AT or it[0] in (_c.ASSERT, _c.ASSERT_NOT))]
        if not items:
            return None
        op, av = items[0]
        if op is _c.LITERAL:
            run = []
            for op2, av2 in items:
                if op2 is not _c.LITERAL:
                    break
                run.append(chr(av2))
            return {"".join(run)}
        if op is _c.IN:
            if not all(iop is _c.LITERAL for iop, _ in av):
                return None
            return {chr(iav) for _, iav in av}
        if op is _c.SUBPATTERN:
            return of(list(av[-1]))
        if op is _c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                got = of(list(alt))
                if got is None:
                    return None
                out |= got
            return out
        return None

    found = of(list(_sre.parse(pattern.pattern, pattern.flags)))
    return frozenset(found) if found and all(found) else None


def guarded(pattern: str, flags: int = 0) -> re.Pattern:
    """``pattern`` compiled behind a look-ahead of its first characters (the same matches, found faster).

    Python's ``re`` skips ahead on a leading character class but not on an alternation that
    starts with ``\\b`` or a group: with the guard a scan of a text tests one character at
    most positions instead of every alternative.
    """
    chars = first_chars(pattern, flags)
    if chars is None:
        return re.compile(pattern, flags)
    return re.compile(f"(?={char_class(chars, flags)})(?:{pattern})", flags)


def char_class(chars: frozenset[str], flags: int = 0) -> str:
    """A regex of one character of ``chars`` as :func:`first_chars` gives them (class escapes kept, "(?i)x"
    for a character matched ignoring case); under ``re.I`` every one of them ignores case."""
    def cls(cs) -> str:
        return "".join(sorted(c if len(c) == 2 else "\\" + c if c in "-]\\^[" else re.escape(c) for c in cs))

    plain = {c for c in chars if not c.startswith(_FOLDED)}
    folded = {c[len(_FOLDED):] for c in chars if c.startswith(_FOLDED)}
    if flags & re.I:  # the whole pattern ignores case, and so does its class
        plain, folded = plain | folded, set()
    alts = ([f"[{cls(plain)}]"] if plain else []) + ([f"(?i:[{cls(folded)}])"] if folded else [])
    return "|".join(alts)


_LEADING_FLAGS = re.compile(r"\(\?([imsx]+)\)")


def guard(rx: re.Pattern | str, flags: int = 0) -> re.Pattern:
    """:func:`guarded` for a compiled regex (or a pattern string), leading inline flags ("(?i)...")
    included; a pattern the guard cannot wrap is returned compiled as it is."""
    pattern, flags = (rx.pattern, rx.flags) if isinstance(rx, re.Pattern) else (rx, flags)
    lead = _LEADING_FLAGS.match(pattern)
    if lead:
        for ch in lead.group(1):
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[ch]
        pattern = pattern[lead.end():]
    try:
        return guarded(pattern, flags)
    except re.error:
        return rx if isinstance(rx, re.Pattern) else re.compile(pattern, flags)


# ------------------------------------------------------------------ literal gates over one document
def _odd_folds(literals) -> str:
    """Characters a case-insensitive regex matches for a literal's character that fold to something else
    ("ſ" matches "s", "ı" matches "i"): a text holding one is never gated."""
    chars = sorted({ch for lit in literals for ch in lit})
    if not chars:
        return ""
    any_of = re.compile("[" + "".join(re.escape(c) for c in chars) + "]", re.I)
    return "".join(sorted({m.group() for m in any_of.finditer(_probe()) if any(
        fold(m.group()) != fold(ch) for ch in chars if re.fullmatch(re.escape(ch), m.group(), re.I))}))


@functools.lru_cache(maxsize=1)
def _probe() -> str:
    """Every non-ASCII character of the basic plane (ASCII ones fold as re.I matches them)."""
    return "".join(chr(i) for i in range(0x80, 0x10000) if not 0xD800 <= i < 0xE000)


class LiteralGate:
    """The required literals of several named regexes in one automaton (:func:`required_literals`).

    ``gate.index(folded)`` scans a whole folded document once; ``index.possible(name, start, end)``
    then says whether the regex ``name`` can match anywhere inside ``text[start:end]`` — a match
    lies inside its window, and a literal of it inside the match, so a window with no literal
    occurrence of the regex needs no search. Regexes with no literal set are always possible.
    """

    def __init__(self, patterns: dict[str, re.Pattern]):
        lits = {name: required_literals(rx.pattern, rx.flags) for name, rx in patterns.items()}
        self.names = frozenset(patterns)
        self.always = frozenset(n for n, ls in lits.items() if ls is None)
        self._prefilter = Prefilter({n: ls for n, ls in lits.items() if ls is not None})
        odd = _odd_folds(lit for ls in lits.values() if ls for lit in ls)
        self._odd = re.compile(f"[{re.escape(odd)}]") if odd else None

    def index(self, folded: str) -> LiteralIndex:
        if self._odd is not None and self._odd.search(folded):
            return LiteralIndex(self.names, {})  # a character the fold does not equate: search everywhere
        found: dict[str, tuple[list[int], list[int]]] = {}
        for end, (length, keys) in self._prefilter._auto.iter(folded) if not self._prefilter._empty else ():
            for key in keys:
                starts, ends = found.setdefault(key, ([], []))
                starts.append(end - length + 1)
                ends.append(end + 1)
        for starts, ends in found.values():  # in end order from the automaton; looked up by start
            order = sorted(range(len(starts)), key=starts.__getitem__)
            starts[:], ends[:] = [starts[i] for i in order], [ends[i] for i in order]
        return LiteralIndex(self.always, found)


class LiteralIndex:
    """Where each gated regex's literals occur in one document (see :class:`LiteralGate`)."""

    def __init__(self, always: frozenset[str], found: dict[str, tuple[list[int], list[int]]]):
        self._always = always
        self._found = found
        merged = sorted((s, e, name) for name, (starts, ends) in found.items() for s, e in zip(starts, ends))
        self._starts = [s for s, _, _ in merged]  # every name's occurrences, by start
        self._rest = [(e, name) for _, e, name in merged]

    def possible(self, name: str, start: int, end: int) -> bool:
        """Can regex ``name`` match inside ``text[start:end]``?"""
        if name in self._always:
            return True
        hits = self._found.get(name)
        if hits is None:
            return False
        starts, ends = hits
        i = bisect.bisect_left(starts, max(0, start))
        while i < len(starts) and starts[i] < end:
            if ends[i] <= end:
                return True
            i += 1
        return False

    def names_in(self, names, start: int, end: int) -> frozenset[str]:
        """Those of ``names`` that can match inside ``text[start:end]``."""
        out = [n for n in names if n in self._always]
        i = bisect.bisect_left(self._starts, max(0, start))
        while i < len(self._starts) and self._starts[i] < end:
            e, name = self._rest[i]
            if e <= end and name in names:
                out.append(name)
            i += 1
        return frozenset(out)
