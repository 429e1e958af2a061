from django.urls import path, register_converter

from blog import feeds, views


class UnicodeSlugConverter:
    """A slug that may hold Japanese characters (Django's `slug` converter is ASCII only)."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "uslug")

# Every page here but search is a reader page the page cache may keep: config/urls.py
# wraps them (pagecache.pages.cache_reader_pages); search is personal.
app_name = "blog"
urlpatterns = [
    path("", views.PostIndexView.as_view(), name="index"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feeds/rss/", feeds.conditional(feeds.LatestPostsFeed()), name="feed-rss"),
    path("feeds/atom/", feeds.conditional(feeds.LatestPostsAtomFeed()), name="feed-atom"),
    path("category/<uslug:slug>/", views.CategoryPostsView.as_view(), name="category"),
    path(
        "category/<uslug:slug>/feed/rss/",
        feeds.conditional(feeds.CategoryPostsFeed()),
        name="category-feed-rss",
    ),
    path(
        "category/<uslug:slug>/feed/atom/",
        feeds.conditional(feeds.CategoryPostsAtomFeed()),
        name="category-feed-atom",
    ),
    path("tag/<uslug:slug>/", views.TagPostsView.as_view(), name="tag"),
    path("archives/", views.ArchiveIndexView.as_view(), name="archives"),
    path("<int:year>/", views.PostYearArchiveView.as_view(), name="archive-year"),
    path(
        "<int:year>/<str:month>/",
        views.PostMonthArchiveView.as_view(),
        name="archive-month",
    ),
    path(
        "<int:year>/<str:month>/<str:day>/<uslug:slug>/",
        views.PostDetailView.as_view(),
        name="post",
    ),
]
