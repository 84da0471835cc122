"""decode_image: every accepted kind of picture decodes to RGB; bad bytes get a code."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from skilltrace.faces.errors import MESSAGES, FaceError
from skilltrace.faces.images import ImageLimits, decode_image, thumbnail_jpeg


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient_rgb(width=64, height=48) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None, None]
    return np.concatenate(
        [x + 0 * y, y + 0 * x, np.full((height, width, 1), 128.0)], axis=2
    ).astype(np.uint8)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, with_data: bool = True) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
    if with_data:
        data += png_chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + png_chunk(b"IEND", b"")
    return data


def assert_rgb(array: np.ndarray, shape) -> None:
    assert array.shape == shape
    assert array.dtype == np.uint8
    assert array.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [
        ("JPEG", "RGB", {"quality": 95}),
        ("JPEG", "L", {}),
        ("JPEG", "CMYK", {}),
        ("PNG", "RGB", {}),
        ("PNG", "L", {}),
        ("PNG", "P", {}),
        ("WEBP", "RGB", {"lossless": True}),
    ],
)
def test_common_formats_decode_to_rgb(fmt, mode, options):
    source = Image.fromarray(gradient_rgb()).convert(mode)
    rgb = decode_image(encoded(source, fmt, **options))
    assert_rgb(rgb, (48, 64, 3))


def test_lossless_png_keeps_the_pixels():
    pixels = gradient_rgb()
    assert np.array_equal(decode_image(encoded(Image.fromarray(pixels), "PNG")), pixels)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparency_is_composited_onto_white(mode):
    rgba = np.zeros((10, 20, 4), dtype=np.uint8)
    rgba[:, :10] = (0, 0, 0, 255)  # opaque black on the left
    rgba[:, 10:] = (0, 0, 0, 0)  # fully transparent on the right
    image = Image.fromarray(rgba, "RGBA").convert(mode)
    rgb = decode_image(encoded(image, "PNG"))
    assert_rgb(rgb, (10, 20, 3))
    assert rgb[:, :10].max() == 0
    assert rgb[:, 10:].min() == 255


def test_palette_transparency_is_composited():
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.info["transparency"] = 0
    rgb = decode_image(encoded(image, "PNG", transparency=0))
    assert rgb.min() == 255


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    ramp = np.linspace(0, 65535, 256, dtype=np.uint16).reshape(16, 16)
    rgb = decode_image(encoded(Image.fromarray(ramp), "PNG"))
    assert_rgb(rgb, (16, 16, 3))
    assert rgb[0, 0, 0] == 0 and rgb[-1, -1, 0] == 255
    assert 120 <= rgb.mean() <= 135  # a clipped conversion would be almost all 255


@pytest.mark.parametrize(
    ("orientation", "shape"),
    [(1, (30, 40, 3)), (3, (30, 40, 3)), (6, (40, 30, 3)), (8, (40, 30, 3))],
)
def test_exif_orientation_is_applied(orientation, shape):
    pixels = np.zeros((30, 40, 3), dtype=np.uint8)
    pixels[:, :20] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = orientation
    rgb = decode_image(encoded(Image.fromarray(pixels), "JPEG", exif=exif, quality=95))
    assert_rgb(rgb, shape)
    if orientation == 6:  # rotated 90 degrees clockwise: the white half is now on top
        assert rgb[:15].mean() > 200 and rgb[25:].mean() < 50


def test_rgba_sample_photo_decodes(faces_dir):
    rgb = decode_image((faces_dir / "cases" / "32bit.png").read_bytes())
    assert_rgb(rgb, (1200, 626, 3))


def truncated_jpeg(faces) -> bytes:
    return (faces / "cases" / "obama-480p.jpg").read_bytes()[:20_000]


BAD_BYTES = {
    "empty": (lambda faces: b"", "unsupported_image"),
    "plain text": (lambda faces: b"this is not a picture\n" * 10, "unsupported_image"),
    "truncated jpeg": (truncated_jpeg, "unsupported_image"),
    "jpeg header only": (lambda faces: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "unsupported_image"),
    "gif": (lambda faces: encoded(Image.new("RGB", (8, 8)), "GIF"), "unsupported_image"),
    "bmp": (lambda faces: encoded(Image.new("RGB", (8, 8)), "BMP"), "unsupported_image"),
    "mp4 video": (
        lambda faces: (faces / "cases" / "short_hamilton_clip.mp4").read_bytes(),
        "unsupported_image",
    ),
    "png claiming 20000x20000": (lambda faces: png_claiming(20000, 20000), "image_too_large"),
    "png header only, 20000x20000": (
        lambda faces: png_claiming(20000, 20000, with_data=False),
        "image_too_large",
    ),
    "png 5000 px wide": (lambda faces: png_claiming(5000, 10), "image_too_large"),
    "png header only, small": (
        lambda faces: png_claiming(64, 64, with_data=False),
        "unsupported_image",
    ),
    "more than 5 MB": (lambda faces: b"\xff\xd8" + b"\0" * (5 * 1024 * 1024), "image_too_large"),
}


@pytest.mark.parametrize("name", list(BAD_BYTES))
def test_bad_bytes_are_refused_with_a_code(name, faces_dir):
    make, code = BAD_BYTES[name]
    with pytest.raises(FaceError) as refusal:
        decode_image(make(faces_dir))
    assert refusal.value.code == code
    assert refusal.value.message == MESSAGES[code]


@pytest.mark.parametrize("data", [None, "text", 42])
def test_non_bytes_are_unsupported(data):
    with pytest.raises(FaceError) as refusal:
        decode_image(data)
    assert refusal.value.code == "unsupported_image"


def test_limits_come_from_the_settings():
    picture = encoded(Image.fromarray(gradient_rgb(200, 100)), "PNG")
    assert decode_image(picture, ImageLimits(max_side=200)).shape == (100, 200, 3)
    with pytest.raises(FaceError, match="image_too_large"):
        decode_image(picture, ImageLimits(max_side=199))
    with pytest.raises(FaceError, match="image_too_large"):
        decode_image(picture, ImageLimits(max_bytes=len(picture) - 1))


def test_every_code_has_an_actionable_message():
    for code, message in MESSAGES.items():
        assert code == code.lower() and " " not in code
        assert message.endswith(".") and len(message) > 20
    with pytest.raises(ValueError):
        FaceError("not_a_code")


@pytest.mark.parametrize(
    "box", [(100, 50, 300, 250), (-40, -40, 60, 60), (590, 430, 700, 520), (10, 10, 10, 10)]
)
def test_thumbnail_is_a_small_jpeg_of_the_face(box):
    rgb = np.full((480, 640, 3), 90, dtype=np.uint8)
    data = thumbnail_jpeg(rgb, box)
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= 160
