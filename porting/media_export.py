"""The library's files beside an export, so that moving out keeps the images.

`MediaWriter` writes each item the exported posts use (linked to the post, or
named in its body as `media:<pk>`) to a folder or a zip under the item's own
stored name, `media/<yyyy>/<mm>/<name>`, and turns the body's references into
relative URLs to those files. `import_mt --media-from` that folder or zip
matches them back by path (see `porting.media_import`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from media.models import MediaItem, PostMedia
from porting.mt_entries import Entry

# `media:<pk>` as an attribute value or a Markdown link target.
_reference = re.compile(r"""(?<=["'(=])media:(\d+)(?=["')\s>])""")
CHUNK = 500


def safe_name(name: str) -> str:
    """The item's stored name as a relative path that stays inside the export's folder."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..")]
    parts = [p for p in parts if p != "/"]
    return "/".join(parts) or "media/file"


class MediaWriter:
    """Writes the files of exported posts to `target`, a folder or a path ending in .zip."""

    def __init__(self, target: Path):
        self.target = target
        self.zip = None
        if target.suffix.lower() == ".zip":
            target.parent.mkdir(parents=True, exist_ok=True)
            self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED)
        else:
            target.mkdir(parents=True, exist_ok=True)
        self.paths: dict[int, str | None] = {}  # item pk -> written path (None: not available)
        self.written = 0
        self.missing: list[str] = []

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    def entries(self, posts: Iterable[tuple[int, Entry]]) -> Iterator[Entry]:
        """The entries, with their files written and their references made relative URLs.

        Read in chunks: one query for the items of each chunk of posts.
        """
        chunk: list[tuple[int, Entry]] = []
        for item in posts:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield from self._chunk(chunk)
                chunk = []
        yield from self._chunk(chunk)

    def _chunk(self, chunk: list[tuple[int, Entry]]) -> Iterator[Entry]:
        if not chunk:
            return
        wanted: set[int] = set()
        for _, entry in chunk:
            wanted.update(int(pk) for pk in _reference.findall(entry.body))
        linked = PostMedia.objects.filter(post_id__in=[pk for pk, _ in chunk]).values_list(
            "item_id", flat=True
        )
        wanted.update(linked)
        wanted -= self.paths.keys()
        for item in MediaItem.objects.filter(pk__in=wanted).order_by("pk"):
            self.paths[item.pk] = self._write(item)
        for pk in wanted - self.paths.keys():
            self.paths[pk] = None
            self.missing.append(f"media:{pk}")
        for _, entry in chunk:
            entry.body = _reference.sub(self._relative, entry.body)
            yield entry

    def _relative(self, match: re.Match) -> str:
        path = self.paths.get(int(match.group(1)))
        return path if path else match.group(0)

    def _write(self, item: MediaItem) -> str | None:
        name = safe_name(item.file.name)
        try:
            with item.file.open("rb") as source:
                data = source.read()
        except OSError:
            self.missing.append(f"media:{item.pk} ({item.file.name})")
            return None
        if self.zip is not None:
            self.zip.writestr(name, data)
        else:
            path = self.target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.written += 1
        return name
