"""Importing a whole blog: entries read from an export become posts, comments and pings.

`import_entries(...)` takes the entries a reader yields (MT or WXR) and
writes them in batches. Each batch is one transaction; when a batch fails,
its entries are written again one transaction each, so a bad entry is
reported and skipped while every other entry is imported whole. Lookups
(existing slugs, categories, tags, imported keys) are loaded once, so the
number of queries does not grow with the number of entries already there.
"""

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from multiprocessing import get_context
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import ngettext

from blog import markup
from blog.models import Category, Post, Tag
from blog.signals import content_changed
from media.models import PostMedia
from moderation import registry
from moderation.models import Status
from porting import discussion
from porting.media_import import MediaImporter, MediaOptions, PostBody
from porting.middleware import could_be_old_path
from porting.models import ImportedEntry, OldPath
from porting.mt_entries import Entry, EntryError, EntryProblem

OUTCOMES = ("created", "existing", "flagged", "failed")
MARKDOWN_FILTERS = frozenset({"markdown", "markdown_with_smartypants"})
BREAK_FILTERS = frozenset({"1", "__default__", "convert_breaks"})
VERBATIM_FILTERS = frozenset({"", "0", "wysiwyg", "richtext", "blockeditor"})
_block_start = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|dl|pre|blockquote|table|hr|form|address|figure|section|"
    r"article|aside|header|footer|nav|script|style|center|iframe|object|embed|!--)[\s>/]",
    re.IGNORECASE,
)
_paragraph_split = re.compile(r"\n\s*\n")


def _apply(function: Callable, items: list) -> list:
    """Run in a worker process: `function` over a chunk of items."""
    return [function(item) for item in items]


def render_post(item: tuple[str, str]) -> tuple[str, str]:
    """A post body's HTML and plain text, as `Post.save()` stores them."""
    return markup.render(*item)


def convert_breaks(text: str) -> str:
    """Movable Type's "Convert Line Breaks": paragraphs and <br /> as HTML.

    Blank lines separate paragraphs; a paragraph that already starts with a
    block-level tag is left alone, others are wrapped in <p> with their
    single line breaks kept as <br />.
    """
    paragraphs = [part.strip("\n") for part in _paragraph_split.split(text) if part.strip()]
    return "\n\n".join(
        part if _block_start.match(part) else "<p>" + part.replace("\n", "<br />\n") + "</p>"
        for part in paragraphs
    )


def check_old_permalink(pattern: str) -> str:
    """Return `pattern` if it formats with year, month, day and basename; else ValueError."""
    try:
        pattern.format(year="2004", month="09", day="02", basename="post_12")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"Bad old permalink pattern {pattern!r} ({exc}); use {{year}}, {{month}}, {{day}} "
            "and {basename}, e.g. /blog/{year}/{month}/{basename}.html"
        ) from None
    return pattern


