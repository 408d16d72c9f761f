from gazetteer.text import fold, fold_key, strip_accents


def test_fold_keeps_length_and_offsets():
    for s in ["Khān Yūnis", "Khan-Younis’s", "İstanbul", "غزة", "El\u2011Khiam", "Deir al‑Balah"]:
        assert len(fold(s)) == len(s)


def test_fold_lowercases_strips_accents_and_hyphens():
    assert fold("Khān Yūnis") == "khan yunis"
    assert fold("Khan-Yunis") == "khan yunis"
    assert fold("Far’a") == "far'a"


def test_non_latin_scripts_are_kept_not_transliterated():
    assert fold("خان يونس") == "خان يونس"
    assert strip_accents("Ḩalab") == "Halab"
    assert strip_accents("חיפה") == "חיפה"


def test_fold_key_collapses_whitespace():
    assert fold_key("  Khan   Younis ") == "khan younis"
