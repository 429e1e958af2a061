import re

from django import template
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from blog.models import Category, Post
from blog.views import month_counts

register = template.Library()


@register.inclusion_tag("blog/_sidebar.html", takes_context=True)
def blog_sidebar(context) -> dict:
    """Categories and months with published posts, for the sidebar (two queries)."""
    categories = (
        Category.objects.annotate(
            post_count=Count("posts", filter=Q(posts__in=Post.objects.published()))
        )
        .filter(post_count__gt=0)
        .order_by("name")
    )
    return {
        "categories": categories,
        "months": month_counts()[:24],
        "query": context.get("query", ""),
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


@register.filter
def absolute_links(safe_html: SafeString, request: HttpRequest) -> SafeString:
    """Make site-relative links in stored, sanitised HTML absolute (for feed readers)."""
    # The input is HTML sanitised on save; only its URLs change.
    return mark_safe(
        _SITE_RELATIVE.sub(
            lambda m: f'{m.group(1)}{request.build_absolute_uri(m.group(2))}"', safe_html
        )
    )
