"""Turning uploaded bytes into RGB pixel arrays, safely, and face thumbnails back into JPEG.

``decode_image`` reads the header first and refuses oversized pictures before any pixel is
decoded, so a small file claiming huge dimensions (a decompression bomb) costs nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from .errors import FaceError

# Formats a browser or a phone produces (Pillow's JPEG reader also opens multi-picture "MPO").
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
EXIF_ORIENTATION_TAG = 0x0112
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")

Image.init()  # register every Pillow reader now, so ``formats=`` can name WebP

# A face box: (left, top, right, bottom) in pixels of the image it was found in.
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class ImageLimits:
    """Upper bounds on an uploaded picture, checked before its pixels are decoded."""

    max_bytes: int = 5 * 1024 * 1024  # larger uploads are refused unread
    max_side: int = 4096  # width or height from the header; bounds decoded memory to 64 MB


DEFAULT_LIMITS = ImageLimits()
# Check frames are camera frames: nothing larger than full HD (either orientation).
MAX_FRAME_SIDES = (1920, 1080)


def check_frame_size(data: bytes) -> None:
    """Refuse a check frame above 1920x1080 from its header alone (``frame_too_large``).

    Only the header is parsed (Pillow opens lazily); unreadable bytes are left to
    ``decode_image``, which refuses them with its own code.
    """
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
        return
    size = _png_declared_size(data)
    if size is None:
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                size = image.size
        except Exception:  # not a picture: decode_image gives the code
            return
    longer, shorter = max(size), min(size)
    if longer > MAX_FRAME_SIDES[0] or shorter > MAX_FRAME_SIDES[1]:
        raise FaceError("frame_too_large")


def decode_image(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode a JPEG/PNG/WebP upload into a C-contiguous ``(h, w, 3)`` RGB uint8 array.

    EXIF orientation is applied, transparency is composited onto white, greyscale and 16-bit
    pictures are converted. Raises ``FaceError("unsupported_image")`` for empty, broken or
    other-format bytes and ``FaceError("image_too_large")`` beyond ``limits``.
    """
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
        raise FaceError("unsupported_image")
    if len(data) > limits.max_bytes:
        raise FaceError("image_too_large")
    declared = _png_declared_size(data)
    if declared and max(declared) > limits.max_side:
        raise FaceError("image_too_large")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise FaceError("image_too_large") from None
    except Exception:  # Pillow's plugins raise assorted types on malformed headers
        raise FaceError("unsupported_image") from None
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise FaceError("unsupported_image")
        if max(width, height) > limits.max_side:
            raise FaceError("image_too_large")
        try:
            image.load()
            rgb = _to_rgb_array(_apply_exif_orientation(image))
        except Exception:  # truncated or corrupt pixel data
            raise FaceError("unsupported_image") from None
    return rgb


def _png_declared_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk, even if the rest of the file is missing."""
    if len(data) >= 24 and data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _apply_exif_orientation(image: Image.Image) -> Image.Image:
    """Rotate/flip as the camera's EXIF orientation tag says (no copy when upright)."""
    try:
        orientation = image.getexif().get(EXIF_ORIENTATION_TAG, 1)
    except Exception:  # an unreadable EXIF block is ignored, the pixels are still good
        return image
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(image)
    return image


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    """Any Pillow mode to an RGB uint8 array: alpha over white, 16-bit scaled down."""
    mode = image.mode
    if mode in SIXTEEN_BIT_MODES:
        wide = np.asarray(image).astype(np.uint32)
        grey = (np.clip(wide, 0, 65535) >> 8).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode == "P" and "transparency" in image.info:
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        if image.getextrema()[3][0] < 255:
            background = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.array(image, dtype=np.uint8, order="C")


def thumbnail_jpeg(
    rgb: np.ndarray, box: Box, max_px: int = 160, margin: float = 0.25, quality: int = 80
) -> bytes:
    """A small JPEG (longer side at most ``max_px``) of the face in ``box`` plus a margin.

    Used for review screens: small enough to store per check, large enough to recognise.
    """
    height, width = rgb.shape[:2]
    left, top, right, bottom = box
    pad_x = round((right - left) * margin)
    pad_y = round((bottom - top) * margin)
    x0, y0 = max(0, left - pad_x), max(0, top - pad_y)
    x1, y1 = min(width, right + pad_x), min(height, bottom + pad_y)
    crop = rgb[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else rgb
    scale = min(1.0, max_px / max(crop.shape[:2]))
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(crop)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
