from operator import attrgetter

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from comments import paging, pictures, visitor
from comments.forms import AuthorReplyForm, CommentForm, form_token_placeholder
from comments.models import Comment
from moderation.models import Status
from pagecache import pages
from pagecache.fragments import cached_fragment, cached_markup, render_each

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_section(context, post) -> SafeString:
    """One page of the approved comments on `post`, the visitor's own pending ones, the form.

    Comments are paged oldest first (`KIJI_COMMENTS_PER_PAGE`, `?page=N`), so
    one page never renders thousands of them. One query for the page's
    comments (the total comes with the post, `comment_count`, when the view
    annotated it), and one more only for a visitor whose session holds
    comments they sent; each of those shows on the page its place falls on.

    For everyone else the section is the same: it is kept under the post's
    `discussion_revision` and reused (pagecache/fragments.py), with no query for
    the comments and no rendering, until a change to them raises it.
    """
    request = context["request"]
    total = paging.approved_total(post)
    page = paging.thread_page(paging.approved_threads(post), request.GET.get("page"))
    own = visitor.own_comment_ids(request)
    remembered = visitor.remembered_commenter(request)
    author = _author_replying(request)
    if own or remembered or author:
        placeholders = pages.is_rendering_for_the_cache(request)
        csrf_token = context.get("csrf_token")
        return _render_section(
            post, total, page, csrf_token, placeholders, own, remembered, author=author
        )
    version = (
        post.pk,
        post.get_absolute_url(),
        post.comments_open,
        total,
        post.discussion_revision,
        page.number,
    )
    return cached_fragment(
        request,
        "comments",
        version,
        lambda: _render_section(post, total, page, pages.CSRF_PLACEHOLDER, placeholders=True),
    )


def _author_replying(request):
    """The signed-in author who may reply as the blog's author on this page, or None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_staff and user.has_perm("comments.add_comment"):
        return user
    return None


def _render_section(
    post, total: int, page, csrf_token, placeholders: bool, own=(), initial=None, author=None
) -> SafeString:
    """The section's markup; with `placeholders`, the form token is left for each visitor.

    One query whatever the number and depth of the comments (the page's
    threads are a subquery of it), one at most for each app that knows
    commenters' pictures (`comments.pictures`), and for a visitor who sent
    comments, two more: their comments still waiting, and where the next page
    starts.
    """
    per_page = settings.KIJI_COMMENTS_PER_PAGE
    start = (page.number - 1) * per_page
    public = Comment.objects.public_on(post)
    comments = list(
        public.filter(thread_id__in=public.page_of_threads(start, start + per_page)).for_display()
    )
    keys = sorted({_thread_key(c) for c in comments})
    if own:
        waiting = Comment.objects.filter(
            pk__in=own, post=post, status__in=[Status.PENDING, Status.SPAM]
        ).for_display()
        thread_ids = {thread_id for _, thread_id in keys}
        first = keys[0] if keys and page.number > 1 else None
        following = list(public.thread_keys()[start + per_page : start + per_page + 1])
        end = following[0] if following else None
        mine = [
            c
            for c in waiting
            if c.thread_id in thread_ids
            or ((first is None or _thread_key(c) > first) and (end is None or _thread_key(c) < end))
        ]
        keys = sorted({*keys, *(_thread_key(c) for c in mine)})
        comments = sorted([*comments, *mine], key=_place)
    arranged = paging.arrange_threads(comments, [thread_id for _, thread_id in keys])
    # One reverse() for the page, not one a comment.
    reply_url = reverse("comments:reply", kwargs={"comment_id": 0}).replace("/0/", "/{}/")
    shown_pictures = pictures.pictures_for(arranged)
    comments_open = post.comments_open
    for comment in arranged:
        comment.picture_url = shown_pictures.get(comment.pk, "")
        comment.replyable = comments_open and comment.status == Status.APPROVED
        comment.reply_url = reply_url.format(comment.pk) if comment.replyable else ""
        comment.css_class = _css_class(comment)
    section = {
        "post": post,
        "comments": arranged,
        "comment_markup": render_each("comments/_comment.html", "comment", arranged, _shows),
        "approved_count": total,
        # The same links above and below the comments: rendered once.
        "pages": _pages_markup(post, page),
        "feed_url": reverse("comments:post-feed-atom", kwargs={"post_id": post.pk}),
        "form": _form_markup(post, csrf_token, placeholders, initial, author),
    }
    return mark_safe(get_template("comments/_section.html").render(section))


def _form_markup(post, csrf_token, placeholders: bool, initial=None, author=None) -> SafeString:
    """The post's comment form ("" when comments are closed).

    The blank form a page keeps for every visitor (its tokens left as
    placeholders) is kept on its own, under the post: approving a comment
    renders the comments again, not the form.
    """
    if not post.comments_open:
        return SafeString("")

    def render() -> str:
        if author is not None:
            form = AuthorReplyForm(post=post)
        else:
            form = CommentForm(post=post, initial=initial or {})
            if placeholders:
                form.initial["form_token"] = form_token_placeholder(post.pk)
        context = {"post": post, "form": form, "author": author, "csrf_token": csrf_token}
        return get_template("comments/_form.html").render(context)

    if placeholders and author is None and not initial:
        return cached_markup("comment-form", (post.pk,), render)
    return mark_safe(render())


# Everything comments/_comment.html shows of a comment.
_shows = attrgetter(
    "pk",
    "status",
    "created_at",
    "author_name",
    "author_url",
    "text_html",
    "depth",
    "written_by_author",
    "reply_url",
    "css_class",
    "picture_url",
)


def _place(comment: Comment) -> tuple:
    return (comment.created_at, comment.pk)


def _css_class(comment) -> str:
    classes = ["comment"]
    if comment.depth:
        classes.append(f"depth-{comment.depth}")
    if comment.status == "removed":
        classes.append("comment-removed")
    elif comment.status != Status.APPROVED:
        classes.append("comment-pending")
    if comment.written_by_author:
        classes.append("by-author")
    return " ".join(classes)


def _thread_key(comment: Comment) -> tuple:
    return (comment.thread_started_at, comment.thread_id)


def _pages_markup(post, page) -> SafeString:
    context = {"page": page, "page_links": _page_links(post, page)}
    return mark_safe(get_template("comments/_pages.html").render(context))


def _page_links(post, page) -> list[dict]:
    """Links to the other pages of comments (elided when there are many), or []."""
    if not page.has_other_pages():
        return []
    base = post.get_absolute_url()
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append({"ellipsis": True})
            continue
        query = f"?page={number}" if number > 1 else ""
        links.append(
            {"number": number, "url": f"{base}{query}#comments", "current": number == page.number}
        )
    return links
