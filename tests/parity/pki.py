"""Certificates for the parity servers, made with `cryptography`.

Two server CAs: a realistic one (basicConstraints CA plus keyUsage keyCertSign) and one
WITHOUT the keyUsage extension, as older kubeadm/minikube-era and hand-rolled CAs are.
Go's x509 accepts both; OpenSSL's strict mode (Python 3.13's default) refuses the
second, which is exactly the difference the parity suite must keep in view. A third CA
signs client certificates, so the recording server can tell which one arrived.
"""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Pair:
    """A certificate and its key, as PEM text and as files."""

    cert_pem: str
    key_pem: str
    cert_file: Path
    key_file: Path

    @property
    def cert_b64(self) -> str:
        return base64.b64encode(self.cert_pem.encode()).decode()

    @property
    def key_b64(self) -> str:
        return base64.b64encode(self.key_pem.encode()).decode()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(directory: Path, stem: str, cert: x509.Certificate,
           key: ec.EllipticCurvePrivateKey) -> Pair:
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    (directory / f"{stem}.crt").write_text(cert_pem)
    (directory / f"{stem}.key").write_text(key_pem)
    return Pair(cert_pem, key_pem, directory / f"{stem}.crt", directory / f"{stem}.key")


def _builder(subject: str, issuer: str, public_key: object) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2)))


def make_ca(directory: Path, stem: str, key_usage: bool = True) -> tuple[Pair, ec.EllipticCurvePrivateKey]:
    """A self-signed CA; with key_usage=False it lacks the keyUsage extension entirely."""
    key = ec.generate_private_key(ec.SECP256R1())
    b = _builder(stem, stem, key.public_key()).add_extension(
        x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if key_usage:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                            critical=False)
    return _write(directory, stem, b.sign(key, hashes.SHA256()), key), key


def make_leaf(directory: Path, stem: str, ca: tuple[Pair, ec.EllipticCurvePrivateKey],
              names: tuple[str, ...] = (), client: bool = False) -> Pair:
    """A server certificate for names (DNS names and IPs), or a client certificate."""
    ca_pair, ca_key = ca
    issuer = x509.load_pem_x509_certificate(ca_pair.cert_pem.encode())
    key = ec.generate_private_key(ec.SECP256R1())
    b = _builder(stem, issuer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                 key.public_key())
    b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    b = b.add_extension(x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False), critical=True)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        critical=False)
    b = b.add_extension(x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]),
        critical=False)
    if names:
        sans: list[x509.GeneralName] = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return _write(directory, stem, b.sign(ca_key, hashes.SHA256()), key)


@dataclass
class PKI:
    """Everything the parity servers and kubeconfigs need."""

    ca: Pair               # realistic server CA (keyUsage set)
    ca_nku: Pair           # server CA without the keyUsage extension
    client_ca: Pair        # signs the client certificates
    server: Pair           # 127.0.0.1, localhost, *.parity.test; signed by ca
    server_nku: Pair       # 127.0.0.1, localhost; signed by ca_nku
    server_named: Pair     # only api.internal.test (for tls-server-name); signed by ca
    client: Pair           # CN=parity-client
    client2: Pair          # CN=parity-client-2
    other_ca: Optional[Pair] = None  # a CA that signed nothing here


def make_pki(directory: Path) -> PKI:
    """A fresh PKI in directory (a few tens of milliseconds with EC keys)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca(directory, "ca")
    ca_nku = make_ca(directory, "ca-nku", key_usage=False)
    client_ca = make_ca(directory, "client-ca")
    other = make_ca(directory, "other-ca")
    loopback = ("127.0.0.1", "localhost")
    return PKI(
        ca=ca[0], ca_nku=ca_nku[0], client_ca=client_ca[0],
        server=make_leaf(directory, "server", ca,
                         loopback + ("a.parity.test", "b.parity.test", "c.parity.test")),
        server_nku=make_leaf(directory, "server-nku", ca_nku, loopback + ("nku.parity.test",)),
        server_named=make_leaf(directory, "server-named", ca, ("api.internal.test",)),
        client=make_leaf(directory, "client", client_ca, client=True),
        client2=make_leaf(directory, "client2", client_ca, client=True),
        other_ca=other[0])
