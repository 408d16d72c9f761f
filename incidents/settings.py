"""Named settings of extraction: distances, text windows and time limits, in one place."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    background_days: int = 45  # events dated this long before publication are background, not news
    max_excerpt: int = 700  # characters; a longer cluster shows its best sentence only
    cluster_km: float = 3.0  # two places this close are one incident's place (Qabatiya, 6 km from Jenin, is not)
    occurrence_km: float = 25.0  # how far "the attacks took place in X" may move the place told so far (a suburb)
    dedupe_km: float = 2.0  # across entries: Gaza's camps are 5 km apart, not one place
    toll_window: int = 400  # characters: a toll sentence ("The dead included ...") joins the event told this close
    new_event_window: int = 60  # characters at a sentence's start where "another strike" opens a new event
    future_days: int = 1  # an event date this far after publication is allowed (time zones)
    inherit_days: int = 3  # a day inherited from another incident or the entry is at most this old (else: history)
    live_posts: int = 3  # a report with this many posts is a live page (its posts may run past the page's date)
    anchor_sentences: int = 4  # "a day later" counts from a day told at most this many sentences before
    facility_near: int = 20  # characters between a building's noun and the place named with it
    facility_lookback: int = 2  # sentences: "... School in Gaza City ... At least 35 were killed when the school was hit"


SETTINGS = Settings()
