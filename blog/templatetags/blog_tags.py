from django import template
from django.db.models import Count, Q

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
