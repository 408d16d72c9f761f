import re

import pytest

from incidents.events import classify

INCIDENTS = [
    ("A U.S. drone strike hit a car in Baghdad Wednesday night, killing three.", "Explosions/Remote violence", "Air/drone strike"),
    ("An Israeli airstrike in Rafah has killed an officer of the police.", "Explosions/Remote violence", "Air/drone strike"),
    ("Israeli tanks shelled the eastern outskirts of Khan Younis.", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Hezbollah fired dozens of rockets at Kiryat Shmona.", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("A roadside bomb exploded near an army jeep in Jenin.", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Militants clashed with Israeli troops in Jenin camp.", "Battles", "Armed clash"),
    ("Israeli protesters blocked aid trucks at Kerem Shalom.", "Protests", "Peaceful protest"),
    ("Police dispersed the protesters with tear gas in Amman.", "Protests", "Protest with intervention"),
    ("Settlers attacked the village of Huwara, torching cars.", "Riots", "Mob violence"),
    ("Israeli forces arrested 15 people in raids across the West Bank.", "Strategic developments", "Arrests"),
    ("Air defences intercepted a drone over Eilat.", "Strategic developments", "Disrupted weapons use"),
    ("Soldiers uncovered weapons and a tunnel shaft in Khan Younis.", "Strategic developments", "Disrupted weapons use"),
    ("A gunman shot dead two Israelis at a gas station near Eli.", "Violence against civilians", "Attack"),
    ("Gunmen kidnapped two aid workers in Deir ez-Zor.", "Violence against civilians", "Abduction/forced disappearance"),
    ("Bulldozers demolished three homes in Masafer Yatta.", "Strategic developments", "Looting/property destruction"),
    ("An explosion at an arms depot near Hama killed four fighters.", "Explosions/Remote violence",
     "Remote explosive/landmine/IED"),
    ("Sgt. Omer Gaon was killed in combat in southern Gaza.", "Battles", "Armed clash"),
    ("Unknown gunmen killed a man in Jasim.", "Violence against civilians", "Attack"),
    # a drone that kills is a drone strike, not a killing of unknown means
    ("A Hezbollah drone killed two soldiers at a base in the Galilee.", "Explosions/Remote violence", "Air/drone strike"),
    # the event told on, even when it is compared with others since a date
    ("The attack on the army post near Metula was the deadliest such assault since March.",
     "Violence against civilians", "Attack"),
    ("The Israeli army directly targeted an army centre in Mari on Sunday, causing the death of a soldier.",
     "Battles", "Armed clash"),
    ("A US airstrike on the port of Hodeidah killed 30 people on Friday, marking the deadliest US attack on "
     "Yemen to date.", "Explosions/Remote violence", "Air/drone strike"),
]

NOT_INCIDENTS = [
    "Netanyahu vowed to press ahead with the offensive in Gaza until absolute victory.",
    "The U.N. envoy is warning of catastrophic consequences from a looming offensive into Rafah.",
    "Blinken met Abbas in Ramallah on Wednesday to discuss aid.",
    "During that time, 228 people have been killed in Lebanon.",
    "The Palestinian death toll has reached 27,707 people, the Health Ministry said.",
    "The U.S. has blamed the militias for the attack in Jordan.",
    "Israel would withdraw from populated areas and cease aerial operations.",
    "Israel could launch strikes on Rafah within weeks.",
    "Was the strike legal?",
    "Demonstrators don't want aid entering Gaza.",
    "The commander was in charge of drone and rocket operations.",
    "There are no indications of civilian casualties.",
    "The militias have regularly claimed strikes on bases housing U.S. troops.",
    # a superlative since a date that refers back to no event is still a sum over the war
    "It was the deadliest day in Gaza since October, with dozens killed.",
    "It was the deadliest day of the war so far, with dozens killed in Gaza.",
    "More than 2,000 people have been killed in strikes since March.",
]


@pytest.mark.parametrize("sentence, etype, sub", INCIDENTS)
def test_incident_sentences(sentence, etype, sub):
    hit = classify(sentence)
    assert hit is not None, sentence
    assert (hit.event_type, hit.sub_event_type) == (etype, sub)


@pytest.mark.parametrize("sentence", NOT_INCIDENTS)
def test_statements_and_background_are_not_incidents(sentence):
    assert classify(sentence) is None


