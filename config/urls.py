from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

import blog.urls
import media.urls
from blog.sitemaps import sitemaps
from blog.views import robots_txt
from pagecache.pages import cache_reader_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("moderation/", include("moderation.urls")),
    path("comments/", include("comments.urls")),
    path("trackback/", include("trackbacks.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    # Uploaded media, when no reverse proxy serves MEDIA_ROOT (KIJI_SERVE_MEDIA).
    *media.urls.serving_patterns(),
    # WebFinger, NodeInfo, the blog's actor, inbox and outbox (before the blog's catch-all).
    path("", include("fediverse.urls")),
    path(
        "",
        include(
            (cache_reader_pages(blog.urls.urlpatterns, except_names={"search"}), blog.urls.app_name)
        ),
    ),
]

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"
