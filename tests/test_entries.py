from incidents.entries import body_segments, is_furniture, split_entries


def kinds(text):
    return [(e.kind, e.dateline, e.headline) for e in split_entries(text)]


def test_ap_live_page_structure():
    text = (
        "Live Updates | Something happens\n\n"
        "People walk in Rafah, Wednesday, Feb. 7, 2024. (AP Photo/Someone)\nView All (6)\n\n"
        "The summary paragraph of the day.\n\nHere's the latest:\n\n\n"
        "BAGHDAD \u2014 A drone strike hit a car.\n\nThe strike came on a main road.\n\n"
        "Associated Press writers Jane Doe in Baghdad contributed.\n\n\n"
        "RAFAH, Gaza Strip \u2014 An airstrike killed two.\n\n"
        "UNITED NATIONS \u2013 The envoy warned.\n"
    )
    es = split_entries(text)
    assert [(e.kind, e.dateline) for e in es] == [
        ("caption", ""), ("summary", ""), ("post", "Baghdad"), ("post", "Rafah, Gaza Strip"), ("post", "United Nations")]
    baghdad = es[2]
    body = text[baghdad.body_start:baghdad.end]
    assert body.startswith("A drone strike") and "contributed" not in body and body.endswith("main road.")


def test_wire_dateline_with_agency():
    es = split_entries("BEIRUT (AP) \u2014 Israeli strikes hit Tyre.\nMore text here.\n")
    assert es[0].dateline == "Beirut"
    es = split_entries("GAZA CITY, Gaza Strip (Reuters) - Gunfire was heard.\n")
    assert es[0].dateline == "Gaza City, Gaza Strip"


def test_a_capitalised_place_and_a_colon_is_a_dateline():
    text = "BEIRUT: Lebanon's health ministry said a strike hit a village.\nMore text here.\n"
    es = split_entries(text)
    assert es[0].dateline == "Beirut" and text[es[0].body_start:].startswith("Lebanon's")
    # a label is no dateline
    for label in ("WATCH: Strikes hit Tyre.\n", "UPDATE: Strikes hit Tyre.\n", "LIVE: Strikes hit Tyre.\n"):
        assert not split_entries(label)[0].dateline, label


def test_cnn_posts_captions_and_bylines():
    text = (
        "Page title\nLink Copied!\nStrike in Baghdad kills commander\nFrom CNN's Jane Doe in Baghdad\n"
        "People gather near a destroyed car in Baghdad, Iraq, on February 7.\nAhmed Saad/Reuters\n"
        "A US strike killed a commander in Baghdad.\nMore on the strike.\n"
        "Link Copied!\nBlinken says talks go on\nFrom CNN staff\nBlinken said talks go on.\n"
    )
    es = split_entries(text)
    assert [(e.kind, e.headline) for e in es] == [
        ("caption", ""),
        ("post", "Strike in Baghdad kills commander"),
        ("post", "Blinken says talks go on"),
    ]
    assert es[1].dateline == "Baghdad"  # from the byline "... in Baghdad"
    segs = [text[s:e] for s, e in body_segments(text, es[1])]
    assert segs == ["A US strike killed a commander in Baghdad.", "More on the strike."]
    segs = [text[s:e] for s, e in body_segments(text, es[2])]
    assert segs == ["Blinken said talks go on."]  # the byline is furniture


def test_guardian_style_timestamps_and_bullets():
    text = (
        "Israel-Gaza war live\nKey events\n"
        "14.05 GMT\nStrikes reported in Jabalia\nAn airstrike hit a house in Jabalia.\n"
        "13.40 GMT\nHere are the latest developments:\n"
        "- An airstrike hit Deir al-Balah.\n- Talks resumed in Cairo.\n"
    )
    es = split_entries(text)
    assert ("post", "", "Strikes reported in Jabalia") in kinds(text)
    summaries = [text[e.body_start:e.end] for e in es if e.kind == "summary"]
    assert summaries == ["An airstrike hit Deir al-Balah.", "Talks resumed in Cairo."]


