from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.encoding import iri_to_uri
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)

from blog import caching, discussion
from blog.models import Category, Post, Tag
from blog.months import month_counts


class PublishedPostsMixin:
    """Serve readers only published posts, with what a list shows, paginated."""

    date_field = "published_at"
    allow_empty = True
    context_object_name = "posts"

    def get_paginate_by(self, queryset) -> int:
        return settings.KIJI_POSTS_PER_PAGE

    def get_queryset(self):
        return Post.objects.for_listing()


class PostIndexView(PublishedPostsMixin, ListView):
    template_name = "blog/post_index.html"


# Where the post page's conversation goes in the rest of the page. The last
# one is the slot: what comes from the post's own text or titles comes before
# it, and would be escaped or stripped of HTML comments anyway. A page without
# it is served as rendered and never kept (`_WholePage`).
CONVERSATION_SLOT = mark_safe("<!--kiji:conversation-->")


class _WholePage(Exception):
    """The post page, rendered without a place for its conversation: not to be kept."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.markup = markup


class PostDetailView(DetailView):
    """A post at its permalink; staff may preview drafts and scheduled posts."""

    context_object_name = "post"

    def get_template_names(self) -> list[str]:
        # The site's post page extends blog/post_detail.html and fills its discussion blocks.
        return [settings.KIJI_POST_PAGE_TEMPLATE, "blog/post_detail.html"]

    def get_queryset(self):
        posts = Post.objects.all() if self.request.user.is_staff else Post.objects.published()
        return (
            posts.select_related("author", "category")
            .prefetch_related("tags")
            .annotate(**discussion.count_annotations())
        )

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = self.get_object()
        canonical = self.object.get_absolute_url()
        if iri_to_uri(request.path) != canonical:
            # The slug identifies the post; an old or mistyped date moves to the
            # permalink, keeping the query (a page of comments stays that page).
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(canonical + (f"?{query}" if query else ""))
        query = discussion.canonical_page_query(self.object, request.GET)
        if query is not None:
            return HttpResponsePermanentRedirect(canonical + query)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(is_preview=not self.object.is_published(), **kwargs)

    def render_to_response(self, context: dict, **response_kwargs) -> HttpResponse:
        """The post page, with its conversation rendered apart from the rest.

        The rest of the page shows no comment or ping, so it is kept
        (`caching.remember_page_markup`) while only the conversation changes:
        the render after an approval renders the conversation alone.
        """
        request = self.request
        template = settings.KIJI_POST_DISCUSSION_TEMPLATE
        conversation = render_to_string(template, context, request) if template else ""

        def page() -> str:
            around = {**context, **self.around_the_post(), "discussion": CONVERSATION_SLOT}
            markup = render_to_string(self.get_template_names(), around, request)
            if CONVERSATION_SLOT not in markup:
                # A post page that shows its conversation some other way (a theme
                # filling the discussion block itself) must not be kept.
                raise _WholePage(markup)
            return markup

        name = f"post-page:{request.build_absolute_uri()}"
        try:
            kept = caching.remember_page_markup(request, name, page)
            before, _, after = kept.rpartition(CONVERSATION_SLOT)
            markup = before + conversation + after
        except _WholePage as whole:
            markup = whole.markup
        response = HttpResponse(markup, **response_kwargs)
        # As a TemplateResponse has it, for middleware that reads the post
        # (the linkback headers of trackbacks).
        response.context_data = context
        return response

    def around_the_post(self) -> dict:
        """What the page shows around the post besides its conversation: its neighbours."""
        post = self.object
        related = Post.objects.none()
        if post.category_id:
            related = (
                Post.objects.published()
                .filter(category_id=post.category_id)
                .exclude(pk=post.pk)
                .only("title", "slug", "published_at")[:10]
            )
        return {
            "previous_post": post.get_previous_published(),
            "next_post": post.get_next_published(),
            "related_posts": related,
        }


class CategoryPostsView(PublishedPostsMixin, ListView):
    template_name = "blog/category_detail.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(category=self.category, **kwargs)


class TagPostsView(PublishedPostsMixin, ListView):
    template_name = "blog/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(tag=self.tag, **kwargs)


class PostMonthArchiveView(PublishedPostsMixin, MonthArchiveView):
    month_format = "%m"
    allow_empty = False
    template_name = "blog/post_archive_month.html"

    def get_date_list(self, queryset, date_type=None, ordering="ASC") -> list:
        """The page lists posts, not days: skip the query for the days that have posts."""
        return []


class PostYearArchiveView(PublishedPostsMixin, YearArchiveView):
    """The months of a year that have posts, each with its number of posts."""

    make_object_list = False
    template_name = "blog/post_archive_year.html"

    def get_paginate_by(self, queryset) -> None:
        return None

    @cached_property
    def all_months(self) -> list[dict]:
        return month_counts()

    def _years_with_posts(self) -> list[int]:
        return sorted({m["month"].year for m in self.all_months})

    def get_previous_year(self, date):
        """The nearest earlier year that has posts (not merely the year before)."""
        earlier = [y for y in self._years_with_posts() if y < date.year]
        return date.replace(year=earlier[-1]) if earlier else None

    def get_next_year(self, date):
        later = [y for y in self._years_with_posts() if y > date.year]
        return date.replace(year=later[0]) if later else None

    def get_context_data(self, **kwargs) -> dict:
        year = int(self.get_year())
        months = [m for m in self.all_months if m["month"].year == year]
        if not months:
            raise Http404
        return super().get_context_data(months=months, **kwargs)


class ArchiveIndexView(TemplateView):
    """Every month with published posts, grouped by year, with its number of posts."""

    template_name = "blog/post_archive_index.html"

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(months=month_counts(), **kwargs)


class SearchView(PublishedPostsMixin, ListView):
    template_name = "blog/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:200]
        if not self.query:
            return Post.objects.none()
        return super().get_queryset().search(self.query)

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(query=self.query, **kwargs)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "robots.txt", content_type="text/plain; charset=utf-8")