@dataclass
class ImportReport:
    """What an import did: counts per kind and outcome, failures and warnings."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # One line for every link to a file that could not be brought into the library.
    media_problems: list[str] = field(default_factory=list)
    entries_read: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts[kind][outcome] += n

    def merge(self, other: "ImportReport") -> None:
        for kind, counter in other.counts.items():
            self.counts[kind].update(counter)
        self.failures += other.failures
        self.warnings += other.warnings
        self.media_problems += other.media_problems

    @property
    def failed(self) -> int:
        return len(self.failures)

    def rows(self) -> list[tuple[str, ...]]:
        """The final table: a header, then one row per kind of thing."""
        kinds = [k for k in ("posts", "categories", "tags", "redirects") if k in self.counts]
        kinds += [k for k in self.counts if k not in kinds]
        header = ("", *("would create" if o == "created" and self.dry_run else o for o in OUTCOMES))
        return [header] + [
            (kind, *(str(self.counts[kind][outcome]) for outcome in OUTCOMES)) for kind in kinds
        ]

    def lines(self, *, all_warnings: bool = False) -> list[str]:
        """The report as text lines: a heading, the table, warnings, then failures."""
        entries = "entry" if self.entries_read == 1 else "entries"
        heading = "Dry run: nothing was saved." if self.dry_run else "Import finished."
        lines = [f"{heading} {self.entries_read} {entries} read in {self.seconds:.1f} s."]
        lines += self.table().splitlines()
        if self.warnings:
            shown = self.warnings if all_warnings else self.warnings[:10]
            lines.append(f"{len(self.warnings)} warnings:")
            lines += [f"  {warning}" for warning in shown]
            if len(shown) < len(self.warnings):
                lines.append(f"  ... and {len(self.warnings) - len(shown)} more")
        if self.media_problems:
            lines.append(
                ngettext(
                    "%(count)d link to an image or file not brought over:",
                    "%(count)d links to images or files not brought over:",
                    len(self.media_problems),
                )
                % {"count": len(self.media_problems)}
            )
            lines += [f"  {problem}" for problem in self.media_problems]
        if self.failures:
            lines.append(f"{self.failed} not imported:")
            lines += [f"  {failure}" for failure in self.failures]
        return lines

    def table(self) -> str:
        rows = self.rows()
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            for row in rows
        )


@dataclass
class ImportOptions:
    """How to import: who writes the posts, in which time zone, old permalinks."""

    tz: tzinfo
    author: object | None = None  # a user; None: match each entry's AUTHOR to a username
    old_permalink: str = ""  # e.g. "/{year}/{month}/{basename}.html"
    dry_run: bool = False
    batch_size: int = 200
    # Processes that render HTML (bleach dominates an import's time). More than one
    # forks the process: only for the command line, never inside a web server.
    workers: int = 1
    # Where the old blog's images and files come from; None: links are kept as they are.
    media: MediaOptions | None = None


class Importer:
    """Writes entries into the blog; see the module docstring."""

    def __init__(self, options: ImportOptions, progress: Callable[[int], None] | None = None):
        self.options = options
        self.progress = progress or (lambda n: None)
        self.report = ImportReport(dry_run=options.dry_run)
        self._users: dict[str, object] = {}
        self._default_user = None
        self._seen_basenames: set[str] = set()
        self.writers = [writer(self._aware, self.render_later) for writer in discussion.WRITERS]
        self._pool = None
        self.media = None
        if options.media is not None:
            self.media = MediaImporter(options.media, dry_run=options.dry_run, user=options.author)
        self.posts_by_source_id: dict[str, int] = {}
        self._load_lookups()

    # Lookups, loaded once and kept in step with what this import writes.

    def _load_lookups(self) -> None:
        self.slugs = set(Post.objects.values_list("slug", flat=True))
        self.keys = ImportedEntry.objects.post_ids_by_key()
        self.by_slug_date, self.by_date_title, self.by_date = {}, {}, {}
        for pk, slug, title, published_at in Post.objects.values_list(
            "pk", "slug", "title", "published_at"
        ).order_by("pk"):
            self.by_slug_date[(slug, published_at)] = pk
            self.by_date_title[(published_at, title)] = pk
            self.by_date.setdefault(published_at, pk)
        self.categories = {c.name: c for c in Category.objects.all()}
        self.tags = {t.name: t for t in Tag.objects.all()}
        self.old_paths = set(OldPath.objects.values_list("path", flat=True))

    def render_later(self, function: Callable, items: list) -> Callable[[], list]:
        """Start applying `function` to every item; the returned callable gives the results.

        With worker processes the work runs in them while this process goes
        on building rows and writing posts; without, it runs when collected.
        """
        if self.options.workers < 2 or len(items) < 50:
            return lambda: [function(item) for item in items]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.options.workers, mp_context=get_context("fork"))
        size = max(1, len(items) // (self.options.workers * 4))
        futures = [
            self._pool.submit(_apply, function, items[start : start + size])
            for start in range(0, len(items), size)
        ]
        return lambda: [result for future in futures for result in future.result()]

    def run(self, entries: Iterable[Entry | EntryError]) -> ImportReport:
        try:
            report = self._run(entries)
            if self.media is not None and self.media.options.attachments:
                self._attachments()
            return report
        finally:
            if self._pool is not None:
                self._pool.shutdown()
            if self.media is not None:
                self.media.close()

    def _run(self, entries: Iterable[Entry | EntryError]) -> ImportReport:
        batch: list[tuple[Entry, str]] = []
        for item in entries:
            self.report.entries_read += 1
            if isinstance(item, EntryError):
                self.report.failures.append(item.describe())
                self.report.add("posts", "failed")
                self.progress(1)
                continue
            batch.append((item, self._source(item)))
            if len(batch) >= self.options.batch_size:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return self.report

    def _flush(self, batch: list[tuple[Entry, str]]) -> None:
        try:
            with transaction.atomic():
                part = self._write(batch)
        except Exception:
            # Something in the batch cannot be written: write each entry on its
            # own so the others are kept and the bad one is named.
            self._load_lookups()
            if self.media is not None:
                self.media.forget()
            part = ImportReport()
            for entry, source in batch:
                try:
                    with transaction.atomic():
                        part.merge(self._write([(entry, source)]))
                except Exception as exc:  # reported with the entry, never raised
                    self._load_lookups()
                    if self.media is not None:
                        self.media.forget()
                    message = str(exc) or exc.__class__.__name__
                    part.failures.append(f"{entry.describe()}: {message}")
                    part.add("posts", "failed")
        self.report.merge(part)
        self.progress(len(batch))

    # Writing.

    def _write(self, batch: list[tuple[Entry, str]]) -> ImportReport:
        part = ImportReport()
        new: list[tuple[Entry, Post, str]] = []
        # Every entry's post, new or already there, for its comments and pings.
        targets: list[tuple[Entry, Post | int, bool]] = []
        for entry, source in batch:
            part.warnings += [f"{entry.describe()}: {warning}" for warning in entry.warnings]
            if entry.no_entry:
                targets.append((entry, self._dated_post(entry), False))
                part.add("posts", "existing")
                continue
            published_at = self._aware(entry.date)
            existing = self._match(entry, source, published_at)
            if existing is not None:
                part.add("posts", "existing")
                targets.append((entry, existing, isinstance(existing, Post)))
                continue
            post = self._build_post(entry, published_at, part)
            # Later entries of this batch that are the same entry find the unsaved post.
            self.keys[ImportedEntry.key_for(source)] = post
            self.by_date_title[(published_at, post.title)] = post
            new.append((entry, post, source))
            targets.append((entry, post, True))
        media_used: dict[int, list[int]] = {}
        if self.media is not None:
            media_used = self._bring_media(new, targets, part)
        bodies = self.render_later(render_post, [(p.body, p.body_format) for _, p, _ in new])
        resolved = [
            (entry, post if isinstance(post, Post) else Post(pk=post), is_new)
            for entry, post, is_new in targets
        ]
        # Comments and pings are built (and their HTML started) before the posts
        # are written; they point at the post objects, whose ids exist once written.
        pending = []
        for writer in self.writers:
            rows = writer.rows(resolved, part)
            pending.append((writer, rows, writer.finish_later(rows)))
        if new:
            for (_, post, _), (body_html, body_text) in zip(new, bodies(), strict=True):
                post.body_html, post.body_text = body_html, body_text
            self._insert_posts(new, part)
        if self.media is not None:
            self._link_media(new, targets, media_used)
        for writer, rows, finish in pending:
            finish()
            writer.insert(rows)
        # bulk_create sends no signals: say what readers will see changed.
        existing = {post.pk for _, post, is_new in resolved if not is_new}
        shown = set()
        for writer, rows, _ in pending:
            shown_here = {row.post_id for row in rows if row.status == Status.APPROVED}
            # Bulk inserts send no model signals: say what readers now see.
            pings = registry.registration(writer.model).pings
            Post.objects.raise_discussion_revision(*(existing & shown_here), pings=pings)
            shown |= shown_here
        if new or shown:
            content_changed.send(sender=Post, post_ids=())
        return part

    def _bring_media(self, new, targets, part: ImportReport) -> dict[int, list[int]]:
        """Bring the files the batch's posts link to; rewrite their bodies.

        Posts already there (an import run again, maybe now with --media-from)
        get the links in their stored bodies rewritten, and are saved again only
        when something changed. Returns the items each post uses, by id(post)
        for new posts and by pk for existing ones.
        """
        for entry, _, _ in targets:
            self.media.learn_host(entry.unique_url)
        existing = {
            post: entry
            for entry, post, is_new in targets
            if not is_new and not entry.no_entry and isinstance(post, int)
        }
        stored = list(Post.objects.filter(pk__in=existing).values_list("pk", "body", "body_format"))
        bodies = [
            PostBody(entry.describe(), post.body, entry.unique_url, post.title)
            for entry, post, _ in new
        ] + [
            PostBody(existing[pk].describe(), body, existing[pk].unique_url, existing[pk].title)
            for pk, body, _ in stored
        ]
        results = self.media.rewrite(bodies, part)
        used: dict[int, list[int]] = {}
        for (_, post, _), (body, items) in zip(new, results[: len(new)], strict=True):
            post.body = body
            used[id(post)] = items
        changed = []
        for (pk, body, body_format), (new_body, items) in zip(
            stored, results[len(new) :], strict=True
        ):
            used[pk] = items
            if new_body != body:
                body_html, body_text = render_post((new_body, body_format))
                Post.objects.filter(pk=pk).update(
                    body=new_body, body_html=body_html, body_text=body_text
                )
                changed.append(pk)
        if changed:
            content_changed.send(sender=Post, post_ids=tuple(changed))
        return used

    def _link_media(self, new, targets, used: dict[int, list[int]]) -> None:
        """Link each post to the library items its body uses; remember WordPress post ids."""
        rows = []
        for entry, post, is_new in targets:
            pk = post.pk if isinstance(post, Post) else post
            if entry.source_id and pk:
                self.posts_by_source_id[entry.source_id] = pk
            items = used.get(id(post) if is_new else pk, [])
            rows += [PostMedia(post_id=pk, item_id=item) for item in items]
        PostMedia.objects.bulk_create(rows, ignore_conflicts=True)

    def _attachments(self) -> None:
        """WordPress attachments: into the library, linked to their post (featured if chosen)."""
        part = ImportReport()
        thumbnails = self.media.options.thumbnails
        try:
            with transaction.atomic():
                brought = self.media.bring_attachments(part)
                links = {}
                for attachment, item in brought:
                    post = self.posts_by_source_id.get(attachment.parent_id)
                    if post is not None:
                        links[(post, item)] = thumbnails.get(attachment.parent_id) == (
                            attachment.source_id
                        )
                # Featured images go first; a post already featuring one keeps it.
                featured_already = set(
                    PostMedia.objects.filter(
                        post_id__in={post for post, _ in links}, featured=True
                    ).values_list("post_id", flat=True)
                )
                rows = [PostMedia(post_id=post, item_id=item) for post, item in links]
                PostMedia.objects.bulk_create(rows, ignore_conflicts=True)
                for (post, item), featured in links.items():
                    if featured and post not in featured_already:
                        PostMedia.objects.filter(post_id=post, item_id=item).update(featured=True)
                if links:
                    content_changed.send(sender=Post, post_ids=tuple({p for p, _ in links}))
        except Exception as exc:  # reported, never raised: the posts are in already
            part.failures.append(f"attachments: {exc}")
        self.report.merge(part)

    def _insert_posts(self, new: list[tuple[Entry, Post, str]], part: ImportReport) -> None:
        posts = Post.objects.bulk_create([post for _, post, _ in new])
        through = Post.tags.through
        tag_links, imported, old_paths = [], [], []
        for (entry, _, source), post in zip(new, posts, strict=True):
            key = ImportedEntry.key_for(source)
            self.keys[key] = post.pk
            self.by_date_title[(post.published_at, post.title)] = post.pk
            self.by_date.setdefault(post.published_at, post.pk)
            imported.append(ImportedEntry(post=post, source_key=key, source=source[:500]))
            for tag in self._tags_for(entry, part):
                tag_links.append(through(post_id=post.pk, tag_id=tag.pk))
            for path in self._old_paths(entry, post, part):
                old_paths.append(OldPath(path=path, post=post))
        through.objects.bulk_create(tag_links)
        ImportedEntry.objects.bulk_create(imported)
        OldPath.objects.bulk_create(old_paths)
        part.add("posts", "created", len(posts))
        part.add("redirects", "created", len(old_paths))

    def _dated_post(self, entry: Entry) -> int:
        """The post a NO ENTRY block adds to: the one with the block's date."""
        pk = self.by_date.get(self._aware(entry.date)) if entry.date else None
        if pk is None:
            raise EntryProblem(
                f"NO ENTRY: no post is dated {entry.date or '(no DATE)'} to add comments to"
            )
        return pk

    def _aware(self, naive: datetime) -> datetime:
        if timezone.is_aware(naive):
            return naive
        return timezone.make_aware(naive, self.options.tz)

    def _source(self, entry: Entry) -> str:
        """The entry's identity: its old URL, else its basename, else its date and title.

        Decided as entries are read, so that a basename repeated in the file
        (it happens) makes the later entries fall back to date and title.
        """
        if entry.unique_url:
            return f"url:{entry.unique_url}"
        if entry.basename and entry.basename not in self._seen_basenames:
            self._seen_basenames.add(entry.basename)
            return f"basename:{entry.basename}"
        when = entry.date.isoformat() if entry.date else ""
        return f"date-title:{when}|{entry.title}"

    def _match(self, entry: Entry, source: str, published_at: datetime) -> Post | int | None:
        """The post this entry already is (its id, or the unsaved post of this batch), or None."""
        pk = self.keys.get(ImportedEntry.key_for(source))
        if pk is not None:
            return pk
        if entry.basename:
            slug = slugify(entry.basename, allow_unicode=True)
            pk = self.by_slug_date.get((slug, published_at))
            if pk is not None or entry.unique_url:
                return pk
        return self.by_date_title.get((published_at, entry.title[:255]))

    def _build_post(self, entry: Entry, published_at: datetime, part: ImportReport) -> Post:
        body_format, body = self._body(entry, part)
        categories = [self._category(name, part) for name in entry.all_categories[:1]]
        post = Post(
            title=entry.title[:255],
            slug=self._slug(entry),
            author=self._author(entry),
            category=categories[0] if categories else None,
            body_format=body_format,
            body=body,
            excerpt=entry.excerpt,
            status=Post.Status.DRAFT if entry.status == "draft" else Post.Status.PUBLISHED,
            published_at=published_at,
            comments_enabled=entry.allow_comments,
            pings_enabled=entry.allow_pings,
        )
        return post

    def _body(self, entry: Entry, part: ImportReport) -> tuple[str, str]:
        """The post's format and body (body and extended body joined) from CONVERT BREAKS."""
        text_filter = entry.convert_breaks.strip().lower()
        parts = [text for text in (entry.body, entry.extended_body) if text.strip()]
        if text_filter in MARKDOWN_FILTERS:
            return Post.Format.MARKDOWN, "\n\n".join(parts)
        if text_filter in BREAK_FILTERS:
            return Post.Format.HTML, "\n\n".join(convert_breaks(text) for text in parts)
        if text_filter not in VERBATIM_FILTERS:
            part.warnings.append(
                f"{entry.describe()}: text filter {entry.convert_breaks!r} is not known here; "
                "the body was imported as HTML, as written"
            )
        return Post.Format.HTML, "\n\n".join(parts)

    def _slug(self, entry: Entry) -> str:
        base = slugify(entry.basename or entry.title, allow_unicode=True)[:190].strip("-")
        base = base or "post"
        candidate, n = base, 1
        while candidate in self.slugs:
            n += 1
            candidate = f"{base}-{n}"
        self.slugs.add(candidate)
        return candidate

    def _author(self, entry: Entry):
        if self.options.author is not None:
            return self.options.author
        name = entry.author.strip()
        if name not in self._users:
            User = get_user_model()
            self._users[name] = User.objects.filter(**{User.USERNAME_FIELD: name}).first()
        user = self._users[name]
        if user is None:
            user = self._fallback_author()
        if user is None:
            raise EntryProblem(
                f"no user is named {name!r} and there is no superuser; pass --author USERNAME"
            )
        return user

    def _fallback_author(self):
        if self._default_user is None:
            self._default_user = (
                get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            )
        return self._default_user

    def _category(self, name: str, part: ImportReport) -> Category:
        category = self.categories.get(name[:100])
        if category is None:
            category = Category(name=name[:100])
            category.slug = self._unique(Category, slugify(name, allow_unicode=True)[:90])
            category.save()
            self.categories[category.name] = category
            part.add("categories", "created")
        return category

    def _tags_for(self, entry: Entry, part: ImportReport) -> list[Tag]:
        """Tags from TAGS, KEYWORDS and the categories after the primary one."""
        names = [*entry.tags, *entry.keyword_tags, *entry.all_categories[1:]]
        tags = []
        for name in dict.fromkeys(name[:100] for name in names if name.strip()):
            tag = self.tags.get(name)
            if tag is None:
                tag = Tag(name=name)
                tag.slug = self._unique(Tag, slugify(name, allow_unicode=True)[:90])
                tag.save()
                self.tags[name] = tag
                part.add("tags", "created")
            tags.append(tag)
        return tags

    def _unique(self, model, base: str) -> str:
        taken = {obj.slug for obj in (self.categories if model is Category else self.tags).values()}
        base = base.strip("-") or model._meta.model_name
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def _old_paths(self, entry: Entry, post: Post, part: ImportReport) -> list[str]:
        """Old permalink paths of the entry not yet taken: its UNIQUE URL or the pattern."""
        paths = []
        if entry.unique_url:
            paths.append(unquote(urlsplit(entry.unique_url).path))
        elif entry.basename and self.options.old_permalink:
            local = timezone.localtime(post.published_at, self.options.tz)
            paths.append(
                self.options.old_permalink.format(
                    year=f"{local.year:04d}",
                    month=f"{local.month:02d}",
                    day=f"{local.day:02d}",
                    basename=entry.basename,
                )
            )
        fresh = []
        for path in paths:
            path = path[:500]
            if path in ("", "/") or path in self.old_paths or path == post.get_absolute_url():
                continue
            if not could_be_old_path(path):
                part.warnings.append(
                    f"{entry.describe()}: old URL path {path} is not redirected (it looks like "
                    "no permalink; set IMPORT_OLD_PERMALINK to its pattern)"
                )
                continue
            self.old_paths.add(path)
            fresh.append(path)
        return fresh


def import_entries(
    entries: Iterable[Entry | EntryError],
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import entries into the blog; with `options.dry_run` nothing is kept."""
    started = time.monotonic()
    if options.dry_run:
        with transaction.atomic():
            report = Importer(options, progress).run(entries)
            transaction.set_rollback(True)
    else:
        report = Importer(options, progress).run(entries)
    report.seconds = time.monotonic() - started
    return report
