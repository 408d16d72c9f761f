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
