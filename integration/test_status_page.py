"""GET / on the HTTP port, the HTML status page, loaded in a real browser.

A pool of three instances is configured and two run (127.0.0.1, 127.0.0.2), so
instance 1 has a peer whose link is up and one whose link is down (40002).  In
front of them, pair SIPServer_A has a primary that answers its OPTIONS (active)
and a backup that answers 503 (inactive); pair SIPServer_B has only a silent
primary (out of service, so the pair is unavailable: 40001).

Headless Chromium (Debian `chromium`) loads instance 1's page, and the test
reads the DOM Chromium rendered: pair names, each member's state, each peer's
link, the alarms.  With JavaScript off the same content is there; with it on
(and virtual time let run past the refresh period) the page has swapped in a
fresh `/?fragment=1` at least once, under the page's own Content-Security-
Policy.  A screenshot is kept under the test's tmp_path and copied to
integration/output/status_page.png (gitignored); its path is printed.

Skipped when chromium is missing, unless CI is set (then it fails).
"""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import time
from pathlib import Path

import pytest

import chromium
import helpers
import mgmt_util as mu
from fakes.registrar_server import RegistrarPolicy
from test_pool import pool, shared_storage  # noqa: F401 (fixtures)

OUTPUT = Path(__file__).parent / "output"


@pytest.fixture(scope="module")
def browser() -> None:
    if chromium.BINARY is None:
        if os.environ.get("CI"):
            pytest.fail("chromium (Debian package chromium) is missing", pytrace=False)
        pytest.skip("chromium (Debian package chromium) is not installed")


class Page(html.parser.HTMLParser):
    """What the rendered DOM shows: the rows of the tables (by their data-
    attributes, each cell's text and class), the alarms, the <html> attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.rows: list[dict] = []
        self.alarms: list[str] = []
        self.root: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self._row: dict | None = None
        self._cell: dict | None = None
        self._alarm: list[str] | None = None
        self._id: tuple[str, list[str]] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.root = a
        elif tag == "tr":
            self._row = {"class": a.get("class", ""), "attrs": a, "cells": []}
            self.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"class": a.get("class", ""), "text": ""}
            self._row["cells"].append(self._cell)
        elif tag == "li" and "alarm" in a.get("class", "").split():
            self._alarm = []
        if "id" in a and tag == "span":
            self._id = (a["id"], [])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "li" and self._alarm is not None:
            self.alarms.append("".join(self._alarm).strip())
            self._alarm = None
        elif tag == "span" and self._id is not None:
            self.ids[self._id[0]] = "".join(self._id[1]).strip()
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        if self._alarm is not None:
            self._alarm.append(data)
        if self._id is not None:
            self._id[1].append(data)

    def row(self, cls: str, **attrs) -> dict:
        found = [r for r in self.rows if (not cls or cls in r["class"].split())
                 and all(r["attrs"].get(f"data-{k}") == v for k, v in attrs.items())]
        assert len(found) == 1, f"{cls} rows with {attrs}: {len(found)} in {self.rows}"
        return found[0]

    def state(self, cls: str, **attrs) -> tuple[str, str]:
        """(text, tone class) of the row's state cell."""
        [cell] = [c for c in self.row(cls, **attrs)["cells"] if "state" in c["class"].split()]
        return cell["text"].strip(), cell["class"]


def status(port: int) -> dict:
    r = mu.http(port, "/status")
    assert r.status == 200, r.raw
    return json.loads(r.body)


def member_states(doc: dict) -> dict[tuple[str, str], str]:
    return {(p["name"], m["role"]): m["state"] for p in doc["servers"] for m in p["members"]}


def expected(doc: dict) -> bool:
    links = {p["name"]: p["link"] for p in doc["peers"]}
    return (member_states(doc) == {("SIPServer_A", "primary"): "active",
                                   ("SIPServer_A", "backup"): "inactive",
                                   ("SIPServer_B", "primary"): "out-of-service"}
            and links == {"SIPProxy_2": "up", "SIPProxy_3": "down"}
            and any(a.startswith("40002") for a in doc["alarms"])
            and any(a.startswith("40001") for a in doc["alarms"]))


def config_text(a_primary, a_backup, b_primary) -> str:
    lines = ["[sipproxy]", "sipproxy-role = 0", "applications = SIPServer_A,SIPServer_B",
             "sipproxy-applications = SIPProxy_1,SIPProxy_2,SIPProxy_3",
             "oos-check = 1", "oos-force = 1", "send-data-timeout = 20",
             "wait-response-timeout = 1", ""]
    for i in (1, 2, 3):
        lines += [f"[SIPProxy_{i}]", "type = sip-proxy", f"host = 127.0.0.{i}",
                  f"sip-address = 127.0.0.{i}", "sip-port = {sip_port}",
                  f"mgmt-address = 127.0.0.{i}", f"mgmt-port = {{mgmt{i}}}",
                  f"http-port = {{http{i}}}", ""]
    lines += ["[SIPServer_A]", "type = sip-server", f"primary = {a_primary.address}",
              f"backup = {a_backup.address}", "",
              "[SIPServer_B]", "type = sip-server", f"primary = {b_primary.address}", ""]
    return "\n".join(lines)


