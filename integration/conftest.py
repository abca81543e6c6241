"""Fixtures for the sipproxyd integration suite (real processes on loopback).

Fixtures (all function-scoped factories; everything they start is stopped at
teardown, and on a failing test the proxy log tail, SIPp traces and what the
fakes received are attached to the report):

  sipproxyd_bin   path of the binary; skips when missing (fails when CI is set)
  port            callable -> a free UDP+TCP port on 127.0.0.1
  deploy          callable(**kw) -> started helpers.Deployment (waits for 40004);
                  teardown: SIGTERM, exit code 0, no sanitizer report in the log
  fake_server     callable(port=None, **policy) -> started FakeSipServer
  sip_client      callable(proxy_addr, transport="UDP") -> SipClient
  sipp            callable(scenario, **kw) -> started helpers.SippRun
  shared_proxy    (proxy, fake, http_port): one sipproxyd (oos-check 0, mgmt-port,
                  http-port) in front of one fake SIP Server, shared by the tests
                  of a module (per xdist worker) that only query it; the same
                  teardown checks as deploy, at the end of the module
"""

from __future__ import annotations

import pytest

import helpers
from fakes.sip_client import SipClient
from fakes.sip_server import FakeSipServer

_ARTIFACTS = "_sipproxy_it_artifacts"


def _artifacts(node) -> list:
    if not hasattr(node, _ARTIFACTS):
        setattr(node, _ARTIFACTS, [])
    return getattr(node, _ARTIFACTS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for title, fn in _artifacts(item):
            try:
                text = fn()
            except Exception as exc:  # never let diagnostics hide the failure
                text = f"(could not collect: {exc!r})"
            rep.sections.append((f"{title} [{rep.when}]", text))


@pytest.fixture(scope="session")
def sipproxyd_bin():
    path = helpers.proxy_binary()
    if not path.exists():
        msg = (f"sipproxyd binary not found at {path} (set $SIPPROXYD or build: "
               f"cmake -S . -B build && cmake --build build)")
        if helpers.ci():
            pytest.fail(msg + " -- CI is set, so a missing binary is a failure", pytrace=False)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def sipp_bin():
    if not helpers.sipp_available():
        msg = f"SIPp not found at {helpers.SIPP} (apt-get install sip-tester)"
        if helpers.ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return helpers.SIPP


@pytest.fixture
def port():
    return helpers.free_port


def _stop_and_check(d: helpers.Deployment) -> list[str]:
    """SIGTERM: what is wrong (an exit code other than 0, a sanitizer report)."""
    problems = []
    rc = d.stop()
    if rc != 0:
        problems.append(f"{d.name}: exit code after SIGTERM was {rc!r} (expected 0)")
    found = d.sanitizer_findings()
    if found:
        problems.append(f"{d.name}: sanitizer report in log:\n  " + "\n  ".join(found[:20]))
    return problems


@pytest.fixture
def deploy(sipproxyd_bin, tmp_path, request):
    started: list[helpers.Deployment] = []

    def make(**kw) -> helpers.Deployment:
        name = kw.pop("name", f"sipproxyd{len(started) + 1 if started else ''}")
        d = helpers.Deployment(sipproxyd_bin, tmp_path, name=name, **kw)
        started.append(d)
        _artifacts(request.node).append((f"{d.name} (port {d.proxy_port})", d.report))
        d.start()
        return d

    yield make

    problems = [p for d in started for p in _stop_and_check(d)]
    if problems:
        # The proxy log (and sanitizer block) is attached as a report section.
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def fake_server(request):
    servers: list[FakeSipServer] = []

    def make(port: int | None = None, **policy) -> FakeSipServer:
        s = FakeSipServer(port or helpers.free_port(),
                          name=policy.pop("name", f"fake-sip-server-{len(servers) + 1}"),
                          **policy)
        s.start()
        servers.append(s)
        _artifacts(request.node).append(
            (f"{s.name} {s.address} received", s.dump))
        return s

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def sip_client(request):
    clients: list[SipClient] = []

    def make(proxy_addr, transport: str = "UDP", name: str | None = None, **kw) -> SipClient:
        c = SipClient(proxy_addr, transport, name=name or f"client-{len(clients) + 1}", **kw)
        clients.append(c)
        _artifacts(request.node).append(
            (f"{c.name} ({c.transport} 127.0.0.1:{c.port}) received", c.dump))
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def sipp(sipp_bin, tmp_path, request):
    runs: list[helpers.SippRun] = []

    def make(scenario: str, **kw) -> helpers.SippRun:
        r = helpers.SippRun(tmp_path, scenario, **kw)
        runs.append(r)
        _artifacts(request.node).append((f"SIPp {r.name}", r.report))
        r.start()
        return r

    yield make
    for r in runs:
        r.kill()


@pytest.fixture(scope="module")
def _module_proxy(sipproxyd_bin, tmp_path_factory):
    started: dict = {}

    def get():
        if not started:
            fake = FakeSipServer(helpers.free_port(), name="shared-fake-sip-server")
            fake.start()
            started["fake"] = fake
            http_port = helpers.free_port()
            proxy = helpers.Deployment(sipproxyd_bin, tmp_path_factory.mktemp("shared-proxy"),
                                       server_port=fake.port, name="shared-sipproxyd",
                                       proxy_extra={"http-port": http_port})
            started["proxy"] = proxy
            proxy.start()
            started["value"] = (proxy, fake, http_port)
        return started["value"]

    yield get
    problems = []
    if "proxy" in started:
        problems = _stop_and_check(started["proxy"])
        if problems:
            problems.append(started["proxy"].report())
    if "fake" in started:
        started["fake"].stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def shared_proxy(_module_proxy, request):
    """For tests that only query the proxy (management and HTTP reads): it is
    not restarted between them, so a test must leave nothing changed."""
    proxy, fake, http_port = _module_proxy()
    _artifacts(request.node).append((f"{proxy.name} (port {proxy.proxy_port}, shared)",
                                     proxy.report))
    _artifacts(request.node).append((f"{fake.name} {fake.address} received", fake.dump))
    return proxy, fake, http_port
