from incidents.samples import ensure_samples, sample_files
from incidents.store import Store


def test_samples_load_into_an_empty_store_once(tmp_path, gazetteer):
    files = sample_files()
    assert len(files) >= 2
    with Store(tmp_path / "s.db") as store:
        n = ensure_samples(store, gazetteer)
        assert n >= 8
        assert ensure_samples(store, gazetteer) == 0
        incs = store.incidents()
        dates = {i["date"][:7] for i in incs}
        assert {"2024-01", "2024-02"} <= dates  # a slider over more than one month
        assert any(i["place_id"] == "rafah" for i in incs)
        assert {r["source"] for r in store.reports()} == {"AP (sample)", "CNN (sample)"}


def test_samples_are_our_own_words(seeds):
    """No sentence of the copyrighted seeds is copied into the sample data."""
    import re

    seed_text = " ".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt"))
    seed_sentences = {s.strip() for s in re.split(r"(?<=[.!?])\s+", seed_text) if len(s.split()) >= 8}
    for f in sample_files():
        for s in re.split(r"(?<=[.!?])\s+", f.read_text(encoding="utf-8")):
            assert s.strip() not in seed_sentences, s
