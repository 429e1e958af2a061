"""Moderation is tested through the kinds of item that use it: the comments' fixtures serve."""

from tests.comments.conftest import _comment_defaults, post  # noqa: F401
