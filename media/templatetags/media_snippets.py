"""The post editor's list of library items, each with the snippet that puts it in the body.

Loaded by templates/admin/blog/post/change_form.html (the project's template,
not blog's): blog's admin knows nothing of the library.
"""

from django import template
from django.db.models import prefetch_related_objects

from media.models import MediaItem, PostMedia

register = template.Library()

# How many of the library's latest items the editor offers beside the post's own.
RECENT_ITEMS = 12


def _markdown_text(text: str) -> str:
    """`text` safe inside Markdown's brackets: one line, brackets escaped."""
    line = " ".join(text.split())
    return line.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _html_attribute(text: str) -> str:
    return " ".join(text.split()).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def snippet(item: MediaItem, body_format: str) -> str:
    """What an author writes in a body to show `item` (its reference, media/markup.py)."""
    reference = item.reference()
    if body_format == "html":
        if item.is_image():
            # The caption comes from the library when the body is rendered.
            return f'<figure><img src="{reference}" alt="{_html_attribute(item.alt)}"></figure>'
        return f'<a href="{reference}">{_html_attribute(str(item))}</a>'
    if item.is_image():
        return f"![{_markdown_text(item.alt)}]({reference})"
    return f"[{_markdown_text(str(item))}]({reference})"


@register.inclusion_tag("media/post_snippets.html")
def post_media_snippets(post, body_format: str) -> dict:
    """The items `post` uses (featured first), then the latest others: three queries."""
    used = []
    if post is not None and post.pk is not None:
        used = [
            (link.item, link.featured)
            for link in PostMedia.objects.filter(post=post)
            .select_related("item")
            .order_by("-featured", "-item__uploaded_at", "-item__pk")
        ]
    recent = list(MediaItem.objects.exclude(pk__in=[item.pk for item, _ in used])[:RECENT_ITEMS])
    prefetch_related_objects([item for item, _ in used] + recent, "renditions")
    body_format = body_format or "markdown"
    return {
        "used": [
            {"item": item, "featured": featured, "snippet": snippet(item, body_format)}
            for item, featured in used
        ],
        "recent": [{"item": item, "snippet": snippet(item, body_format)} for item in recent],
    }
