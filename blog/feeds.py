import hashlib

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import condition

from blog import featured
from blog.models import Category, Post


class LatestPostsFeed(Feed):
    """RSS 2.0 feed of the newest published posts."""

    description_template = "blog/feed_description.html"

    def title(self, obj=None) -> str:
        return settings.KIJI_SITE_TITLE

    def description(self, obj=None) -> str:
        return settings.KIJI_SITE_DESCRIPTION

    def link(self, obj=None) -> str:
        return reverse("blog:index")

    def feed_url(self, obj=None) -> str:
        return reverse("blog:feed-rss")

    def posts(self, obj=None):
        return Post.objects.published().select_related("author", "category")

    def items(self, obj=None) -> list[Post]:
        posts = list(self.posts(obj)[: settings.KIJI_FEED_ITEMS])
        # The featured images of the whole page of posts, in a fixed number of queries.
        images = featured.featured_images(posts)
        for post in posts:
            post.featured_image = images.get(post.pk)
        return posts

    def item_title(self, item: Post) -> str:
        return item.title

    def item_pubdate(self, item: Post):
        return timezone.localtime(item.published_at)

    def item_updateddate(self, item: Post):
        return timezone.localtime(item.updated_at)

    def item_author_name(self, item: Post) -> str:
        return item.author.get_full_name() or item.author.get_username()

    def item_categories(self, item: Post):
        return [item.category.name] if item.category else []

    def item_enclosures(self, item: Post) -> list[Enclosure]:
        """The post's featured image (RSS `<enclosure>`, Atom `<link rel="enclosure">`)."""
        image = item.featured_image
        if image is None:
            return []
        return [Enclosure(image.url, str(image.size()), image.mime_type)]

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "post": kwargs["item"]}


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    subtitle = LatestPostsFeed.description

    def feed_url(self, obj=None) -> str:
        return reverse("blog:feed-atom")


class CategoryPostsFeed(LatestPostsFeed):
    def get_object(self, request, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    def title(self, obj: Category) -> str:
        return _("%(site)s: %(category)s") % {"site": settings.KIJI_SITE_TITLE, "category": obj}

    def description(self, obj: Category) -> str:
        return obj.description or settings.KIJI_SITE_DESCRIPTION

    def link(self, obj: Category) -> str:
        return obj.get_absolute_url()

    def feed_url(self, obj: Category) -> str:
        return reverse("blog:category-feed-rss", kwargs={"slug": obj.slug})

    def posts(self, obj: Category):
        return super().posts().filter(category=obj)


class CategoryPostsAtomFeed(CategoryPostsFeed):
    feed_type = Atom1Feed
    subtitle = CategoryPostsFeed.description

    def feed_url(self, obj: Category) -> str:
        return reverse("blog:category-feed-atom", kwargs={"slug": obj.slug})


def _feed_state(request, slug: str | None = None) -> tuple:
    """The newest edit and publish dates of a feed's posts, once per request."""
    if not hasattr(request, "_kiji_feed_state"):
        posts = Post.objects.published()
        if slug is not None:
            posts = posts.filter(category__slug=slug)
        dates = posts.aggregate(Max("updated_at"), Max("published_at"))
        request._kiji_feed_state = tuple(dates.values())
    return request._kiji_feed_state


def feed_last_modified(request, slug: str | None = None):
    """The newest change a feed shows: the latest edit or the latest publish date."""
    dates = [d for d in _feed_state(request, slug) if d is not None]
    return max(dates) if dates else None


def feed_etag(request, slug: str | None = None) -> str:
    state = f"{request.path}|{_feed_state(request, slug)}|{settings.KIJI_SITE_TITLE}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def conditional(feed: Feed):
    """Wrap a feed so that a client holding its current version gets a 304."""
    return condition(etag_func=feed_etag, last_modified_func=feed_last_modified)(feed)