def test_back_references_are_background_even_with_their_own_date():
    # an ACLED coder codes the Jan 28 attack from the reports of Jan 28, not from a later mention
    s = "The U.S. blamed the militia for a drone strike on January 28 that killed three soldiers."
    assert classify(s) is None
    s = "Two people were killed after an Israeli strike hit their car in Tyre."
    assert classify(s).sub_event_type == "Air/drone strike"  # a causal "after" is not a back-reference


def test_aggregated_tolls_are_not_one_incident():
    assert classify("Health officials said 558 people were killed in strikes across the country on Monday.",
                    fatalities=558) is None
    assert classify("At least 23,210 people have been killed in Gaza since October 7.", fatalities=23210) is None
    assert classify("Israel's war against Hamas has killed more than 23,000 people.", fatalities=23000) is None


def test_every_rule_has_a_prefilter():
    """The derived pre-filter skips sentences only for rules whose literals were found."""
    from incidents.events import BOOK

    assert all(rule.literals for rule in BOOK.triggers), [r.id for r in BOOK.triggers if not r.literals]
    assert BOOK.prefilter.keys_in("blinken met abbas in ramallah to discuss aid.") == frozenset()


def test_fast_paths_find_what_the_full_rules_find():
    """The pre-filter (which rules to run, which sentences to look at) loses no trigger."""
    from pathlib import Path

    from incidents import events

    def all_rules(sentence):
        return [(m.start(), m.end(), r.sub_event_type) for r in events.BOOK.triggers for m in r.regex.finditer(sentence)
                if not (r.sub_event_type == "Air/drone strike"
                        and events._NOT_AN_AIRSTRIKE.match(sentence, max(0, m.start() - 12), m.end()))]

    root = Path(__file__).parent / "fixtures"
    for path in sorted(root.glob("*/*.txt")):
        text = path.read_text(encoding="utf-8")
        index = events.TriggerIndex(text)
        pos = 0
        for line in text.splitlines(keepends=True):
            want = all_rules(line)
            if want:
                assert index.any_in(pos, pos + len(line)), (path.name, line)
            got = [(h.start, h.end, h.sub_event_type) for h in events.triggers(line, index.rules_in(pos, pos + len(line)))]
            assert sorted(got) == sorted(want), (path.name, line)
            pos += len(line)


def test_more_battle_and_shelling_wordings():
    assert classify("Hezbollah fighters confronted an advancing Israeli force near Aitaroun.").event_type == "Battles"
    assert classify("Israeli troops came under fire in Shujaiya.").event_type == "Battles"
    assert classify("An aid convoy came under fire near Wadi Gaza.").sub_event_type == "Attack"
    hit = classify("Shells fired by Israeli tanks hit a house in Khiam, killing a child.", fatalities=1)
    assert hit.sub_event_type == "Shelling/artillery/missile attack"


def test_deaths_in_a_military_operation_are_fighting_and_settler_violence_is_a_topic():
    from incidents.events import classify, refine_cluster_type

    hit = classify("Israeli forces raided the camp, the army said.")
    assert refine_cluster_type(hit, ["Twenty-one people were killed in the operation in Jenin."], 21)[0] == "Battles"
    assert refine_cluster_type(hit, ["Israeli forces killed a teenager during the raid."], 1)[0] == \
        "Violence against civilians"
    assert classify("The UN is aware of settler violence against Palestinians.") is None


def test_settler_arson_and_stone_throwing_are_mob_violence():
    for text in ("Settlers burned a car near the village overnight.",
                 "Israeli settlers on Monday set ablaze two homes in the village.",
                 "Settlers from a nearby outpost threw stones at farmers."):
        hit = classify(text)
        assert hit is not None and hit.sub_event_type == "Mob violence", text
    assert classify("Soldiers burned three cars at the checkpoint.").sub_event_type == "Looting/property destruction"


def test_a_sentence_of_trigger_words_is_classified_in_linear_time():
    from bounded import returns

    # 306 s before: every hit scanned the whole sentence for "days after"-like cues and back-references
    assert returns(classify, "killed " * 20_000) is not None
    assert returns(classify, "days after killed " * 5_000) is None


def test_statistics_of_destruction_and_displacement_are_background():
    from incidents.events import classify

    assert classify("Around 60 percent of the city's buildings were destroyed in Israeli air strikes.") is None
    assert classify("Some 40,000 people have been displaced by the strikes on the camp.") is None
    assert classify("Israeli air strikes destroyed three buildings in the camp.") is not None
