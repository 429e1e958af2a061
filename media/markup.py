"""Library items in post bodies: the stable reference `media:<pk>`, resolved on rendering.

An author writes `![A cat](media:12)` (Markdown) or `<img src="media:12">`
(HTML) for a picture, and `[the menu](media:13)` for a document. The
reference names the item, not a file: renditions may come and change, the
body stays. `blog.markup.render_body` sanitises the body, then runs
`resolve_references` (registered in `MediaConfig.ready()`), so post pages
and feeds serve the stored result and do no media query.

A picture becomes a `<picture>`: a WebP `<source>` and an `<img>` in the
original format. WebP renditions are a third smaller than JPEG ones at the
same quality, and every current browser takes them; the `<img>` (with the
original format's renditions in its `srcset`) serves the rest, feed readers
among them. Its `width` and `height` keep the page from shifting as it
loads, `loading="lazy"` leaves pictures below the fold until they are near.
A picture alone in its paragraph, or alone in a `<figure>`, becomes a
figure captioned with the item's caption (if it has one). A reference to an
item that does not exist (deleted, mistyped) leaves only its alt text, as
plain text; a link to one leaves its words.

When an item's renditions or texts change, the bodies of the posts that use
it are rendered again (`rerender_posts`, from media/signal_handlers.py).
"""

import html
import re
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils.html import escape

from blog import markup as blog_markup
from blog.models import Post
from blog.signals import content_changed
from media.models import MediaItem, PostMedia
from media.tasks import SOURCE_FORMATS

SCHEME = "media"
# Browsers size pictures before they have loaded the style sheet: the post's
# column is the whole window on phones and at most 48rem wide.
SIZES = "(max-width: 48rem) 100vw, 48rem"
# The `src` for browsers and feed readers that ignore `srcset`: the widest
# rendition up to this width (a large screen's column at 2x).
FALLBACK_WIDTH = 1280
# Attributes an author's <img> or <a> may carry over to the markup made here.
KEPT_ATTRIBUTES = ("class", "id", "lang", "title", "dir")
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
FORMATS = {mime: name for name, mime in MIME_TYPES.items()}

_reference = re.compile(rf"^\s*{SCHEME}:(\d{{1,18}})\s*$", re.IGNORECASE)
# References in a body's source, in order (PostMedia, the first picture of a post).
_source_reference = re.compile(rf"(?<![\w/]){SCHEME}:(\d{{1,18}})\b", re.IGNORECASE)
# Tags as bleach writes them: attribute values always double-quoted, and a ">"
# may stand unescaped inside one.
_attrs = r'((?:[^>"]|"[^"]*")*)'
_img = re.compile(rf"<img\b{_attrs}>", re.IGNORECASE)
_link = re.compile(rf"<a\b{_attrs}>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_attribute = re.compile(r'([^\s="]+)(?:="([^"]*)")?')
_referring = re.compile(rf'\s(?:src|href)="\s*{SCHEME}:(\d{{1,18}})\s*"', re.IGNORECASE)
_alone_in_paragraph = re.compile(rf"<p>\s*(<img\b{_attrs}>)\s*</p>", re.IGNORECASE)
_alone_in_figure = re.compile(rf"<figure>\s*(<img\b{_attrs}>)\s*</figure>", re.IGNORECASE)


def references(source: str) -> list[int]:
    """The pks a body's source refers to, in order of first appearance."""
    return list(dict.fromkeys(int(pk) for pk in _source_reference.findall(source)))


def resolve_references(safe_html: str) -> str:
    """Replace `media:<pk>` references in sanitised HTML by the items' markup (see module doc)."""
    if f"{SCHEME}:" not in safe_html.lower():
        return safe_html
    pks = {int(pk) for pk in _referring.findall(safe_html)}
    items = {
        item.pk: item
        for item in MediaItem.objects.filter(pk__in=pks).prefetch_related("renditions")
    }

    def as_figure(match: re.Match) -> str:
        attrs = _attributes(match.group(2))
        item = items.get(_pk(attrs.get("src")))
        if item is None or not item.is_image():
            return match.group(0)  # left to `as_picture` below
        picture = _picture(item, attrs)
        if not item.caption:
            in_figure = match.re is _alone_in_figure
            return f"<figure>{picture}</figure>" if in_figure else f"<p>{picture}</p>"
        return f"<figure>{picture}<figcaption>{escape(item.caption)}</figcaption></figure>"

    def as_picture(match: re.Match) -> str:
        attrs = _attributes(match.group(1))
        pk = _pk(attrs.get("src"))
        if pk is None and not _names_scheme(attrs.get("src")):
            return match.group(0)
        item = items.get(pk)
        if item is None:
            return escape(attrs.get("alt", ""))
        if not item.is_image():
            return _document_link(item, attrs, escape(attrs.get("alt") or str(item)))
        return _picture(item, attrs)

    def as_link(match: re.Match) -> str:
        attrs = _attributes(match.group(1))
        pk = _pk(attrs.get("href"))
        if pk is None and not _names_scheme(attrs.get("href")):
            return match.group(0)
        item = items.get(pk)
        if item is None:
            return match.group(2)
        return _document_link(item, attrs, match.group(2))

    safe_html = _alone_in_figure.sub(as_figure, safe_html)
    safe_html = _alone_in_paragraph.sub(as_figure, safe_html)
    safe_html = _img.sub(as_picture, safe_html)
    return _link.sub(as_link, safe_html)


def _attributes(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value or "") for name, value in _attribute.findall(text)}


