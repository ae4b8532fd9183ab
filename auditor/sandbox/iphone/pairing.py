"""The practice iPhone's keys: its own device key, and a pairing record as a trusted computer would hold it.

A pairing record is what lockdown pairing leaves on the computer (libimobiledevice ``src/lockdown.c``
``lockdownd_pair``; pymobiledevice3 ``LockdownClient.pair``): the host's root certificate and key, the host
certificate and key (the TLS client identity), the device certificate (the phone's own public key, signed by
the host's root), the HostID and SystemBUID, and an escrow bag. The practice phone makes one for each
scenario that starts "trusted", and serves it the way usbmuxd does (ReadPairRecord).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str,
    public_key: rsa.RSAPublicKey,
    issuer: str,
    signer: rsa.RSAPrivateKey,
    ca: bool,
) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(signer, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class DeviceKeys:
    """The phone's own RSA key; DevicePublicKey is its public half in PEM (PKCS#1), as lockdown gives it."""

    key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> DeviceKeys:
        return cls(_key())

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)

    @property
    def private_pem(self) -> bytes:
        return _pem_key(self.key)


def make_pair_record(device: DeviceKeys, system_buid: str, wifi_mac: str) -> dict[str, object]:
    """A complete pairing record for ``device``, as a computer that was trusted would keep it."""
    root_key, host_key = _key(), _key()
    root = _certificate("Practice host root", root_key.public_key(), "Practice host root", root_key, ca=True)
    host = _certificate("Practice host", host_key.public_key(), "Practice host root", root_key, ca=False)
    device_certificate = _certificate(
        "Practice iPhone", device.key.public_key(), "Practice host root", root_key, ca=False
    )
    return {
        "DeviceCertificate": _pem(device_certificate),
        "HostCertificate": _pem(host),
        "HostPrivateKey": _pem_key(host_key),
        "RootCertificate": _pem(root),
        "RootPrivateKey": _pem_key(root_key),
        "HostID": str(uuid.uuid4()).upper(),
        "SystemBUID": system_buid,
        "WiFiMACAddress": wifi_mac,
        "EscrowBag": os.urandom(32),
    }
