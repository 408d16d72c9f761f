from incidents.quotes import QuoteIndex, quote_spans


def test_quote_spans_pair_marks_line_by_line():
    text = '“We are fighting with great determination,” the minister said. A “defensive” strike.\n"An open quote runs'
    spans = quote_spans(text)
    assert [text[s:e] for s, e in spans] == ["We are fighting with great determination,", "An open quote runs"]
    idx = QuoteIndex(spans)
    assert idx.span_at(text.index("fighting")) is not None
    assert idx.span_at(text.index("strike")) is None


def test_speech_with_no_town_tells_no_incident(gazetteer):
    from datetime import date

    from incidents.extract import extract
    from incidents.reading import report_from_text

    text = ("“I was scared when the warplanes started the bombardment and we ran,” said a woman who fled. "
            "“The drone struck the house of my neighbour in Beit Lahia and killed his son,” said another.")
    incs = extract(report_from_text(text, published=date(2024, 7, 23), source="Test"), gazetteer).incidents
    assert [(i.place_id, i.fatalities) for i in incs] == [("beit-lahia", 1)]
