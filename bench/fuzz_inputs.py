"""Bad inputs for the fuzz test (tests/test_fuzz.py) and the long fuzz run (bench/fuzz.py).

``inputs(seed, n)`` yields ``n`` :class:`FuzzInput` s, deterministic per seed, cycling through
the families in :data:`FAMILIES`:

* ``random_bytes``, ``random_text`` (any code point, surrogates and NUL included);
* ``byte_flips``, ``truncation``, ``shuffled`` paragraphs of the project's own sample texts
  (``data/samples``, ``tests/fixtures/cases``; never ``../shared``);
* ``unicode`` inserted into them (RTL and isolate marks, ZWJ, BOM, Arabic, emoji, NUL, lone
  surrogates, line/paragraph separators, Arabic-Indic and full-width digits);
* ``huge_numbers`` ("killing 99999999999999999999", 5,000-digit counts), ``odd_dates``
  ("Oct. 7, 1900", "Feb. 30, 2024", "10000 weeks ago", "Published 12/31/2099", year 0, and
  publication dates at the ends of the accepted range);
* ``html`` (nesting, unclosed tags and comments, odd entities), ``markdown``,
  ``long_lines``, ``runs`` of whitespace and punctuation;
* ``shaped``: lines built against each structure the pipeline looks for (datelines, time and
  date stamps, bylines, captions and credits, list headers, bullets, counts, dates), pumped
  and broken;
* ``pumped``: for every compiled regular expression of the pipeline's modules, a string that
  matches it with one of its repeats pumped many times and a character that breaks the match
  at the end (the classic shape of catastrophic backtracking).

``big`` inputs (1-5 MB) are only produced on request (``big=True``: the long run).
"""
from __future__ import annotations

import importlib
import random
import re
import re._constants as C
import re._parser as P
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAMILIES = ("random_bytes", "random_text", "byte_flips", "truncation", "shuffled", "unicode", "huge_numbers",
            "odd_dates", "html", "markdown", "long_lines", "runs", "shaped", "pumped")
PATTERN_MODULES = ("incidents.entries", "incidents.sentences", "incidents.reading", "incidents.dates",
                   "incidents.events", "incidents.casualties", "incidents.clauses", "incidents.places",
                   "incidents.extract", "gazetteer.candidates", "gazetteer.text")


@dataclass(frozen=True)
class FuzzInput:
    id: str
    family: str
    data: bytes | str  # bytes are decoded as a file would be; str is pasted text
    filename: str  # its suffix says how it is read: .txt, .md, .html
    published: date | None

    @property
    def size(self) -> int:
        return len(self.data)


def sample_texts() -> list[str]:
    """The project's own sample texts (written by us), the seeds of most families."""
    paths = sorted((ROOT / "data" / "samples").glob("*.txt")) + sorted((ROOT / "tests" / "fixtures" / "cases").glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths]


UNICODE_POOL = ["\u200f", "\u200e", "\u202e", "\u202b", "\u2066", "\u2069", "\u200d", "\u200c", "\ufeff", "\u00ad",
                "غزة", "خان يونس", "قُتل", "💥", "👨\u200d👩\u200d👧", "🇵🇸", "\x00", "\ud800", "\udfff", "\udc80\ud800",
                "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\r", "\u0301", "e\u0301", "١٢", "٣ قتلى", "１２", "²", "\t",
                "\u00a0", "\u3000", "\U0010ffff", "\ufffd"]
DATES_POOL = ["Oct. 7, 1900", "Feb. 30, 2024", "10000 weeks ago", "99999999999999999999 days ago", "Published 12/31/2099",
              "Updated 12/31/2099 10:00", "0000-00-00", "2024-02-30", "9999-12-31", "Jan 1, 0001", "year 0",
              "Thu 3 Oct 2099 07.05 BST", "31/02/2024", "Monday, Feb. 29, 2023", "in 1899", "since 2099",
              "last month", "GAZA, March 4, 2099 (Reuters) - ", "early Thursday", "overnight into Sunday",
              "4 Oct 1900 - 23:59 GMT", "Feb 7, 2024", "2h ago"]