def test_entry_dates_from_date_stamps():
    from datetime import date

    text = "Live blog\nTue 13 Feb 2024 09.12 GMT\nA strike hit Rafah.\nMon 12 Feb 2024 22.00 GMT\nA raid in Jenin.\n"
    es = split_entries(text, published=date(2024, 2, 13))
    assert [e.published for e in es] == [date(2024, 2, 13), date(2024, 2, 12)]


def test_seeds_split_into_posts(seeds):
    ap = (seeds / "ap-live-2024-02-07.txt").read_text(encoding="utf-8")
    es = split_entries(ap)
    datelines = [e.dateline for e in es if e.kind == "post"]
    assert datelines.count("Rafah, Gaza Strip") == 3
    assert "Baghdad" in datelines and "Beirut" in datelines
    for e in es:  # contributor lines never leak into an entry
        assert "contributed" not in ap[e.body_start:e.end]
    cnn = (seeds / "cnn-live-2024-02-07.txt").read_text(encoding="utf-8")
    es = split_entries(cnn)
    assert sum(e.kind == "caption" for e in es) >= 8
    for e in es:
        assert "Link Copied" not in cnn[e.start:e.end]


def test_agency_and_timestamp_variants():
    from datetime import date

    es = split_entries("Gaza City (Palestinian Territories) (AFP) - Strikes hit the north.\n")
    assert es[0].dateline == "Gaza City"
    es = split_entries("JERUSALEM, Feb 7 (Reuters) - Police said.\n", published=date(2024, 2, 8))
    assert (es[0].dateline, es[0].published) == ("Jerusalem", date(2024, 2, 7))
    text = ("Live page\nUpdated 3:05 PM EST, Wed February 7, 2024\nStrike hits Tyre\nA strike hit Tyre.\n"
            "February 6, 2024 9:12 PM GMT+2\nA raid in Jenin.\n")
    es = split_entries(text)
    assert [(e.headline, e.published) for e in es] == [
        ("Strike hits Tyre", date(2024, 2, 7)), ("", date(2024, 2, 6))]  # a sentence is not a headline


def test_captions_of_other_outlets_are_captions():
    text = ("Title line\nLink Copied!\nStrikes go on\nFrom CNN staff\nA strike hit Rafah on Tuesday.\n"
            "Smoke rises over Rafah on Tuesday. Photograph: Mohammed Salem/Reuters\n"
            "Rescuers search rubble in Khan Younis [Abed Zagout/Anadolu]\n"
            "Image caption, People flee Beit Lahia\n"
            "Firefighters at the scene in Kiryat Shmona (Photo: Emergency Services)\n"
            "Share\nReuse this content\nThe army said troops operated in Jabalia.\n")
    es = split_entries(text)
    assert [e.kind for e in es] == ["post", "caption", "caption", "caption", "caption", "post"]
    assert "Reuse" not in text[es[-1].start:es[-1].end]


def test_summary_items_after_a_list_header_are_separate_but_article_prose_is_not():
    text = ("Live page\nWhat we covered here\nA strike hit Al-Mawasi late Tuesday.\n"
            "Hezbollah launched drones near Safed.\nLink Copied!\nHeadline\nFrom CNN staff\nBody.\n")
    es = split_entries(text)
    assert [(e.kind, text[e.body_start:e.end]) for e in es][:2] == [
        ("summary", "A strike hit Al-Mawasi late Tuesday."), ("summary", "Hezbollah launched drones near Safed.")]
    article = "A headline of an article\n\nFirst paragraph of the story.\n\nSecond paragraph of it.\n"
    es = split_entries(article)
    assert len(es) == 1 and es[0].kind == "summary"


def test_al_jazeera_date_dash_time_stamps():
    from datetime import date

    text = "Live blog\n5 Jun 2024 - 10:15 GMT\nFamily killed in Deir el-Balah\nAn air strike killed seven.\n"
    es = split_entries(text)
    assert [(e.headline, e.published) for e in es] == [("Family killed in Deir el-Balah", date(2024, 6, 5))]


# ---------------------------------------------------------------- bad input: no unbounded backtracking
def _bounded_entries(text, published=None):
    from bounded import returns

    return returns(split_entries, text, published)


