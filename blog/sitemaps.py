from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog.models import Category, Post


class PostSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Post.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, item: Post):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Category.objects.filter(posts__in=Post.objects.published()).distinct()


class IndexSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["blog:index"]

    def location(self, item: str) -> str:
        return reverse(item)


sitemaps = {"index": IndexSitemap, "posts": PostSitemap, "categories": CategorySitemap}
