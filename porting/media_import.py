"""The images and files of imported posts, brought into the media library.

An imported body's `<img src>` and `<a href>` (and Markdown's `![](...)` and
`[](...)`) that point at a file the library takes (by its extension: see
`FILE_EXTENSIONS`) on the old blog's host, or by a relative URL, are looked up

- in `--media-from PATH`, a folder or a zip of the old blog's files: a file
  matches when its path inside PATH, with or without its first folder, is the
  end of the URL's path (`/blog/images/2009/a.jpg` matches `images/2009/a.jpg`,
  `2009/a.jpg`, `backup/images/2009/a.jpg`...); the longest such end wins;
- else, with `--fetch-media`, on the old host through `trackbacks.fetcher`
  (the one SSRF-safe client). Nothing is fetched without that option.

Each file found goes into the library through `media.services.add_file`
(idempotent by content hash, so importing again adds nothing), the post is
linked to it (PostMedia) and the reference is rewritten to `media:<pk>`.
Every reference that cannot be found, or that the library refuses, gets one
line in the import's report. Existing items are looked up by hash in batches.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext

FILE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "pdf"})
# Unpacked bytes a zip may hold in all (a zip bomb is refused before anything is read).
# Bytes of files kept in memory before their hashes are looked up and they are stored.
BATCH_BYTES = 64 * 1024**2

_tag = re.compile(r"<(img|a)\b[^>]*>", re.IGNORECASE)
_attribute = re.compile(
    r"""(?P<lead>\s(?P<name>[a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*)"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))"""
)
_markdown_link = re.compile(r"(?P<lead>!?\[(?P<text>[^\]\n]*)\]\(\s*)(?P<url>[^\s)]+)")
_size_suffix = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")


class MediaProblem(Exception):
    """A file could not be brought over; the message says why, for people."""


def bare_host(host: str) -> str:
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def zip_max_bytes() -> int:
    return settings.KIJI_IMPORT_MEDIA_MAX_BYTES


def file_max_bytes() -> int:
    return getattr(settings, "KIJI_MEDIA_MAX_UPLOAD_BYTES", 20 * 1024**2)


def too_big() -> MediaProblem:
    return MediaProblem(
        gettext("the file is bigger than the library takes (%(mb)d MB)")
        % {"mb": file_max_bytes() // 1024**2}
    )


# References in bodies.


@dataclass(frozen=True)
class Reference:
    """A link in a body to a file: its URL as written and the picture's description."""

    url: str
    alt: str = ""


def scan(body: str, replace: Callable[[Reference], str | None]) -> str:
    """Call `replace` for each file link in `body`; put what it returns in place of the URL.

    `replace` returning None leaves the link as it was. The URL given is the
    attribute's value with character references decoded.
    """

    def in_tag(match: re.Match) -> str:
        tag = match.group(0)
        wanted = "src" if match.group(1).lower() == "img" else "href"
        attributes = list(_attribute.finditer(tag))
        alt = next(
            (html.unescape(_value(a)) for a in attributes if a.group("name").lower() == "alt"), ""
        )
        for attribute in attributes:
            if attribute.group("name").lower() != wanted:
                continue
            new = replace(Reference(html.unescape(_value(attribute)).strip(), alt.strip()))
            if new is None:
                return tag
            quoted = f'"{html.escape(new)}"'
            start, end = attribute.span()
            return tag[:start] + attribute.group("lead") + quoted + tag[end:]
        return tag

    def in_markdown(match: re.Match) -> str:
        url = match.group("url").strip("<>")
        alt = match.group("text") if match.group("lead").startswith("!") else ""
        new = replace(Reference(url, alt.strip()))
        return match.group(0) if new is None else match.group("lead") + new

    body = _tag.sub(in_tag, body)
    return _markdown_link.sub(in_markdown, body)


def _value(attribute: re.Match) -> str:
    for group in ("dq", "sq", "bare"):
        if attribute.group(group) is not None:
            return attribute.group(group)
    return ""


@dataclass(frozen=True)
class Target:
    """Where a reference points: the URL to fetch ("" if none can be made) and its path."""

    url: str
    path: str

    @property
    def key(self) -> str:
        return self.url or self.path

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


def target(url: str, base: str, hosts: set[str]) -> Target | None:
    """The file a link points at, if it is one of the old blog's files; else None."""
    if not url or url.startswith(("#", "media:", "data:", "mailto:", "javascript:")):
        return None
    absolute = urljoin(base, url) if base else url
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return None
    if parts.netloc and bare_host(parts.hostname or "") not in hosts:
        return None
    path = unquote(parts.path)
    # TypePad and cocolog link a picture to a page that shows it: /.shared/image.html?/photos/a.jpg
    if path.endswith("/.shared/image.html") and parts.query.startswith("/"):
        path = unquote(parts.query)
        absolute = f"{parts.scheme}://{parts.netloc}{parts.query}" if parts.netloc else path
    name = PurePosixPath(path).name
    if "." not in name or name.rsplit(".", 1)[1].lower() not in FILE_EXTENSIONS:
        return None
    fetchable = absolute if parts.netloc else ""
    if not fetchable and hosts and path.startswith("/"):
        fetchable = f"http://{sorted(hosts)[0]}{path}"
    return Target(url=fetchable.split("#", 1)[0], path=path)


# Where files are found.


def _suffixes(path: str) -> Iterable[str]:
    segments = [s for s in path.split("/") if s not in ("", ".")]
    for start in range(len(segments)):
        yield "/".join(segments[start:])


def _index(names: Iterable[str]) -> dict[str, str]:
    """Match key -> name: each name as it is, and without its first folder."""
    index: dict[str, str] = {}
    names = sorted(names)
    for name in names:
        index[name] = name
    for name in names:
        if "/" in name:
            index.setdefault(name.split("/", 1)[1], name)
    return index


class FolderFiles:
    """The old blog's files in a folder; symbolic links leading outside it are not followed."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        names = []
        for folder, dirs, files in os.walk(self.root):
            dirs.sort()
            for file in files:
                path = Path(folder) / file
                names.append(path.relative_to(self.root).as_posix())
        self.index = _index(names)

    def find(self, path: str) -> str | None:
        return next((self.index[s] for s in _suffixes(path) if s in self.index), None)

    def read(self, name: str) -> bytes:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root) or not stat.S_ISREG(path.stat().st_mode):
            raise MediaProblem(gettext("%(name)s leads outside the folder") % {"name": name})
        if path.stat().st_size > file_max_bytes():
            raise too_big()
        return path.read_bytes()

    def close(self) -> None:
        pass


class ZipFiles:
    """The old blog's files in a zip, read member by member, never unpacked to disk.

    The whole zip is refused if a name could leave its folder (`..`, an
    absolute or drive name) or if what it would unpack to exceeds
    KIJI_IMPORT_MEDIA_MAX_BYTES; a member is read only up to the upload limit,
    whatever its header says.
    """

    def __init__(self, path: Path):
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise MediaProblem(
                gettext("%(path)s is not a readable zip file (%(error)s)")
                % {"path": path, "error": exc}
            ) from None
        members, total = {}, 0
        for info in self.zip.infolist():
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
                self.zip.close()
                raise MediaProblem(
                    gettext("the zip is refused: the name %(name)s points outside the zip")
                    % {"name": name}
                )
            total += info.file_size
            if not info.is_dir():
                members[name] = info
        if total > zip_max_bytes():
            self.zip.close()
            raise MediaProblem(
                gettext("the zip is refused: it would unpack to %(size)d MB, more than %(max)d MB")
                % {"size": total // 1024**2, "max": zip_max_bytes() // 1024**2}
            )
        self.members = members
        self.index = _index(members)
        self.read_total = 0

    def find(self, path: str) -> str | None:
        return next((self.index[s] for s in _suffixes(path) if s in self.index), None)

    def read(self, name: str) -> bytes:
        info = self.members[name]
        limit = file_max_bytes()
        if info.file_size > limit:
            raise too_big()
        if info.flag_bits & 0x1:
            raise MediaProblem(gettext("the file is encrypted in the zip"))
        try:
            with self.zip.open(info) as member:
                data = member.read(limit + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise MediaProblem(
                gettext("the zip member cannot be read (%(error)s)") % {"error": exc}
            ) from None
        if len(data) > limit:
            raise too_big()
        self.read_total += len(data)
        if self.read_total > zip_max_bytes():
            raise MediaProblem(gettext("the zip unpacks to more than it says; it is refused"))
        return data

    def close(self) -> None:
        self.zip.close()


def open_files(path: Path) -> FolderFiles | ZipFiles:
    """The folder or zip at `path`; raises MediaProblem if neither."""
    if path.is_dir():
        return FolderFiles(path)
    if path.is_file():
        return ZipFiles(path)
    raise MediaProblem(gettext("%(path)s is neither a folder nor a zip file") % {"path": path})


def fetch(url: str) -> bytes:
    """The file at `url` on the old blog, through the SSRF-safe fetcher."""
    from trackbacks.fetcher import FetchError, fetch

    try:
        response = fetch(url, max_bytes=file_max_bytes())
    except FetchError as exc:
        raise MediaProblem(gettext("could not be fetched: %(error)s") % {"error": exc}) from None
    if not response.ok:
        raise MediaProblem(
            gettext("could not be fetched: the server answered %(status)s")
            % {"status": response.status}
        )
    if response.truncated:
        raise too_big()
    return response.body


# The import's side.


@dataclass
class Attachment:
    """A WordPress attachment item: a file the old blog held, and the post it belongs to."""

    source_id: str
    url: str
    parent_id: str = ""
    title: str = ""
    alt: str = ""


@dataclass
class MediaOptions:
    """Where the old blog's files come from."""

    files_from: Path | None = None
    fetch: bool = False
    hosts: set[str] = field(default_factory=set)
    attachments: list[Attachment] = field(default_factory=list)
    # Post id -> attachment id of its featured image (WordPress `_thumbnail_id`).
    thumbnails: dict[str, str] = field(default_factory=dict)


@dataclass
class PostBody:
    """A body to bring files for: who it is (for the report), its text, its old URL, its title."""

    description: str
    body: str
    base: str = ""
    title: str = ""


@dataclass
class Found:
    """A file read for a reference, waiting to go into the library."""

    key: str
    name: str
    data: bytes
    alt: str
    sha256: str


class MediaImporter:
    """Brings the files an import's posts use into the library; one per import."""

    def __init__(self, options: MediaOptions, *, dry_run: bool = False, user=None):
        self.options = options
        self.dry_run = dry_run
        self.user = user
        self.hosts = {bare_host(h) for h in options.hosts if h}
        for attachment in options.attachments:
            self.hosts.add(bare_host(urlsplit(attachment.url).hostname or ""))
        self.hosts.discard("")
        self.files = open_files(options.files_from) if options.files_from else None
        # WordPress puts resized copies (a-300x200.jpg) in bodies: the attachment is the original.
        self.originals = {
            PurePosixPath(urlsplit(a.url).path).name: a.url for a in options.attachments
        }
        self.attachment_alt = {a.url: a.alt or a.title for a in options.attachments}
        self.forget()

    def forget(self) -> None:
        """Drop what was found so far (its transaction was rolled back)."""
        self.items: dict[str, int] = {}  # reference key -> library item pk
        self.problems: dict[str, str] = {}  # reference key -> why it is not there

    def close(self) -> None:
        if self.files is not None:
            self.files.close()

    def learn_host(self, url: str) -> None:
        host = bare_host(urlsplit(url).hostname or "") if url else ""
        if host:
            self.hosts.add(host)

    def rewrite(self, posts: list[PostBody], report) -> list[tuple[str, list[int]]]:
        """Bring the files each body links to; give the new bodies and the items each uses."""
        wanted: dict[str, tuple[Target, str]] = {}
        per_post: list[list[tuple[Reference, Target]]] = []
        for post in posts:
            found: list[tuple[Reference, Target]] = []

            def collect(reference: Reference, found=found, post=post) -> None:
                place = self._target(reference.url, post.base)
                if place is not None:
                    found.append((reference, place))
                    alt = reference.alt or self.attachment_alt.get(place.key) or post.title
                    wanted.setdefault(place.key, (place, alt))

            scan(post.body, collect)
            per_post.append(found)
        self._bring(
            [(place, alt) for key, (place, alt) in wanted.items() if key not in self._known],
            report,
        )
        results = []
        for post, found in zip(posts, per_post, strict=True):
            used: list[int] = []
            for reference, place in found:
                if place.key in self.problems:
                    report.media_problems.append(
                        f"{post.description}: {reference.url}: {self.problems[place.key]}"
                    )
                elif self.items.get(place.key):
                    used.append(self.items[place.key])

            def swap(reference: Reference, base=post.base) -> str | None:
                place = self._target(reference.url, base)
                pk = self.items.get(place.key) if place is not None else None
                return f"media:{pk}" if pk else None

            body = scan(post.body, swap) if used else post.body
            results.append((body, list(dict.fromkeys(used))))
        return results

    def bring_attachments(self, report) -> list[tuple[Attachment, int]]:
        """The WordPress attachments brought into the library, with their item ids."""
        places = [
            (
                Target(a.url, unquote(urlsplit(a.url).path)),
                a.alt or a.title or PurePosixPath(urlsplit(a.url).path).stem,
            )
            for a in self.options.attachments
        ]
        self._bring([p for p in places if p[0].key not in self._known], report)
        brought = []
        for attachment, (place, _alt) in zip(self.options.attachments, places, strict=True):
            if self.items.get(place.key):
                brought.append((attachment, self.items[place.key]))
            elif place.key in self.problems:
                report.media_problems.append(
                    gettext("attachment %(id)s: %(url)s: %(problem)s")
                    % {
                        "id": attachment.source_id,
                        "url": attachment.url,
                        "problem": self.problems[place.key],
                    }
                )
        return brought

    @property
    def _known(self) -> set[str]:
        return self.items.keys() | self.problems.keys()

    def _target(self, url: str, base: str) -> Target | None:
        place = target(url, base, self.hosts)
        if place is not None and self.originals:
            original = self.originals.get(_size_suffix.sub("", place.name))
            if original and place.name not in self.originals:
                place = Target(original, unquote(urlsplit(original).path))
        return place

    def _bring(self, places: list[tuple[Target, str]], report) -> None:
        """Read each file, then look the hashes up and store what is new, in batches."""
        waiting: list[Found] = []
        size = 0
        for place, alt in places:
            try:
                data = self._read(place)
            except MediaProblem as exc:
                self.problems[place.key] = str(exc)
                report.add("media", "failed")
                continue
            waiting.append(
                Found(place.key, place.name, data, alt, hashlib.sha256(data).hexdigest())
            )
            size += len(data)
            if size > BATCH_BYTES:
                self._store(waiting, report)
                waiting, size = [], 0
        self._store(waiting, report)

    def _read(self, place: Target) -> bytes:
        if self.files is not None:
            name = self.files.find(place.path)
            if name is not None:
                return self.files.read(name)
        if self.options.fetch and place.url:
            if self.dry_run:
                raise MediaProblem(gettext("not fetched in a dry run"))
            return fetch(place.url)
        if self.options.fetch:
            raise MediaProblem(gettext("a relative link, and the old blog's address is not known"))
        if self.files is not None:
            return self._not_found()
        raise MediaProblem(gettext("not found (nothing is fetched without --fetch-media)"))

    def _not_found(self) -> bytes:
        raise MediaProblem(
            gettext("not found in %(path)s (nothing is fetched without --fetch-media)")
            % {"path": self.options.files_from}
        )

    def _store(self, waiting: list[Found], report) -> None:
        if not waiting:
            return
        from media.models import MediaItem
        from media.services import MediaRefused, add_file

        existing = dict(
            MediaItem.objects.filter(sha256__in={f.sha256 for f in waiting}).values_list(
                "sha256", "pk"
            )
        )
        for found in waiting:
            pk = existing.get(found.sha256)
            if pk is not None:
                self.items[found.key] = pk
                report.add("media", "existing")
                continue
            if self.dry_run:
                self.items[found.key] = 0
                report.add("media", "created")
                continue
            try:
                item, created = add_file(found.name, found.data, alt=found.alt, user=self.user)
            except MediaRefused as exc:
                self.problems[found.key] = gettext("refused: %(reason)s") % {"reason": exc}
                report.add("media", "failed")
                continue
            existing[found.sha256] = self.items[found.key] = item.pk
            report.add("media", "created" if created else "existing")
