"""The bundled sample reports (data/samples/), loaded into an empty store.

They are written in our own words from facts reported by the outlets each
file names, so that a new user sees incidents on the map at once.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from gazetteer import Gazetteer

from .ingest import ingest
from .reading import read_report
from .store import Store

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"


def sample_files(directory: Path = SAMPLES_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*") if p.suffix in (".txt", ".md", ".html"))


def _meta(directory: Path) -> dict:
    path = directory / "samples.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def load_samples(store: Store, gazetteer: Gazetteer, directory: Path = SAMPLES_DIR) -> int:
    """Ingest every sample report; returns the number of incidents added."""
    meta = _meta(directory)
    total = 0
    for path in sample_files(directory):
        info = meta.get(path.name, {})
        published = date.fromisoformat(info["published"]) if info.get("published") else None
        report = read_report(path, source=info.get("source"), published=published)
        report.path = f"data/samples/{path.name}"
        report.title = info.get("title") or report.title
        _, added, n = ingest(store, report, gazetteer)
        total += n if added else 0
    return total


def ensure_samples(store: Store, gazetteer: Gazetteer, directory: Path = SAMPLES_DIR) -> int:
    """Load the samples only when the store has no report at all."""
    if store.count("reports"):
        return 0
    return load_samples(store, gazetteer, directory)
