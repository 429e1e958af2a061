"""Fixtures for the desk tests."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import make_post, make_user


@pytest.fixture
def post(db):
    return make_post("Commented post")


@pytest.fixture
def desk(client, author):
    client.force_login(author)
    return client


@pytest.fixture
def viewer(db):
    """Staff who may view comments and pings but change nothing."""
    user = make_user("viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_comment", "view_trackback", "view_post"],
        )
    )
    return user
