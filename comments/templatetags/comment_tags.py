from django import template
from django.urls import reverse

from comments import moderation, visitor
from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import Status

register = template.Library()


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, post) -> dict:
    """The approved comments on `post`, the visitor's own pending ones, and the form.

    One query for the comments whatever their number, and one more only for
    a visitor whose session holds comments they sent.
    """
    request = context["request"]
    comments = list(Comment.objects.public().filter(post=post).for_display())
    own = visitor.own_comment_ids(request)
    if own:
        waiting = Comment.objects.filter(
            pk__in=own, post=post, status__in=[Status.PENDING, Status.SPAM]
        ).for_display()
        comments = sorted([*comments, *waiting], key=lambda c: (c.created_at, c.pk))
    form = None
    if post.comments_open:
        form = CommentForm(post=post, initial=visitor.remembered_commenter(request))
    return {
        "post": post,
        "comments": comments,
        "approved_count": sum(c.status == Status.APPROVED for c in comments),
        "feed_url": reverse("comments:post-feed-atom", kwargs={"post_id": post.pk}),
        "form": form,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("comments/admin/_pending.html")
def moderation_pending() -> dict:
    """How many items of every registered kind wait for moderation (admin index)."""
    rows = []
    for entry in moderation.registered():
        meta = entry.model._meta
        rows.append(
            {
                "name": meta.verbose_name_plural,
                "count": entry.model.objects.in_moderation().count(),
                "url": f"admin:{meta.app_label}_{meta.model_name}_changelist",
            }
        )
    return {"rows": rows}
