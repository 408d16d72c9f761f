"""Checks of the curated gazetteer data file ``gazetteer/data/places.csv``.

Fast and offline: the file is read once, then every place is checked for a
plausible position (inside its country's bounding box, near its parent), a
sound hierarchy, unambiguous names and the lookups the extraction relies on.
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from gazetteer import CURATED_PATH, Gazetteer, haversine_km
from gazetteer.loader import read_places
from gazetteer.matcher import _nisba_variants, name_variants

# (min_lat, max_lat, min_lon, max_lon), generous by a few km.
BBOX = {
    "PS": (31.20, 32.56, 34.20, 35.58),
    "IL": (29.45, 33.35, 34.25, 35.92),
    "LB": (33.04, 34.70, 35.08, 36.65),
    "SY": (32.30, 37.35, 35.55, 42.40),
    "IQ": (29.05, 37.40, 38.75, 48.65),
    "JO": (29.15, 33.40, 34.90, 39.35),
    "EG": (21.95, 31.70, 24.65, 36.95),
    "YE": (12.10, 19.00, 41.80, 54.60),
    "IR": (25.00, 39.80, 44.00, 63.40),
    "SA": (16.30, 32.20, 34.45, 55.70),
    "AE": (22.60, 26.10, 51.50, 56.40),
    "QA": (24.45, 26.20, 50.70, 51.70),
    "OM": (16.60, 26.40, 51.90, 59.90),
    "BH": (25.75, 26.35, 50.35, 50.85),
    "KW": (28.50, 30.15, 46.55, 48.45),
    "DJ": (10.90, 12.75, 41.75, 43.45),
    "ER": (12.35, 18.05, 36.40, 43.15),
    "SO": (-1.70, 12.00, 40.95, 51.45),
    "SD": (8.65, 22.25, 21.80, 38.65),
    "TR": (35.80, 42.15, 25.65, 44.85),
    "CY": (34.55, 35.70, 32.25, 34.60),
    "US": (18.90, 71.40, -179.20, -66.90),
    "GB": (49.85, 60.90, -8.65, 1.80),
    "RU": (41.15, 81.90, 19.60, 180.0),
    "FR": (41.30, 51.15, -5.20, 9.60),
    "DE": (47.25, 55.10, 5.85, 15.05),
    "BE": (49.45, 51.55, 2.50, 6.45),
    "CH": (45.80, 47.85, 5.95, 10.50),
    "NL": (50.75, 53.60, 3.30, 7.25),
    "CN": (18.10, 53.60, 73.50, 134.80),
}

# Farthest a place may lie from its parent's point, by the parent's kind (km).
MAX_FROM_PARENT = {
    "hospital": 3, "landmark": 5, "base": 5, "junction": 3, "crossing": 5,
    "neighbourhood": 8, "camp": 8, "port": 10,
    "settlement": 10, "village": 10, "town": 15, "city": 25, "capital": 40, "island": 15,
    "district": 50, "corridor": 25, "governorate": 350, "region": 400,
}
MAX_FROM_COUNTRY = {"US": 3000, "RU": 4500, "CN": 3000}

# Names that really belong to more than one place, with the reason.
ALLOWED_SHARED: dict[str, str] = {
    "burqa": "two West Bank villages (Nablus, Ramallah governorates); the report's other places choose",
    "burqah": "the same two villages of Burqa",
    "ariha": "the Idlib town and the Arabic name of Jericho; the report's country chooses",
    "bir al abed": "the Dahiyeh neighbourhood and the North Sinai town (Bir al-Abd); the report's country chooses",
    "bir el abed": "the same neighbourhood and town",
    "iskandariya": "the Iraqi town in Babylon (Camp Kalsu) and the Arabic name of Alexandria; the report's country chooses",
    "iskandariyah": "the same town and city",
    "al iskandariya": "the same town and city",
    "el iskandariya": "the same town and city",
    "malkieh": "the Syrian town al-Malikiyah (Malkieh) and the Israeli kibbutz Malkia (Malkiya); the country chooses",
    "ad daliyah": "the Latakia village Ad-Daliyah and the Hadramawt village Ad Dali'ah; the report's country chooses",
    "daliyah": "the same two villages, without the article",
}
# ... and each of them in every spelling of the -iyya ending ("malkiyeh", "ad dalieh")
ALLOWED_KEYS = set(ALLOWED_SHARED).union(*(_nisba_variants(k) for k in ALLOWED_SHARED))

PLACES = read_places(CURATED_PATH)
GAZ = Gazetteer(PLACES)
BY_ID = {p.id: p for p in PLACES}


def test_size():
    assert len(PLACES) >= 2250


def test_every_country_used_has_a_bbox_and_a_country_row():
    countries = {p.country for p in PLACES if p.country}
    assert countries <= set(BBOX), countries - set(BBOX)
    rows = {p.country for p in PLACES if p.kind == "country"}
    assert countries <= rows, countries - rows
    for p in PLACES:
        if p.kind == "country":
            assert p.id == p.country.lower(), p.id


def test_points_inside_country_bbox():
    bad = []
    for p in PLACES:
        if p.kind == "sea":
            assert not p.parent, p.id
            continue
        lat0, lat1, lon0, lon1 = BBOX[p.country]
        if not (lat0 <= p.lat <= lat1 and lon0 <= p.lon <= lon1):
            bad.append((p.id, p.country, p.lat, p.lon))
    assert not bad


def test_parents_exist_chain_to_country_without_cycles():
    bad = []
    for p in PLACES:
        if p.kind in ("country", "sea"):
            assert not p.parent, f"{p.id} should have no parent"
            continue
        seen = {p.id}
        cur = p
        while cur.kind != "country":
            if not cur.parent or cur.parent not in BY_ID:
                bad.append((p.id, f"broken at {cur.id} -> {cur.parent!r}"))
                break
            nxt = BY_ID[cur.parent]
            if nxt.id in seen:
                bad.append((p.id, "cycle"))
                break
            seen.add(nxt.id)
            cur = nxt
        else:
            if cur.country != p.country:
                bad.append((p.id, f"chains to {cur.id}"))
    assert not bad


def test_near_parent():
    bad = []
    for p in PLACES:
        if not p.parent:
            continue
        parent = BY_ID[p.parent]
        if parent.kind == "country":
            limit = MAX_FROM_COUNTRY.get(parent.country, 1600)
        else:
            limit = MAX_FROM_PARENT[parent.kind]
        d = haversine_km(p.lat, p.lon, parent.lat, parent.lon)
        if d > limit:
            bad.append((p.id, parent.id, round(d, 1), limit))
    assert not bad


def test_ids_and_sources():
    for p in PLACES:
        assert p.source, p.id
        assert p.source.split(":")[0] in {"geonames", "wikipedia", "osm", "manual-approx"}, p.id
        assert (p.country == "") == (p.kind == "sea"), p.id
        if p.source.startswith("geonames:"):
            assert p.source.split(":", 1)[1].isdigit(), p.id


def test_no_unexpected_shared_names():
    owners = defaultdict(set)
    for p in PLACES:
        for name in p.names:
            for key in name_variants(name):
                owners[key].add(p.id)
    shared = {k: sorted(v) for k, v in owners.items() if len(v) > 1 and k not in ALLOWED_KEYS}
    assert not shared
    for key in ALLOWED_SHARED:
        ids = owners[key]
        assert len(ids) > 1, f"{key!r} is no longer shared"
        places = [BY_ID[i] for i in ids]
        assert len({(q.country, q.parent) for q in places}) == len(places), key


@pytest.mark.parametrize("name, place_id, country", [
    ("Khan Yunis", "khan-younis", "PS"),
    ("Khan Younis", "khan-younis", "PS"),
    ("Khān Yūnis", "khan-younis", "PS"),
    ("El Khiam", "khiam", "LB"),
    ("Al-Khiam", "khiam", "LB"),
    ("Khiam", "khiam", "LB"),
    ("Kerem Shalom", "kerem-shalom-crossing", "IL"),
    ("Karem Abu Salem", "kerem-shalom-crossing", "IL"),
    ("Erbil", "erbil", "IQ"),
    ("Irbil", "erbil", "IQ"),
    ("Hodeidah", "hodeidah", "YE"),
    ("Hudaydah", "hodeidah", "YE"),
    ("Bani Suhaila", "bani-suhaila", "PS"),
    ("Bani Suheila", "bani-suhaila", "PS"),
    ("Tulkarem camp", "tulkarem-camp", "PS"),
    ("Tulkarm refugee camp", "tulkarem-camp", "PS"),
    ("Bint Jbeil", "bint-jbeil", "LB"),
    ("Masnaa crossing", "masnaa-crossing", "LB"),
    ("Al-Masnaa", "masnaa-crossing", "LB"),
    ("Al-Safira", "safira", "SY"),
    ("As-Safira", "safira", "SY"),
    ("Gush Etzion junction", "gush-etzion-junction", "PS"),
    ("Mashtal", "mashtal", "IQ"),
    ("Al-Mashtal", "mashtal", "IQ"),
    ("El-Mashtal", "mashtal", "IQ"),
    ("Gaza", "gaza-strip", "PS"),
    ("Gaza Strip", "gaza-strip", "PS"),
    ("Gaza City", "gaza-city", "PS"),
    ("Rafah", "rafah", "PS"),
    ("Jordan", "jo", "JO"),
    ("Jordan Valley", "jordan-valley", "PS"),
    ("Philadelphia Corridor", "philadelphi-corridor", "PS"),
    ("Erez crossing", "erez-crossing", "IL"),
    ("Abu Yousef al-Najjar Hospital", "najjar-hospital", "PS"),
    ("Shifa Hospital", "shifa-hospital", "PS"),
    ("Al-Aqsa Hospital", "aqsa-hospital", "PS"),
    ("Baptist Hospital", "ahli-hospital", "PS"),
    ("Nir Oz", "nir-oz", "IL"),
    ("Nuseirat", "nuseirat-camp", "PS"),
    ("Jenin refugee camp", "jenin-camp", "PS"),
    ("Beach camp", "shati-camp", "PS"),
    ("Dahieh", "dahiyeh", "LB"),
    ("Tyre", "tyre", "LB"),
    ("Saida", "sidon", "LB"),
    ("Deir al-Zour", "deir-ez-zor", "SY"),
    ("Bukamal", "albu-kamal", "SY"),
    ("Tower 22", "tower-22", "JO"),
    ("Ain al-Asad", "ain-al-asad", "IQ"),
    ("Jurf al-Nasr", "jurf-al-sakhar", "IQ"),
    ("Sanaa", "sanaa", "YE"),
    ("Sana'a", "sanaa", "YE"),
    ("Majdal Shams", "majdal-shams", "SY"),
    ("East Jerusalem", "east-jerusalem", "PS"),
    ("Jerusalem", "jerusalem", "IL"),
    ("Ramallah", "ramallah", "PS"),
    ("Tel Aviv", "tel-aviv", "IL"),
    ("U.N. headquarters", "united-nations", "US"),
    ("Sheikh Maqsoud", "sheikh-maqsoud", "SY"),
    ("Ashrafiyeh", "ashrafieh-aleppo", "SY"),
    ("Achrafieh", "achrafieh-beirut", "LB"),
    ("Maarat al-Numan", "maarat-al-numan", "SY"),
    ("Tishreen Dam", "tishreen-dam", "SY"),
    ("Tal Rifaat", "tal-rifaat", "SY"),
    ("Nubl", "nubl", "SY"),
    ("Zahraa", "zahraa", "SY"),
    ("Jobar", "jobar", "SY"),
    ("Jaramana", "jaramana", "SY"),
    ("Ashrafiyat Sahnaya", "ashrafiyat-sahnaya", "SY"),
    ("Shayrat air base", "shayrat-airbase", "SY"),
    ("Rashaya", "rashaya", "LB"),
    ("Rachaya al-Wadi", "rashaya", "LB"),
    ("Kfar Roummane", "kfar-rumman", "LB"),
    ("Ebel el-Saqi", "ibl-al-saqi", "LB"),
    ("Houmin al-Tahta", "houmin", "LB"),
    ("Tallouseh", "talloussa", "LB"),
    ("Qaraoun", "qaraoun", "LB"),
    ("Bir Hassan", "bir-hassan", "LB"),
    ("Al-Saftawi", "saftawi", "PS"),
    ("Khirbet al-Adas", "khirbet-al-adas", "PS"),
    ("Ein Yabrud", "ein-yabrud", "PS"),
    ("Zaatara", "zatara", "PS"),
    ("Ein al-Sultan camp", "ein-sultan-camp", "PS"),
    ("Sur Baher", "sur-baher", "PS"),
    ("Hawija", "hawija", "IQ"),
    ("Makhmour", "makhmour", "IQ"),
    ("Al-Jawf", "al-jawf-governorate", "YE"),
    # GeoNames additions: transliterations reporters use
    ("Yamoun", "al-yamun", "PS"),
    ("Al-Yamun", "al-yamun", "PS"),
    ("Biddu", "biddu", "PS"),
    ("Qibya", "qibyah", "PS"),
    ("Talmon", "talmon", "PS"),
    ("Dolev", "dolev", "PS"),
    ("Sakhnin", "sakhnin", "IL"),
    ("Kiryat Motzkin", "qiryat-motsqin", "IL"),
    ("Shefa-Amr", "shefaram", "IL"),
    ("Gedera", "gedera", "IL"),
    ("Bror Hayil", "beror-hayil", "IL"),
    ("Merom Golan", "marom-golan", "SY"),
    ("Afrin", "afrin", "SY"),
    ("Saraqeb", "saraqib", "SY"),
    ("Zabadani", "az-zabadani", "SY"),
    ("Daraya", "darayya", "SY"),
    ("Sednaya", "saydnaya", "SY"),
    ("Derik", "al-malikiyah", "SY"),
    ("Ras al-Ain", "ras-al-ain", "SY"),
    ("Jasim", "jasim", "SY"),
    ("Khanaqin", "khanaqin", "IQ"),
    ("Tuz Khurmatu", "tuz-khurmatu", "IQ"),
    ("Samawa", "as-samawah", "IQ"),
    ("Heet", "heet", "IQ"),
    ("Al-Faw", "al-faw", "IQ"),
    ("Zinjibar", "zinjibar", "YE"),
    ("Lahj", "lahij", "YE"),
    ("Khormaksar", "khawr-maksar", "YE"),
    ("Mukeiras", "mukayras", "YE"),
    ("Al-Dhale", "al-dhale", "YE"),
    ("Ramtha", "ar-ramtha", "JO"),
    ("Kerak", "karak", "JO"),
    ("Jazan", "jizan", "SA"),
    ("Hamedan", "hamadan", "IR"),
    # added by hand
    ("Bab al-Hawa", "bab-al-hawa-crossing", "SY"),
    ("Al-Hol camp", "al-hol-camp", "SY"),
    ("Tabqa Dam", "tabqa-dam", "SY"),
    ("Camp Speicher", "speicher", "IQ"),
    ("Evin prison", "evin-prison", "IR"),
    ("Roueiss", "roueiss", "LB"),
    ("Ras Beirut", "ras-beirut", "LB"),
    ("Socotra", "socotra", "YE"),
    ("Al-Fakhoura school", "al-fakhura-school", "PS"),
    ("Al-Jaouni school", "al-jaouni-school", "PS"),
    ("Shujayah", "shujaiya", "PS"),
    ("Bani Sehaila", "bani-suhaila", "PS"),
    ("Kafr Malek", "kafr-malik", "PS"),
])
def test_lookup(name, place_id, country):
    found = GAZ.lookup(name)
    assert found, name
    assert found[0].id == place_id
    assert found[0].country == country


@pytest.mark.parametrize("name", [
    "Shifa", "United Nations", "Iraqi", "Lebanese", "Rafah Governorate's", "Nasser",
])
def test_not_names(name):
    assert not GAZ.lookup(name)


def test_gaza_city_is_not_bare_gaza():
    city = BY_ID["gaza-city"]
    assert "Gaza" not in city.names
    assert "Gaza" in BY_ID["gaza-strip"].names
    assert not any(n in ("Rafah", "Khan Younis") for n in BY_ID["rafah-governorate"].names
                   + BY_ID["khan-younis-governorate"].names)


def test_aleppo_and_beirut_ashrafieh_differ():
    aleppo, beirut = BY_ID["ashrafieh-aleppo"], BY_ID["achrafieh-beirut"]
    assert (aleppo.country, aleppo.parent) == ("SY", "aleppo")
    assert (beirut.country, beirut.parent) == ("LB", "beirut")
    assert not set(aleppo.names) & set(beirut.names)
    assert BY_ID["sheikh-maqsoud"].parent == "aleppo"


def test_find_in_sentence():
    text = ("Shelling hit Bani Suheila east of Khan Yunis on Tuesday, while aid trucks "
            "queued at Kerem Shalom and a drone struck a car in Al-Mashtal in Baghdad; "
            "later, sirens sounded in Kiryat Shmona after launches from El Khiam, and "
            "the wounded were taken to Nasser Hospital.")
    ids = [m.candidates[0].id for m in GAZ.find(text)]
    assert ids == ["bani-suhaila", "khan-younis", "kerem-shalom-crossing", "mashtal",
                   "baghdad", "kiryat-shmona", "khiam", "nasser-hospital"]


def test_find_distinguishes_gaza_and_gaza_city():
    text = "Fighting in Gaza moved from Gaza City to Rafah near the Rafah crossing."
    ids = [m.candidates[0].id for m in GAZ.find(text)]
    assert ids == ["gaza-strip", "gaza-city", "rafah", "rafah-crossing"]


def test_find_places_from_geonames_in_sentences():
    text = ("Settlers torched cars in Qaryut and Jalud before troops raided Biddu and Al-Yamoun, west of Jenin; "
            "a rocket fell in Sakhnin, drones hit Saraqeb and Daraya, and fighters clashed in Tuz Khurmatu. "
            "Houthi fighters shelled Mukeiras while a strike hit the Al-Jaouni school in Nuseirat.")
    ids = [m.candidates[0].id for m in GAZ.find(text)]
    assert ids == ["qaryut", "jalud", "biddu", "al-yamun", "jenin", "sakhnin", "saraqib", "darayya",
                   "tuz-khurmatu", "mukayras", "al-jaouni-school", "nuseirat-camp"]


def test_names_shared_across_countries_follow_the_report():
    ariha = GAZ.lookup("Ariha")
    assert {p.id for p in ariha} == {"ariha", "jericho"}
    assert GAZ.choose(ariha, [BY_ID["idlib"], BY_ID["saraqib"]]).id == "ariha"
    assert GAZ.choose(ariha, [BY_ID["ramallah"]]).id == "jericho"
    abed = GAZ.lookup("Bir al-Abed")
    assert GAZ.choose(abed, [BY_ID["beirut"], BY_ID["dahiyeh"]]).id == "bir-al-abed"
    assert GAZ.choose(abed, [BY_ID["el-arish"]]).id == "bir-al-abd"
    burqa = GAZ.lookup("Burqa")
    assert GAZ.choose(burqa, [BY_ID["nablus"], BY_ID["sebastia"]]).id == "burqa-nablus"
    assert GAZ.choose(burqa, [BY_ID["ramallah"], BY_ID["silwad"]]).id == "burqa-ramallah"


def test_new_places_sit_in_their_parents():
    assert BY_ID["burqa-nablus"].parent == "nablus-governorate"
    assert BY_ID["burqa-ramallah"].parent == "ramallah-governorate"
    assert GAZ.contains(BY_ID["golan-heights"], BY_ID["marom-golan"])
    assert GAZ.contains(BY_ID["gaza-envelope"], BY_ID["beror-hayil"])
    assert GAZ.contains(BY_ID["dahiyeh"], BY_ID["bir-al-abed"])
    assert GAZ.contains(BY_ID["idlib-governorate"], BY_ID["saraqib"])
    assert GAZ.contains(BY_ID["socotra-governorate"], BY_ID["socotra"])
    assert BY_ID["talmon"].kind == "settlement" and BY_ID["talmon"].country == "PS"


@pytest.mark.parametrize("text", [
    "Israeli foreign minister Gideon Sa'ar said the talks would go on.",
    "The military said the drone was an Iranian-made Samad-3 and a new model called Yafa.",
    "Reporting by Ghaith Abdul-Ahad; the minister told the Dáil on Tuesday.",
    "Smoke rose over the southern Gazan city as the Islah party and the Givati Brigade issued statements.",
    "The Qods Force commander met Emmanuel Macron; Till then, Hit by sanctions, Salt and Crater were words.",
    "Riyad Mansour, Basma Nazir and Safa Hamdi spoke to Sahar and Reda in the Hirak movement.",
])
def test_words_and_names_are_not_new_places(text):
    assert [m.surface for m in GAZ.find(text) if m.candidates[0].source.startswith("geonames:")
            and m.candidates[0].id not in ("ir",)] == []


def test_find_lowercase_region_falls_back():
    ids = [m.candidates[0].id for m in GAZ.find("Families returned to northern Gaza.")]
    assert ids in (["north-gaza"], ["gaza-strip"])


# Coverage additions: places of 2023-2025 attack reports the GeoNames fallback lacks or misplaces.
@pytest.mark.parametrize("name, place_id, country", [
    # Iraq: oil and gas sites, airports, Kurdistan towns
    ("Khor Mor", "khor-mor-gas-field", "IQ"),
    ("Khor Mor gas field", "khor-mor-gas-field", "IQ"),
    ("Baiji", "bayji", "IQ"),
    ("Baiji refinery", "bayji", "IQ"),
    ("Peshkhabour", "faysh-khabur", "IQ"),
    ("Fishkhabour", "faysh-khabur", "IQ"),
    ("Taq Taq", "taq-taq", "IQ"),
    ("Sheikhan", "ash-shaykhan", "IQ"),
    ("Ain Sifni", "ash-shaykhan", "IQ"),
    ("Kirkuk airport", "kirkuk-airport", "IQ"),
    ("Sulaimaniyah airport", "sulaymaniyah-airport", "IQ"),
    ("Altun Kupri", "altun-kupri", "IQ"),
    ("Union III", "green-zone", "IQ"),
    # Lebanon: districts, places outside the south, Beirut quarters, spellings of border villages
    ("Hula", "houla", "LB"),
    ("Aita al-Sha'ab", "aita-al-shaab", "LB"),
    ("Maroun ar-Ras", "maroun-al-ras", "LB"),
    ("Bint Jubail", "bint-jbeil", "LB"),
    ("Borj al-Barajneh", "burj-al-barajneh", "LB"),
    ("Chouf", "chouf-district", "LB"),
    ("Keserwan", "keserwan-district", "LB"),
    ("Jbeil district", "jbeil-district", "LB"),
    ("Zgharta district", "zgharta-district", "LB"),
    ("Iqlim al-Kharroub", "iqlim-al-kharroub", "LB"),
    ("Baakline", "baaqline", "LB"),
    ("Joun", "joun", "LB"),
    ("Khalde", "khaldeh", "LB"),
    ("Labweh", "labweh", "LB"),
    ("Tariq al-Jdideh", "tariq-al-jdideh", "LB"),
    ("Zokak el-Blat", "zuqaq-al-blat", "LB"),
    ("Lake Hula", "hula-valley", "IL"),
    # Syria: Sweida, Damascus, air bases
    ("Tha'la air base", "thaala-airbase", "SY"),
    ("Thaala", "thaala-airbase", "SY"),
    ("Hama military airport", "hama-airbase", "SY"),
    ("Umayyad Square", "umayyad-square", "SY"),
    ("Barzeh", "barzeh", "SY"),
    ("Bab Touma", "bab-touma", "SY"),
    ("Khan Arnabeh", "khan-arnabah", "SY"),
    ("Tiyas airbase", "t4-airbase", "SY"),
    ("Al-Haffa", "al-haffah", "SY"),
    ("Qandil", "qandil", "IQ"),
    ("Qaraqosh", "al-hamdaniya", "IQ"),
    ("Tel Keppe", "tallkayf", "IQ"),
    ("Camp Kalsu", "nahiyat-al-iskandariyah", "IQ"),
    ("Alqosh", "alqosh", "IQ"),
    ("Mansouri", "mansouri-lb", "LB"),
    # Israel and the Palestinian territories
    ("Soroka hospital", "soroka-hospital", "IL"),
    ("Weizmann Institute", "weizmann-institute", "IL"),
    ("Bazan refinery", "bazan-refinery", "IL"),
    ("Binyamina", "binyamina-givat-ada", "IL"),
    ("Shomera", "shomera", "IL"),
    ("Bar'am", "baram", "IL"),
    ("Ma'ayan Baruch", "maayan-baruch", "IL"),
    ("Kfar Azza", "kfar-aza", "IL"),
    ("Mount Dov", "shebaa-farms", "LB"),
    ("Mughayyer", "mughayyir", "PS"),
    ("Al-Khalil", "hebron", "PS"),
    ("Jalazoun", "jalazone-camp", "PS"),
    ("Netzarim", "netzarim-corridor", "PS"),
])
def test_lookup_coverage_additions(name, place_id, country):
    test_lookup(name, place_id, country)


def test_hula_is_the_lebanese_village_and_jbeil_the_town():
    assert [p.id for p in GAZ.lookup("Hula")] == ["houla"]
    assert GAZ.lookup("Jbeil")[0].id == "byblos"
    assert GAZ.contains(BY_ID["chouf-district"], BY_ID["baaqline"])
    assert GAZ.contains(BY_ID["mount-lebanon-governorate"], BY_ID["khaldeh"])
    assert "Ayta al-Zutt" not in BY_ID["aitaroun"].names  # another village (Ayta al-Jabal)
    iskandariya = GAZ.lookup("Iskandariya")
    assert {p.id for p in iskandariya} == {"alexandria", "nahiyat-al-iskandariyah"}
    assert GAZ.choose(iskandariya, [BY_ID["hillah"], BY_ID["baghdad"]]).id == "nahiyat-al-iskandariyah"


def test_brand_names_hide_the_beirut_quarter():
    from gazetteer.gazetteer import BLOCKERS_PATH, read_blockers

    gaz = Gazetteer(PLACES, read_blockers(BLOCKERS_PATH))
    text = "Boycotts hit Coca-Cola sales; later a strike hit the Cola area of Beirut."
    ids = [m.candidates[0].id for m in gaz.find(text)]
    assert ids == ["cola-beirut", "beirut"]


# gaz-4 additions: south Lebanon villages left out before for want of a sure point, and names of real reports
@pytest.mark.parametrize("name, place_id, country", [
    ("Zibqin", "zibqin", "LB"),
    ("Shehabiya", "chehabiyeh", "LB"),
    ("Kherbet Selem", "khirbet-selm", "LB"),
    ("Jmeijmeh", "jmeijmeh", "LB"),
    ("Safad al-Battikh", "safad-al-battikh", "LB"),
    ("Braashit", "baraachit", "LB"),
    ("Deir Ntar", "deir-intar", "LB"),
    ("Ayta al-Jabal", "aita-al-jabal", "LB"),
    ("Ayta al-Zutt", "aita-al-jabal", "LB"),
    ("Aito", "aitou", "LB"),
    ("Nabatiya", "nabatieh", "LB"),
    ("Nour al-Shams", "nur-shams-camp", "PS"),
    ("Abu Araban school", "abu-oreiban-school", "PS"),
    ("Bani al-Harith", "bani-al-harith", "YE"),
    ("Ichilov", "sourasky-medical-center", "IL"),
    ("Wolfson Medical Center", "wolfson-medical-center", "IL"),
])
def test_lookup_gaz4_additions(name, place_id, country):
    test_lookup(name, place_id, country)


def test_tebnine_villages_lie_around_tebnine():
    """The villages around Tebnine sit 1.5-5 km from it; "Safad al-Battikh" is not Safed."""
    from gazetteer.gazetteer import haversine_km

    tebnine = BY_ID["tebnine"]
    for pid in ("aita-al-jabal", "safad-al-battikh", "jmeijmeh", "baraachit", "deir-intar", "khirbet-selm", "kfar-dounine"):
        d = haversine_km(tebnine.lat, tebnine.lon, BY_ID[pid].lat, BY_ID[pid].lon)
        assert 1.0 <= d <= 5.5, (pid, d)
    assert [p.id for p in GAZ.lookup("Safad al-Battikh")] == ["safad-al-battikh"]
    assert [m.candidates[0].id for m in GAZ.find("A strike hit Safad al-Battikh.")] == ["safad-al-battikh"]
