"""Uploaded images (publisher logos) bounded in bytes and pixels, stored resized.

A 144-megapixel logo used to be accepted and then decoded for every certificate (4 s
each; a 6 MB logo made 6 MB PDFs). The header is read first (Pillow reads only the size
on open), so an oversized image is refused before it is ever decoded.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def logo_normalize(upload: UploadedFile) -> ContentFile[bytes]:
    """The upload checked (≤ LOGO_MAX_BYTES, ≤ LOGO_MAX_PIXELS) and re-encoded as a PNG no
    larger than LOGO_MAX_SIDE on its longer side, metadata dropped."""
    max_bytes = _limit("LOGO_MAX_BYTES", 2 * 1024 * 1024)
    max_pixels = _limit("LOGO_MAX_PIXELS", 25_000_000)
    max_side = _limit("LOGO_MAX_SIDE", 800)
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            f"The logo is {upload.size / 1_048_576:.1f} MB; upload one of at most "
            f"{max_bytes / 1_048_576:.0f} MB.",
            code="too_big",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    f"The logo is {width} × {height} pixels; upload one of at most "
                    f"{max_pixels // 1_000_000} megapixels (a few hundred pixels wide is plenty).",
                    code="too_many_pixels",
                )
            image.load()
            has_alpha = image.mode in ("RGBA", "LA", "P") and (
                image.mode != "P" or "transparency" in image.info
            )
            picture = image.convert("RGBA" if has_alpha else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError("Upload a PNG, JPEG or GIF image.", code="invalid_image") from exc
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="logo.png")
