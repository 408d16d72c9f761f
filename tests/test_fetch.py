"""incidents/fetch.py: polite, safe fetching from a server on 127.0.0.1 (no internet)."""
from __future__ import annotations

import gzip
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from datetime import date, timezone

import pytest

from incidents.errors import FetchError, FetchProblem, IncidentMapError
from incidents.fetch import (
    DEFAULT_USER_AGENT,
    address_kind,
    check_url,
    fetch,
    ipv4_literal,
    parse_url,
    read_page_metadata,
    report_from_page,
    report_from_url,
)
from tests.local_http import LocalServer, page, redirect, send

ARTICLE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Strike on a house in Khan Younis | Example Wire</title>
<meta property="og:title" content="Airstrike on a house in Khan Younis kills four">
<meta property="og:site_name" content="Example Wire">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Example Wire"},
  {"@type": "NewsArticle", "headline": "Airstrike kills four", "datePublished": "2024-03-12T08:15:00+02:00",
   "publisher": {"@type": "Organization", "name": "Example Wire Service"}}]}
</script>
<script>var tracking = "Rafah strike killed 99 people";</script>
<style>.x { color: red }</style>
</head><body>
<nav>Home | World | Middle East</nav>
<article>
<h1>Airstrike on a house in Khan Younis kills four</h1>
<p>KHAN YOUNIS, Gaza Strip (AP) &mdash; An airstrike hit a family home in Khan Younis on Tuesday, killing four
people, including two children, local health officials said.</p>
<figure><img src="x.jpg" alt=""><figcaption>Rescuers search the rubble of the house in Khan Younis, Gaza Strip,
Tuesday, March 12, 2024. (AP Photo)</figcaption></figure>
<p>Residents said the house had sheltered displaced relatives.</p>
</article>
<footer>Copyright Example Wire</footer>
</body></html>
"""

LIVE = """<!doctype html>
<html><head><title>Live updates: strikes in southern Lebanon | The Example Post</title>
<meta property="og:site_name" content="The Example Post">
</head><body>
<main>
<article class="post"><time datetime="2024-03-05T14:10:00Z">2:10 p.m.</time>
<h2>Drone strike hits a car near Nabatieh</h2>
<p>BEIRUT &mdash; A drone strike hit a car near Nabatieh on Tuesday afternoon, killing two men, Lebanon's state
news agency said.</p></article>
<article class="post"><time datetime="2024-03-05T09:00:00Z">9:00 a.m.</time>
<h2>Shelling on border villages</h2>
<p>Artillery shells fell on the outskirts of Khiam early Tuesday, residents said.</p></article>
</main></body></html>
"""


@pytest.fixture
def server():
    s = LocalServer().start()
    yield s
    s.stop()


def ok(url: str, **kw):
    """Fetch from the test server (on 127.0.0.1, so the private-address guard is off)."""
    return fetch(url, allow_private=True, **kw)


def problem_of(call) -> FetchError:
    with pytest.raises(FetchError) as info:
        call()
    return info.value


# ------------------------------------------------------------ pages and metadata


def test_fetch_an_article_with_its_metadata(server):
    server.routes["/article"] = page(ARTICLE)
    got = ok(server.url("/article"))
    assert got.status == 200
    assert got.url == server.url("/article")
    assert got.content_type == "text/html" and got.charset == "utf-8" and got.is_html
    assert got.content == ARTICLE.encode("utf-8")
    assert got.fetched_at.tzinfo is timezone.utc
    assert got.address == "127.0.0.1"
    assert got.redirects == ()


def test_user_agent_names_the_project_and_a_contact(server):
    server.routes["/article"] = page(ARTICLE)
    ok(server.url("/article"))
    ua = server.requests[-1].headers["user-agent"]
    assert ua == DEFAULT_USER_AGENT
    assert "incident-map/" in ua and "contact" in ua
    ok(server.url("/article"), user_agent="my-desk-bot/2 (contact: desk@example.org)")
    assert server.requests[-1].headers["user-agent"] == "my-desk-bot/2 (contact: desk@example.org)"


def test_report_from_url_reads_title_date_outlet_and_keeps_the_url(server):
    server.routes["/article"] = page(ARTICLE)
    report = report_from_url(server.url("/article"), allow_private=True)
    assert report.url == server.url("/article")
    assert report.title == "Airstrike on a house in Khan Younis kills four"  # og:title
    assert report.source == "Example Wire"  # og:site_name before the JSON-LD publisher
    assert report.published == date(2024, 3, 12)  # JSON-LD datePublished, the page's own day
    assert "killing four\npeople" in report.text or "killing four people" in report.text.replace("\n", " ")
    assert "Rescuers search the rubble" in report.text  # <figcaption> kept
    assert "tracking" not in report.text and "color: red" not in report.text
    assert "Home | World" not in report.text  # navigation dropped
    assert "\u2014" in report.text  # entity decoded


def test_a_fetched_article_yields_its_incident(server, gazetteer):
    from incidents.extract import extract

    server.routes["/article"] = page(ARTICLE)
    result = extract(report_from_url(server.url("/article"), allow_private=True), gazetteer)
    places = {(i.place, i.date, i.fatalities) for i in result.incidents}
    assert ("Khan Younis", "2024-03-12", 4) in places


def test_live_page_title_without_outlet_and_date_from_time_stamps(server):
    server.routes["/live"] = page(LIVE)
    report = report_from_url(server.url("/live"), allow_private=True)
    assert report.title == "Live updates: strikes in southern Lebanon"  # "| The Example Post" removed
    assert report.source == "The Example Post"
    assert report.published == date(2024, 3, 5)  # first <time datetime>
    assert "near Nabatieh" in report.text and "outskirts of Khiam" in report.text


def test_metadata_fallbacks():
    meta = read_page_metadata("""<html><head><title>Only a title</title>
        <meta name="date" content="2023-11-02"></head><body><time datetime="2020-01-01">old</time></body></html>""")
    assert (meta.title, meta.published, meta.site_name) == ("Only a title", date(2023, 11, 2), "")
    meta = read_page_metadata("""<script type="application/ld+json">[{"@type": ["LiveBlogPosting"],
        "headline": "Live: day 3", "datePublished": "2024-05-01T23:30:00-04:00",
        "publisher": [{"name": "Wire &amp; Co"}]}]</script>""")
    assert (meta.title, meta.published, meta.site_name) == ("Live: day 3", date(2024, 5, 1), "Wire &amp; Co")
    meta = read_page_metadata("""<time datetime="2024-02-01T10:00Z">x</time>
        <time pubdate datetime="2024-01-30">published</time>
        <script type="application/ld+json">{not json</script>""")
    assert meta.published == date(2024, 1, 30)  # the marked publication time wins
    assert read_page_metadata("<meta property='article:published_time' content='9999-01-01'>").published is None
    meta = read_page_metadata("""<script>document.write('<meta property="og:title" content="Injected">')</script>
        <meta property="og:title" content="Real &amp; proper"><title>T</title><title>Second</title>""")
    assert meta.title == "Real & proper"  # a string inside a script is not a tag
    assert read_page_metadata("<title>First</title><title>Second</title>").title == "First"
    assert read_page_metadata("<title>Never closed <meta name=date content=2024-01-01>").published is None


def test_plain_text_is_read_as_text(server):
    body = ("Strikes reported overnight\n\nGAZA CITY (AP) \u2014 An airstrike hit a school building "
            "on Monday, witnesses said.\n")
    server.routes["/notes.txt"] = page(body, "text/plain; charset=utf-8")
    report = report_from_url(server.url("/notes.txt"), allow_private=True)
    assert report.text.startswith("Strikes reported overnight")
    assert report.title == "Strikes reported overnight"
    assert report.source == "AP"  # inferred from the text
    assert report.url == server.url("/notes.txt")


def test_outlet_falls_back_to_the_host_name(server):
    server.routes["/bare"] = page("<html><body><p>Clashes were reported near the crossing on Friday.</p></body></html>")
    assert report_from_url(server.url("/bare"), allow_private=True).source == "127.0.0.1"
    assert report_from_url(server.url("/bare"), allow_private=True, ).title.startswith("Clashes")
    r = report_from_url(server.url("/bare"), allow_private=True, source="My Desk", published=date(2024, 1, 2))
    assert (r.source, r.published) == ("My Desk", date(2024, 1, 2))


def test_charsets(server):
    body = "<html><body><p>Caf\u00e9 \u201cquoted\u201d</p></body></html>"
    server.routes["/cp1252"] = page(body.encode("cp1252"), "text/html; charset=windows-1252")
    server.routes["/latin1"] = page(body.encode("cp1252"), "text/html; charset=ISO-8859-1")  # means 1252
    server.routes["/meta"] = page(b'<html><head><meta charset="windows-1252"></head>' + body.encode("cp1252"),
                                  "text/html")
    server.routes["/none"] = page(body.encode("utf-8"), "text/html")
    server.routes["/bogus"] = page(body.encode("utf-8"), "text/html; charset=x-no-such-charset")
    for path in ("/cp1252", "/latin1", "/meta", "/none", "/bogus"):
        got = ok(server.url(path))
        assert "Caf\u00e9 \u201cquoted\u201d" in got.text, path
    assert ok(server.url("/meta")).charset == "windows-1252"


def test_gzip_body_is_decoded(server):
    server.routes["/gz"] = page(gzip.compress(ARTICLE.encode()), "text/html; charset=utf-8",
                                {"Content-Encoding": "gzip"})
    got = ok(server.url("/gz"))
    assert got.content == ARTICLE.encode()
    assert "gzip" in server.requests[-1].headers["accept-encoding"]


def test_conditional_request_gets_not_modified(server):
    def conditional(h):
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.send_header("ETag", '"v1"')
            h.end_headers()
        else:
            send(h, 200, ARTICLE.encode(), headers={"ETag": '"v1"', "Last-Modified": "Tue, 12 Mar 2024 08:00:00 GMT"})

    server.routes["/c"] = conditional
    first = ok(server.url("/c"))
    assert (first.etag, first.last_modified) == ('"v1"', "Tue, 12 Mar 2024 08:00:00 GMT")
    again = ok(server.url("/c"), if_none_match=first.etag, if_modified_since=first.last_modified)
    assert again.not_modified and again.content == b""
    assert server.requests[-1].headers["if-modified-since"] == first.last_modified


def test_empty_page_is_an_error(server):
    server.routes["/empty"] = page("<html><head><title>x</title></head><body><script>1</script></body></html>")
    err = problem_of(lambda: report_from_url(server.url("/empty"), allow_private=True))
    assert err.problem is FetchProblem.NO_TEXT and "no readable text" in str(err)


# ------------------------------------------------------------ redirects


def test_redirect_to_a_page_is_followed_and_re_checked(server):
    server.routes["/article"] = page(ARTICLE)
    server.routes["/old"] = redirect("/article", 301)
    server.routes["/short"] = redirect(server.url("/old"), 302)
    got = ok(server.url("/short"))
    assert got.url == server.url("/article")
    assert got.requested_url == server.url("/short")
    assert got.redirects == (server.url("/short"), server.url("/old"))
    report = report_from_url(server.url("/short"), allow_private=True)
    assert report.url == server.url("/article")  # the store knows the page by where it is


def test_redirect_loop_and_too_many_redirects(server):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a", 307)
    err = problem_of(lambda: ok(server.url("/a")))
    assert err.problem is FetchProblem.REDIRECT_LOOP
    assert str(err).startswith(server.url("/a") + ": redirect loop")
    for i in range(10):
        server.routes[f"/r{i}"] = redirect(f"/r{i + 1}", 308)
    server.routes["/r10"] = page(ARTICLE)
    err = problem_of(lambda: ok(server.url("/r0"), max_redirects=5))
    assert err.problem is FetchProblem.TOO_MANY_REDIRECTS and "more than 5" in str(err)
    assert server.hits("/r6") == 0  # stopped after the 6th redirect answer, not followed
    assert ok(server.url("/r5"), max_redirects=5).url == server.url("/r10")


def test_redirect_to_a_refused_scheme(server):
    server.routes["/to-file"] = redirect("file:///etc/passwd")
    err = problem_of(lambda: ok(server.url("/to-file")))
    assert err.problem is FetchProblem.SCHEME
    assert str(err).startswith(server.url("/to-file") + ": redirected to file:///etc/passwd")


@pytest.mark.parametrize("location, kind", [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.7/admin", "private"),
    ("http://[::1]/", "loopback"),
    ("http://0x7f000002/", "loopback"),
    ("http://intranet.test/", "private"),  # a DNS name that resolves to 10.1.2.3
])
def test_redirect_to_a_private_address_is_refused(server, location, kind):
    server.routes["/go"] = redirect(location)
    resolver_calls = []

    def resolver(host, port):
        resolver_calls.append(host)
        return {"intranet.test": ["10.1.2.3"]}[host]

    # only the test server's own address is let through, so the redirect target is judged for real
    err = problem_of(lambda: fetch(server.url("/go"), allow_addresses=["127.0.0.1"], resolver=resolver))
    assert err.problem is FetchProblem.ADDRESS, err
    assert kind in str(err) and "redirected to" in str(err)
    assert server.hits("/go") == 1


# ------------------------------------------------------------ limits


def test_huge_body_is_stopped_at_the_limit_while_streaming(server):
    sent = {"bytes": 0}
    finished = threading.Event()
    total = 200 * 1024 * 1024

    def endless(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()  # no Content-Length: the size is only known by reading
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        try:
            while sent["bytes"] < total:
                h.wfile.write(chunk)
                sent["bytes"] += len(chunk)
        finally:
            finished.set()

    server.routes["/huge"] = endless
    err = problem_of(lambda: ok(server.url("/huge"), max_bytes=1024 * 1024))
    assert err.problem is FetchProblem.TOO_LARGE and "1,048,576" in str(err)
    assert finished.wait(10)
    assert sent["bytes"] < total // 4  # the client hung up; it did not download 200 MB


def test_declared_length_over_the_limit_is_refused_before_reading(server):
    def liar(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(10 * 1024 ** 3))
        h.end_headers()
        h.wfile.write(b"<p>small</p>")
        server.release.wait(5)

    server.routes["/declared"] = liar
    err = problem_of(lambda: ok(server.url("/declared"), timeout=5))
    assert err.problem is FetchProblem.TOO_LARGE and "declared" in str(err)


def test_gzip_bomb_is_stopped_at_the_decoded_limit(server):
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    server.routes["/bomb"] = page(bomb, "text/html", {"Content-Encoding": "gzip"})
    err = problem_of(lambda: ok(server.url("/bomb"), max_bytes=1024 * 1024))
    assert err.problem is FetchProblem.TOO_LARGE


def test_slow_answer_times_out(server):
    def slow(h):
        server.release.wait(10)
        send(h, 200, b"<p>late</p>")

    server.routes["/slow"] = slow
    err = problem_of(lambda: ok(server.url("/slow"), timeout=0.3))
    assert err.problem is FetchProblem.TIMEOUT and "timed out" in str(err)


def test_trickling_body_times_out_on_the_whole_deadline(server):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        while not server.release.wait(0.05):  # a byte every 50 ms: each read is quick, the whole is not
            h.wfile.write(b"x")
            h.wfile.flush()

    server.routes["/trickle"] = trickle
    err = problem_of(lambda: ok(server.url("/trickle"), timeout=0.5))
    assert err.problem is FetchProblem.TIMEOUT


@pytest.mark.parametrize("ctype", ["application/pdf", "image/png", "application/json", "application/octet-stream",
                                   "text/css"])
def test_wrong_content_types_are_refused(server, ctype):
    server.routes["/file"] = page(b"%PDF-1.4 binary", ctype)
    err = problem_of(lambda: ok(server.url("/file")))
    assert err.problem is FetchProblem.CONTENT_TYPE
    assert f"not HTML or text: the server says '{ctype}'" in str(err)


def test_undeclared_content_type_is_sniffed_for_html_only(server):
    server.routes["/html"] = page(ARTICLE.encode(), None)
    server.routes["/blob"] = page(b"\x89PNG\r\n\x1a\n\0\0\0", None)
    assert ok(server.url("/html")).content_type == "text/html"
    assert problem_of(lambda: ok(server.url("/blob"))).problem is FetchProblem.CONTENT_TYPE


def test_binary_body_labelled_html_is_refused(server):
    server.routes["/png"] = page(b"\x89PNG\r\n\x1a\n" + bytes(range(32)) * 50, "text/html")
    err = problem_of(lambda: ok(server.url("/png")).text)
    assert err.problem is FetchProblem.CONTENT_TYPE and "binary" in str(err)


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_http_errors(server, status):
    server.routes["/gone"] = lambda h: send(h, status, b"nope", "text/plain")
    err = problem_of(lambda: ok(server.url("/gone")))
    assert err.problem is FetchProblem.HTTP_STATUS and err.status == status
    assert str(err).startswith(f"{server.url('/gone')}: HTTP {status}")


def test_connection_refused_is_one_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    err = problem_of(lambda: ok(f"http://127.0.0.1:{port}/"))
    assert err.problem is FetchProblem.CONNECT and "cannot connect" in str(err)


# ------------------------------------------------------------ refused URLs


@pytest.mark.parametrize("form", [
    "http://127.0.0.1:{port}/article",
    "http://2130706433:{port}/article",
    "http://0x7f000001:{port}/article",
    "http://0177.0.0.1:{port}/article",
    "http://127.1:{port}/article",
    "http://[::ffff:127.0.0.1]:{port}/article",
    "http://[::1]:{port}/article",
    "http://localhost:{port}/article",
    "http://LOCALHOST.:{port}/article",
    "http://0.0.0.0:{port}/article",
])
def test_local_addresses_are_refused_without_allow_private(server, form):
    server.routes["/article"] = page(ARTICLE)
    url = form.format(port=server.port)
    err = problem_of(lambda: fetch(url))
    assert err.problem is FetchProblem.ADDRESS
    assert str(err).startswith(url + ": refused: ")
    assert "only public addresses" in str(err)
    assert server.hits() == 0  # the guard is before any connection


@pytest.mark.parametrize("url, kind", [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.0.0.1/", "private (RFC 1918)"),
    ("http://172.16.5.4/", "private (RFC 1918)"),
    ("http://192.168.1.1/", "private (RFC 1918)"),
    ("http://[fc00::1]/", "unique-local"),
    ("http://[fd12:3456::1]/", "unique-local"),
    ("http://100.64.0.1/", "shared (carrier-grade NAT)"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.2.10/", "not globally routable"),
    ("http://[::ffff:10.0.0.1]/", "private (RFC 1918)"),
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),  # NAT64 of 169.254.169.254
    ("https://[2002:7f00:1::1]/", "loopback"),       # 6to4 of 127.0.0.1
])
def test_private_and_special_addresses_are_refused(url, kind):
    err = problem_of(lambda: fetch(url, timeout=1))
    assert err.problem is FetchProblem.ADDRESS
    assert f"a {kind} address" in str(err)
    assert problem_of(lambda: check_url(url)).problem is FetchProblem.ADDRESS  # without DNS too


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "FILE:///etc/passwd", "file://localhost/etc/passwd", "ftp://example.com/a.txt",
    "data:text/html,<p>hi</p>", "javascript:alert(1)", "gopher://example.com/", "view-source:http://example.com/",
    "ws://example.com/", "jar:http://example.com/x.jar!/",
])
def test_other_schemes_are_refused(url):
    err = problem_of(lambda: fetch(url))
    assert err.problem is FetchProblem.SCHEME
    assert "only http and https" in str(err) and str(err).startswith(url[:20])


@pytest.mark.parametrize("url, words", [
    ("", "empty URL"),
    ("example.com/news", "not a URL"),
    ("localhost:8080", "not a URL"),
    ("//example.com/x", "not a URL"),
    ("http:///etc/passwd", "no host"),
    ("http://user:secret@example.com/", "credentials"),
    ("http://example.com@127.0.0.1/", "credentials"),
    ("http://exa mple.com/", "bad host name"),
    ("http://example.com:99999/", "bad host or port"),
    ("http://1.2.3.999/", "bad IPv4 address"),
    ("http://[fe80::1%25eth0]/", "zone ids"),
    ("http://example.com/\r\nHost: evil", "control characters"),
])
def test_malformed_urls(url, words):
    err = problem_of(lambda: fetch(url))
    assert words in str(err)
    assert "secret" not in str(err)


def test_errors_belong_to_the_project_family():
    assert issubclass(FetchError, IncidentMapError)


def test_allow_private_is_only_a_parameter(server, monkeypatch):
    server.routes["/article"] = page(ARTICLE)
    for name in ("INCIDENTS_ALLOW_PRIVATE", "ALLOW_PRIVATE", "http_proxy", "HTTP_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "1" if "ALLOW" in name else "http://127.0.0.1:9/")
    assert problem_of(lambda: fetch(server.url("/article"))).problem is FetchProblem.ADDRESS
    assert ok(server.url("/article")).status == 200  # proxies from the environment are not used
    assert fetch(server.url("/article"), allow_addresses=["127.0.0.0/8"]).status == 200


# ------------------------------------------------------------ DNS


def test_names_resolving_to_private_addresses_are_refused():
    err = problem_of(lambda: fetch("http://news.test/", resolver=lambda h, p: ["10.9.8.7"]))
    assert err.problem is FetchProblem.ADDRESS
    assert "news.test resolves to 10.9.8.7, a private (RFC 1918) address" in str(err)
    # one bad address among good ones is enough to refuse (we could be sent to any of them)
    err = problem_of(lambda: fetch("http://news.test/", resolver=lambda h, p: ["93.184.216.34", "::1"]))
    assert err.problem is FetchProblem.ADDRESS and "::1" in str(err)


def test_name_that_does_not_resolve():
    def nxdomain(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    err = problem_of(lambda: fetch("http://no-such-host.test/", resolver=nxdomain))
    assert err.problem is FetchProblem.DNS and "cannot resolve host no-such-host.test" in str(err)


def test_connects_to_the_address_it_checked(server):
    """DNS is asked once per request; the connection goes to that answer, not to a second lookup."""
    server.routes["/article"] = page(ARTICLE)
    server.routes["/moved"] = redirect("/article")
    answers = iter([["127.0.0.1"], ["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    calls = []

    def rebinding(host, port):
        calls.append((host, port))
        return next(answers)

    url = f"http://news.test:{server.port}/moved"
    got = fetch(url, allow_addresses=["127.0.0.1"], resolver=rebinding)
    assert got.url == f"http://news.test:{server.port}/article"
    assert calls == [("news.test", server.port)] * 2  # once per hop
    assert [r.headers["host"] for r in server.requests] == [f"news.test:{server.port}"] * 2
    # the next lookups answer a private address: refused, never connected
    assert problem_of(lambda: fetch(url, allow_addresses=["127.0.0.1"], resolver=rebinding)).problem \
        is FetchProblem.ADDRESS
    assert len(server.requests) == 2


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-days", "2",
                    "-subj", "/CN=news.test", "-addext", "subjectAltName=DNS:news.test"],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


def test_https_verifies_the_certificate_for_the_host_name(tls_cert):
    cert, key = tls_cert
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server = LocalServer().start(ssl_context=server_ctx)
    try:
        server.routes["/article"] = page(ARTICLE)
        trust = ssl.create_default_context(cafile=str(cert))
        resolve = lambda h, p: ["127.0.0.1"]  # noqa: E731
        url = f"https://news.test:{server.port}/article"
        got = fetch(url, allow_private=True, resolver=resolve, ssl_context=trust)
        assert got.status == 200 and got.url == url  # SNI and certificate checked for news.test
        err = problem_of(lambda: fetch(url, allow_private=True, resolver=resolve))  # system CAs: untrusted
        assert err.problem is FetchProblem.TLS and "certificate" in str(err)
        other = f"https://other.test:{server.port}/article"  # a name the certificate is not for
        err = problem_of(lambda: fetch(other, allow_private=True, resolver=resolve, ssl_context=trust))
        assert err.problem is FetchProblem.TLS
    finally:
        server.stop()


# ------------------------------------------------------------ pieces


def test_ipv4_spellings():
    for spelled in ("127.0.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "127.1", "127.0.1",
                    "0x7f.1", "017700000001"):
        assert ipv4_literal(spelled) == ipaddress.IPv4Address("127.0.0.1"), spelled
    assert ipv4_literal("169.254.43518") == ipaddress.IPv4Address("169.254.169.254")
    for name in ("example.com", "cafe.be", "1.2.3.4.5", "256.1.1.1", "08.1.1.1", "1e3", ""):
        assert ipv4_literal(name) is None, name


def test_address_kinds():
    assert address_kind(ipaddress.ip_address("93.184.216.34")) is None
    assert address_kind(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946")) is None
    assert address_kind(ipaddress.ip_address("::ffff:93.184.216.34")) is None
    assert address_kind(ipaddress.ip_address("::ffff:192.168.0.1")) == "private (RFC 1918)"
    assert address_kind(ipaddress.ip_address("fec0::1")) == "site-local"


def test_parse_url_normalises():
    t = parse_url("HTTP://News.Example.COM:80/a b/é?q=1 2#frag")
    assert t.url == "http://news.example.com/a%20b/%C3%A9?q=1%202"
    assert (t.host, t.port, t.request_target) == ("news.example.com", 80, "/a%20b/%C3%A9?q=1%202")
    assert parse_url("https://bücher.example/").host == "xn--bcher-kva.example"
    assert parse_url("https://example.com").request_target == "/"


def test_report_from_page_refuses_a_not_modified_page(server):
    server.routes["/c"] = lambda h: (h.send_response(304), h.end_headers())
    got = ok(server.url("/c"), if_none_match='"x"')
    assert got.not_modified
    assert problem_of(lambda: report_from_page(got)).problem is FetchProblem.NO_TEXT
