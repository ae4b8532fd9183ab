"""PDQ reupload matching: the same picture saved again (resized, recompressed) is linked to the first copy."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

from auditor.timeline import Timeline, perceptual


def picture(seed: int) -> Image.Image:
    """A structured picture (gradients and shapes), so PDQ has enough detail to be confident."""
    image = Image.new("RGB", (400, 300))
    draw = ImageDraw.Draw(image)
    for x in range(400):
        draw.line([(x, 0), (x, 299)], fill=((x * seed) % 256, (x * 2 + seed * 40) % 256, (255 - x) % 256))
    for i in range(6):
        box = ((seed * 37 + i * 61) % 300, (seed * 53 + i * 29) % 200)
        draw.ellipse([box, (box[0] + 90, box[1] + 80)], fill=((i * 70) % 256, (seed * 90) % 256, 40))
        draw.rectangle([(i * 60, 250 - i * 20), (i * 60 + 30, 290)], fill=(250, 250 - i * 40, (seed * 15) % 256))
    return image


def saved(image: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    path.write_bytes(buffer.getvalue())
    return path


def test_the_extra_is_installed_by_the_test_extras() -> None:
    assert perceptual.available()


def test_a_reupload_is_linked_and_a_different_picture_is_not(timeline: Timeline, tmp_path: Path) -> None:
    original = saved(picture(3), tmp_path / "original.png", "PNG")
    again = saved(picture(3).resize((320, 240)), tmp_path / "mirror.jpg", "JPEG", quality=70)
    other = saved(picture(11).transpose(Image.Transpose.ROTATE_180), tmp_path / "other.png", "PNG")
    first = timeline.add_evidence_file(original)
    assert first.perceptual_hash is not None and len(first.perceptual_hash) == 64
    assert (first.perceptual_quality or 0) >= perceptual.MIN_QUALITY
    assert first.reupload_of is None
    second = timeline.add_evidence_file(again)
    assert second.reupload_of == first.id
    assert second.sha256 != first.sha256, "different bytes, same picture"
    third = timeline.add_evidence_file(other)
    assert third.reupload_of is None
    distance = perceptual.PerceptualHash(third.perceptual_hash or "", 100).distance(first.perceptual_hash)
    assert distance > perceptual.MAX_DISTANCE
    assert any("(a reupload)" in e.summary for e in timeline.entries())


def test_files_that_are_not_images_get_no_perceptual_hash(timeline: Timeline, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html>saved page</html>")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert timeline.add_evidence_file(page).perceptual_hash is None
    assert timeline.add_evidence_file(broken).perceptual_hash is None


def test_pictures_too_plain_for_a_confident_hash_are_never_linked(timeline: Timeline, tmp_path: Path) -> None:
    # A flat picture gives PDQ nothing to go on (quality under 50): even the very same picture again is not
    # claimed as a reupload, because a match between low-quality hashes means nothing.
    flat = Image.new("RGB", (300, 300), (200, 180, 170))
    first = timeline.add_evidence_file(saved(flat, tmp_path / "flat.png", "PNG"))
    assert first.perceptual_hash is not None and (first.perceptual_quality or 0) < perceptual.MIN_QUALITY
    again = timeline.add_evidence_file(saved(flat, tmp_path / "flat-again.jpg", "JPEG", quality=90))
    assert again.perceptual_hash is not None
    assert again.reupload_of is None
