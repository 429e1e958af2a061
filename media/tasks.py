"""Renditions of library images, made once in the task queue (never per request)."""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task
from PIL import Image

from blog.signals import content_changed
from media.models import MediaItem, PostMedia, Rendition

# Pillow's format for each rendition format, and its extension.
RENDITION_FORMATS = {
    "webp": ("WEBP", ".webp"),
    "jpeg": ("JPEG", ".jpg"),
    "png": ("PNG", ".png"),
    "gif": ("GIF", ".gif"),
}
# The format of the file readers receive -> the rendition format beside WebP.
SOURCE_FORMATS = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "jpeg",
}


def rendition_widths(width: int) -> list[int]:
    """The configured widths that are narrower than the image."""
    return sorted({w for w in settings.KIJI_MEDIA_RENDITION_WIDTHS if 0 < w < width})


def render(image: Image.Image, width: int, fmt: str) -> tuple[bytes, int]:
    """The image scaled to width in fmt, without metadata: (bytes, height)."""
    height = max(1, round(image.height * width / image.width))
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    pil_format = RENDITION_FORMATS[fmt][0]
    params: dict = {}
    if icc := image.info.get("icc_profile"):
        params["icc_profile"] = icc
    if pil_format == "JPEG":
        if resized.mode not in ("RGB", "L", "CMYK"):
            resized = resized.convert("RGB")
        params.update(quality=85, optimize=True, progressive=True)
    elif pil_format == "WEBP":
        params.update(quality=80)
    elif pil_format == "GIF" and resized.mode not in ("P", "L"):
        resized = resized.convert("P", palette=Image.Palette.ADAPTIVE)
    buffer = io.BytesIO()
    resized.save(buffer, pil_format, **params)
    return buffer.getvalue(), height


@task()
def make_renditions(pk: int) -> int:
    """Make the item's missing renditions; tell blog which posts changed. Returns how many."""
    item = MediaItem.objects.filter(pk=pk, kind=MediaItem.Kind.IMAGE).first()
    if item is None or not item.width:
        return 0
    Image.MAX_IMAGE_PIXELS = settings.KIJI_MEDIA_MAX_PIXELS
    with item.file.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    formats = ["webp"]
    source = SOURCE_FORMATS.get(item.content_type)
    if source and source not in formats:
        formats.append(source)
    have = set(item.renditions.values_list("width", "format"))
    stem = PurePosixPath(item.file.name).stem
    folder = PurePosixPath(item.file.name).parent
    made = 0
    for width in rendition_widths(image.width):
        for fmt in formats:
            if (width, fmt) in have:
                continue
            data, height = render(image, width, fmt)
            digest = hashlib.sha256(data).hexdigest()[:12]
            name = f"{folder}/{stem}-{width}w-{digest}{RENDITION_FORMATS[fmt][1]}"
            rendition = Rendition(item=item, width=width, height=height, format=fmt)
            rendition.file.save(name, ContentFile(data), save=False)
            try:
                with transaction.atomic():
                    rendition.save()
            except Exception:
                rendition.file.storage.delete(rendition.file.name)
                raise
            made += 1
    post_ids = tuple(PostMedia.objects.filter(item=item).values_list("post_id", flat=True))
    if made and post_ids:
        content_changed.send(sender=MediaItem, post_ids=post_ids)
    return made
