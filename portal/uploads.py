"""What an uploaded file really is, read from its first bytes rather than its name or the browser's word:
PDF, Word (docx), and the image types the portal accepts. Used by every upload form (materials, meeting
attachments)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
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


@dataclass(frozen=True)
class DetectedFile:
    content_type: str
    suffixes: set[str]


def detect_attachment_type(upload: UploadedFile) -> DetectedFile | None:
    """What the file really is, read from its content (never from its name or the browser's content type).

    PDF: starts with ``%PDF-``. docx: a zip archive holding ``word/document.xml``. Images: PNG, JPEG, GIF or
    WebP that Pillow opens and verifies. Anything else: None.
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
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
        if image_format in IMAGE_TYPES:
            content_type, suffixes = IMAGE_TYPES[image_format]
            return DetectedFile(content_type, suffixes)
        return None
    except (zipfile.BadZipFile, UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    finally:
        upload.seek(0)
