"""Throwaway certificates for the lab, made with the openssl command line tool.

One CA signs the API server's serving certificate, kwok's kubelet-like serving certificate and an admin
client certificate (group system:masters). A separate key pair signs service account tokens.
EC P-256 keys keep generation to a few milliseconds each.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_DAYS = "3650"
_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]


class PkiError(RuntimeError):
    pass


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca_crt(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    def crt(self, name: str) -> Path:
        return self.dir / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.dir / f"{name}.key"

    @property
    def sa_key(self) -> Path:
        return self.dir / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.dir / "sa.pub"


def _openssl(*args: str, cwd: Path) -> None:
    exe = shutil.which("openssl")
    if exe is None:
        raise PkiError("openssl not found (Debian package: openssl)")
    proc = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PkiError(f"openssl {args[0]} failed: {proc.stderr.strip()[-400:]}")


def _signed(pki: Pki, name: str, subject: str, extensions: list[str]) -> None:
    csr = pki.dir / f"{name}.csr"
    ext = pki.dir / f"{name}.ext"
    ext.write_text("\n".join(extensions) + "\n")
    _openssl(
        "req", "-new", *_EC, "-nodes", "-keyout", str(pki.key(name)), "-subj", subject, "-out", str(csr), cwd=pki.dir
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(pki.ca_crt),
        "-CAkey",
        str(pki.ca_key),
        "-CAcreateserial",
        "-days",
        _DAYS,
        "-sha256",
        "-extfile",
        str(ext),
        "-out",
        str(pki.crt(name)),
        cwd=pki.dir,
    )
    csr.unlink()
    ext.unlink()


def create_pki(directory: Path) -> Pki:
    """Create a fresh CA, serving certs for 127.0.0.1, an admin client cert and service account keys."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = Pki(directory)
    _openssl(
        "req",
        "-x509",
        *_EC,
        "-nodes",
        "-keyout",
        str(pki.ca_key),
        "-out",
        str(pki.ca_crt),
        "-days",
        _DAYS,
        "-subj",
        "/CN=canaryscope-lab-ca",
        cwd=directory,
    )
    server_ext = ["keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth"]
    # 10.0.0.1 is the `kubernetes` Service address in --service-cluster-ip-range=10.0.0.0/24.
    _signed(
        pki,
        "apiserver",
        "/CN=kube-apiserver",
        [
            *server_ext,
            "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
            "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local",
        ],
    )
    _signed(pki, "kwok", "/CN=kwok", [*server_ext, "subjectAltName=IP:127.0.0.1,DNS:localhost"])
    _signed(
        pki,
        "admin",
        "/O=system:masters/CN=canaryscope-lab-admin",
        [
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=clientAuth",
        ],
    )
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(pki.sa_key), cwd=directory
    )
    _openssl("pkey", "-in", str(pki.sa_key), "-pubout", "-out", str(pki.sa_pub), cwd=directory)
    for path in directory.iterdir():
        path.chmod(0o600)
    return pki
