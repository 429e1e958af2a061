"""RSS and Atom feeds of approved comments on published posts (never an email or IP)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from blog.models import Post
from comments.models import Comment
from moderation.models import Status


class LatestCommentsFeed(Feed):
    """RSS 2.0 feed of the newest approved comments, site-wide."""

    def title(self, obj=None) -> str:
        return _("%(site)s: comments") % {"site": settings.KIJI_SITE_TITLE}

    def description(self, obj=None) -> str:
        return _("The latest comments on %(site)s.") % {"site": settings.KIJI_SITE_TITLE}

    def link(self, obj=None) -> str:
        return reverse("blog:index")

    def feed_url(self, obj=None) -> str:
        return reverse("comments:feed-rss")

    def comments(self, obj=None):
        return Comment.objects.public().select_related("post", "parent")

    def items(self, obj=None):
        return self.comments(obj).order_by("-created_at", "-id")[: settings.KIJI_FEED_ITEMS]

    def item_title(self, item: Comment) -> str:
        values = {
            "name": item.author_name,
            "post": item.post.title,
            "start": Truncator(item.summary).chars(60),
        }
        parent = item.parent
        if parent is not None and parent.status == Status.APPROVED:
            values["parent"] = parent.author_name
            return _("%(name)s in reply to %(parent)s on “%(post)s”: %(start)s") % values
        return _("%(name)s on “%(post)s”: %(start)s") % values

    def item_description(self, item: Comment) -> str:
        return item.text_html

    def item_link(self, item: Comment) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Comment):
        return timezone.localtime(item.created_at)

    def item_updateddate(self, item: Comment):
        # When the comment appeared to readers: a comment held a day and then
        # approved must move the feed's Last-Modified, or a reader that only
        # sends If-Modified-Since would never see it.
        return timezone.localtime(max(item.created_at, item.moderated_at or item.created_at))

    def item_author_name(self, item: Comment) -> str:
        return item.author_name

    def item_author_link(self, item: Comment) -> str | None:
        return item.author_url or None


class LatestCommentsAtomFeed(LatestCommentsFeed):
    feed_type = Atom1Feed
    subtitle = LatestCommentsFeed.description

    def feed_url(self, obj=None) -> str:
        return reverse("comments:feed-atom")


class PostCommentsFeed(LatestCommentsFeed):
    """The approved comments on one published post."""

    def get_object(self, request, post_id: int) -> Post:
        return get_object_or_404(Post.objects.published(), pk=post_id)

    def title(self, obj: Post) -> str:
        return _("Comments on “%(post)s”") % {"post": obj.title}

    def description(self, obj: Post) -> str:
        return _("The latest comments on “%(post)s”.") % {"post": obj.title}

    def link(self, obj: Post) -> str:
        return obj.get_absolute_url() + "#comments"

    def feed_url(self, obj: Post) -> str:
        return reverse("comments:post-feed-rss", kwargs={"post_id": obj.pk})

    def comments(self, obj: Post):
        return super().comments().filter(post=obj)


class PostCommentsAtomFeed(PostCommentsFeed):
    feed_type = Atom1Feed
    subtitle = PostCommentsFeed.description

    def feed_url(self, obj: Post) -> str:
        return reverse("comments:post-feed-atom", kwargs={"post_id": obj.pk})
