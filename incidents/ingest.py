"""Adding reports to the store: extraction plus one transaction per report."""
from __future__ import annotations

from gazetteer import Gazetteer

from .extract import extract
from .model import Report
from .store import Store


def ingest(store: Store, report: Report, gazetteer: Gazetteer) -> tuple[int, bool, int]:
    """Extract and save one report. Returns ``(report_id, added, n_incidents)``.

    Idempotent: the same text is stored once (``added`` is False the second
    time and nothing changes). Atomic: extraction happens before the
    transaction, and the report, its entries and incidents are written in one.
    """
    existing = store.has_report(report.hash)
    if existing is not None:
        return existing, False, store.conn.execute(
            "SELECT count(*) FROM incidents WHERE report_id = ?", (existing,)).fetchone()[0]
    result = extract(report, gazetteer)
    rid, added = store.save(report, result.entries, result.incidents)
    return rid, added, len(result.incidents)
