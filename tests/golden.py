"""Golden outputs: the full ``extract`` output of every evaluation text, stored and compared.

Every case of the tuning set, both held-out sets, the two real seed pages and the
real reports of ``../shared/eval`` is extracted exactly as ``python -m incidents
extract FILE [--published P --source S]`` does (GeoNames fallback on), and the
JSON Lines are compared with ``tests/golden/<set>/<name>.jsonl``. Any change to
extraction shows up as a readable diff; ``pytest --update-golden`` rewrites the files
once the change is intended.

Texts that belong to their publishers (``../shared/seeds``, ``../shared/eval``) must
not be copied into the project, so for them every field taken from the text
(excerpt, dateline, count phrases, ``why`` phrases) is stored as a short hash with its
offsets; the diff printer reads the text from ``../shared`` to show what changed.
"""
from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
GOLDEN_DIR = ROOT / "tests" / "golden"

# fields whose value is text copied from the report
TEXT_FIELDS = ("excerpt", "dateline", "fatalities_text", "injuries_text")


@dataclass(frozen=True)
class GoldenCase:
    set: str
    name: str
    path: Path
    published: date | None
    source: str | None
    owned: bool  # the project wrote the text: it may be stored in full

    @property
    def golden(self) -> Path:
        return GOLDEN_DIR / self.set / f"{self.name}.jsonl"

    @property
    def id(self) -> str:
        return f"{self.set}/{self.name}"


def _fixture_cases(folder: str) -> list[GoldenCase]:
    out = []
    for txt in sorted((FIXTURES / folder).glob("*.txt")):
        meta = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
        pub = meta.get("published")
        out.append(GoldenCase(folder, txt.stem, txt, date.fromisoformat(pub) if pub else None,
                              meta.get("source"), True))
    return out


def cases() -> list[GoldenCase]:
    out = _fixture_cases("cases") + _fixture_cases("heldout") + _fixture_cases("heldout2")
    for txt in sorted((SHARED / "seeds").glob("*.txt")):
        out.append(GoldenCase("seeds", txt.stem, txt, None, None, False))  # source and date inferred, as a user runs it
    gold = SHARED / "eval" / "gold.json"
    if gold.exists():
        docs = json.loads(gold.read_text(encoding="utf-8"))["docs"]
        for doc_id, doc in sorted(docs.items()):
            path = SHARED / "eval" / "texts" / Path(doc["file"]).name
            out.append(GoldenCase("eval", doc_id, path, date.fromisoformat(doc["published"]), doc["source"], False))
    return out


@lru_cache(maxsize=1)
def _gazetteer():
    from gazetteer import Gazetteer

    return Gazetteer.load(user=FIXTURES / "no-such-user-file.csv", fallback=True)


def _short(text: str) -> str:
    return "sha1:" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


WHY_TEXT_KEYS = ("text", "phrase", "surface", "expression")  # keys inside ``why`` whose values are report text


def _scrub(value, copied: bool = True):
    """Text from a report we do not own, replaced by its hash (inside ``why``: the values of WHY_TEXT_KEYS)."""
    if isinstance(value, str):
        return _short(value) if value and copied else value
    if isinstance(value, list):
        return [_scrub(v, copied) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, k in WHY_TEXT_KEYS) for k, v in value.items()}
    return value


def copied_text(value, key: str = "") -> list[str]:
    """Strings inside ``why`` at WHY_TEXT_KEYS (for the check that nothing is stored in clear)."""
    if isinstance(value, str):
        return [value] if key in WHY_TEXT_KEYS and value else []
    if isinstance(value, list):
        return [s for v in value for s in copied_text(v, key)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in copied_text(v, k)]
    return []


def extract_records(case: GoldenCase) -> list[dict]:
    """What ``python -m incidents extract`` prints for the case, one dict per line."""
    from incidents.cli import incident_record
    from incidents.extract import extract
    from incidents.reading import read_report

    report = read_report(case.path, source=case.source, published=case.published)
    records = [incident_record(inc) for inc in extract(report, _gazetteer()).incidents]
    if not case.owned:
        for rec in records:
            for key in TEXT_FIELDS:
                if key in rec:
                    rec[key] = _scrub(rec[key])
            if "why" in rec:
                rec["why"] = _scrub(rec["why"], copied=False)
    return records


def dumps(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)


def load(case: GoldenCase) -> list[dict] | None:
    if not case.golden.exists():
        return None
    return [json.loads(line) for line in case.golden.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(case: GoldenCase, records: list[dict]) -> None:
    case.golden.parent.mkdir(parents=True, exist_ok=True)
    case.golden.write_text(dumps(records), encoding="utf-8")


def _readable(case: GoldenCase, records: list[dict]) -> list[str]:
    """One block per incident: its key fields, then the excerpt read back from the text."""
    text = _text(case.path) if not case.owned else ""
    lines = []
    for r in records:
        head = (f"{r.get('date')} {r.get('place')} ({r.get('place_id')}, p{r.get('geo_precision')}) "
                f"{r.get('sub_event_type')} killed={r.get('fatalities')} hurt={r.get('injuries')} "
                f"[{r.get('start')}:{r.get('end')}] src={r.get('source')} pub={r.get('published')}")
        excerpt = r.get("excerpt", "")
        if not case.owned and isinstance(r.get("start"), int):
            excerpt = text[r["start"]:r["end"]]
        lines.append(head)
        lines.append("    " + " ".join(str(excerpt).split())[:300])
        rest = {k: v for k, v in r.items() if k not in ("excerpt",)}
        lines.append("    " + json.dumps(rest, ensure_ascii=False, sort_keys=True))
    return lines


@lru_cache(maxsize=64)
def _text(path: Path) -> str:
    from incidents.reading import read_report

    return read_report(path).text


def diff(case: GoldenCase, expected: list[dict], actual: list[dict]) -> str:
    return "\n".join(difflib.unified_diff(_readable(case, expected), _readable(case, actual),
                                          f"golden {case.id}", f"now {case.id}", lineterm="", n=1))
