"""A tiny app for tests/test_ui_review.py: the review controls of one incident and the state filter."""
import os

import streamlit as st

from gazetteer import Gazetteer
from incidents.store import Store
from ui_review import review_controls, review_filter

store = Store(os.environ["INCIDENTS_DB"])
gazetteer = Gazetteer.load()
incident = store.incidents("id = ?", (int(os.environ.get("REVIEW_APP_INCIDENT", "1")),))[0]
review_controls(store, incident, key="inc-a", gazetteer=gazetteer)
other = store.incidents("id != ?", (incident["id"],))
if other:
    with st.expander("another incident"):
        review_controls(store, other[0], key="inc-b", gazetteer=gazetteer)
states = review_filter("review-filter")
st.text("states: " + ",".join(sorted(states)))
