"""The Debian package (`cpack -G DEB` in the build tree, cmake/package.cmake): built from
the tree under test, unpacked with `dpkg-deb -x`, and used as installed. Its binaries run
from the unpacked tree (their RUNPATH finds the packaged library, not the build tree's),
the unpacked sipproxyd serves the packaged example deployment file (ports moved to free
ones) and the unpacked sipproxyctl queries it; the file list, the conffile, the
maintainer scripts and the dependencies are checked, and `systemd-analyze verify` checks
the unit.  In CI a missing cpack, dpkg-deb or systemd-analyze fails the test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import helpers

TOOLS = ("cpack", "dpkg-deb", "systemd-analyze", "readelf", "ldd")

EXPECTED_FILES = {
    "./usr/sbin/sipproxyd",
    "./usr/bin/sipproxyctl",
    "./usr/bin/sipprobe",
    "./usr/lib/sipproxy/libsipproxy.so",
    "./usr/lib/systemd/system/sipproxyd@.service",
    "./etc/sipproxy/sipproxy.conf",
    "./usr/share/man/man8/sipproxyd.8",
    "./usr/share/man/man8/sipproxyctl.8",
    "./usr/share/man/man8/sipprobe.8",
    "./usr/share/man/man5/sipproxy.conf.5",
    "./usr/share/bash-completion/completions/sipproxyd",
    "./usr/share/bash-completion/completions/sipproxyctl",
    "./usr/share/bash-completion/completions/sipprobe",
}


def build_dir() -> Path:
    return helpers.proxy_binary().parent.parent


def run(*args, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 300)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> dict:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        if helpers.ci():
            pytest.fail(f"missing to build and check the package: {missing} "
                        "(Debian cmake, dpkg, systemd, binutils, libc-bin)", pytrace=False)
        pytest.skip(f"missing {missing}")
    cache = (build_dir() / "CMakeCache.txt").read_text()
    if "SIPPROXY_SANITIZE:BOOL=ON" in cache:
        pytest.skip("the package is built from the release tree, not the sanitizer build")
    out = tmp_path_factory.mktemp("package")
    r = run("cpack", "--config", build_dir() / "CPackConfig.cmake", "-G", "DEB", "-B", out,
            cwd=build_dir(), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    debs = sorted(out.glob("sipproxy_*.deb"))
    assert len(debs) == 1, r.stdout
    root = out / "root"
    control = out / "control"
    assert run("dpkg-deb", "-x", debs[0], root).returncode == 0
    assert run("dpkg-deb", "-e", debs[0], control).returncode == 0
    listing = run("dpkg-deb", "-c", debs[0])
    assert listing.returncode == 0, listing.stderr
    return {"deb": debs[0], "root": root, "control": control, "out": out,
            "listing": listing.stdout}


def listed(pkg) -> dict[str, str]:
    """path -> mode string, from `dpkg-deb -c`."""
    files = {}
    for line in pkg["listing"].splitlines():
        fields = line.split()
        files[fields[-1]] = fields[0]
    return files


def test_package_lists_the_expected_files(package):
    files = listed(package)
    missing = EXPECTED_FILES - files.keys()
    assert not missing, package["listing"]
    # Completion scripts land where bash-completion looks, and nowhere else.
    for path in files:
        if "completion" in path and not path.endswith("/"):
            assert path.startswith("./usr/share/bash-completion/completions/"), path
    # The deployment file may hold the mgmt-token: not world-readable.
    assert files["./etc/sipproxy/sipproxy.conf"] == "-rw-r-----"
    assert files["./usr/sbin/sipproxyd"] == "-rwxr-xr-x"
    # Nothing from the build or test trees.
    for path in files:
        assert "sipproxy_tests" not in path and "/include/" not in path, path


def test_control_conffile_scripts_and_depends(package):
    control = package["control"]
    assert (control / "conffiles").read_text().split() == ["/etc/sipproxy/sipproxy.conf"]
    fields = run("dpkg-deb", "-f", package["deb"]).stdout
    depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
    for lib in ("libc6", "libstdc++6", "libfmt9", "libc-ares2", "libhiredis0.14", "passwd"):
        assert re.search(rf"(^|, ){re.escape(lib)}\b", depends), depends
    assert "libosip2" not in depends, "libosip2 is a test oracle only"
    for script in ("postinst", "postrm"):
        path = control / script
        assert os.access(path, os.X_OK), script
        assert run("sh", "-n", path).returncode == 0, script
    postinst = (control / "postinst").read_text()
    assert re.search(r"useradd --system .*sipproxy", postinst.replace("\\\n", " "))
    assert "dpkg-statoverride --update --add root sipproxy 640 /etc/sipproxy/sipproxy.conf" \
        in postinst
    assert "purge" in (control / "postrm").read_text()


def test_unpacked_binaries_use_the_packaged_library(package):
    root = package["root"]
    lib = root / "usr/lib/sipproxy/libsipproxy.so"
    for binary in ("usr/sbin/sipproxyd", "usr/bin/sipproxyctl", "usr/bin/sipprobe"):
        path = root / binary
        dyn = run("readelf", "-d", path).stdout
        assert "$ORIGIN/../lib/sipproxy" in dyn, dyn
        env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
        ldd = run("ldd", path, env=env).stdout
        line = next(ln for ln in ldd.splitlines() if "libsipproxy.so" in ln)
        found = re.search(r"=> (\S+)", line).group(1)
        assert Path(found).resolve() == lib.resolve(), ldd
        assert "not found" not in ldd, ldd
        assert "libosip" not in ldd, ldd


def test_unpacked_binaries_run(package):
    root = package["root"]
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    r = run(root / "usr/sbin/sipproxyd", "--version", env=env)
    assert r.returncode == 0 and "0.1.0" in r.stdout + r.stderr, r.stdout + r.stderr
    for binary in ("usr/sbin/sipproxyd", "usr/bin/sipproxyctl", "usr/bin/sipprobe"):
        r = run(root / binary, "--help", env=env)
        assert r.returncode == 0, binary + r.stdout + r.stderr
        assert "usage" in (r.stdout + r.stderr).lower(), binary


def test_unpacked_daemon_serves_the_example_deployment(package, tmp_path):
    root = package["root"]
    text = (root / "etc/sipproxy/sipproxy.conf").read_text()
    sip, mgmt, primary, backup = (helpers.free_port() for _ in range(4))
    for old, new in (("127.0.0.1:5060", f"127.0.0.1:{sip}"), ("sip-port = 5060", f"sip-port = {sip}"),
                     ("mgmt-port = 5061", f"mgmt-port = {mgmt}"),
                     ("127.0.0.1:5070", f"127.0.0.1:{primary}"),
                     ("127.0.0.1:5071", f"127.0.0.1:{backup}")):
        assert old in text, old
        text = text.replace(old, new)
    d = helpers.Deployment(root / "usr/sbin/sipproxyd", tmp_path, proxy_port=sip,
                           mgmt_port=mgmt, config_text=text, log_level="info")
    d.start()
    try:
        r = run(root / "usr/bin/sipproxyctl", "-t", f"127.0.0.1:{mgmt}", "status", timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "0.1.0" in r.stdout and "SIPProxy_1" in r.stdout, r.stdout
        r = run(root / "usr/bin/sipproxyctl", "-t", f"127.0.0.1:{mgmt}", "servers", timeout=30)
        assert r.returncode == 0 and "SIPServer_A" in r.stdout, r.stdout + r.stderr
    finally:
        assert d.stop() == 0, d.log_text()


def test_systemd_unit_verifies(package, tmp_path):
    root = package["root"]
    unit = (root / "usr/lib/systemd/system/sipproxyd@.service").read_text()
    # The packaged unit runs the packaged daemon, as its own user, with room for descriptors.
    exec_lines = re.findall(r"^Exec(?:Start|StartPre)=(\S+)", unit, re.M)
    assert exec_lines == ["/usr/sbin/sipproxyd", "/usr/sbin/sipproxyd"], exec_lines
    assert "/usr/local" not in unit
    assert re.search(r"^User=sipproxy$", unit, re.M)
    assert re.search(r"^LimitNOFILE=\d+$", unit, re.M)
    assert "/etc/sipproxy/sipproxy.conf" in unit
    # systemd-analyze verify checks that the commands exist: point them at the unpacked
    # tree (the only change), for one instance of the template.
    copy = tmp_path / "sipproxyd@SIPProxy_1.service"
    copy.write_text(unit.replace("/usr/sbin/sipproxyd", str(root / "usr/sbin/sipproxyd")))
    r = run("systemd-analyze", "verify", "--man=no", copy, timeout=60)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    # Unknown keys and bad values are only warnings to systemd: none allowed.
    assert copy.name not in out and "sipproxyd@" not in out, out


def test_systemd_analyze_catches_a_broken_unit(package, tmp_path):
    """The check above can fail: a unit whose daemon is missing, or with a misspelt key,
    does not pass."""
    unit = (package["root"] / "usr/lib/systemd/system/sipproxyd@.service").read_text()
    broken = tmp_path / "sipproxyd@X.service"
    broken.write_text(unit.replace("/usr/sbin/sipproxyd", str(tmp_path / "nowhere")))
    r = run("systemd-analyze", "verify", "--man=no", broken, timeout=60)
    assert r.returncode != 0
    misspelt = tmp_path / "sipproxyd@Y.service"
    misspelt.write_text(unit.replace("/usr/sbin/sipproxyd", str(package["root"] / "usr/sbin/sipproxyd"))
                        .replace("LimitNOFILE=", "LimitNOFILES="))
    r = run("systemd-analyze", "verify", "--man=no", misspelt, timeout=60)
    assert misspelt.name in r.stdout + r.stderr