def test_a_time_stamp_followed_by_a_run_of_spaces_is_read_in_linear_time():
    # "12:30" + 1,600 spaces took 22.6 s (three adjacent \s* in the stamp patterns: cubic)
    text = "Live page\n12:30" + " " * 4000 + "x\nA strike hit Rafah.\n"
    es = _bounded_entries(text)
    assert [text[e.start:e.end] for e in es] == [text[text.index("12:30"):text.index("x") + 1] + "\nA strike hit Rafah."]
    # the stamps themselves still open posts, with or without a.m./zone/date
    text = ("Live page\n12:30 pm GMT\nStrike hits Tyre\nA strike hit Tyre.\n"
            "10:32 a.m. ET, Feb 7, 2024\nA raid in Jenin.\n09:15 - Drone hits car\nThe car burned.\n")
    assert [(e.kind, e.headline) for e in split_entries(text)] == [
        ("post", "Strike hits Tyre"), ("post", ""), ("post", "Drone hits car")]


def test_a_long_byline_is_furniture_and_a_broken_one_does_not_hang():
    # 28 names then "!" took 27 s, each name doubling it (nested repeats: exponential)
    names = " and ".join(["Ab"] * 40)
    es = _bounded_entries(f"Page title\nBy {names} !\nA strike hit Rafah.\n")
    assert len(es) == 1  # "!" cannot end a byline: the line is text
    es = _bounded_entries(f"Page title\nBy {names}\nA strike hit Rafah.\n")
    assert [e.kind for e in es] == ["summary"] and "By Ab" not in es[0].text(f"Page title\nBy {names}\nA strike hit Rafah.\n")
    assert is_furniture(f"By {names}")
    assert is_furniture("By Jane Doe, and John Roe")
    assert not is_furniture("By Jane Doe, John Roe")  # a comma only before "and", as before


def test_a_published_line_followed_by_100k_spaces_is_read_in_linear_time():
    # over 100 s before: "\s+.*" gave the spaces to either side in every way
    es = _bounded_entries("Page title\nPublished" + " " * 100_000 + "x\nA strike hit Rafah.\n")
    assert es[-1].kind in ("post", "summary")
    text = "Page title\nPublished on: 7 February 2024 10:00\nA strike hit Rafah.\n"
    assert split_entries(text)[0].published.isoformat() == "2024-02-07"


def test_many_agency_writer_mentions_without_contributed_do_not_go_quadratic():
    line = "AP writers " * 120_000  # quadratic before (5.6 s at 20,000): each mention rescanned the line
    es = _bounded_entries("Page title\n" + line + "\nA strike hit Rafah.\n")
    assert es
    assert is_furniture("Associated Press writers Jane Doe in Cairo and AP writers Sam Roe contributed.")


def test_absurd_dates_in_datelines_and_stamps_do_not_date_entries():
    from datetime import date

    es = split_entries("GAZA, March 4, 2099 (Reuters) - A strike hit Rafah.\n", published=date(2024, 3, 5))
    assert es[0].published == date(2024, 3, 5)  # a 2099 dateline is not the story's date
    es = split_entries("Live blog\nThu 3 Oct 2099 07.05 BST\nA strike hit Rafah.\nThu 3 Oct 2099 08.05 BST\nMore.\n")
    assert all(e.published is None for e in es)
    for absurd in (date(1, 1, 1), date(9999, 12, 31)):
        es = split_entries("RAFAH, Gaza Strip — A strike hit Rafah on Wednesday.\n", published=absurd)
        assert es[0].published is None


def test_each_entry_records_the_line_rules_that_made_it():
    from incidents.rules import load

    text = ("Live updates\n\n"
            "BEIRUT (AP) — An Israeli strike hit Khiam on Tuesday.\n\n"
            "14:05 GMT\n\n"
            "Strike hits Rafah\n\n"
            "An Israeli strike on Rafah killed three people.\n\n"
            "Smoke rises over Rafah on Tuesday.\n"
            "Ahmed Saad/Reuters\n\n"
            "More text of the post.\n")
    entries = split_entries(text)
    got = [(e.kind, e.rules) for e in entries]
    assert got[0] == ("post", ("dateline_caps",))
    assert got[1] == ("post", ("time_stamp",))  # the stamp opened this post...
    assert ("caption", ("photo_credit",)) in got
    assert got[-1][1] == ()  # ... and not the ones after it
    ids = {r for ids in load().line_ids.values() for r in ids}
    assert all(set(e.rules) <= ids for e in entries)