NUMBERS_POOL = ["99999999999999999999", "1" + "0" * 400, "9" * 5000, "-5", "1e309", "٣٣٣", "18446744073709551616",
                "9,999,999,999,999", "0", "00000000007", "twenty-one thousand", "dozens of thousands of millions"]
PUBLISHED_POOL = [None, None, None, date(2024, 2, 7), date(1900, 1, 1), date(2100, 12, 31), date(1900, 1, 7),
                  date.today(), date(1, 1, 1), date(9999, 12, 31)]
SHAPES = [
    "RAFAH, Gaza Strip — ", "BEIRUT (AP) — ", "GAZA CITY, Gaza Strip (Reuters) - ", "GAZA, March 4 (Reuters) - ",
    "Gaza City (Palestinian Territories) (AFP) - ", "UNITED NATIONS – ", "12:30", "14.05 GMT", "10:32 a.m. ET",
    "Updated 3:05 PM EST, Wed February 7, 2024", "2h ago", "5 Jun 2024 - 10:15 GMT", "09:15 - ", "Published ",
    "Posted on: ", "By Jane Doe and ", "From CNN's Jane Doe in ", "Link Copied!", "View All (6)",
    "Here's the latest:", "Key events", "What we covered here", "(AP Photo/Someone)", "Photograph: Someone/Reuters",
    "[Someone/Anadolu]", "Image caption, ", "(Photo: Emergency Services)", "Ahmed Saad/Reuters", "Maxar Technologies",
    "- ", "• ", "1) ", "Gaza: ", "Associated Press writers ", " contributed.", "killing ", "were killed",
    "at least 22 people were killed", ", including 12 in a strike on ", "and another strike hit ", "dozens", "killed",
    "wounded", "an airstrike hit ", "in Rafah", "Khan Younis", "the town of Khiam", "on Wednesday", "Oct. 7", "Feb. 7, 2024",
    "days after", "in retaliation for", "would", "the death toll from the strike rose to ", "'s health ministry",
]
RUNS = [" ", "\t", "\n", "\n ", " \n", ".", "!", "?", "…", "!?", ",", ";", ":", "—", "-", "*", "#", "|", "\"", "'",
        "(", ")", "[", "]", "<", ">", "&", "/", "_", "=", "~", "0", "9", "a", "A", "Ab ", "and ", ". ", ", ", " .",
        "12:30 ", "By ", "\u00a0", "\u200b"]
HTML_BITS = ["<div>", "</div>", "<p>", "</p>", "<script>", "</script>", "<style>", "<!--", "-->", "<![CDATA[", "]]>",
             "<br>", "<br/>", "<figcaption>", "</figcaption>", "<a href='", "'>", "&amp;", "&#xD800;", "&#0;",
             "&#x110000;", "&#99999999999;", "&nbsp;", "&", "<", ">", "</", "<!doctype html>", "<html>", "<p",
             "<svg><svg><svg>", "<table><tr><td>", "<time datetime='9999-12-31'>", "<iframe>", "<template>"]
MD_BITS = ["# ", "## ", "**", "__", "*", "![", "](", "[", "]", "(", ")", "---", "***", "- ", "+ ", "> ", "```", "\n \n"]


def _pick_seed(rnd: random.Random, seeds: list[str]) -> str:
    return rnd.choice(seeds)


def _insert(rnd: random.Random, text: str, pieces: list[str], k: int) -> str:
    chunks = list(text)
    for _ in range(k):
        chunks.insert(rnd.randrange(len(chunks) + 1), rnd.choice(pieces))
    return "".join(chunks)


