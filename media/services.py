"""Taking files into the library: check them with Pillow, clean them, store them, queue renditions.

Every upload is opened with Pillow; a file that does not decode as what its name
and content say, a decompression bomb, an image that is also HTML or a script,
and SVG (unless allowed) are refused with `MediaRefused`, and nothing is stored.
Readers receive a new image made from the decoded pixels, turned the right way
up, with no EXIF, XMP or IPTC (only the colour profile is kept); the upload as
received is kept in the private storage when KIJI_MEDIA_KEEP_ORIGINALS is on.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, features

from media.models import MediaItem

# Pillow's format name for each accepted extension.
IMAGE_EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".gif": "GIF",
    ".avif": "AVIF",
    ".heic": "HEIF",
    ".heif": "HEIF",
}
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
    "HEIF": "image/heif",
    "PDF": "application/pdf",
    "SVG": "image/svg+xml",
}
# What readers receive for each format, and its extension (HEIF is not written by Pillow).
OUTPUT_FORMATS = {
    "JPEG": ("JPEG", ".jpg"),
    "PNG": ("PNG", ".png"),
    "WEBP": ("WEBP", ".webp"),
    "GIF": ("GIF", ".gif"),
    "AVIF": ("AVIF", ".avif"),
    "HEIF": ("JPEG", ".jpg"),
}
# Markup that makes a file also an HTML page or a script (a polyglot).
POLYGLOT_MARKERS = (
    b"<script",
    b"<html",
    b"<head",
    b"<body",
    b"<svg",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<?php",
    b"<!doctype",
    b"<%",
    b"javascript:",
)
POLYGLOT_WINDOW = 16 * 1024


class MediaRefused(Exception):
    """An upload that the library does not take; str() is a message for people."""


@dataclass
class Checked:
    """What an accepted upload is."""

    kind: str
    format: str
    image: Image.Image | None = None


def image_formats() -> dict[str, str]:
    """The accepted image extensions that this Pillow decodes."""
    decodable = set(Image.registered_extensions().values())
    formats = {ext: fmt for ext, fmt in IMAGE_EXTENSIONS.items() if fmt in decodable}
    if not features.check("avif"):
        formats = {ext: fmt for ext, fmt in formats.items() if fmt != "AVIF"}
    return formats


def clean_name(name: str) -> tuple[str, str]:
    """The upload's name without any folder, made safe: (stem, lower-case extension)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    head, dot, ext = base.rpartition(".")
    stem, suffix = (head, f".{ext.lower()}") if dot else (base, "")
    try:
        stem = get_valid_filename(stem)
    except SuspiciousFileOperation:
        stem = ""
    stem = stem.strip("._")[:60] or "file"
    return stem, suffix


