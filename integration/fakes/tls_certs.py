"""Test certificates, made at test time with the openssl command (nothing committed):
a CA, server certificates for 127.0.0.1/localhost signed by it (each with its own
serial), an expired one, one for another host, and a key that belongs to none.

    certs = TestCerts(tmp_path / "pki")
    server = certs.issue("server")            # Cert(cert=..., key=..., serial=...)
    old = certs.issue("old", expired=True)
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

_CA_CONFIG = """[ca]
default_ca = CA_default
[CA_default]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[policy_any]
commonName = supplied
"""


@dataclass
class Cert:
    cert: Path
    key: Path
    serial: int


class TestCerts:
    __test__ = False  # not a pytest class

    def __init__(self, directory: Path):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "ca.cnf").write_text(_CA_CONFIG)
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        self.ca = self.dir / "ca.pem"
        self._run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                  "-out", "ca.pem", "-days", "3", "-subj", "/CN=sipproxy test CA")

    def _run(self, *args: str) -> str:
        r = subprocess.run(["openssl", *args], cwd=self.dir, capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"openssl {' '.join(args)} failed:\n{r.stderr}")
        return r.stdout

    def key(self, name: str) -> Path:
        """A fresh private key that belongs to no certificate."""
        self._run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                  "-out", f"{name}.key")
        return self.dir / f"{name}.key"

    def issue(self, name: str, *, host: str = "127.0.0.1", expired: bool = False) -> Cert:
        """A server certificate for `host` (an IP: IP SAN; else a DNS SAN), signed by the CA."""
        san = f"IP:{host}" if host.replace(".", "").isdigit() else f"DNS:{host}"
        if host == "127.0.0.1":
            san += ",DNS:localhost"
        self._run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
                  "-out", f"{name}.csr", "-subj", f"/CN={host}",
                  "-addext", f"subjectAltName={san}")
        dates = (["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"] if expired
                 else ["-days", "2"])
        self._run("ca", "-config", "ca.cnf", "-batch", "-notext", "-cert", "ca.pem",
                  "-keyfile", "ca.key", "-in", f"{name}.csr", "-out", f"{name}.pem", *dates)
        out = self._run("x509", "-in", f"{name}.pem", "-noout", "-serial")
        serial = int(out.strip().split("=", 1)[1], 16)
        return Cert(self.dir / f"{name}.pem", self.dir / f"{name}.key", serial)
