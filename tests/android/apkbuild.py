"""Builds real, minimal signed APKs for tests: a v1 (JAR, PKCS#7) signature or an APK Signing Block (v2)."""

from __future__ import annotations

import datetime
import hashlib
import io
import struct
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID


def make_certificate(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def sha1_of(cert: x509.Certificate) -> str:
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def _base_zip(extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00binary-manifest")
        archive.writestr("classes.dex", b"dex\n035\x00" + bytes(64))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def v1_apk(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> bytes:
    signature_file = b"Signature-Version: 1.0\r\nCreated-By: test\r\n\r\n"
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(signature_file)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )
    return _base_zip(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n",
            "META-INF/CERT.SF": signature_file,
            "META-INF/CERT.EC": signature,
        }
    )


def _lp(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def v2_apk(cert: x509.Certificate, scheme_id: int = 0x7109871A) -> bytes:
    """A ZIP with an APK Signing Block before its central directory, as apksigner lays it out."""
    der = cert.public_bytes(serialization.Encoding.DER)
    digests = _lp(b"")  # an empty sequence of digests: this reader does not verify, it identifies
    certificates = _lp(_lp(der))
    signed_data = digests + certificates + _lp(b"")  # + additional attributes
    signer = _lp(signed_data) + _lp(b"") + _lp(b"")  # signed data, signatures, public key
    value = _lp(_lp(signer))
    pair = struct.pack("<QI", len(value) + 4, scheme_id) + value
    block_size = len(pair) + 8 + 16
    block = struct.pack("<Q", block_size) + pair + struct.pack("<Q", block_size) + b"APK Sig Block 42"
    data = _base_zip()
    eocd = data.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", data, eocd + 16)
    new = data[:cd_offset] + block + data[cd_offset:]
    eocd += len(block)
    return new[: eocd + 16] + struct.pack("<I", cd_offset + len(block)) + new[eocd + 20 :]