def check_upload(name: str, data: bytes) -> Checked:
    """Return what the file is, or raise MediaRefused."""
    if len(data) > settings.KIJI_MEDIA_MAX_UPLOAD_BYTES:
        raise MediaRefused(
            _("The file is too big: at most %(mb)d MB.")
            % {"mb": settings.KIJI_MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if not data:
        raise MediaRefused(_("The file is empty."))
    _stem, suffix = clean_name(name)
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            raise MediaRefused(_("The file is named .pdf but is not a PDF."))
        return Checked(kind=MediaItem.Kind.DOCUMENT, format="PDF")
    if suffix == ".svg":
        if not settings.KIJI_MEDIA_ALLOW_SVG:
            raise MediaRefused(_("SVG files are not accepted: they can carry scripts."))
        head = data[:POLYGLOT_WINDOW].lower()
        if b"<svg" not in head:
            raise MediaRefused(_("The file is named .svg but is not an SVG image."))
        return Checked(kind=MediaItem.Kind.DOCUMENT, format="SVG")
    expected = image_formats().get(suffix)
    if expected is None:
        raise MediaRefused(
            _("Files named %(ext)s are not accepted. Accepted: %(accepted)s and .pdf.")
            % {"ext": suffix or _("without an extension"), "accepted": ", ".join(image_formats())}
        )
    refuse_polyglot(data)
    return Checked(
        kind=MediaItem.Kind.IMAGE, format=expected, image=decode_image(data, expected, suffix)
    )


def refuse_polyglot(data: bytes) -> None:
    """Refuse an image that carries HTML or script at its start or end."""
    ends = (data[:POLYGLOT_WINDOW] + b"\n" + data[-POLYGLOT_WINDOW:]).lower()
    if any(marker in ends for marker in POLYGLOT_MARKERS):
        raise MediaRefused(
            _("The file contains web page or script code as well as an image; it is refused.")
        )


def decode_image(data: bytes, expected: str, suffix: str) -> Image.Image:
    """Decode the whole image with Pillow, guarding against decompression bombs."""
    corrupt = _("The file is named %(ext)s but does not read as a %(format)s image.") % {
        "ext": suffix,
        "format": expected,
    }
    bomb = _("The image is too large: at most %(pixels)s pixels.") % {
        "pixels": f"{settings.KIJI_MEDIA_MAX_PIXELS:,}"
    }
    Image.MAX_IMAGE_PIXELS = settings.KIJI_MEDIA_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                found = probe.format
                if found != expected:
                    raise MediaRefused(
                        _("The file is named %(ext)s but is a %(found)s image.")
                        % {"ext": suffix, "found": found}
                    )
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
            if getattr(image, "n_frames", 1) > 1:
                for frame in ImageSequence.Iterator(image):
                    frame.load()
                image.seek(0)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise MediaRefused(bomb) from e
        except MediaRefused:
            raise
        except Exception as e:  # Pillow raises many kinds for broken files.
            raise MediaRefused(corrupt) from e
    return image


def clean_image(image: Image.Image, source_format: str) -> tuple[bytes, str, int, int]:
    """A new file of the image, upright, without metadata: (bytes, extension, width, height)."""
    out_format, ext = OUTPUT_FORMATS[source_format]
    icc = image.info.get("icc_profile")
    buffer = io.BytesIO()
    if getattr(image, "n_frames", 1) > 1 and out_format in ("GIF", "WEBP"):
        frames = [strip(frame.copy()) for frame in ImageSequence.Iterator(image)]
        params = {"save_all": True, "append_images": frames[1:], "loop": image.info.get("loop", 0)}
        if "duration" in image.info:
            params["duration"] = image.info["duration"]
        frames[0].save(buffer, out_format, **params)
        width, height = frames[0].size
    else:
        upright = strip(ImageOps.exif_transpose(image) or image.copy())
        if out_format == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        params = {}
        if icc:
            params["icc_profile"] = icc
        if out_format == "JPEG":
            params.update(quality=90, optimize=True)
        elif out_format in ("WEBP", "AVIF"):
            params.update(quality=90)
        upright.save(buffer, out_format, **params)
        width, height = upright.size
    return buffer.getvalue(), ext, width, height


def strip(image: Image.Image) -> Image.Image:
    """The image with only what drawing it needs left of its metadata."""
    keep = {k: image.info[k] for k in ("transparency", "duration") if k in image.info}
    image.info = keep
    if hasattr(image, "_exif"):
        image._exif = None
    return image


def stored_name(stem: str, ext: str, *, folder: str = "media") -> str:
    """A fresh name under folder/yyyy/mm/ that no other upload has."""
    now = timezone.localtime()
    return f"{folder}/{now:%Y}/{now:%m}/{stem}-{secrets.token_hex(4)}{ext}"


def store_upload(
    uploaded: UploadedFile, *, alt: str = "", caption: str = "", user=None
) -> MediaItem:
    """Check, clean and store one upload; raise MediaRefused if it is not taken.

    Images need alt text here (the author is at hand); `add_file`, for imports,
    takes what the old blog had, even none.
    """
    data = read_upload(uploaded)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = MediaItem.objects.filter(sha256=sha256).first()
    if existing is not None:
        raise MediaRefused(
            _("This file is already in the library: %(title)s.") % {"title": existing}
        )
    checked = check_upload(uploaded.name or "", data)
    if checked.kind == MediaItem.Kind.IMAGE and not alt.strip():
        raise MediaRefused(_("Describe the picture in its alt text: it is required for images."))
    return create_item(
        uploaded.name or "", data, sha256, alt=alt, caption=caption, user=user, checked=checked
    )


def read_upload(uploaded: UploadedFile) -> bytes:
    """The upload's bytes, refusing one bigger than the limit before reading it all."""
    limit = settings.KIJI_MEDIA_MAX_UPLOAD_BYTES
    too_big = _("The file is too big: at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
    if uploaded.size is not None and uploaded.size > limit:
        raise MediaRefused(too_big)
    uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise MediaRefused(too_big)
    return data


def add_file(name: str, data: bytes, *, alt: str = "", user=None) -> tuple[MediaItem, bool]:
    """Take a file into the library unless it is there already: (item, created)."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = MediaItem.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing, False
    try:
        return create_item(name, data, sha256, alt=alt, user=user), True
    except IntegrityError:
        # Taken by a concurrent import meanwhile.
        return MediaItem.objects.get(sha256=sha256), False


def create_item(
    name: str,
    data: bytes,
    sha256: str,
    *,
    alt: str = "",
    caption: str = "",
    user=None,
    checked: Checked | None = None,
) -> MediaItem:
    """Store a file that nobody has stored yet, and queue its renditions."""
    checked = checked or check_upload(name, data)
    stem, suffix = clean_name(name)
    alt = alt.strip()
    item = MediaItem(
        kind=checked.kind,
        sha256=sha256,
        alt=alt,
        caption=caption,
        title=f"{stem}{suffix}"[:200],
        uploaded_by=user,
    )
    if checked.image is not None:
        cleaned, ext, item.width, item.height = clean_image(checked.image, checked.format)
        item.content_type = CONTENT_TYPES[OUTPUT_FORMATS[checked.format][0]]
    else:
        cleaned, ext = data, suffix
        item.content_type = CONTENT_TYPES[checked.format]
    saved: list = []
    try:
        with transaction.atomic():
            item.file.save(stored_name(stem, ext), ContentFile(cleaned), save=False)
            saved.append(item.file)
            if checked.image is not None and settings.KIJI_MEDIA_KEEP_ORIGINALS:
                item.original.save(
                    stored_name(stem, suffix, folder="originals"), ContentFile(data), save=False
                )
                saved.append(item.original)
            item.save()
    except BaseException:
        for field in saved:
            field.storage.delete(field.name)
        raise
    if item.is_image():
        from media.tasks import make_renditions

        transaction.on_commit(lambda: make_renditions.enqueue(item.pk))
    return item
