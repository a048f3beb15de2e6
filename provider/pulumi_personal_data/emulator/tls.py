"""Local TLS material: a CA and a loopback server certificate made with trustme, kept as PEM."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import trustme

_LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the PEM files: the CA bundle clients trust, and the server's chain and key."""

    ca_path: Path
    cert_path: Path
    key_path: Path


def _names_for(host: str) -> list[str]:
    names = list(_LOOPBACK_NAMES)
    if host and host not in names and host not in ("0.0.0.0", "::"):  # noqa: S104 - not binding, naming
        try:
            names.append(str(ipaddress.ip_address(host)))
        except ValueError:
            names.append(host)
    return names


def ensure_tls_files(directory: Path, host: str = "127.0.0.1") -> TlsFiles:
    """Reuse the CA and server certificate in ``directory``, or create them there."""
    files = TlsFiles(
        ca_path=directory / "ca.pem",
        cert_path=directory / "server.pem",
        key_path=directory / "server-key.pem",
    )
    if files.ca_path.exists() and files.cert_path.exists() and files.key_path.exists():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Graph emulator local CA")
    server = ca.issue_cert(*_names_for(host))
    ca.cert_pem.write_to_path(str(files.ca_path))
    server.private_key_pem.write_to_path(str(files.key_path))
    files.key_path.chmod(0o600)
    # Leaf first, then the chain, as servers present it.
    with files.cert_path.open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    return files
