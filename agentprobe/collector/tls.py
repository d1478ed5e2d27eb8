"""The collector's self-signed certificate: made once in DIR/tls, reused on every restart.

Agents pin this certificate with `collector.ca_file`, so it must not change under them: an
existing pair is always reused. It carries subject alternative names for the listen address,
the host name and loopback, so the same file verifies whichever name agents use.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger("agentprobe.collector")
VALID_DAYS = 3650
_UNSPECIFIED = {"0.0.0.0", "::", ""}


def ensure_certificate(tls_dir: Path, host: str) -> tuple[Path, Path]:
    """(cert.pem, key.pem) in tls_dir, generating them if absent. The key file is mode 0600."""
    cert_file, key_file = tls_dir / "cert.pem", tls_dir / "key.pem"
    if cert_file.exists() and key_file.exists():
        return cert_file, key_file
    tls_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_pem)
    cert = build_certificate(key, alternative_names(host))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    log.info("generated a self-signed certificate in %s", cert_file)
    return cert_file, key_file


def alternative_names(host: str) -> list[x509.GeneralName]:
    """SANs: the listen address (or every local address when it is unspecified),
    the host name, its FQDN, localhost and the loopback addresses."""
    names: list[str] = [socket.gethostname(), socket.getfqdn(), "localhost"]
    addresses = {"127.0.0.1", "::1"}
    if host in _UNSPECIFIED:
        addresses |= _local_addresses()
    elif _is_ip(host):
        addresses.add(host)
    else:
        names.append(host)
    general: list[x509.GeneralName] = [x509.DNSName(name) for name in dict.fromkeys(names) if name]
    general += [x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(addresses)]
    return general


def build_certificate(
    key: ec.EllipticCurvePrivateKey, sans: list[x509.GeneralName]
) -> x509.Certificate:
    """A self-signed certificate that is also its own trust anchor (CA:TRUE, keyCertSign)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "agentprobe collector")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _local_addresses() -> set[str]:
    import psutil

    found = set()
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family in (socket.AF_INET, socket.AF_INET6):
                found.add(address.address.split("%")[0])
    return found
