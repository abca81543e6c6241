"""Headless Chromium (Debian `chromium`) for the tests that load a page in a
real browser: its own temporary profile, nothing fetched but the page, every
run bounded by BROWSER_TIMEOUT.

  dump_dom(url, *flags)      the DOM after load (`--dump-dom`)
  screenshot(url, path)      a PNG of the page (`--screenshot`)
  dump_dom_no_script(url)    the DOM of the page loaded with JavaScript off

`--dump-dom` prints nothing when scripts are disabled (`--blink-settings=
scriptEnabled=false`): it reads the DOM through the page's script engine.  So
the JavaScript-off DOM is read over the DevTools protocol instead
(`--remote-debugging-pipe`: JSON messages ending in NUL, on fds 3 and 4):
script execution disabled before the page is navigated to, then
DOM.getOuterHTML, which does not run page script.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

BINARY = shutil.which("chromium")
BROWSER_TIMEOUT = 90  # a cold start on a loaded two-core machine

_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
          "--no-default-browser-check", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--disable-extensions",
          "--disable-default-apps", "--disable-dev-shm-usage"]


def _run(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="sipproxy-chromium-") as profile:
        return subprocess.run([BINARY, *_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=BROWSER_TIMEOUT)


def dump_dom(url: str, *flags: str) -> str:
    r = _run("--dump-dom", *flags, url)
    assert r.returncode == 0 and "<html" in r.stdout, \
        f"chromium --dump-dom {url}: exit {r.returncode}\n{r.stderr[-3000:]}"
    return r.stdout


def screenshot(url: str, path, width: int = 1280, height: int = 1100) -> None:
    r = _run(f"--screenshot={path}", f"--window-size={width},{height}", "--hide-scrollbars",
             url)
    assert r.returncode == 0 and os.path.exists(path), \
        f"chromium --screenshot {url}: exit {r.returncode}\n{r.stderr[-3000:]}"


class _Pipe:
    """One DevTools session over --remote-debugging-pipe, every read bounded."""

    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int,
                 deadline: float):
        self.proc, self.out, self.inp, self.deadline = proc, to_browser, from_browser, deadline
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read_message(self) -> dict:
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            assert left > 0, "chromium: no DevTools answer in time"
            ready, _, _ = select.select([self.inp], [], [], left)
            if ready:
                chunk = os.read(self.inp, 65536)
                assert chunk, f"chromium closed its DevTools pipe (exit {self.proc.poll()})"
                self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.out, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read_message()
            if m.get("id") == self.next_id:
                assert "error" not in m, f"{method}: {m['error']}"
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict:
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read_message())


def dump_dom_no_script(url: str) -> str:
    deadline = time.monotonic() + BROWSER_TIMEOUT
    # Chromium reads commands on its fd 3 and writes replies on its fd 4.
    cmd_r, cmd_w = os.pipe()
    rep_r, rep_w = os.pipe()
    # The child's ends above 9, out of the way of the 3 and 4 they become.
    for_child = []
    for fd in (cmd_r, rep_w):
        for_child.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    cmd_r, rep_w = for_child
    with tempfile.TemporaryDirectory(prefix="sipproxy-chromium-") as profile:
        # bash (dash takes no fd above 9) puts the pipe ends on fds 3 and 4: no
        # preexec_fn, which is unsafe with the fakes' threads running.
        proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{cmd_r} 4>&{rep_w} {cmd_r}<&- {rep_w}>&-',
             BINARY, *_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "--blink-settings=scriptEnabled=false", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(cmd_r, rep_w))
        os.close(cmd_r)
        os.close(rep_w)
        try:
            cdp = _Pipe(proc, cmd_w, rep_r, deadline)
            target = cdp.call("Target.createTarget", url="about:blank")["targetId"]
            session = cdp.call("Target.attachToTarget", targetId=target,
                               flatten=True)["sessionId"]
            cdp.call("Emulation.setScriptExecutionDisabled", session, value=True)
            cdp.call("Page.enable", session)
            cdp.call("Page.navigate", session, url=url)
            while True:  # bounded by the deadline: the load of `url`, not of about:blank
                cdp.wait_event("Page.loadEventFired")
                root = cdp.call("DOM.getDocument", session)["root"]
                if root.get("documentURL") == url:
                    break
            html = cdp.call("DOM.getOuterHTML", session, nodeId=root["nodeId"])["outerHTML"]
            try:
                cdp.call("Browser.close")
            except AssertionError:
                pass  # it may close the pipe before answering
            return html
        finally:
            os.close(cmd_w)
            os.close(rep_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
