"""The admin's apps regrouped for an author: Writing, Conversation, Moving in and out, System.

A group lists models by pattern, "app_label" or "app_label.model_name"; a
model takes the first group and place that names it, and whatever no group
names goes to System, last. Groups for apps that do not exist (yet) simply
stay without those models.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Group:
    key: str
    name: str | Promise
    patterns: tuple[str, ...]

    def rank(self, app_label: str, model_name: str) -> int | None:
        """The place of the first pattern naming the model, None if none does."""
        for n, pattern in enumerate(self.patterns):
            if pattern in (app_label, f"{app_label}.{model_name}"):
                return n
        return None


GROUPS = [
    Group("writing", _("Writing"), ("blog.post", "blog", "media")),
    Group(
        "conversation",
        _("Conversation"),
        ("comments", "trackbacks", "subscriptions", "followers"),
    ),
    Group("moving", _("Moving in and out"), ("porting",)),
]
SYSTEM = Group("system", _("System"), ("auth.user", "auth.group", "auth", "axes"))

# Names of System models from packages that ship no Japanese catalog (django-axes,
# django-tasks-db): listed so that makemessages keeps their Japanese in the desk's.
THIRD_PARTY_NAMES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
]


def group_apps(app_list: list[dict]) -> list[dict]:
    """Turn Django's app list (one entry per app) into the groups, in order, empty ones left out."""
    placed: dict[str, list[tuple[int, str, dict]]] = {g.key: [] for g in [*GROUPS, SYSTEM]}
    for app in app_list:
        for model in app["models"]:
            meta = model["model"]._meta
            model = {**model, "app_label": meta.app_label}
            for group in [*GROUPS, SYSTEM]:
                rank = group.rank(meta.app_label, meta.model_name)
                if rank is not None:
                    break
            else:
                group, rank = SYSTEM, len(SYSTEM.patterns)
            placed[group.key].append((rank, str(model["name"]), model))
    return [
        {
            "name": group.name,
            "app_label": f"desk-{group.key}",
            "app_url": "",
            "has_module_perms": True,
            "models": [model for _rank, _name, model in sorted(placed[group.key], key=_order)],
        }
        for group in [*GROUPS, SYSTEM]
        if placed[group.key]
    ]


def _order(entry: tuple[int, str, dict]) -> tuple[int, str]:
    return entry[0], entry[1].lower()
