"""Outlet and publication date inferred from the text alone, over every evaluation case (floors below today's)."""
from __future__ import annotations

import json
from pathlib import Path

from incidents.reading import read_report

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALIASES = {"associated press": "ap", "france 24": "afp", "anadolu agency": "anadolu"}
# today: outlet 37/40 (27 before the outlets' house formats and mastheads), publication date 34/40 (32 before the date lines at the top of the page)
FLOORS = {"source": 0.9, "published": 0.82}


def _outlet(name: str) -> str:
    n = (name or "").lower().strip()
    n = n[4:] if n.startswith("the ") else n
    n = n.split(" (")[0]
    return ALIASES.get(n, n)


def test_outlet_and_publication_date_inferred_from_the_text():
    n = source_ok = published_ok = 0
    wrong = []
    for js in sorted(FIXTURES.glob("*/*.json")):
        txt = js.with_suffix(".txt")
        if not txt.exists():
            continue
        meta = json.loads(js.read_text(encoding="utf-8"))
        rep = read_report(txt)
        n += 1
        s_ok = bool(rep.source) and _outlet(rep.source) == _outlet(meta.get("source", ""))
        p_ok = (rep.published.isoformat() if rep.published else None) == meta.get("published")
        source_ok += s_ok
        published_ok += p_ok
        if not (s_ok and p_ok):
            wrong.append(f"{txt.name}: source {rep.source!r} (coded {meta.get('source')!r}), published {rep.published} "
                         f"(coded {meta.get('published')})")
    got = {"source": source_ok / n, "published": published_ok / n}
    print(f"\n{n} cases: outlet {source_ok}/{n}, publication date {published_ok}/{n}\n" + "\n".join(wrong))
    assert all(got[k] >= floor for k, floor in FLOORS.items()), (got, wrong)