@pytest.fixture
def running_pool(pool, fake_server):  # noqa: F811 (pool is a fixture)
    """Instance 1's HTTP port, once the pool shows the states the test reads."""
    a_primary = fake_server(name="A-primary", on_request=RegistrarPolicy())
    a_backup = fake_server(name="A-backup", options=503)
    b_primary = fake_server(name="B-primary", silent=True)
    http_ports = {f"http{i}": helpers.free_port() for i in (1, 2, 3)}
    text = config_text(a_primary, a_backup, b_primary)
    text = text.replace("{http1}", str(http_ports["http1"])).replace(
        "{http2}", str(http_ports["http2"])).replace("{http3}", str(http_ports["http3"]))
    # Three configured, two started: SIPProxy_3's link stays down.
    _, made = pool(n=3, start=False, texts={1: text, 2: text, 3: text},
                   timers=helpers.FAST_TIMERS)
    for inst in made[:2]:
        inst.start(wait_ready=False)
    for inst in made[:2]:
        inst.wait_ready(timeout=30)
    port = http_ports["http1"]
    # Bounded: the probes need a few periods, 40002 waits out the start grace.
    if not mu.wait_until(lambda: expected(status(port)), timeout=30, interval=0.25):
        raise AssertionError(f"the pool did not reach the states under test:\n"
                             f"{json.dumps(status(port), indent=1)}\n"
                             f"{helpers.tail(made[0].log_path, 40)}")
    return port


def assert_shows_the_pool(page: Page) -> None:
    assert page.ids.get("application") == "SIPProxy_1", page.ids
    for name in ("SIPServer_A", "SIPServer_B"):
        assert page.row("pair", pair=name)["cells"][0]["text"].strip() == name
    assert page.state("pair", pair="SIPServer_A") == ("available", "state ok")
    assert page.state("pair", pair="SIPServer_B") == ("unavailable", "state bad")
    assert page.state("member", pair="SIPServer_A", role="primary") == ("active", "state ok")
    assert page.state("member", pair="SIPServer_A", role="backup") == ("inactive", "state warn")
    assert page.state("member", pair="SIPServer_B", role="primary") == \
        ("out-of-service", "state bad")
    # The primary's last OPTIONS round trip is shown in milliseconds.
    rtt = page.row("member", pair="SIPServer_A", role="primary")["cells"][3]["text"]
    assert rtt.replace("\xa0", " ").endswith(" ms"), rtt
    assert page.state("peer", peer="SIPProxy_2") == ("up", "state ok")
    assert page.state("peer", peer="SIPProxy_3") == ("down", "state bad")
    assert any(a.startswith("40002 SPR_OTHER_PROXY_INSTANCE_DISCONNECTED") and "SIPProxy_3" in a
               for a in page.alarms), page.alarms
    assert any(a.startswith("40001 SPR_SIPS_HA_PAIR_UNAVAILABLE") and "SIPServer_B" in a
               for a in page.alarms), page.alarms
    assert page.ids.get("storage-backend") == "peers", page.ids


def test_page_headers_and_fragment(running_pool):
    r = mu.http(running_pool, "/")
    assert r.status == 200, r.raw
    assert r.headers["content-type"] == "text/html; charset=utf-8", r.headers
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'nonce-" in csp, csp
    nonce = csp.split("script-src 'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in r.body
    # A new nonce for every response.
    assert mu.http(running_pool, "/").headers["content-security-policy"] != csp
    f = mu.http(running_pool, "/?fragment=1")
    assert f.status == 200 and f.headers["content-type"].startswith("text/html"), f.raw
    assert "<html" not in f.body and "<script" not in f.body, f.body[:300]
    assert_shows_the_pool(Page(f.body))
    # Rates come from the page's own reads: one read more than a second after another
    # (OPTIONS answers arrive every second meanwhile).
    time.sleep(2.2)
    f = mu.http(running_pool, "/?fragment=1")
    assert "<th>Per second, last " in f.body, f.body
    row = Page(f.body).row("", counter="messages_received")["cells"]
    assert float(row[2]["text"]) > 0, row


def test_chromium_renders_the_status_page(browser, running_pool, tmp_path):
    url = f"http://127.0.0.1:{running_pool}/"
    assert_shows_the_pool(Page(chromium.dump_dom(url)))

    shot = tmp_path / "status_page.png"
    chromium.screenshot(url, shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10000
    OUTPUT.mkdir(exist_ok=True)
    kept = OUTPUT / "status_page.png"
    shutil.copyfile(shot, kept)
    print(f"status page screenshot: {shot} (copied to {kept})")


def test_chromium_with_javascript_off_shows_the_same(browser, running_pool):
    page = Page(chromium.dump_dom_no_script(f"http://127.0.0.1:{running_pool}/"))
    assert_shows_the_pool(page)
    assert "data-refreshes" not in page.root, page.root
    # Nothing ran: the refresh note is still the one the server wrote.
    assert page.ids.get("refresh", "").startswith("Shown as it was"), page.ids


def test_chromium_refreshes_the_live_part(browser, running_pool):
    """Virtual time runs past two refresh periods: the script fetched the
    fragment and swapped it in (the CSP let it), and the content is whole."""
    page = Page(chromium.dump_dom(f"http://127.0.0.1:{running_pool}/",
                                  "--virtual-time-budget=12000"))
    assert int(page.root.get("data-refreshes", "0")) >= 1, page.root
    assert page.ids.get("refresh") == "Refreshed every 5 s.", page.ids
    assert_shows_the_pool(page)
