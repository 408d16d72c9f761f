"""Write a synthetic benchmark corpus of live-update reports.

    python bench/make_corpus.py --reports 200 --out bench/out/corpus
    python bench/make_corpus.py --megabytes 50 --seed 7 --out bench/out/corpus-50mb

Every file starts with the line ``SYNTHETIC BENCHMARK REPORT``: these are not
news. The sentences are templates written for this benchmark, recombined over
the curated gazetteer's places and a year of dates, in the shapes of three
live formats:

* AP "Live Updates": a title, photo captions with a full date and an
  "(AP Photo/...)" credit, "Here's the latest:", then posts opening with a
  dateline ("RAFAH, Gaza Strip —", "BEIRUT (AP) —").
* CNN live posts: "Link Copied!", a headline, "From CNN's ...", a caption and
  its credit line, then the body.
* Reuters wires: "CITY, Feb 7 (Reuters) -" followed by paragraphs and a
  "Reporting by ...; Editing by ..." line.

About a third of the sentences report incidents (strikes, shelling, clashes,
raids, protests, arrests); the rest are statements, meetings, warnings, aid
and background, as in real live pages. Output is deterministic for a seed.
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HEADER = "SYNTHETIC BENCHMARK REPORT"
START = date(2024, 1, 1)
DAYS = 366
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
AP_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
REUTERS_MONTHS = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec"]

# where a dateline says a place is
REGION = {"IL": "Israel", "LB": "Lebanon", "SY": "Syria", "IQ": "Iraq", "YE": "Yemen", "EG": "Egypt",
          "JO": "Jordan", "IR": "Iran", "CY": "Cyprus", "TR": "Turkey"}
INCIDENT_COUNTRIES = {"PS", "IL", "LB", "SY", "IQ", "YE"}
LOCAL_KINDS = {"city", "town", "village", "camp", "neighbourhood", "settlement", "capital", "hospital",
               "crossing", "port", "junction", "base", "landmark"}
DATELINE_KINDS = {"city", "capital", "town"}

NAMES = ["Amira Haddad", "Daniel Ortiz", "Leila Mansour", "Tomas Berg", "Nadia Karam", "Sam Whitfield",
         "Rami Aziz", "Helen Park", "Yusuf Demir", "Clara Novak", "Omar Saleh", "Julia Brandt",
         "Karim Nasser", "Ines Duarte", "Farah Qasim", "Peter Lind"]
AUTHORITIES = ["the Health Ministry", "local health officials", "civil defense workers", "hospital staff",
               "the state news agency", "a municipal official", "paramedics at the scene", "residents"]
ACTORS = ["The foreign minister", "A senior diplomat", "The prime minister", "The U.N. envoy",
          "A government spokesperson", "The army chief", "A senior militant leader", "The defense minister"]
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "10", "11", "12", "14",
                "17", "21", "several", "dozens of", "at least three", "at least five"]

INCIDENTS = [
    "An airstrike hit a home in {place} {when}, killing {n} people, including {k} children, {auth} said.",
    "Artillery shells landed on the outskirts of {place} {when}, wounding {m} residents, according to {auth}.",
    "A drone struck a car near {place} {when}, killing {n} men inside, {auth} said.",
    "Gunmen and soldiers exchanged fire in {place} {when}; {n} fighters were killed in the clashes.",
    "Hundreds of people marched through {place} {when} to demand an end to the fighting.",
    "Troops detained {n} people during a raid on {place} {when}, the military said.",
    "A missile slammed into a market in {place} {when}, wounding {m} shoppers, {auth} reported.",
    "Settlers set fire to olive groves outside {place} {when} and injured {m} farmers, {auth} said.",
    "An explosion tore through a building in {place} {when}, and {n} bodies were pulled from the rubble.",
    "Rockets fired from {place} {when} fell in open areas near {place2}, causing no injuries.",
    "{n_cap} people were killed when a strike flattened an apartment block in {place} {when}, {auth} said.",
    "Police fired tear gas at stone-throwing youths in {place} {when}; {m} people were hurt.",
    "A roadside bomb exploded next to a patrol on the road to {place} {when}, killing {n} soldiers.",
    "Warplanes pounded the area around {place} {when}, and {auth} said {n} people died.",
]
STATEMENTS = [
    "{actor} said {when} in {place} that negotiations over a truce would go on.",
    "{actor} met officials in {place} {when} to discuss aid deliveries and the fate of the hostages.",
    "Aid groups warned that flour and fuel in {place} could run out within days.",
    "{actor} told reporters in {place} that the offensive would continue until its goals were met.",
    "Residents of {place} described long lines for bread and water and nights without electricity.",
    "The talks, hosted in {place}, are expected to resume next week, two officials said.",
    "A spokesperson said the government was studying the proposal and would reply soon.",
    "Families of the captives rallied outside the parliament, urging leaders to accept a deal.",
    "The war has displaced most of the territory's population, according to U.N. figures.",
    "Officials in {place} said they would hold an emergency meeting {when} to review security.",
    "{actor} warned that any attack on {place} would draw a firm response.",
    "Satellite images reviewed by analysts show wide damage across {place} since the start of the war.",
    "Schools in {place} remained closed, and many families were sheltering in tents.",
    "The agency said convoys had been unable to reach {place} for more than a week.",
    "Diplomats said a draft resolution calling for a pause in the fighting was being circulated.",
    "Prices of basic goods in {place} have tripled, shopkeepers said.",
]
BACKGROUND = [
    "The war began with a cross-border assault on Oct. 7, 2023, in which about 1,200 people were killed.",
    "Fighting along the border has displaced tens of thousands of people on both sides.",
    "Militias in the region have launched dozens of attacks on bases hosting foreign troops.",
    "Shipping companies have rerouted vessels away from the Red Sea after repeated attacks.",
    "The health system has largely collapsed, with only a handful of hospitals partly working.",
]
HEADLINES = [
    "{Cap} strike kills {n} as truce talks drag on", "Officials in {place} warn of worsening shortages",
    "Clashes reported near {place}", "What we know about the attack in {place}",
    "Diplomats meet in {place} as pressure mounts for a cease-fire", "Protesters gather in {place}",
]


def places_by_use():
    """(incident places, dateline places) from the curated gazetteer."""
    from gazetteer import Gazetteer

    gaz = Gazetteer.load(user=ROOT / "bench" / "no-user-places.csv")
    everything = sorted(gaz.places.values(), key=lambda p: p.id)
    local = [p for p in everything if p.kind in LOCAL_KINDS and p.country in INCIDENT_COUNTRIES]
    datelines = [p for p in everything if p.kind in DATELINE_KINDS and p.country in INCIDENT_COUNTRIES | {"EG", "JO"}
                 and p.name.isascii()]
    return local, datelines


class Writer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.local, self.datelines = places_by_use()

    # ---------------------------------------------------------------- pieces
    def dateline_region(self, p) -> str:
        if p.country == "PS":
            return "West Bank" if p.lon > 34.6 else "Gaza Strip"
        return REGION.get(p.country, p.country)

    def when(self, day: date) -> str:
        r = self.rng.random()
        wd = WEEKDAYS[day.weekday()]
        if r < 0.45:
            return f"on {wd}"
        if r < 0.55:
            return f"late {wd}"
        if r < 0.62:
            return f"overnight into {wd}"
        if r < 0.75:
            return f"on {AP_MONTHS[day.month - 1]} {day.day}"
        if r < 0.85:
            return "early in the day"
        return ""

    def fill(self, template: str, day: date) -> str:
        rng = self.rng
        place = rng.choice(self.local)
        place2 = rng.choice(self.local)
        n = rng.choice(NUMBER_WORDS)
        text = template.format(
            place=place.name, place2=place2.name, when=self.when(day), n=n, n_cap=n[0].upper() + n[1:],
            k=rng.choice(["two", "three", "four"]), m=rng.randint(2, 40), auth=rng.choice(AUTHORITIES),
            actor=rng.choice(ACTORS), Cap=place.name)
        return " ".join(text.split()).replace(" ,", ",").replace(" ;", ";").replace(" .", ".")

    def sentences(self, day: date, k: int) -> list[str]:
        out = []
        for _ in range(k):
            r = self.rng.random()
            pool = INCIDENTS if r < 0.35 else STATEMENTS if r < 0.9 else BACKGROUND
            out.append(self.fill(self.rng.choice(pool), day))
        return out

    def paragraphs(self, day: date, n_par: int) -> list[str]:
        return [" ".join(self.sentences(day, self.rng.randint(1, 3))) for _ in range(n_par)]

    def caption(self, day: date) -> str:
        p = self.rng.choice(self.datelines)
        wd = WEEKDAYS[day.weekday()]
        return (f"People inspect the damage after a strike in {p.name}, {self.dateline_region(p)}, "
                f"{wd}, {AP_MONTHS[day.month - 1]} {day.day}, {day.year}.")

    # ---------------------------------------------------------------- formats
    def ap(self, day: date, target_words: int) -> str:
        rng = self.rng
        cap = self.caption(day)
        credit = f"(AP Photo/{rng.choice(NAMES)})"
        lines = [HEADER, "",
                 f"Live Updates | {self.fill(rng.choice(HEADLINES), day).title()}", "",
                 f"{cap} {credit}", f"{cap} {credit}", "",
                 *self.paragraphs(day, 2), "", "Here's the latest:", ""]
        words = sum(len(x.split()) for x in lines)
        while words < target_words:
            p = rng.choice(self.datelines)
            if p.kind == "capital" or rng.random() < 0.3:
                head = f"{p.name.upper()} (AP) —"
            else:
                head = f"{p.name.upper()}, {self.dateline_region(p)} —"
            pars = self.paragraphs(day, rng.randint(2, 5))
            pars[0] = f"{head} {pars[0]}"
            lines += ["", *[x + "\n" for x in pars]]
            words += sum(len(x.split()) for x in pars)
        return "\n".join(lines).rstrip() + "\n"

    def cnn(self, day: date, target_words: int) -> str:
        rng = self.rng
        lines = [HEADER, f"Live updates: {self.fill(rng.choice(HEADLINES), day)}",
                 f"Updated {rng.randint(1, 11)}:{rng.randint(0, 59):02d} p.m. ET, "
                 f"{WEEKDAYS[day.weekday()]} {MONTHS[day.month - 1]} {day.day}, {day.year}",
                 "What we covered here", *self.paragraphs(day, 2)]
        words = sum(len(x.split()) for x in lines)
        while words < target_words:
            by = " and ".join(rng.sample(NAMES, rng.randint(1, 2)))
            where = f" in {rng.choice(self.datelines).name}" if rng.random() < 0.4 else ""
            post = ["Link Copied!", self.fill(rng.choice(HEADLINES), day), f"From CNN's {by}{where}"]
            if rng.random() < 0.5:
                p = rng.choice(self.datelines)
                post += [f"Smoke rises over {p.name}, {self.dateline_region(p)}, on {MONTHS[day.month - 1]} {day.day}.",
                         f"{rng.choice(NAMES)}/{rng.choice(['Reuters', 'AFP/Getty Images', 'AP'])}"]
            post += self.paragraphs(day, rng.randint(2, 6))
            lines += post
            words += sum(len(x.split()) for x in post)
        return "\n".join(lines) + "\n"

    def reuters(self, day: date, target_words: int) -> str:
        rng = self.rng
        p = rng.choice(self.datelines)
        lines = [HEADER, "", self.fill(rng.choice(HEADLINES), day), "",
                 f"By {rng.choice(NAMES)}", ""]
        pars = self.paragraphs(day, 3)
        pars[0] = f"{p.name.upper()}, {REUTERS_MONTHS[day.month - 1]} {day.day} (Reuters) - {pars[0]}"
        words = 0
        while True:
            lines += [x + "\n" for x in pars]
            words += sum(len(x.split()) for x in pars)
            if words >= target_words:
                break
            pars = self.paragraphs(day, 3)
        lines.append(f"Reporting by {rng.choice(NAMES)} in {p.name}; Editing by {rng.choice(NAMES)}")
        return "\n".join(lines) + "\n"

    def report(self) -> tuple[str, str, str]:
        """(kind, day, text) of one report on a random day of the year."""
        day = START + timedelta(days=self.rng.randrange(DAYS))
        kind = self.rng.choices(["ap", "cnn", "reuters"], weights=[4, 4, 2])[0]
        target = self.rng.randint(600, 900) if kind == "reuters" else self.rng.randint(2500, 5000)
        return kind, day.isoformat(), getattr(self, kind)(day, target)


def write_corpus(out: Path, reports: int | None = None, megabytes: float | None = None,
                 seed: int = 1) -> tuple[int, int, int]:
    """Write the corpus; returns (files, bytes, words). Stops at ``reports`` or ``megabytes``."""
    if reports is None and megabytes is None:
        reports = 100
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("synthetic-*.txt"):
        old.unlink()
    w = Writer(seed)
    n = size = words = 0
    limit = int(megabytes * 1_000_000) if megabytes is not None else None
    while (reports is None or n < reports) and (limit is None or size < limit):
        kind, day, text = w.report()
        data = text.encode("utf-8")
        (out / f"synthetic-{n:05d}-{kind}-{day}.txt").write_bytes(data)
        n += 1
        size += len(data)
        words += len(text.split())
    return n, size, words


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, help="number of reports (default 100 unless --megabytes)")
    ap.add_argument("--megabytes", type=float, help="stop once this many MB (10^6 bytes) are written")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "corpus")
    a = ap.parse_args(argv)
    n, size, words = write_corpus(a.out, a.reports, a.megabytes, a.seed)
    print(f"wrote {n} reports, {size / 1e6:.2f} MB, {words:,} words to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
