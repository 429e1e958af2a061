"""Subscriptions build on comments: the comments' fixtures serve."""

from tests.comments.conftest import _comment_defaults, post  # noqa: F401
