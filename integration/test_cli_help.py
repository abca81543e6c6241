"""The three command lines (sipproxyd, sipproxyctl, sipprobe) on Boost.Program_options.

* `--help` and the man page's OPTIONS name the same options, and the same environment
  variables (ENVIRONMENT);
* options go before or after the command, as `--opt=VALUE` or `--opt VALUE`, and `--`
  ends them: checked on what sipproxyctl sends to a fake management port, and once
  against a running sipproxyd;
* `sipproxyctl help set` is `sipproxyctl set --help` (and `sipprobe help dns`);
* an unknown option or a missing value is one line naming the option, with a hint to
  --help, exit 2;
* the bash completion of dist/bash-completion/, run by bash with bash-completion loaded,
  offers the commands, the option names of get/set (from `sipproxyctl option-names`),
  each command's options, and the applications of the --config file on the line.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest

import helpers

BINARIES = ("sipproxyd", "sipproxyctl", "sipprobe")
RUN_TIMEOUT = 15.0
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
COMPLETIONS = helpers.REPO_ROOT / "dist" / "bash-completion"
MAN = helpers.REPO_ROOT / "man"


def binary(name: str) -> Path:
    return helpers.proxy_binary() if name == "sipproxyd" else helpers.tool_binary(name)


def missing(msg: str):
    """A prerequisite is missing: a failure under CI, else a skip."""
    if helpers.ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="module", autouse=True)
def built():
    for name in BINARIES:
        if not binary(name).exists():
            missing(f"{name} not found at {binary(name)} (build first)")


def run(name: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run([str(binary(name)), *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT, env=env)
    found = [ln for ln in r.stderr.splitlines()
             if any(m in ln for m in helpers.SANITIZER_MARKERS)]
    assert not found, f"sanitizer report from {name} {' '.join(args)}:\n{r.stderr}"
    return r


# ---------------------------------------------------------------------------
# --help and the man page agree
# ---------------------------------------------------------------------------

LONG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
SHORT = re.compile(r"(?<![\w-])-[a-zA-Z](?![\w-])")


def commands_of(help_text: str) -> list[str]:
    """The names listed under "Commands:" in a --help."""
    names, inside = [], False
    for line in help_text.splitlines():
        if line.startswith("Commands:"):
            inside = True
        elif not line.strip():
            inside = False
        elif inside and re.match(r"^  [a-z]", line):
            names.append(line.split()[0])
    return names


def help_texts(name: str) -> list[str]:
    """Every --help the binary has: the overview, and each command's."""
    overview = run(name, "--help")
    assert overview.returncode == 0, overview
    texts = [overview.stdout]
    for cmd in commands_of(overview.stdout):
        r = run(name, cmd, "--help")
        assert r.returncode == 0, r
        texts.append(r.stdout)
    return texts


def help_options(name: str) -> tuple[set[str], set[str]]:
    """Long and short options of the option entries (lines that start with a dash)."""
    longs, shorts = set(), set()
    for text in help_texts(name):
        for line in text.splitlines():
            if re.match(r"^\s+-", line):
                entry = re.split(r"\s{2,}", line.strip())[0]
                longs.update(LONG.findall(entry))
                shorts.update(SHORT.findall(entry))
    return longs, shorts


def man_section(name: str, title: str) -> list[str]:
    lines = (MAN / f"{name}.8").read_text().splitlines()
    out, inside = [], False
    for line in lines:
        if line.startswith(".SH"):
            inside = line.split(None, 1)[1].strip('"') == title
            continue
        if inside:
            out.append(line)
    return out


def unroff(line: str) -> str:
    return re.sub(r"\\f[A-Z]", "", line).replace("\\-", "-").replace("\\c", "")


def man_options(name: str) -> tuple[set[str], set[str]]:
    """Long and short options named by the tags (.TP) of the OPTIONS section."""
    section = man_section(name, "OPTIONS")
    tags = [unroff(section[i + 1]) for i, ln in enumerate(section[:-1]) if ln == ".TP"]
    longs = {o for t in tags for o in LONG.findall(t)}
    shorts = {o for t in tags for o in SHORT.findall(t)}
    return longs, shorts


@pytest.mark.parametrize("name", BINARIES)
def test_help_and_man_page_name_the_same_options(name):
    help_long, help_short = help_options(name)
    man_long, man_short = man_options(name)
    assert help_long, f"no options found in {name} --help"
    assert help_long - man_long == set(), f"in --help, not in {name}(8) OPTIONS"
    assert man_long - help_long == set(), f"in {name}(8) OPTIONS, not in --help"
    assert help_short == man_short, (name, help_short, man_short)


def environment_of_help(text: str) -> set[str]:
    names, inside = set(), False
    for line in text.splitlines():
        if line.startswith("Environment:"):
            inside = True
        elif not line.strip():
            inside = False
        elif inside and (m := re.match(r"^  ([A-Z][A-Z0-9_]+)\s", line)):
            names.add(m.group(1))
    return names