def _names_scheme(url: str | None) -> bool:
    """A `media:` address that is no reference (`media:x`): dropped like an unknown one."""
    return (url or "").strip().lower().startswith(f"{SCHEME}:")


def _pk(url: str | None) -> int | None:
    match = _reference.match(url or "")
    return int(match.group(1)) if match else None


def _tag(name: str, attrs: dict[str, object]) -> str:
    """A start tag; attributes whose value is None are left out."""
    written = "".join(f' {key}="{escape(v)}"' for key, v in attrs.items() if v is not None)
    return f"<{name}{written}>"


def _kept(attrs: dict[str, str]) -> dict[str, str]:
    return {key: attrs[key] for key in KEPT_ATTRIBUTES if attrs.get(key)}


def _document_link(item: MediaItem, attrs: dict[str, str], inner_html: str) -> str:
    kept = _kept(attrs)
    if attrs.get("rel"):
        kept["rel"] = attrs["rel"]
    return f"{_tag('a', {'href': item.file.url, **kept})}{inner_html}</a>"


def own_format(item: MediaItem) -> str:
    """The format of the item's renditions beside WebP ("jpeg" for a JPEG or an AVIF, ...)."""
    return SOURCE_FORMATS.get(item.content_type, "")


def srcset_candidates(item: MediaItem, image_format: str) -> list[tuple[int, str]]:
    """(width, URL) of the item's renditions in `image_format`, narrowest first.

    The file itself joins them when it is no wider than the widest rendition
    the settings ask for (a small picture has no rendition as wide as itself),
    never when it is larger: its full size is for downloading, not for pages.
    """
    candidates = {r.width: r.file.url for r in item.renditions.all() if r.format == image_format}
    widest = max(getattr(settings, "KIJI_MEDIA_RENDITION_WIDTHS", [640, 1280, 1920]) or [0])
    if (
        FORMATS.get(item.content_type) == image_format
        and item.width
        and item.width <= widest
        and item.width not in candidates
    ):
        candidates[item.width] = item.file.url
    return sorted(candidates.items())


def fallback(candidates: list[tuple[int, str]], item: MediaItem) -> tuple[int | None, str]:
    """The (width, URL) to give browsers that read no `srcset`."""
    fitting = [c for c in candidates if c[0] <= FALLBACK_WIDTH]
    if fitting:
        return fitting[-1]
    if candidates:
        return candidates[0]
    return item.width, item.file.url


def _srcset(candidates: list[tuple[int, str]]) -> str:
    return ", ".join(f"{url} {width}w" for width, url in candidates)


def _picture(item: MediaItem, attrs: dict[str, str]) -> str:
    own = own_format(item)
    candidates = srcset_candidates(item, own)
    img_tag = _tag(
        "img",
        {
            "src": fallback(candidates, item)[1],
            "srcset": _srcset(candidates) if candidates else None,
            "sizes": SIZES if candidates else None,
            "width": item.width,
            "height": item.height,
            # The words the author wrote where the picture is used, else the library's.
            "alt": attrs.get("alt") or item.alt,
            "loading": "lazy",
            "decoding": "async",
            **_kept(attrs),
        },
    )
    webp = srcset_candidates(item, "webp") if own != "webp" else []
    # A <source> the browser picks is all it reads: offer WebP only when it
    # has every width the <img> has, so no reader gets a blurrier picture.
    if webp and [w for w, _ in webp] == [w for w, _ in candidates]:
        source = _tag("source", {"type": "image/webp", "srcset": _srcset(webp), "sizes": SIZES})
        return f"<picture>{source}{img_tag}</picture>"
    return img_tag


# Which posts use an item, and bodies rendered again.


def link_post_media(post: Post, *, before: str = "") -> None:
    """Record in PostMedia the items `post`'s body refers to.

    Items whose reference was in the body `before` and is no longer are
    unlinked, unless featured; items linked by hand (in the library) stay.
    """
    now = set(references(post.body))
    gone = set(references(before)) - now
    if gone:
        PostMedia.objects.filter(post=post, item__in=gone, featured=False).delete()
    if now:
        existing = MediaItem.objects.filter(pk__in=now).values_list("pk", flat=True)
        PostMedia.objects.bulk_create(
            [PostMedia(post=post, item_id=pk) for pk in existing], ignore_conflicts=True
        )


def posts_using(item_pks: Iterable[int]) -> list[Post]:
    """The posts linked to these items or whose body refers to them (imports add no links)."""
    item_pks = set(item_pks)
    if not item_pks:
        return []
    condition = Q(post_media__item__in=item_pks)
    for pk in item_pks:
        condition |= Q(body__contains=f"{SCHEME}:{pk}")
    posts = Post.objects.filter(condition).distinct().only("body", "body_format", "body_html")
    return [post for post in posts if item_pks & set(references(post.body))]


def rerender_posts(posts: Iterable[Post]) -> list[int]:
    """Render these posts' bodies again; store and announce those that changed.

    The stored text changes without a save: the post was not edited, so its
    dates stay. Returns the pks of the posts whose body changed.
    """
    changed = []
    for post in posts:
        body_html, body_text = blog_markup.render(post.body, post.body_format)
        if body_html != post.body_html:
            Post.objects.filter(pk=post.pk).update(body_html=body_html, body_text=body_text)
            changed.append(post.pk)
    if changed:
        content_changed.send(sender=Post, post_ids=tuple(changed))
    return changed


def rerender_posts_of(*item_pks: int) -> list[int]:
    """Render again the bodies of the posts that use these items (see `rerender_posts`)."""
    return rerender_posts(posts_using(item_pks))
