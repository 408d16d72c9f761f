"""The dataset layout: partitions, ids, the write lock and runs that stop half-way."""
from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from incidents.parquet import (COMMIT, RUNS, Dataset, DatasetError, merge_pieces, month_of, report_id_for,
                               row_id_for, to_table, write_file)


def _incident(h: str, seq: int, day: str | None) -> dict:
    return {"id": row_id_for("incidents", h, seq), "report_id": report_id_for(h), "report_hash": h, "seq": seq,
            "date": day, "place": "Rafah", "place_id": "rafah", "lat": 31.3, "lon": 34.25, "mentions": "[]"}


def test_months_and_ids():
    assert month_of(date(2024, 2, 7)) == month_of("2024-02-07") == "2024-02"
    assert month_of(None) == month_of("") == "undated"
    assert report_id_for("ab" * 32) == report_id_for("ab" * 32) > 0
    assert row_id_for("incidents", "ab", 0) != row_id_for("incidents", "ab", 1) != row_id_for("entries", "ab", 1)
    assert 0 < row_id_for("incidents", "x", 3) < 2 ** 63


def test_merge_drops_duplicates_and_sorts(tmp_path):
    rows = [_incident("h2", 0, "2024-02-09"), _incident("h1", 1, "2024-02-08"), _incident("h1", 0, "2024-02-08")]
    t = to_table(rows, "incidents").append_column("_order", pa.array([5, 1, 1], pa.int64()))
    write_file(t, tmp_path / "a.parquet")
    write_file(to_table([_incident("h2", 0, "2024-02-09")], "incidents").append_column(
        "_order", pa.array([2], pa.int64())), tmp_path / "b.parquet")
    merged = merge_pieces([tmp_path / "a.parquet", tmp_path / "b.parquet"], "incidents", {("h2", 5)})
    assert [(r["report_hash"], r["seq"]) for r in merged.to_pylist()] == [("h1", 0), ("h1", 1), ("h2", 0)]
    assert "_order" not in merged.column_names and not list(tmp_path.glob(".*tmp"))


def test_one_writer_at_a_time_and_unfinished_runs_are_dropped(tmp_path):
    ds = Dataset(tmp_path / "ds")
    lock = ds.open_for_writing()
    with pytest.raises(DatasetError, match="another batch or export is writing"):
        Dataset(tmp_path / "ds").open_for_writing()
    run = ds.new_run()
    write_file(to_table([_incident("h", 0, "2024-02-08")], "incidents"), run.final_path("incidents", "2024-02"))
    lock.release()
    lock = ds.open_for_writing()  # the run never wrote COMMIT: it is removed, nothing is moved
    assert not (ds.root / RUNS).exists() and ds.files("incidents") == []
    run = ds.new_run()
    write_file(to_table([_incident("h", 0, "2024-02-08")], "incidents"), run.final_path("incidents", "2024-02"))
    write_file(to_table([_incident("h", 1, None)], "incidents"), run.final_path("incidents", "undated"))
    assert run.commit() == 2
    assert [p.parent.name for p in ds.files("incidents")] == ["month=2024-02", "month=undated"]
    lock.release()


def test_a_commit_cut_short_is_finished_on_the_next_open(tmp_path):
    ds = Dataset(tmp_path / "ds")
    with ds.open_for_writing():
        run = ds.new_run()
        for m in ("2024-01", "2024-02"):
            write_file(to_table([_incident("h" + m, 0, m + "-03")], "incidents"), run.final_path("incidents", m))
        (run.dir / COMMIT).write_text('{"run": "%s", "moves": ["incidents/month=2024-01/part-%s.parquet", '
                                      '"incidents/month=2024-02/part-%s.parquet"]}' % (run.id, run.id, run.id))
    assert ds.files("incidents") == []
    with ds.open_for_writing():
        assert len(ds.files("incidents")) == 2 and not (ds.root / RUNS).exists()


def test_a_dataset_of_another_layout_is_refused(tmp_path):
    ds = Dataset(tmp_path)
    ds.write_manifest({"layout": 99})
    with pytest.raises(DatasetError, match="layout 99"):
        ds.open_for_writing()