@pytest.mark.parametrize("name", BINARIES)
def test_help_and_man_page_name_the_same_environment(name):
    in_help = environment_of_help(run(name, "--help").stdout)
    section = man_section(name, "ENVIRONMENT")
    in_man = {unroff(section[i + 1]).split()[-1]
              for i, ln in enumerate(section[:-1]) if ln == ".TP"}
    assert in_help == in_man, (name, in_help, in_man)


def test_token_variable_is_documented_beside_its_flag():
    text = run("sipproxyctl", "--help").stdout
    entry = text[text.index("--token"):text.index("--timeout")]
    assert "SIPPROXY_MGMT_TOKEN" in entry, entry


# ---------------------------------------------------------------------------
# Where options go: checked on what reaches a fake management port
# ---------------------------------------------------------------------------

class FakeMgmt:
    """A management port that records each request and answers it ok (with the
    fields `set` renders). Bounded: accept polls every 0.2 s until stopped."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", helpers.free_port()))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.target = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.requests: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while not data.endswith(b"\n") and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if not data.endswith(b"\n"):
                    continue
                req = json.loads(data)
                self.requests.append({"cmd": req.get("cmd"), "args": req.get("args", [])})
                reply = {"ok": True, "option": "x", "value": "v", "previous": "p"}
                conn.sendall((json.dumps(reply) + "\n").encode())

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def fake_mgmt():
    f = FakeMgmt()
    yield f
    f.stop()


def ctl(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SIPPROXY_MGMT_TOKEN"}
    return run("sipproxyctl", *args, env=env)


@pytest.mark.parametrize("order", [["--json", "dialogs"], ["dialogs", "--json"]],
                         ids=["before", "after"])
def test_json_before_or_after_the_command(fake_mgmt, order):
    r = ctl("--target", fake_mgmt.target, *order)
    assert r.returncode == 0, r
    assert json.loads(r.stdout)["ok"] is True, r.stdout
    assert fake_mgmt.requests == [{"cmd": "dialogs", "args": []}]


def test_equals_and_separate_values(fake_mgmt):
    r1 = ctl(f"--target={fake_mgmt.target}", "--timeout=2", "get", "oos-check", "-j")
    r2 = ctl("get", "oos-check", "--target", fake_mgmt.target, "--timeout", "2", "--json")
    r3 = ctl("get", f"-t{fake_mgmt.target}", "oos-check", "--json")
    for r in (r1, r2, r3):
        assert r.returncode == 0, r
        assert json.loads(r.stdout)["ok"] is True
    assert fake_mgmt.requests == [{"cmd": "get", "args": ["oos-check"]}] * 3


def test_double_dash_ends_the_options(fake_mgmt):
    r = ctl("--target", fake_mgmt.target, "set", "x", "--", "--json")
    assert r.returncode == 0, r
    assert r.stdout == "x = v (was p)\n", r.stdout        # text: --json was an argument
    r = ctl("--target", fake_mgmt.target, "set", "oos-check", "-1", "--json")
    assert r.returncode == 0, r
    assert fake_mgmt.requests == [{"cmd": "set", "args": ["x", "--json"]},
                                  {"cmd": "set", "args": ["oos-check", "-1"]}]


def test_status_json_either_order_on_a_running_proxy(shared_proxy):
    proxy, _, _ = shared_proxy
    target = f"127.0.0.1:{proxy.mgmt_port}"
    for args in (["status", "--json", "--target", target],
                 ["--json", "--target", target, "status"]):
        r = ctl(*args)
        assert r.returncode == 0, r
        doc = json.loads(r.stdout)
        assert doc["ok"] is True and doc["application"] == proxy.app, doc


def test_sipproxyd_equals_values_and_single_dash_app(tmp_path):
    conf = tmp_path / "sipproxy.conf"
    conf.write_text((helpers.REPO_ROOT / "examples" / "sipproxy.conf").read_text())
    for args in ([f"--config={conf}", "--app=SIPProxy_1", "--check"],
                 ["--check", "-c", str(conf), "-app", "SIPProxy_1"]):
        r = run("sipproxyd", *args)
        assert r.returncode == 0, r
        assert "configuration for SIPProxy_1 is valid" in r.stdout, r
    r = run("sipproxyd", "--check", "-c", str(conf), "--", "--app", "SIPProxy_1")
    assert r.returncode == 2, r
    assert "unexpected argument '--app'" in r.stderr, r


# ---------------------------------------------------------------------------
# Help per command
# ---------------------------------------------------------------------------

def test_help_command_is_the_command_help():
    a, b = ctl("help", "set"), ctl("set", "--help")
    assert a.returncode == 0 and b.returncode == 0, (a, b)
    assert a.stdout == b.stdout and a.stderr == "" and b.stderr == ""
    first = a.stdout.splitlines()[0]
    assert first.startswith("Usage: sipproxyctl") and first.endswith(" set OPTION VALUE"), first
    assert "--target" in a.stdout                         # the options, generated
    for cmd in commands_of(ctl("--help").stdout):
        r = ctl("help", cmd)
        assert r.returncode == 0 and f" {cmd}" in r.stdout.splitlines()[0], r


def test_sipprobe_help_command():
    a, b = run("sipprobe", "help", "dns"), run("sipprobe", "dns", "--help")
    assert a.returncode == 0 and a.stdout == b.stdout, (a, b)
    assert a.stdout.startswith("usage: sipprobe dns"), a.stdout


def test_option_names_lists_the_option_table():
    names = ctl("option-names").stdout.split()
    assert {"oos-check", "sip-port", "mgmt-token"} <= set(names), names
    # the same table as sipproxyd --help's deployment options
    table = run("sipproxyd", "--help").stdout.split("Deployment options", 1)[1]
    listed = re.findall(r"^  ([a-z][a-z0-9-]+)\s", table, re.M)
    assert names == listed


# ---------------------------------------------------------------------------
# Usage errors: one line naming the option, exit 2
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,args,option", [
    ("sipproxyd", ["--bogus"], "--bogus"),
    ("sipproxyd", ["--app", "X", "--config"], "--config"),
    ("sipproxyctl", ["status", "--bogus"], "--bogus"),
    ("sipproxyctl", ["status", "--target"], "--target"),
    ("sipprobe", ["dns", "x.test", "--bogus"], "--bogus"),
    ("sipprobe", ["dns", "x.test", "--type"], "--type"),
    ("sipprobe", ["dns", "x.test", "--count", "2"], "--count"),
])
def test_bad_option_is_one_line_naming_it(name, args, option):
    r = run(name, *args)
    assert r.returncode == 2, r
    assert r.stdout == "", r
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{name}: ") and option in lines[0], lines[0]
    assert re.search(rf"try '{name}( [a-z]+)? --help'", lines[0]), lines[0]


# ---------------------------------------------------------------------------
# Bash completion
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bash_completion():
    if not BASH_COMPLETION.exists():
        missing(f"{BASH_COMPLETION} missing (Debian package bash-completion)")


def complete(name: str, *words: str) -> list[str]:
    """The candidates bash offers for the last of `words` after `name`."""
    script = (
        'source "$1"; source "$2"; fn=$3; shift 3; '
        'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; '
        'COMP_POINT=${#COMP_LINE}; '
        '"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"; '
        'printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "-c", script, "bash", str(BASH_COMPLETION),
                        str(COMPLETIONS / name), f"_{name}", str(binary(name)), *words],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r
    return [w for w in r.stdout.splitlines() if w]


@pytest.fixture
def deployment_file(tmp_path):
    f = tmp_path / "pool.conf"
    f.write_text("[sipproxy]\napplications = SIPServer_A ; a comment\n"
                 "[SIPProxy_1]\ntype = sip-proxy\nhost = 127.0.0.1\n"
                 "[SIPProxy_2]\ntype=sip-proxy   ; the second\n"
                 "[SIPServer_A]\ntype = sip-server\nprimary = 127.0.0.1:5070\n")
    return f


def test_completion_of_commands(bash_completion):
    listed = commands_of(ctl("--help").stdout)
    assert {"status", "set", "get", "help", "option-names"} <= set(listed)
    assert complete("sipproxyctl", "") == listed
    assert complete("sipproxyctl", "--json", "-t", "h:1", "d") == ["dialogs", "drain"]
    assert complete("sipproxyctl", "help", "un") == ["undrain"]
    assert complete("sipprobe", "") == ["dns", "options", "check"]


def test_completion_of_option_names_for_get_and_set(bash_completion):
    names = ctl("option-names").stdout.split()
    assert complete("sipproxyctl", "-t", "h:1", "set", "") == names
    assert complete("sipproxyctl", "get", "oos") == ["oos-check", "oos-force"]
    assert complete("sipproxyctl", "--json", "set", "oos-check", "") == []   # the VALUE


def test_completion_of_options(bash_completion):
    for name in ("sipproxyd", "sipproxyctl"):
        longs = sorted(set(LONG.findall(" ".join(
            re.split(r"\s{2,}", ln.strip())[0]
            for ln in run(name, "--help").stdout.splitlines() if re.match(r"^\s+-", ln)))))
        assert sorted(complete(name, "--")) == longs, name
    dns = complete("sipprobe", "dns", "--")
    assert "--type" in dns and "--server" in dns and "--count" not in dns, dns
    assert complete("sipproxyd", "--log-level", "") == \
        ["none", "standard", "interaction", "trace", "debug"]
    assert complete("sipprobe", "dns", "x", "--type", "") == ["A", "AAAA", "SRV", "ALL"]


def test_completion_of_applications_from_the_config_file(bash_completion, deployment_file):
    f = str(deployment_file)
    apps = ["SIPProxy_1", "SIPProxy_2"]
    assert complete("sipproxyctl", "--config", f, "--app", "") == apps
    assert complete("sipproxyctl", f"--config={f}", "-app", "") == apps
    assert complete("sipproxyctl", "status", "-c", f, "-a", "SIPProxy_2") == ["SIPProxy_2"]
    assert complete("sipproxyd", "-c", f, "--app", "") == apps
    assert complete("sipprobe", "check", "--config", f, "--app", "") == apps
    # no --config on the line: nothing to offer
    assert complete("sipproxyctl", "--app", "") == []
