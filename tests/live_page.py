"""A live page of our own (AP-like), shared by the ingest and review tests."""

# A live page of our own, as fetched at two times: the later one has one more post on top.
PAGE_1 = """Live updates: fighting in southern Gaza

KHAN YOUNIS, Gaza Strip (AP) — An Israeli airstrike hit a house in Khan Younis on Tuesday, killing four people, \
local health officials said. Rescuers searched the rubble for more survivors into the evening.

RAFAH, Gaza Strip (AP) — Israeli tanks shelled the eastern edge of Rafah on Tuesday, killing two people \
who were trying to reach their farmland, relatives said.
"""
NEW_POST = """BEIRUT (AP) — An Israeli drone strike hit a motorcycle in the southern Lebanese town of Khiam \
on Tuesday, killing one man, Lebanon's state news agency reported.

"""
