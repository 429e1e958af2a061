"""Fixtures for the comments tests."""

import pytest

from tests.factories import make_post


@pytest.fixture(autouse=True)
def _comment_defaults(settings):
    # A test client answers at once; timing is tested on its own with this raised.
    settings.KIJI_COMMENTS_MIN_FORM_SECONDS = 0
    settings.KIJI_COMMENTS_PER_MINUTE = 1000


@pytest.fixture
def post(db):
    return make_post("Commented post")
