"""The export formats Kiji reads, behind one interface, and `import_file` that runs one."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from porting import media_import, mt_reader, wxr
from porting.importer import ImportOptions, ImportReport, import_entries
from porting.mt_entries import Entry, EntryError


class MTSource:
    """A Movable Type, TypePad or cocolog export."""

    label = "Movable Type / TypePad / cocolog (.txt)"

    def __init__(self, stream: BinaryIO, encoding: str = "auto"):
        self.stream, self.encoding = stream, encoding

    def count(self) -> int:
        start = self.stream.tell()
        total = mt_reader.count_entries(self.stream)
        self.stream.seek(start)
        return total

    def __iter__(self) -> Iterator[Entry | EntryError]:
        return mt_reader.read_entries(self.stream, encoding=self.encoding)

    def notes(self) -> list[str]:
        return []


class WXRSource:
    """A WordPress export (WXR)."""

    label = "WordPress (WXR .xml)"

    def __init__(self, stream: BinaryIO, encoding: str = "auto"):
        self.stream = stream
        self.reader = wxr.WXRReader(stream)
        self.media = False

    def read_attachments(self, media: media_import.MediaOptions) -> None:
        """Tell `media` the file's attachments; they are then brought in, not skipped."""
        start = self.stream.tell()
        media.attachments, media.thumbnails = wxr.read_attachments(self.stream)
        self.stream.seek(start)
        self.media = True

    def count(self) -> int:
        start = self.stream.tell()
        total = wxr.count_items(self.stream)
        self.stream.seek(start)
        return total

    def __iter__(self) -> Iterator[Entry | EntryError]:
        return iter(self.reader)

    def notes(self) -> list[str]:
        skipped = ", ".join(
            f"{n} {kind}"
            for kind, n in sorted(self.reader.skipped.items())
            if not (self.media and kind == "attachment")
        )
        return [f"not imported (Kiji holds posts only): {skipped}"] if skipped else []


SOURCES = {"mt": MTSource, "wxr": WXRSource}


def import_file(
    path: Path,
    *,
    kind: str,
    options: ImportOptions,
    encoding: str = "auto",
    progress: Callable[[int], Callable[[int], None]] | None = None,
) -> ImportReport:
    """Import the export at `path`; `progress(total)` returns the per-entry callback.

    Raises `mt_entries.ExportError` when the file as a whole cannot be read.
    """
    with path.open("rb") as stream:
        source = SOURCES[kind](stream, encoding)
        if options.media is not None and hasattr(source, "read_attachments"):
            source.read_attachments(options.media)
        callback = progress(source.count()) if progress else None
        report = import_entries(source, options, callback)
        report.warnings += source.notes()
    return report
