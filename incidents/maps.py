"""The folium maps of the dashboard and its pages (no Streamlit here).

Everything the browser needs is served by the app itself (Streamlit's static
file serving: ``static/`` at ``/app/static/``): Leaflet and the marker-cluster
plugin at the versions folium 0.20 expects, our CSS, and the offline base map
(land, sea, country and governorate boundaries; ``static/basemap``). folium's
default links to CDNs (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers)
are replaced per map by :func:`localise`: these maps use none of the others.

* :func:`base_map` is the static part (built fresh every run, identical for the
  same data, so st_folium never remounts it): panes, base map, city and camp
  labels from the gazetteer, the collapsible legend, the view fitted with padding,
  keyboard operation of markers and clusters, an empty cluster group (the plugin's
  JavaScript loads at first mount).
* :func:`marker_layer` is the data layer (st_folium's ``feature_group_to_add``):
  one circle per place in one JSON array, clustered.
"""
from __future__ import annotations

import json
from typing import Iterable, Sequence

import folium
from branca.element import Element, Figure, MacroElement
from folium.plugins import HeatMap, MarkerCluster
from jinja2 import Template

from . import views

LEAFLET_DIR = "vendor/leaflet-1.9.3/"
CLUSTER_DIR = "vendor/leaflet.markercluster-1.1.0/"
HEAT_DIR = "vendor/leaflet.heat-0.2.0/"
BASEMAP_FILE = "basemap/basemap.json"
MAP_CSS = "map/incident-map.css"

# what the map can be panned to (west, south, east, north); widened to hold every place
REGION = (0.0, 0.0, 75.0, 50.0)
DEFAULT_CENTER = (31.5, 34.45)
PADDING = 44  # px around the fitted places: the largest circle (radius 40) is never cut at the edge
WIDE_MAP_PX = 640  # at least this wide: the legend starts open (and the fit leaves room for it)

CLUSTER_OPTIONS = {"maxClusterRadius": 35, "disableClusteringAtZoom": 10, "showCoverageOnHover": False,
                   "spiderfyOnMaxZoom": False}


# ---------------------------------------------------------------------- assets
def localise(element, static_url: str):
    """Point a folium element's JavaScript/CSS links at the app's own copies (instance attributes:
    folium's class-level CDN lists stay as they are)."""
    if isinstance(element, folium.Map):
        element.default_js = [("leaflet", static_url + LEAFLET_DIR + "leaflet.js")]
        element.default_css = [("leaflet_css", static_url + LEAFLET_DIR + "leaflet.css"),
                               ("incident_map_css", static_url + MAP_CSS)]
    elif isinstance(element, MarkerCluster):
        element.default_js = [("markerclusterjs", static_url + CLUSTER_DIR + "leaflet.markercluster.js")]
        element.default_css = [("markerclustercss", static_url + CLUSTER_DIR + "MarkerCluster.css")]
    elif isinstance(element, HeatMap):
        element.default_js = [("leaflet-heat.js", static_url + HEAT_DIR + "leaflet-heat.js")]
        element.default_css = []
    return element


