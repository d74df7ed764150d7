"""What an uploaded file really is, read from its first bytes rather than its name or the browser's word:
PDF, Word (docx), and the image types the portal accepts. Used by every upload form (materials, meeting
attachments)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


PDF_TYPE = "application/pdf"


# Pillow's format name → MIME type and the file name endings that go with it.
IMAGE_TYPES = {
    "PNG": ("image/png", {".png"}),
    "JPEG": ("image/jpeg", {".jpg", ".jpeg"}),
    "GIF": ("image/gif", {".gif"}),
    "WEBP": ("image/webp", {".webp"}),
}


class ImageTooLarge(ValueError):
    """An image with more pixels than UPLOAD_IMAGE_MAX_PIXELS, found from its header before it is decoded."""

    def __init__(self, width: int | None, height: int | None, limit: int) -> None:
        super().__init__(f"{width}x{height} > {limit} pixels")
        self.width, self.height, self.limit = width, height, limit

    @property
    def megapixels(self) -> str:
        """The image's size in 万像素 (ten thousands of pixels), as Chinese users count them; "?" when unknown."""
        if self.width is None or self.height is None:
            return "?"
        return f"{self.width * self.height / 10_000:,.0f}"


@dataclass(frozen=True)
class DetectedFile:
    content_type: str
    suffixes: set[str]


def detect_attachment_type(upload: UploadedFile) -> DetectedFile | None:
    """What the file really is, read from its content (never from its name or the browser's content type).

    PDF: starts with ``%PDF-``. docx: a zip archive holding ``word/document.xml``. Images: PNG, JPEG, GIF or
    WebP that Pillow opens and verifies. Anything else: None. An image with more pixels than
    UPLOAD_IMAGE_MAX_PIXELS raises ImageTooLarge, read from its header before anything is decoded.
    """
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return DetectedFile(PDF_TYPE, {".pdf"})
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(upload) as archive:
                if "word/document.xml" in archive.namelist():
                    return DetectedFile(DOCX_TYPE, {".docx"})
            return None
        try:
            image = Image.open(upload)
        except Image.DecompressionBombError:
            raise ImageTooLarge(None, None, settings.UPLOAD_IMAGE_MAX_PIXELS) from None
        with image:
            width, height = image.size
            if width * height > settings.UPLOAD_IMAGE_MAX_PIXELS:
                raise ImageTooLarge(width, height, settings.UPLOAD_IMAGE_MAX_PIXELS)
            image_format = image.format
            image.verify()
        if image_format in IMAGE_TYPES:
            content_type, suffixes = IMAGE_TYPES[image_format]
            return DetectedFile(content_type, suffixes)
        return None
    except ImageTooLarge:
        raise
    except (zipfile.BadZipFile, UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    finally:
        upload.seek(0)


def image_too_large_message(name: str, error: ImageTooLarge) -> str:
    """The message for an image over the pixel limit: which file, how large, the limit, what to do."""
    return _("“%(name)s”的图片像素过大（%(size)s万像素，上限%(limit)s万像素），请缩小后再上传。") % {
        "name": name,
        "size": error.megapixels,
        "limit": f"{error.limit / 10_000:,.0f}",
    }