def _run(rnd: random.Random, length: int) -> str:
    unit = rnd.choice(RUNS) if rnd.random() < 0.8 else "".join(rnd.choice(RUNS) for _ in range(rnd.randint(2, 4)))
    return unit * max(1, length // len(unit))


def _size(rnd: random.Random, small: int = 2000, large: int = 60_000) -> int:
    return rnd.randint(1, small) if rnd.random() < 0.8 else rnd.randint(small, large)


# ------------------------------------------------------------------------ families
def _random_bytes(rnd, seeds):
    return rnd.randbytes(_size(rnd)), ".txt"


def _random_text(rnd, seeds):
    n = _size(rnd, 1000, 20_000)
    if rnd.random() < 0.5:
        return "".join(chr(rnd.randrange(0x110000)) for _ in range(n)), ".txt"
    alphabet = "aAbB .,;:!?\n\t—-'\"()[]0123456789" + "".join(UNICODE_POOL)
    return "".join(rnd.choice(alphabet) for _ in range(n)), ".txt"


def _byte_flips(rnd, seeds):
    data = bytearray(_pick_seed(rnd, seeds).encode("utf-8"))
    for _ in range(rnd.randint(1, 50)):
        i = rnd.randrange(len(data))
        data[i] = data[i] ^ (1 << rnd.randrange(8)) if rnd.random() < 0.7 else rnd.randrange(256)
    return bytes(data), rnd.choice([".txt", ".txt", ".md", ".html"])


def _truncation(rnd, seeds):
    data = _pick_seed(rnd, seeds).encode("utf-8")
    a = rnd.randrange(len(data))
    b = rnd.randrange(a, len(data) + 1) if rnd.random() < 0.5 else len(data)
    return data[a:b] if rnd.random() < 0.5 else data[:b], ".txt"


def _shuffled(rnd, seeds):
    paras = _pick_seed(rnd, seeds).split("\n")
    rnd.shuffle(paras)
    if rnd.random() < 0.3:
        paras = paras * rnd.randint(2, 5)  # a page pasted twice
    return "\n".join(paras), ".txt"


def _unicode(rnd, seeds):
    return _insert(rnd, _pick_seed(rnd, seeds), UNICODE_POOL, rnd.randint(1, 200)), ".txt"


def _huge_numbers(rnd, seeds):
    text = _pick_seed(rnd, seeds)
    text = re.sub(r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|dozens)\b",
                  lambda m: rnd.choice(NUMBERS_POOL) if rnd.random() < 0.5 else m.group(), text)
    n = rnd.choice(NUMBERS_POOL)
    return text + rnd.choice([f"\nAn airstrike hit Rafah on Wednesday, killing {n} people.\n",
                              f"\nRAFAH, Gaza Strip — {n} people were killed in a strike on Wednesday.\n",
                              f"\nThe death toll from the strike in Khan Younis rose to {n}.\n",
                              f"\nA shelling of Jabalia wounded {n} and killed {n}.\n"]), ".txt"


def _odd_dates(rnd, seeds):
    text = _insert(rnd, _pick_seed(rnd, seeds), [f" {d} " for d in DATES_POOL] + [f"\n{d}\n" for d in DATES_POOL],
                   rnd.randint(1, 30))
    return text, ".txt"


def _html(rnd, seeds):
    text = _pick_seed(rnd, seeds)
    if rnd.random() < 0.3:
        depth = rnd.randint(100, 20_000)
        tag = rnd.choice(["div", "p", "span", "section", "b", "svg", "script", "table"])
        return f"<{tag}>" * depth + text[:2000] + f"</{tag}>" * rnd.randint(0, depth), ".html"
    words = text.split(" ")
    out = [w if rnd.random() < 0.8 else rnd.choice(HTML_BITS) + w for w in words]
    return "<html><body>" + " ".join(out), rnd.choice([".html", ".htm", ".txt"])


def _markdown(rnd, seeds):
    text = _insert(rnd, _pick_seed(rnd, seeds), MD_BITS, rnd.randint(10, 400))
    if rnd.random() < 0.3:
        text += rnd.choice(MD_BITS) * rnd.randint(1000, 40_000)
    return text, ".md"


def _long_lines(rnd, seeds):
    text = _pick_seed(rnd, seeds).replace("\n", " ")
    return text * rnd.randint(1, 8), ".txt"


def _runs(rnd, seeds):
    text = _pick_seed(rnd, seeds)
    for _ in range(rnd.randint(1, 4)):
        i = rnd.randrange(len(text) + 1)
        text = text[:i] + _run(rnd, _size(rnd, 3000, 50_000)) + text[i:]
    return text, ".txt"


