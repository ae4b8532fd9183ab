"""Signing certificates of an APK: the APK Signature Scheme v2/v3 block, and the v1 (JAR) signature.

The certificate's SHA-1 identifies who built the app, so stalkerware renamed to an innocent package name
is still recognised. Pure functions over the APK's bytes.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

APK_SIG_BLOCK_MAGIC = b"APK Sig Block 42"
V2_ID = 0x7109871A
V3_ID = 0xF05368C0
V31_ID = 0x1B93AD61
_EOCD = b"PK\x05\x06"


class ApkError(ValueError):
    """The bytes are not an APK this reader understands."""


def _eocd_offset(data: bytes) -> int:
    # The EOCD is at least 22 bytes and ends with a comment of up to 65,535 bytes.
    start = max(0, len(data) - 22 - 0xFFFF)
    index = data.rfind(_EOCD, start)
    if index < 0 or len(data) - index < 22:
        raise ApkError("no ZIP end-of-central-directory record")
    return index


def _length_prefixed(buf: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(buf):
        raise ApkError("truncated signing block")
    (size,) = struct.unpack_from("<I", buf, pos)
    end = pos + 4 + size
    if end > len(buf):
        raise ApkError("truncated signing block")
    return buf[pos + 4 : end], end


def _sequence(buf: bytes) -> list[bytes]:
    items, pos = [], 0
    while pos < len(buf):
        item, pos = _length_prefixed(buf, pos)
        items.append(item)
    return items


def signing_block_pairs(data: bytes) -> dict[int, bytes]:
    """The ID-value pairs of the APK Signing Block (empty when the APK has none)."""
    eocd = _eocd_offset(data)
    (cd_offset,) = struct.unpack_from("<I", data, eocd + 16)
    if cd_offset < 32 or cd_offset > len(data):
        raise ApkError("central directory offset out of range")
    if data[cd_offset - 16 : cd_offset] != APK_SIG_BLOCK_MAGIC:
        return {}
    (size_in_footer,) = struct.unpack_from("<Q", data, cd_offset - 24)
    block_start = cd_offset - size_in_footer - 8
    if block_start < 0:
        raise ApkError("APK Signing Block size out of range")
    (size_in_header,) = struct.unpack_from("<Q", data, block_start)
    if size_in_header != size_in_footer:
        raise ApkError("APK Signing Block sizes disagree")
    pairs: dict[int, bytes] = {}
    pos = block_start + 8
    end = cd_offset - 24
    while pos < end:
        (length,) = struct.unpack_from("<Q", data, pos)
        if length < 4 or pos + 8 + length > end:
            raise ApkError("malformed ID-value pair in the APK Signing Block")
        (pair_id,) = struct.unpack_from("<I", data, pos + 8)
        pairs[pair_id] = data[pos + 12 : pos + 8 + length]
        pos += 8 + length
    return pairs


def _scheme_certificates(value: bytes) -> list[bytes]:
    """v2 and v3 share the start of their layout: signers → signed data → digests, certificates."""
    certs: list[bytes] = []
    signers, _ = _length_prefixed(value, 0)
    for signer in _sequence(signers):
        signed_data, _ = _length_prefixed(signer, 0)
        _digests, pos = _length_prefixed(signed_data, 0)
        certificates, _ = _length_prefixed(signed_data, pos)
        certs.extend(_sequence(certificates))
    return certs


def _v1_certificates(data: bytes) -> list[bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ApkError(f"not a ZIP archive: {exc}") from None
    certs: list[bytes] = []
    for name in archive.namelist():
        upper = name.upper()
        if upper.startswith("META-INF/") and upper.endswith((".RSA", ".DSA", ".EC")):
            try:
                for cert in pkcs7.load_der_pkcs7_certificates(archive.read(name)):
                    certs.append(cert.public_bytes(Encoding.DER))
            except ValueError as exc:
                raise ApkError(f"{name} is not a PKCS#7 signature: {exc}") from None
    return certs


def signing_certificates(data: bytes) -> list[bytes]:
    """DER certificates that signed the APK: v3.1/v3/v2 block first, else the v1 JAR signature."""
    pairs = signing_block_pairs(data)
    for scheme in (V31_ID, V3_ID, V2_ID):
        if scheme in pairs:
            certs = _scheme_certificates(pairs[scheme])
            if certs:
                return certs
    return _v1_certificates(data)


def certificate_sha1s(data: bytes) -> list[str]:
    """Upper-case hex SHA-1 of each signing certificate, as the indicator set writes them."""
    out = []
    for der in signing_certificates(data):
        x509.load_der_x509_certificate(der)  # refuse anything that is not a certificate
        out.append(hashlib.sha1(der).hexdigest().upper())  # SHA-1 identifies, it does not protect
    return list(dict.fromkeys(out))
