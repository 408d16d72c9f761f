from incidents.sentences import split_sentences


def test_abbreviations_do_not_split_and_offsets_hold():
    text = ("A U.S. drone strike hit a car Wednesday, officials said. Lt. Col. Magdy Abdel-Al was killed on Feb. 7 "
            "at 9:30 p.m. local time. He said \u201cno.\u201d Then the U.N. spoke.\nNew line.")
    sents = split_sentences(text, 5)
    assert [s.text for s in sents] == [
        "A U.S. drone strike hit a car Wednesday, officials said.",
        "Lt. Col. Magdy Abdel-Al was killed on Feb. 7 at 9:30 p.m. local time.",
        "He said \u201cno.\u201d",
        "Then the U.N. spoke.",
        "New line.",
    ]
    for s in sents:
        assert text[s.start - 5:s.end - 5] == s.text


def test_a_run_without_full_stops_is_cut_into_bounded_pieces_with_offsets():
    from incidents.sentences import MAX_SENTENCE

    text = " ".join(["word"] * 2000)
    sents = split_sentences(text, 3)
    assert len(sents) > 1 and all(len(s.text) <= MAX_SENTENCE for s in sents)
    for s in sents:
        assert text[s.start - 3:s.end - 3] == s.text


def test_runs_of_end_marks_are_split_in_linear_time():
    from bounded import returns

    # 50,000 dots took 22 s: every dot of the run was a new start that rescanned the run
    for run in ("." * 200_000, "!?…." * 50_000):
        text = "An airstrike killed two people in Rafah" + run + " then the army said. Then it left."
        sents = returns(split_sentences, text)
        assert sents[-1].text == "Then it left."  # a run not followed by a capital is no boundary
        for s in sents:
            assert text[s.start:s.end] == s.text
    # a run of marks is still one boundary, closing quotes included
    assert [s.text for s in split_sentences("He said “no!?!” Then left… Next one.")] == [
        "He said “no!?!”", "Then left…", "Next one."]


def test_many_abbreviations_in_a_row_stay_linear():
    from bounded import returns

    text = "Lt. Col. " * 40_000 + "Smith spoke."  # each abbreviation re-read the whole sentence so far
    sents = returns(split_sentences, text)
    assert len(sents) == 1 or all(len(s.text) <= 800 for s in sents)
    assert [s.text for s in split_sentences("The U.S. Army said. Then e.g. Mr. Roe left. No. 3 won.")] == [
        "The U.S. Army said.", "Then e.g. Mr. Roe left.", "No. 3 won."]


def test_a_text_without_end_marks_is_one_sentence_on_the_fast_path():
    from incidents.sentences import _BOUNDARY, _may_end

    for t in ["killed", "  an airstrike killed people in Rafah  ", "", "   ", "x" * 800, "a\tb"]:
        assert not _may_end(t) and not _BOUNDARY.search(t)
        got = [(s.start, s.end, s.text) for s in split_sentences(t, 7)]
        core = t.strip()
        assert got == ([(7 + t.index(core), 7 + t.index(core) + len(core), core)] if core else [])
    assert len(split_sentences("word " * 300)) == 2  # longer than MAX_SENTENCE: still cut at a space
    assert _may_end("a.b") and _may_end("a\nb") and _may_end("why?") and _may_end("so…")
