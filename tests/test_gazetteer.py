from gazetteer import Gazetteer, Place


def test_lookup_and_find(small_gazetteer):
    g = small_gazetteer
    assert g.lookup("Khan Yunis")[0].id == "khan-younis"
    assert g.lookup("El Khiam")[0].country == "LB"
    found = g.find("Strikes hit Khān Yūnis, Al-Khiam and Gaza City.")
    assert [m.candidates[0].id for m in found] == ["khan-younis", "khiam", "gaza-city"]
    assert [m.surface for m in found] == ["Khān Yūnis", "Al-Khiam", "Gaza City"]


def test_gaza_alone_is_the_strip(small_gazetteer):
    assert small_gazetteer.lookup("Gaza")[0].id == "gaza-strip"


def test_hierarchy(small_gazetteer):
    g = small_gazetteer
    assert [p.id for p in g.ancestors(g.get("zeitoun"))] == ["gaza-city", "gaza-strip", "ps"]
    assert g.contains(g.get("gaza-strip"), g.get("rafah"))
    assert g.contains(g.get("lb"), g.get("khiam"))
    assert not g.contains(g.get("rafah"), g.get("gaza-strip"))


def test_choose_prefers_the_context_country():
    a = Place("a-lb", "Qana", "town", "LB", 33.2, 35.3)
    b = Place("a-xx", "Qana", "town", "EG", 26.0, 32.7, population=50000)
    ctx = Place("tyre", "Tyre", "city", "LB", 33.27, 35.2)
    g = Gazetteer([a, b, ctx])
    assert g.choose([a, b], [ctx]).id == "a-lb"
    assert g.choose([a, b], []).id == "a-xx"  # no context: the bigger one


def test_search_ranks_exact_then_prefix_then_substring(small_gazetteer):
    ids = [p.id for p in small_gazetteer.search("raf")]
    assert ids[0] == "rafah"
    assert small_gazetteer.search("Khan Yunis")[0].id == "khan-younis"


def test_user_places_load_after_curated(tmp_path):
    curated = tmp_path / "c.csv"
    curated.write_text("id,name,kind,country,lat,lon\nrafah,Rafah,city,PS,31.29,34.24\n", encoding="utf-8")
    user = tmp_path / "u.csv"
    user.write_text("id,name,kind,country,lat,lon,aliases\nshaboura,Shaboura,camp,PS,31.28,34.25,Shabura\n",
                    encoding="utf-8")
    g = Gazetteer.load(curated=curated, user=user, blockers=tmp_path / "none.txt")
    assert g.lookup("Shabura")[0].origin == "user"
    assert g.lookup("Rafah")[0].origin == "curated"


def test_user_row_with_a_curated_id_adds_names(tmp_path):
    curated = tmp_path / "c.csv"
    curated.write_text("id,name,kind,country,lat,lon,aliases\nrafah,Rafah,city,PS,31.29,34.24,Rafah city\n",
                       encoding="utf-8")
    user = tmp_path / "u.csv"
    user.write_text("id,name,kind,country,lat,lon,aliases\nrafah,Rafiah,city,PS,0,0,Rafa\n", encoding="utf-8")
    g = Gazetteer.load(curated=curated, user=user, blockers=tmp_path / "none.txt")
    p = g.get("rafah")
    assert (p.lat, p.origin) == (31.29, "curated")
    assert p.aliases == ("Rafah city", "Rafiah", "Rafa")
    assert [m.candidates[0].id for m in g.find("Strikes on Rafiah and Rafa.")] == ["rafah", "rafah"]
    from gazetteer.check import check_gazetteer

    assert check_gazetteer(files=[(curated, "curated"), (user, "user")]) == []


def test_a_long_text_is_folded_once_for_the_stages_that_ask():
    from gazetteer.text import fold

    text = "Khān Yūnis — Rafah’s camp " * 400
    first = fold(text)
    assert fold(text) is first and first == text.translate({}).lower().replace("ā", "a").replace("ū", "u") \
        .replace("—", " ").replace("’", "'")
    other = text[:-1] + "X"
    assert fold(other).endswith("x") and fold(text) == first  # another text: folded anew, still right