def _shaped(rnd, seeds):
    lines = []
    for _ in range(rnd.randint(1, 12)):
        parts = [rnd.choice(SHAPES) for _ in range(rnd.randint(1, 6))]
        if rnd.random() < 0.5:  # pumped: one part many times
            k = rnd.randrange(len(parts))
            parts[k] = parts[k] * rnd.randint(10, 3000)
        if rnd.random() < 0.5:  # broken: a run inside, or a character no pattern ends on
            parts.insert(rnd.randrange(len(parts) + 1), _run(rnd, rnd.randint(1, 5000)))
        lines.append("".join(parts) + rnd.choice(["", "!", "\x00", " x", ".", "…", " (", "—"]))
    head = _pick_seed(rnd, seeds)[: rnd.randint(0, 3000)] if rnd.random() < 0.5 else "Page title\n"
    return head + "\n".join(lines) + "\n", ".txt"


_PUMPABLE: list[tuple[str, re.Pattern]] | None = None


def pipeline_patterns() -> list[tuple[str, re.Pattern]]:
    """Every compiled regular expression at module level in :data:`PATTERN_MODULES`."""
    global _PUMPABLE
    if _PUMPABLE is None:
        found: list[tuple[str, re.Pattern]] = []
        for modname in PATTERN_MODULES:
            mod = importlib.import_module(modname)
            for name, value in sorted(vars(mod).items()):
                items = value if isinstance(value, (list, tuple)) else [value]
                for item in items:
                    for p in (item if isinstance(item, tuple) else (item,)):
                        if isinstance(p, re.Pattern):
                            found.append((f"{modname}.{name}", p))
        _PUMPABLE = found
    return _PUMPABLE


def pumped_string(pattern: re.Pattern, rnd: random.Random, k: int, killer: str = "!") -> str:
    """A string built from ``pattern``'s own parts, with one of its repeats taken ``k`` times."""
    tree = list(P.parse(pattern.pattern, pattern.flags))
    reps = list(_repeats(tree))
    if not reps:
        return _Gen().seq(tree) + killer
    node, path = rnd.choice(reps)
    return _Gen(pump=node, k=k, choices=dict(path)).seq(tree) + killer


def _pumped(rnd, seeds):
    pats = pipeline_patterns()
    lines = []
    for _ in range(rnd.randint(1, 4)):
        _, p = rnd.choice(pats)
        line = pumped_string(p, rnd, rnd.choice([10, 50, 200, 1000, 5000]), rnd.choice(["", "!", "\n", " ", "\x00", "a"]))
        lines.append(line * rnd.choice([1, 1, 3]))
    head = _pick_seed(rnd, seeds)[: rnd.randint(0, 2000)] if rnd.random() < 0.5 else ""
    return head + "\n" + "\n".join(lines), ".txt"


def _pick_class(items) -> str:
    neg = any(op == C.NEGATE for op, _ in items)
    chars = []
    for op, av in items:
        if op == C.LITERAL:
            chars.append(chr(av))
        elif op == C.RANGE:
            chars.append(chr(av[0]))
        elif op == C.CATEGORY:
            chars.append({C.CATEGORY_DIGIT: "1", C.CATEGORY_WORD: "a", C.CATEGORY_SPACE: " ",
                          C.CATEGORY_NOT_DIGIT: "a", C.CATEGORY_NOT_WORD: " ", C.CATEGORY_NOT_SPACE: "a"}.get(av, "a"))
    if neg:
        return next((c for c in "a A1 .,x-\n" if c not in chars), "~")
    return chars[0] if chars else "a"


class _Gen:
    """A sample string of a parsed pattern (first alternatives, fewest repeats; one repeat pumped)."""

    def __init__(self, pump=None, k: int = 1, choices: dict | None = None):
        self.pump, self.k, self.choices, self.groups = pump, k, choices or {}, {}

    def seq(self, items) -> str:
        return "".join(self.item(it) for it in items)

    def item(self, it) -> str:
        op, av = it
        if op == C.LITERAL:
            return chr(av)
        if op == C.NOT_LITERAL:
            return "a" if chr(av) != "a" else "b"
        if op == C.ANY:
            return "a"
        if op == C.IN:
            return _pick_class(av)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            if it is self.pump:
                return self.seq(sub) * self.k
            return self.seq(sub) * (lo if lo else (1 if hi else 0))
        if op == C.BRANCH:
            return self.seq(av[1][self.choices.get(id(it), 0)])
        if op == C.SUBPATTERN:
            s = self.seq(av[3])
            if av[0]:
                self.groups[av[0]] = s
            return s
        if op == C.ATOMIC_GROUP:
            return self.seq(av)
        if op == C.GROUPREF:
            return self.groups.get(av, "")
        if op == C.GROUPREF_EXISTS:
            return self.seq(av[1])
        return ""  # anchors and look-arounds consume nothing


