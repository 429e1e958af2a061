"""Commenters' pictures, for the apps that know some: comments itself stores and fetches none.

An app that has pictures for some commenters (fediverse: a fediverse
actor's avatar) registers, in its `AppConfig.ready()`, a function that gets
the comments a page of the comment section shows and returns
`{comment pk: picture URL}`, in a fixed number of queries::

    from comments import pictures
    pictures.register("fediverse", avatars.pictures_for)

The section sets `picture_url` on each comment it shows (empty when none) and
comments/_comment.html shows it beside the author's name.
"""

from collections.abc import Callable, Sequence

_finders: dict[str, Callable[[Sequence], dict[int, str]]] = {}


def register(key: str, find: Callable[[Sequence], dict[int, str]]) -> None:
    _finders[key] = find


def pictures_for(comments: Sequence) -> dict[int, str]:
    """`{comment pk: picture URL}` for those of `comments` that have one."""
    found: dict[int, str] = {}
    for find in _finders.values():
        found.update(find(comments))
    return found
