"""Bad deployment files and start-up failures: a non-zero exit and one clear
stderr line (event 40003 with FILE:LINE and the option; the nearest name for
an unknown option; the valid range for an out-of-range value), 40006 when the
SIP port is taken, 40000/40003 for an application not in the file, 40000 for
an instance the pool does not list or whose host is not this machine, 40005
when resolve-host = true and the host's name does not resolve."""

from __future__ import annotations

import re
import socket

import pytest

import helpers


def _config(port, *, replace: tuple[str, str] | None = None, **kw) -> str:
    text = helpers.render_config(proxy_port=port(), mgmt_port=port(),
                                 primary=f"127.0.0.1:{port()}", **kw)
    if replace:
        old, new = replace
        assert re.search(old, text, re.M), f"{old!r} not in the template"
        text = re.sub(old, new, text, count=1, flags=re.M)
    return text


def _line_of(text: str, pattern: str) -> int:
    for i, ln in enumerate(text.splitlines(), start=1):
        if re.match(pattern, ln.strip()):
            return i
    raise AssertionError(f"{pattern!r} not in config")


def _error_line(out: str, event: str, must_contain: list[str]) -> str:
    """The one output line with `event` that also holds every `must_contain`."""
    lines = [ln for ln in out.splitlines() if event in ln]
    assert lines, f"no line with event {event} in the output:\n{out}"
    for ln in lines:
        if all(s in ln for s in must_contain):
            return ln
    raise AssertionError(f"no single {event} line holds all of {must_contain}:\n{out}")


def _run_fail(sipproxyd_bin, tmp_path, text, **kw):
    rc, out, cfg = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text, **kw)
    assert rc is not None, f"sipproxyd kept running on a bad configuration:\n{text}\n---\n{out}"
    assert rc != 0, f"sipproxyd exited 0 on a bad configuration:\n{text}\n---\n{out}"
    assert helpers.READY_EVENT not in out, f"sipproxyd logged 40004 on a bad configuration:\n{out}"
    return rc, out, cfg


@pytest.mark.parametrize("section_opt,bad,suggest", [
    ("sipproxy", "oos-chek = 5", "oos-check"),
    ("sipproxy", "serving-sipservr = SIPServer_A", "serving-sipserver"),
    ("proxy", "sip-prot = 5060", "sip-port"),
])
def test_unknown_option(section_opt, bad, suggest, sipproxyd_bin, tmp_path, port):
    key = "sipproxy_extra" if section_opt == "sipproxy" else "proxy_extra"
    name, value = [s.strip() for s in bad.split("=", 1)]
    text = _config(port, **{key: [(name, value)]})
    lineno = _line_of(text, rf"{re.escape(name)}\s*=")
    _, out, cfg = _run_fail(sipproxyd_bin, tmp_path, text)
    line = _error_line(out, "40003", [f"{cfg.name}:{lineno}", name])
    assert suggest in line.replace(name, ""), \
        f"unknown option {name!r}: no suggestion of {suggest!r} in:\n{line}"


# option, bad value, regexes that must show up (after the option name) as the valid range
OUT_OF_RANGE = [
    ("oos-check", "301", ["0", "300"]),
    ("oos-check", "-1", ["0", "300"]),
    ("oos-force", "0", ["1", "32"]),
    ("oos-force", "33", ["1", "32"]),
    ("sipproxy-role", "5", ["0", "10"]),
    ("client-side-port", "65536", ["0", "65535"]),
    ("sip-ip-tos", "257", ["0", "25[56]"]),  # 0-255, 256 = unset: either bound may be shown
    ("wait-response-timeout", "0", ["1", "300"]),
    ("wait-response-timeout", "301", ["1", "300"]),
    ("send-data-timeout", "0", ["1", "30000"]),
    ("send-data-timeout", "30001", ["1", "30000"]),
    ("overload-ctrl-dialog-rate", "-1", ["0"]),
    ("max-connections-per-source", "65536", ["0", "65535"]),
    ("max-connections-per-source", "-1", ["0", "65535"]),
    ("max-transactions", "-1", ["0"]),
    ("max-registrations-per-aor", "many", ["0"]),
    ("resolve-host", "maybe", ["true", "false"]),
    ("oos-check", "five", ["0", "300"]),
    ("geo-location", "us-east", ["letters", "digits"]),  # the guide: alphanumeric
    ("geo-location", "dc_1", ["letters", "digits"]),
]


@pytest.mark.parametrize("option,value,range_tokens", OUT_OF_RANGE,
                         ids=[f"{o}={v}" for o, v, _ in OUT_OF_RANGE])
def test_out_of_range(option, value, range_tokens, sipproxyd_bin, tmp_path, port):
    if option in ("oos-check", "sipproxy-role"):
        text = _config(port, replace=(rf"^{option} = .*$", f"{option} = {value}"))
    else:
        text = _config(port, sipproxy_extra=[(option, value)])
    lineno = _line_of(text, rf"{re.escape(option)}\s*=")
    _, out, cfg = _run_fail(sipproxyd_bin, tmp_path, text)
    line = _error_line(out, "40003", [f"{cfg.name}:{lineno}", option])
    rest = line.split(option, 1)[1] if option in line else line
    for tok in range_tokens:
        assert re.search(rf"(?<![\w.]){tok}(?!\w)", rest), \
            f"{option} = {value}: valid range ({' .. '.join(range_tokens)}) not shown in:\n{line}"


