import functools
import re
from datetime import date, datetime

from django import template
from django.core.signals import setting_changed
from django.db.models import Count, OuterRef, Subquery
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from blog import caching, discussion
from blog.models import Category, Post
from blog.months import month_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def blog_sidebar(context) -> SafeString:
    """The search form, and the categories and months with published posts.

    Every reader page shows the same lists, and only a change that makes
    pages fresh can change them: they are computed (two queries) and
    rendered once per page generation and shared by all pages and app
    processes. The search page, which puts the visitor's words in the form,
    renders its own from the same lists.
    """
    template = get_template("blog/_sidebar.html")
    query = context.get("query", "")

    def render() -> str:
        lists = caching.remember("sidebar", _sidebar_lists)
        return template.render({**lists, "query": query})

    if query:
        return mark_safe(render())
    return mark_safe(caching.remember(f"sidebar:{caching.markup_version()}", render))


def _sidebar_lists() -> dict:
    # A count per category from its own index range, not a join over every post.
    published = (
        Post.objects.published()
        .filter(category=OuterRef("pk"))
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .values("n")
    )
    categories = (
        Category.objects.annotate(post_count=Subquery(published))
        .only("name", "slug")
        .order_by("name")
    )
    return {
        "categories": [
            {"name": c.name, "url": c.get_absolute_url(), "count": c.post_count}
            for c in categories
            # Here, not in SQL, where the count would be made twice.
            if c.post_count
        ],
        "months": [
            {
                "month": row["month"],
                "url": reverse(
                    "blog:archive-month",
                    kwargs={"year": row["month"].year, "month": f"{row['month'].month:02d}"},
                ),
                "count": row["count"],
            }
            for row in month_counts()[:24]
        ],
    }


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The absolute URL of this page without tracking or other stray query strings.

    Only a page number past the first is kept, so that every page of a list has
    its own canonical address and page 1 has exactly one.
    """
    request: HttpRequest = context["request"]
    url = request.build_absolute_uri(request.path)
    page_obj = context.get("page_obj")
    if page_obj is not None and page_obj.number > 1:
        url += f"?page={page_obj.number}"
    return url


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """A link to page `number` of this list that keeps the other query parameters."""
    params = context["request"].GET.copy()
    if number == 1:
        params.pop("page", None)
    else:
        params["page"] = number
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else context["request"].path


_SITE_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')
# A candidate of a srcset: its URL (site-relative ones made absolute) and the rest.
_SRCSET_RELATIVE = re.compile(r"(^|,\s*)(/(?!/)\S*)")


@register.filter
def absolute_links(safe_html: SafeString, request: HttpRequest) -> SafeString:
    """Make site-relative links in stored, sanitised HTML absolute (for feed readers)."""

    def absolute_srcset(match: re.Match) -> str:
        candidates = _SRCSET_RELATIVE.sub(
            lambda c: c.group(1) + request.build_absolute_uri(c.group(2)), match.group(2)
        )
        return f'{match.group(1)}{candidates}"'

    # The input is HTML sanitised on save; only its URLs change.
    absolute = _SITE_RELATIVE.sub(
        lambda m: f'{m.group(1)}{request.build_absolute_uri(m.group(2))}"', safe_html
    )
    return mark_safe(_SRCSET.sub(absolute_srcset, absolute))


@register.filter(expects_localtime=True)
def local_date(value: date | datetime | None, format_string: str = "DATE_FORMAT") -> str:
    """Django's `date` filter, remembering what it made.

    Formatting a date through the locale's formats costs about as much as the
    rest of a comment's markup, and a thread shows the same dates on every
    render: each (moment, zone, format, language) is formatted once per process.
    """
    if not value:
        return ""
    if isinstance(value, datetime):
        # Aware datetimes compare equal across zones: the wall time and zone tell them apart.
        moment = (value.replace(tzinfo=None), str(value.tzinfo))
    else:
        moment = (value, None)
    try:
        return _formatted(moment, value, format_string, get_language())
    except AttributeError:
        return ""


@register.simple_tag
def time_element(value: datetime | None, format_string: str = "DATE_FORMAT") -> SafeString:
    """`<time>` for `value`: `{% time_element post.published_at "DATE_FORMAT" %}`.

    The same markup as `<time datetime="{{ value|local_date:'c' }}">` with
    `{{ value|local_date:format_string }}` inside, at about half the cost in
    a loop (one tag where there were two filtered variables).
    """
    value = timezone.template_localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>',
        local_date(value, "c"),
        local_date(value, format_string),
    )


@functools.lru_cache(maxsize=8192)
def _formatted(moment: tuple, value, format_string: str, language: str) -> str:
    return formats.date_format(value, format_string)


@receiver(setting_changed)
def _formats_changed(**kwargs) -> None:
    # A format setting names a format; the remembered results follow the setting.
    _formatted.cache_clear()


@register.simple_tag
def discussion_counts(post) -> SafeString:
    """The counts the discussion apps registered (`· 3 comments · 1 trackback`), as links."""
    shown = [
        get_template(name).render({"post": post, "count": getattr(post, count, 0) or 0})
        for count, name in discussion.count_templates().items()
    ]
    return mark_safe("".join(f"&middot;\n    {part.strip()}\n    " for part in shown))