def _js_json(value) -> str:
    """JSON for a JavaScript context: no raw < > & (nothing can close a script or start a tag)."""
    return (json.dumps(value, ensure_ascii=True, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# ---------------------------------------------------------------------- labels
LABEL_KINDS = ("capital", "city", "camp")


def label_min_zoom(kind: str, population: int) -> int:
    """The zoom from which a place's label shows: capitals first, big cities next, camps last."""
    if kind == "capital":
        return 5
    if kind == "camp":
        return 10
    if population >= 1_000_000:
        return 6
    if population >= 250_000:
        return 7
    if population >= 50_000:
        return 9
    return 10


def city_labels(places: Iterable, region: tuple[float, float, float, float] = REGION) -> list[list]:
    """``[name, lat, lon, min_zoom, kind]`` for the main cities, capitals and camps of a gazetteer's
    places (``Gazetteer.places.values()``) inside ``region``, biggest first."""
    w, s, e, n = region
    out = []
    for p in places:
        if p.kind not in LABEL_KINDS or getattr(p, "origin", "curated") != "curated":
            continue
        if not (s <= p.lat <= n and w <= p.lon <= e):
            continue
        out.append((-(p.population or 0), p.name,
                    [p.name, round(p.lat, 4), round(p.lon, 4), label_min_zoom(p.kind, p.population or 0), p.kind]))
    out.sort(key=lambda t: (t[0], t[1]))
    return [row for _, _, row in out]


# ---------------------------------------------------------------------- legend
def legend_html() -> str:
    rows = "".join(
        f'<div class="row"><span class="dot" style="background:{color}"></span>{views.escape_label(name)}</div>'
        for name, color in [*views.EVENT_COLORS.items(), ("Other", views.OTHER_COLOR)])
    return ('<summary>Legend</summary>' + rows
            + '<div class="row"><span class="dot approx"></span>approximate place</div>'
            '<div class="row">size = number of incidents</div>'
            '<div class="row"><span class="dot" style="background:#444"></span>grey bubble = nearby places</div>')


# ---------------------------------------------------------------------- the static map
class MapChrome(MacroElement):
    """Panes, the offline base map, labels, legend, fitted view and keyboard operation, in one script.

    The base map is fetched from the app's static files (cached by the browser), not inlined:
    st_folium sends the map's script on every rerun.
    """

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  var o = {{ this.opts }};
  map.setMinZoom(o.minZoom); map.setMaxZoom(o.mapMaxZoom);
  function pane(name, z) { var p = map.createPane(name); p.style.zIndex = z; p.style.pointerEvents = 'none'; }
  pane('basemap', 250); pane('labels', 350);
  if (o.basemap) {
    fetch(o.basemap).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (!d) { return; }
      if (map.attributionControl) { map.attributionControl.addAttribution('Natural Earth'); }
      L.geoJSON(d.countries, {pane: 'basemap', interactive: false, style: o.countryStyle}).addTo(map);
      L.geoJSON(d.admin1, {pane: 'basemap', interactive: false, style: o.adminStyle}).addTo(map);
    }).catch(function () {});
  }
  var labels = o.labels.map(function (l) {
    var el = document.createElement('div');
    var dot = document.createElement('span'); dot.className = 'map-label-dot';
    var txt = document.createElement('span'); txt.className = 'map-label ' + l[4]; txt.textContent = l[0];
    el.appendChild(dot); el.appendChild(txt);
    return [L.marker([l[1], l[2]], {icon: L.divIcon({html: el, className: 'map-label-icon', iconSize: null}),
                                    pane: 'labels', interactive: false, keyboard: false}), l[3]];
  });
  function showLabels() {
    var z = map.getZoom();
    labels.forEach(function (m) {
      if (z >= m[1]) { if (!map.hasLayer(m[0])) { m[0].addTo(map); } }
      else if (map.hasLayer(m[0])) { map.removeLayer(m[0]); }
    });
  }
  map.on('zoomend', showLabels);
  var size = map.getSize(), wide = size.x >= o.wide;
  var legend = L.control({position: 'topright'});
  legend.onAdd = function () {
    var d = L.DomUtil.create('details', 'incident-legend');
    d.innerHTML = o.legend; d.open = wide;
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  legend.addTo(map);
  if (o.bounds && size.x > 2 * o.pad && size.y > 2 * o.pad) {
    var lw = wide ? legend.getContainer().offsetWidth + 16 : 0;
    map.fitBounds(o.bounds, {paddingTopLeft: [o.pad, o.pad], paddingBottomRight: [o.pad + lw, o.pad],
                             maxZoom: o.maxZoom});
  } else {
    map.setView(o.center, o.zoom);
  }
  showLabels();
  // markers and clusters are buttons: Enter or Space clicks them (a cluster zooms in)
  map.getContainer().addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' && e.key !== ' ') { return; }
    var layer = map._targets && map._targets[L.Util.stamp(e.target)];
    if (!layer || layer === map || !layer.getLatLng) { return; }
    e.preventDefault(); e.stopPropagation();
    layer.fire('click', {latlng: layer.getLatLng(), originalEvent: e}, true);
  }, true);
})({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, opts: dict):
        super().__init__()
        self._name = "MapChrome"
        self.opts = _js_json(opts)


COUNTRY_STYLE = {"color": "#8d8d8d", "weight": 0.9, "fillColor": "#f4f1ea", "fillOpacity": 1.0}
COUNTRY_STYLE_TILES = {"color": "#6d6d6d", "weight": 0.9, "fillOpacity": 0.0}
ADMIN_STYLE = {"color": "#a3a3a3", "weight": 0.7, "dashArray": "3 3", "fill": False}


def place_bounds(lats: Sequence[float], lons: Sequence[float]) -> list[list[float]] | None:
    lats = [float(v) for v in lats if v == v]
    lons = [float(v) for v in lons if v == v]
    if not lats or not lons:
        return None
    s, n, w, e = min(lats), max(lats), min(lons), max(lons)
    if n - s < 0.05 and e - w < 0.05:
        s, n, w, e = s - 0.05, n + 0.05, w - 0.05, e + 0.05
    return [[round(s, 3), round(w, 3)], [round(n, 3), round(e, 3)]]


def base_map(lats: Sequence[float], lons: Sequence[float], static_url: str, *, labels: list[list] = (),
             tiles: bool = False, cluster: bool = True, max_zoom: int = 12, heat: bool = False) -> folium.Map:
    """The static part of a map over these points (only their extent is used).

    ``tiles``: OpenStreetMap tiles under the markers (online only; off by default so an
    offline machine requests nothing). ``keyboard=False``: Leaflet's keyboard handler focuses
    the map on mousedown, which scrolls a partly hidden iframe between mousedown and mouseup so a
    click misses its marker; markers stay keyboard-operable through MapChrome. ``heat``: load
    Leaflet.heat too (from the app) for :func:`heat_layer`.
    """
    bounds = place_bounds(lats, lons)
    w, s, e, n = REGION
    if bounds:
        s, w = min(s, bounds[0][0] - 2), min(w, bounds[0][1] - 2)
        n, e = max(n, bounds[1][0] + 2), max(e, bounds[1][1] + 2)
    m = folium.Map(location=list(DEFAULT_CENTER), zoom_start=7, tiles=None, control_scale=True, keyboard=False,
                   max_bounds=True, min_lat=max(-85, s), max_lat=min(85, n), min_lon=max(-180, w),
                   max_lon=min(180, e))
    localise(m, static_url)
    if tiles:
        folium.TileLayer("OpenStreetMap", control=False).add_to(m)
    opts = {
        "basemap": static_url + BASEMAP_FILE,
        "countryStyle": COUNTRY_STYLE_TILES if tiles else COUNTRY_STYLE,
        "adminStyle": ADMIN_STYLE,
        "labels": [] if tiles else list(labels),
        "legend": legend_html(),
        "wide": WIDE_MAP_PX,
        "bounds": bounds,
        "pad": PADDING,
        "maxZoom": max_zoom,  # of the fitted view
        "minZoom": 3,
        "mapMaxZoom": 18 if tiles else 15,
        "center": list(DEFAULT_CENTER),
        "zoom": 7,
    }
    MapChrome(opts).add_to(m)
    if cluster:
        localise(MarkerCluster(), static_url).add_to(m)  # loads the cluster plugin's JS at first mount
    if heat:
        localise(HeatMap([]), static_url).add_to(m)  # an empty heat layer: Leaflet.heat's JS at first mount
    return m


def heat_rows(places, weight: str = "count") -> list[list[float]]:
    """``[lat, lon, weight]`` per place of :func:`views.aggregate_places` (weight: events or fatalities)."""
    out = []
    for p in places.itertuples(index=False):
        w = float(getattr(p, weight) or 0)
        if w > 0:
            out.append([round(float(p.lat), 5), round(float(p.lon), 5), w])
    return out


def heat_layer(places, static_url: str, weight: str = "count") -> folium.FeatureGroup:
    """A heat map of the places (weighted by events, or by fatalities), as st_folium's data layer."""
    rows = heat_rows(places, weight)
    top = max([r[2] for r in rows], default=1.0)
    fg = folium.FeatureGroup(name="Heat")
    localise(HeatMap(rows, radius=28, blur=22, min_opacity=0.35, max_zoom=12, max=top), static_url).add_to(fg)
    return fg


# ---------------------------------------------------------------------- markers
class _Text(Element):
    """Output given as text: rendered as it is (with the one trailing newline jinja's rendering drops)."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs) -> str:
        return self._text


class PlaceMarkers(MacroElement):
    """All place circles in one JSON array and one loop, inside a marker cluster group (or a plain group).

    One folium ``CircleMarker`` per place costs ~0.65 ms of template rendering
    and ~700 bytes of JavaScript each; this costs a few microseconds and ~150
    bytes per place. Tooltips are the escaped labels (plain text for
    st_folium's ``last_object_clicked_tooltip``); a cluster's tooltip says it is
    a cluster (:data:`views.CLUSTER_HINT`), so a click on it never selects a place.
    Circles are focusable buttons (``tabindex``, ``role``, ``aria-label``).
    """

    _template = Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = {% if this.cluster %}L.markerClusterGroup(Object.assign({{ this.options }}, {
  iconCreateFunction: function (cluster) {
    var n = cluster.getChildCount(), label = n + ' places ' + {{ this.hint }};
    // a cluster is its own icon: Leaflet reads the tooltip's anchor from the icon's options
    cluster.options.tooltipAnchor = [0, -14];
    if (cluster.getTooltip()) { cluster.setTooltipContent(label); } else { cluster.bindTooltip(label); }
    var el = document.createElement('div'), num = document.createElement('span'), sr = document.createElement('span');
    num.textContent = n; num.setAttribute('aria-hidden', 'true'); sr.className = 'sr-only'; sr.textContent = label;
    el.appendChild(num); el.appendChild(sr);
    return L.divIcon({html: el, className: 'incident-cluster marker-cluster', iconSize: L.point(40, 40)});
  }})){% else %}L.featureGroup(){% endif %};
(function (group, rows) {
  var plain = document.createElement('textarea');
  rows.forEach(function (r) {
    var m = L.circleMarker([r.lat, r.lon], {radius: r.r, color: r.c, weight: r.w, dashArray: r.d,
      fill: true, fillColor: r.f, fillOpacity: r.fo, opacity: r.o, className: 'incident-place'});
    m.bindTooltip(r.t);
    plain.innerHTML = r.t;
    var name = plain.value;
    m.on('add', function () {
      var p = this._path;
      if (p) { p.setAttribute('tabindex', '0'); p.setAttribute('role', 'button'); p.setAttribute('aria-label', name); }
    });
    group.addLayer(m);
  });
})({{ this.get_name() }}, {{ this.rows }});
{{ this._parent.get_name() }}.addLayer({{ this.get_name() }});
{% endmacro %}""")

    def render(self, **kwargs) -> None:
        """As ``MacroElement.render``, but the script (the rows: ~150 bytes a place) joins the page's scripts
        as plain text: branca's ``Element(script)`` would compile it as a jinja template, ~60 ms for 2,000
        places on every rerun (st_folium renders the layer each run), and evaluate any ``{{ }}`` in it."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        figure.script.add_child(_Text(self._template.module.script(self, kwargs)), name=self.get_name())

    def __init__(self, rows: list[dict], options: dict, cluster: bool = True):
        super().__init__()
        self._name = "PlaceMarkers"
        self.rows = _js_json(rows)
        self.options = _js_json(options)
        self.hint = _js_json(views.CLUSTER_HINT)
        self.cluster = cluster
        self.count = len(rows)


REJECTED_COLOR = "#9e9e9e"  # a place whose every event an analyst rejected (shown with "Show rejected")


def marker_rows(places, selected: str, noun: str = "incident", size_by: str = "count") -> list[dict]:
    """One row per place of :func:`views.aggregate_places`: position, size, colours, escaped label. A place
    whose events are all rejected (an optional ``rejected`` column: how many are) is grey, dotted and faint."""
    rows = []
    n = len(places)
    if not n:
        return rows
    # plain Python lists, one per column (itertuples on Arrow-backed columns costs ~40 us a row)
    col = {c: places[c].tolist() for c in ("place_id", "place", "lat", "lon", "count", "fatalities",
                                            "geo_precision", "event_type")}
    rej = places["rejected"].tolist() if "rejected" in places.columns else [0] * n
    for pid, place, lat, lon, count, dead, prec, etype, nrej in zip(
            col["place_id"], col["place"], col["lat"], col["lon"], col["count"], col["fatalities"],
            col["geo_precision"], col["event_type"], rej):
        color = views.event_color(etype)
        approx = int(prec) >= 2
        sel = pid == selected
        count = int(count)
        rejected = int(nrej or 0) >= count  # every event here rejected (shown)
        if rejected:
            color = REJECTED_COLOR
        rows.append({
            "id": str(pid), "lat": round(float(lat), 5), "lon": round(float(lon), 5),
            "r": views.marker_radius(int(dead or 0) if size_by == "fatalities" else count),
            "c": "#111" if sel else color, "w": 3.5 if sel else (2.5 if approx else 1.5),
            "d": "2 4" if rejected else "5 4" if approx else None, "f": color,
            "fo": 0.2 if rejected else 0.35 if approx else 0.75,
            "o": 1.0,
            "t": views.escape_label(views.place_label(place, count, noun)),
        })
    return rows


def marker_layer(places, selected: str, cluster: bool = True, noun: str = "incident",
                 size_by: str = "count") -> folium.FeatureGroup:
    """One circle per place (sized by count, or by fatalities with ``size_by="fatalities"``, coloured by
    dominant type, dashed and paler when approximate), clustered when zoomed out; labels escaped."""
    fg = folium.FeatureGroup(name="Incidents")
    fg.add_child(PlaceMarkers(marker_rows(places, selected, noun, size_by), CLUSTER_OPTIONS, cluster=cluster))
    return fg


def point_rows(points: Iterable[tuple[str, float, float, bool]]) -> list[dict]:
    """Rows for plain place dots (the gazetteer page): (label, lat, lon, is_area)."""
    color = "#1f5f99"
    return [{"id": str(i), "lat": round(float(lat), 5), "lon": round(float(lon), 5), "r": 7, "c": color, "w": 2,
             "d": "5 4" if area else None, "f": color, "fo": 0.35 if area else 0.7, "o": 1.0,
             "t": views.escape_label(label)}
            for i, (label, lat, lon, area) in enumerate(points)]


def points_layer(points: Iterable[tuple[str, float, float, bool]]) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name="Places")
    fg.add_child(PlaceMarkers(point_rows(points), {}, cluster=False))
    return fg


def remote_links(m: folium.Map) -> list[str]:
    """Every JavaScript/CSS link of a map that does not point at the app itself (should be none)."""
    out = []

    def walk(el):
        for _, url in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])]:
            if "://" in url or url.startswith("//"):
                out.append(url)
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return out