def test_a_leading_date_stamp_is_read_as_the_entry_date_not_as_text():
    from datetime import date

    text = " date 2024-11-18 At least four Palestinians were killed in the early hours of Monday in Khan Younis.\n"
    entries = split_entries(text)
    assert len(entries) == 1 and entries[0].published == date(2024, 11, 18)
    segs = body_segments(text, entries[0])
    assert [text[s:e] for s, e in segs] == [text.strip()[len("date 2024-11-18 "):]]


def test_a_syndication_dateline_with_its_filing_date_in_brackets():
    from datetime import date

    text = ("Strike title line\n"
            "Jenin, (APP - Agency News - 22nd May, 2024) Officials said eight people were killed Tuesday in Jenin.\n")
    e = split_entries(text)[-1]
    assert (e.dateline, e.published, e.rules) == ("Jenin", date(2024, 5, 22), ("dateline_paren",))
    assert text[e.body_start:].startswith("Officials said")


def test_a_syndicators_tag_before_a_dateline_is_neither_text_nor_the_place():
    from datetime import date

    text = (" date 2024-11-19 (MENAFN- Some News Network) DAMASCUS, Nov 20 (NNN-SANA) \u2013 U.S. warplanes killed "
            "five militiamen in eastern Syria yesterday.\n")
    e = split_entries(text)[-1]
    assert e.dateline == "Damascus" and e.published == date(2024, 11, 20)
    assert e.rules == ("date_prefix", "syndication_lead", "dateline_caps")
    assert text[e.body_start:].startswith("U.S. warplanes")
    # without a dateline after it, the tag is still not read as text
    text = "(MENAFN- Some News Network) Three people were killed in a strike on Tyre.\n"
    e = split_entries(text)[-1]
    assert [text[s:e2] for s, e2 in body_segments(text, e)] == ["Three people were killed in a strike on Tyre."]


# ---- the first-character gate of the line formats (speed, issue 12): never rules out a line a format matches
def test_first_character_gate_never_hides_a_match():
    import random

    from incidents import entries as E

    lines = ["RAFAH, Gaza Strip — A strike.", "12:30", "10:32 a.m. ET", "Link Copied!", "Key events", "2h ago",
             "Updated 3:05 PM EST, Wed February 7, 2024", "Published February 7, 2024", "Feb. 7, 2024", "share",
             "• A bullet", "- a dash item", "1. First", "Summary: Strikes hit", "Here's the latest:", "live",
             " date 2024-11-18 At least four", "date 2024-11-18 Four", "(MENAFN- Nam News Network) DAMASCUS -",
             "GAZA, March 4 (Reuters) - Gunfire.", "Jenin, (APP - UrduPoint - 22nd May, 2024) Raids", "killed",
             "14:05 - Headline", "11.20 GMT", "key points", "what we know:", "ıdlib", "Ünited", "\u212aey events"]
    rnd = random.Random(3)
    lines += ["".join(rnd.choice("aK dD1:.(-•Şſ") for _ in range(rnd.randrange(1, 12))) for _ in range(2000)]
    for t in lines:
        mask = E._STARTS.mask(t)
        for k, rx in enumerate(E._GATED):
            if rx.match(t):
                assert mask & (1 << k), (rx.pattern[:40], t)
    assert not E._STARTS.mask("killed") & E._MAY_DATELINE  # a lower-case line is no dateline
    assert E._STARTS.mask("") == E._STARTS.all


def test_body_segments_of_repeated_lines_are_each_placed():
    text = "Title\nkilled\nstrike\nkilled\n  killed \nLink Copied!\nkilled\n"
    entry = split_entries(text)[0]
    segs = body_segments(text, entry)
    assert [text[s:e] for s, e in segs] == ["killed", "strike", "killed", "killed"]
    assert segs[3][0] == text.index("  killed ") + 2 and len({s for s, _ in segs}) == 4
