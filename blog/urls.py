from django.urls import path, register_converter

from blog import feeds, views
from blog.pagecache import cached_page


class UnicodeSlugConverter:
    """A slug that may hold Japanese characters (Django's `slug` converter is ASCII only)."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "blog"
urlpatterns = [
    path("", cached_page(views.PostIndexView.as_view()), name="index"),
    path("search/", views.SearchView.as_view(), name="search"),  # personal query: not cached
    path("feeds/rss/", cached_page(feeds.conditional(feeds.LatestPostsFeed())), name="feed-rss"),
    path(
        "feeds/atom/", cached_page(feeds.conditional(feeds.LatestPostsAtomFeed())), name="feed-atom"
    ),
    path("category/<uslug:slug>/", cached_page(views.CategoryPostsView.as_view()), name="category"),
    path(
        "category/<uslug:slug>/feed/rss/",
        cached_page(feeds.conditional(feeds.CategoryPostsFeed())),
        name="category-feed-rss",
    ),
    path(
        "category/<uslug:slug>/feed/atom/",
        cached_page(feeds.conditional(feeds.CategoryPostsAtomFeed())),
        name="category-feed-atom",
    ),
    path("tag/<uslug:slug>/", cached_page(views.TagPostsView.as_view()), name="tag"),
    path("archives/", cached_page(views.ArchiveIndexView.as_view()), name="archives"),
    path("<int:year>/", cached_page(views.PostYearArchiveView.as_view()), name="archive-year"),
    path(
        "<int:year>/<str:month>/",
        cached_page(views.PostMonthArchiveView.as_view()),
        name="archive-month",
    ),
    path(
        "<int:year>/<str:month>/<str:day>/<uslug:slug>/",
        cached_page(views.PostDetailView.as_view()),
        name="post",
    ),
]
