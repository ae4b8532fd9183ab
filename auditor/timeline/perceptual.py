"""PDQ perceptual hashes of image evidence, to notice the same picture uploaded again.

Optional: needs the ``pdq`` extra (pdqhash, numpy, Pillow). Without it, images are kept and hashed with
SHA-256 as always, just without reupload matching.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

# PDQ's recommended match threshold and minimum quality (Meta's PDQ documentation).
MAX_DISTANCE = 31
MIN_QUALITY = 50


@dataclass(frozen=True)
class PerceptualHash:
    hex: str
    quality: int

    def distance(self, other_hex: str) -> int:
        return (int(self.hex, 16) ^ int(other_hex, 16)).bit_count()


def available() -> bool:
    try:
        import numpy  # noqa: F401
        import pdqhash  # noqa: F401
        from PIL import Image  # noqa: F401
    except ImportError:
        return False
    return True


def pdq_of(content: bytes, media_type: str) -> PerceptualHash | None:
    """The PDQ hash of an image, or None when it is not an image, unreadable, or the extra is missing."""
    if not media_type.startswith("image/") or not available():
        return None
    import numpy
    import pdqhash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            pixels = numpy.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    bits, quality = pdqhash.compute(pixels)
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return PerceptualHash(hex=f"{value:064x}", quality=int(quality))


def is_match(new: PerceptualHash, earlier_hex: str, earlier_quality: int) -> bool:
    if new.quality < MIN_QUALITY or earlier_quality < MIN_QUALITY:
        return False
    return new.distance(earlier_hex) <= MAX_DISTANCE