def _repeats(items, path=()):
    for it in items:
        op, av = it
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            if av[1] == C.MAXREPEAT or av[1] >= 8:
                yield it, path
            yield from _repeats(av[2], path)
        elif op == C.BRANCH:
            for i, alt in enumerate(av[1]):
                yield from _repeats(alt, path + ((id(it), i),))
        elif op == C.SUBPATTERN:
            yield from _repeats(av[3], path)
        elif op == C.ATOMIC_GROUP:
            yield from _repeats(av, path)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            yield from _repeats(av[1], path)


def _live_page(n: int, seeds, one_day: bool = False) -> str:
    """One long live page of distinct posts (bench/make_corpus.py's synthetic reports, one after another).

    ``one_day``: every post of the same day, as on a real live page (the hardest case for dedupe).
    """
    import make_corpus

    w, parts, size = make_corpus.Writer(7), [], 0
    days = make_corpus.DAYS
    try:
        make_corpus.DAYS = 1 if one_day else days
        while size < n:
            text = w.report()[2]
            parts.append(text)
            size += len(text)
    finally:
        make_corpus.DAYS = days
    return "\n".join(parts)[:n]


BIG_SHAPES = {
    "one live page of distinct posts": _live_page,
    "one-day live page of distinct posts": lambda n, seeds: _live_page(n, seeds, one_day=True),
    "sample pages repeated": lambda n, seeds: ("\n".join(seeds) * (n // len("\n".join(seeds)) + 1))[:n],
    "trigger words, one per line": lambda n, seeds: "Title\n" + "killed\nstrike\nshelling\nraid\n" * (n // 30),
    "repeated 'killed'": lambda n, seeds: "Title\n" + "killed " * (n // 7),
    "'killed N' without punctuation": lambda n, seeds: "Title\n" + "".join(f"killed {i} " for i in range(n // 12)),
    "dots": lambda n, seeds: "Title\nAn airstrike killed two people in Rafah" + "." * n,
    "newline-space runs (.md)": lambda n, seeds: "\n " * (n // 2),
    "'12:30' + spaces": lambda n, seeds: "Title\n12:30" + " " * n + "x\n",
    "one line, no punctuation": lambda n, seeds: "Title\n" + "an airstrike killed people in Rafah " * (n // 36),
    "one strike sentence per line": lambda n, seeds: "Title\n" + "".join(
        f"An Israeli airstrike hit Rafah on Wednesday, killing {i % 50} people.\n" for i in range(n // 70)),
}


def _big(rnd, seeds, n: int) -> tuple[str, str]:
    name = rnd.choice(sorted(BIG_SHAPES))
    text = BIG_SHAPES[name](n, seeds)
    return text, ".md" if name.endswith("(.md)") else ".txt"


_MAKERS = {name: globals()["_" + name] for name in FAMILIES}


def inputs(seed: int, n: int, families: tuple[str, ...] = FAMILIES, big: bool = False):
    """``n`` fuzz inputs, deterministic for ``seed``, cycling through ``families``."""
    rnd = random.Random(seed)
    seeds = sample_texts()
    for i in range(n):
        family = families[i % len(families)]
        if big and i % 400 == 399:
            family = "big"
            data, suffix = _big(rnd, seeds, rnd.choice([1_000_000, 2_000_000, 5_000_000]))
        else:
            data, suffix = _MAKERS[family](rnd, seeds)
        if isinstance(data, str) and rnd.random() < 0.3:
            try:
                data = data.encode("utf-8")  # through decoding, as an upload or a file is read
            except UnicodeEncodeError:
                pass  # surrogates: only as pasted text
        published = rnd.choice(PUBLISHED_POOL) if family in ("odd_dates", "random_text", "shaped") else \
            rnd.choice(PUBLISHED_POOL[:8])
        yield FuzzInput(f"{seed}-{i}-{family}", family, data, f"input{suffix}", published)
