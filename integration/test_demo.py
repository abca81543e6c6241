"""examples/demo.sh, the newcomer's first look, works: with its ports taken
from the suite's allocator and 40 calls, it shows the primary active, then out of
service once killed, new dialogs going to the backup, and every call completed;
it exits 0 and leaves no process behind."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import helpers

ROOT = Path(__file__).resolve().parent.parent


def test_demo_shows_the_calls_moving_to_the_backup(sipproxyd_bin, sipp_bin):
    ports = {k: helpers.free_port() for k in
             ("PROXY", "MGMT", "PRIMARY", "BACKUP", "PHONE")}
    env = dict(os.environ, SIPPROXYD=str(sipproxyd_bin),
               SIPPROXYCTL=str(helpers.tool_binary("sipproxyctl")), SIPP=str(sipp_bin),
               DEMO_CALLS="40", **{f"DEMO_{k}_PORT": str(v) for k, v in ports.items()})
    r = subprocess.run(["sh", str(ROOT / "examples" / "demo.sh")], env=env, capture_output=True,
                       text=True, timeout=150)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    primary, backup = f"127.0.0.1:{ports['PRIMARY']}", f"127.0.0.1:{ports['BACKUP']}"
    before, _, after = out.partition("the primary is killed")
    assert f"new dialogs -> {primary}" in before, out
    assert f"primary  {primary}" in after and "out-of-service" in after, out
    assert f"new dialogs -> {backup}" in after, out
    # Only a call caught between its 200 OK and its BYE by the kill may fail.
    m = re.search(r"calls placed: 40; completed: (\d+); failed: (\d+)", out)
    assert m and int(m[1]) + int(m[2]) == 40 and int(m[2]) <= 5, out
    # Nothing it started is left: the SIP ports are free again.
    for name in ("PROXY", "PRIMARY", "BACKUP", "PHONE"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", ports[name]))
        except OSError as e:
            raise AssertionError(f"the demo left UDP port {ports[name]} ({name}) bound: {e}")
        finally:
            s.close()