def test_boundary_values_are_accepted(deploy, port):
    """The inclusive ends of every range start normally (and 256 = 'unset' for sip-ip-tos)."""
    deploy(sipproxy_extra=[
        ("oos-force", "32"), ("client-side-port", "0"), ("sip-ip-tos", "256"),
        ("wait-response-timeout", "300"), ("send-data-timeout", "30000"),
        ("overload-ctrl-dialog-rate", "0"), ("resolve-host", "false"),
        ("max-connections-per-source", "65535"), ("max-transactions", "0"),
        ("max-registrations-per-aor", "0"),
    ])
    deploy(name="sipproxyd-lower", sipproxy_extra=[
        ("oos-force", "1"), ("sip-ip-tos", "0"), ("wait-response-timeout", "1"),
        ("send-data-timeout", "1"), ("resolve-host", "true"),
        ("max-connections-per-source", "0"),
    ])


def test_sip_server_geo_location_must_be_alphanumeric(sipproxyd_bin, tmp_path, port):
    text = _config(port, server_extra=[("geo-location", "dc.west")])
    lineno = _line_of(text, r"geo-location\s*=")
    _, out, cfg = _run_fail(sipproxyd_bin, tmp_path, text)
    line = _error_line(out, "40003", [f"{cfg.name}:{lineno}", "SIPServer_A", "dc.west"])
    assert "letters and digits" in line, line


def test_app_not_in_file(sipproxyd_bin, tmp_path, port):
    text = _config(port)
    _, out, _ = _run_fail(sipproxyd_bin, tmp_path, text, app="SIPProxy_9")
    assert "40000" in out or "40003" in out, \
        f"--app SIPProxy_9 (not in the file): no 40000/40003 event:\n{out}"
    assert "SIPProxy_9" in out, f"the message should name the missing application:\n{out}"


def test_instance_not_listed_is_40000(sipproxyd_bin, tmp_path, port):
    """The guide's 40000, first form: sipproxy-applications does not name this instance."""
    text = _config(port, replace=(r"^sipproxy-applications = .*$",
                                  "sipproxy-applications = SIPProxy_2"),
                   extra_text="[SIPProxy_2]\ntype = sip-proxy\nhost = 127.0.0.1\n")
    _, out, cfg = _run_fail(sipproxyd_bin, tmp_path, text)
    _error_line(out, "40000", ["SIPProxy_1", "sipproxy-applications"])


def test_instance_on_another_host_is_40000(sipproxyd_bin, tmp_path, port):
    """The guide's 40000: "proxy address (host:port) is not found in the list". The
    instance's section gives a host that is not this machine (192.0.2.1, TEST-NET-1): the
    address the deployment lists for it is not the one it runs on."""
    text = _config(port, replace=(r"^host = 127\.0\.0\.1$", "host = 192.0.2.1"))
    lineno = _line_of(text, r"host\s*=\s*192")
    _, out, cfg = _run_fail(sipproxyd_bin, tmp_path, text)
    line = _error_line(out, "40000", ["SIPProxy_1", "192.0.2.1", f"{cfg.name}:{lineno}"])
    assert "not on this host" in line, line


UNRESOLVABLE = "sipproxy-host.invalid"  # RFC 6761: a name that never resolves


def test_resolve_host_that_cannot_resolve_is_40005(sipproxyd_bin, tmp_path, port, deploy):
    """The guide's resolve-host = true puts the resolved IP of the host in Via; when the
    host's name does not resolve the daemon cannot start: 40005 naming the host, exit 1.
    The same file with resolve-host = false starts (Via carries the name), so the exit
    comes from the look-up that resolve-host asks for."""
    text = _config(port, replace=(r"^host = 127\.0\.0\.1$", f"host = {UNRESOLVABLE}"),
                   sipproxy_extra=[("resolve-host", "true")])
    host_line = _line_of(text, rf"host\s*=\s*{re.escape(UNRESOLVABLE)}")
    option_line = _line_of(text, r"resolve-host\s*=")
    rc, out, cfg = _run_fail(sipproxyd_bin, tmp_path, text)
    assert rc == 1, f"exit {rc}, not 1:\n{out}"
    _error_line(out, "40005", [UNRESOLVABLE, f"resolve-host = true at {cfg}:{option_line}",
                               f"host at {cfg}:{host_line}"])
    # resolve-host = false: the name goes in Via as it is, and the daemon serves.
    proxy = deploy(config_text=text.replace("resolve-host = true", "resolve-host = false"))
    assert "40005" not in proxy.log_text(), helpers.tail(proxy.log_path)
    assert f"Via {UNRESOLVABLE}:" in proxy.log_text(), helpers.tail(proxy.log_path)


def test_missing_config_file(sipproxyd_bin, tmp_path):
    missing = tmp_path / "does-not-exist.conf"
    import subprocess
    p = subprocess.run([str(sipproxyd_bin), "--config", str(missing), "--app", "SIPProxy_1"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=helpers.START_TIMEOUT)
    out = p.stdout.decode(errors="replace")
    assert p.returncode != 0, f"missing config file: exit 0\n{out}"
    assert "40003" in out and "does-not-exist.conf" in out, out


@pytest.mark.parametrize("proto", ["UDP", "TCP"])
def test_sip_port_in_use(proto, sipproxyd_bin, tmp_path, port):
    p = port()
    holder = socket.socket(socket.AF_INET,
                           socket.SOCK_DGRAM if proto == "UDP" else socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", p))
    if proto == "TCP":
        holder.listen(1)
    try:
        text = helpers.render_config(proxy_port=p, mgmt_port=port(),
                                     primary=f"127.0.0.1:{port()}")
        _, out, _ = _run_fail(sipproxyd_bin, tmp_path, text)
        assert "40006" in out, f"SIP port {p}/{proto} in use: no 40006 event:\n{out}"
    finally:
        holder.close()


def test_sigterm_exits_zero(deploy):
    d = deploy()
    assert d.stop() == 0, f"SIGTERM: exit code {d.returncode}\n{d.report()}"
