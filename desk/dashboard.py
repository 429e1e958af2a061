"""What the desk shows on the admin index: a few bounded queries, whatever the blog's size.

Each function takes the user and returns only what that user may see. Every
query is sliced, and the pending counts stop at `COUNT_CAP` (a COUNT over a
LIMIT subquery), so a blog with 100,000 comments costs what one with five does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_permission_codename
from django.db.models import F
from django.urls import reverse
from django.utils.text import Truncator

from blog.models import Post
from moderation import registry
from moderation.models import ModeratedItem

LIMIT = 10
COUNT_CAP = 1000
# The post's own text is not needed next to a comment.
POST_BODY = ("post__body", "post__body_html", "post__body_text", "post__excerpt")


@dataclass
class PendingItem:
    item: ModeratedItem
    can_moderate: bool

    @property
    def label(self) -> str:
        return self.item._meta.label_lower

    @property
    def kind(self) -> str:
        return self.item._meta.verbose_name

    @property
    def text(self) -> str:
        return Truncator(self.item.moderation_summary).chars(300)

    @property
    def in_reply_to(self) -> str:
        parent = getattr(self.item, "parent", None)
        return parent.author_name if parent is not None else ""


@dataclass
class PendingCount:
    name: str
    count: int
    url: str

    @property
    def shown(self) -> str:
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


@dataclass
class Desk:
    pending: list[PendingItem] = field(default_factory=list)
    counts: list[PendingCount] = field(default_factory=list)
    replies: list[PendingItem] = field(default_factory=list)
    scheduled: list[Post] = field(default_factory=list)
    drafts: list[Post] = field(default_factory=list)
    failed_tasks: list | None = None
    failed_tasks_url: str = ""


def build(user) -> Desk:
    """Everything the dashboard shows to `user`."""
    tasks = failed_tasks(user)
    return Desk(
        pending=pending_items(user),
        counts=pending_counts(user),
        replies=replies_waiting(user),
        scheduled=scheduled_posts(user),
        drafts=drafts(user),
        failed_tasks=tasks,
        failed_tasks_url=failed_tasks_url() if tasks is not None else "",
    )


def may(user, action: str, model) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")


def _has_parent(model) -> bool:
    return any(f.name == "parent" and f.is_relation for f in model._meta.get_fields())


def _pending(model):
    related = ["post", "parent"] if _has_parent(model) else ["post"]
    return (
        model.objects.in_moderation()
        .select_related(*related)
        .defer(*POST_BODY)
        .order_by("-created_at", "-pk")
    )


def pending_items(user, limit: int = LIMIT) -> list[PendingItem]:
    """The newest pending items of every moderated kind `user` may see, newest first."""
    found = []
    for entry in registry.registered():
        if not may(user, "view", entry.model):
            continue
        can = may(user, "change", entry.model)
        found += [PendingItem(item, can) for item in _pending(entry.model)[:limit]]
    found.sort(key=lambda p: (p.item.created_at, p.item.pk), reverse=True)
    return found[:limit]


def pending_counts(user, cap: int = COUNT_CAP) -> list[PendingCount]:
    """How many items of each kind wait, counted up to `cap` + 1 (shown as "1000+")."""
    counts = []
    for entry in registry.registered():
        if not may(user, "view", entry.model):
            continue
        meta = entry.model._meta
        counts.append(
            PendingCount(
                name=meta.verbose_name_plural,
                count=entry.model.objects.in_moderation().order_by()[: cap + 1].count(),
                url=reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            )
        )
    return counts


def replies_waiting(user, limit: int = LIMIT) -> list[PendingItem]:
    """Pending comments that answer a comment the author wrote."""
    entry = registry.registration("comments.comment")
    if entry is None or not may(user, "view", entry.model):
        return []
    can = may(user, "change", entry.model)
    replies = _pending(entry.model).filter(parent__written_by_author=True)[:limit]
    return [PendingItem(item, can) for item in replies]


def _posts(user):
    if not may(user, "view", Post):
        return Post.objects.none()
    return Post.objects.only("id", "title", "status", "published_at", "updated_at")


def scheduled_posts(user, limit: int = LIMIT) -> list[Post]:
    """Published posts whose date is still to come, the next due first."""
    posts = _posts(user).scheduled()
    return list(posts.order_by("published_at", "id")[:limit])


def drafts(user, limit: int = LIMIT) -> list[Post]:
    """Drafts, the last edited first."""
    posts = _posts(user).filter(status=Post.Status.DRAFT)
    return list(posts.order_by("-updated_at", "-id")[:limit])


def _task_results():
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


def failed_tasks(user, limit: int = LIMIT) -> list | None:
    """The newest background tasks that failed (mail, pings); None if `user` may not see them."""
    model = _task_results()
    if model is None or not may(user, "view", model):
        return None
    return list(
        model.objects.failed()
        .only("id", "task_path", "status", "enqueued_at", "finished_at", "exception_class_path")
        .order_by(F("finished_at").desc(nulls_last=True), "-enqueued_at")[:limit]
    )


def failed_tasks_url() -> str:
    meta = _task_results()._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    return f"{changelist}?status__exact=FAILED"
