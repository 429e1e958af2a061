import re

from django.conf import settings
from django.urls import re_path

from media import views


def serving_patterns() -> list:
    """The route serving MEDIA_URL here when it is on this site (the view checks the setting)."""
    prefix = settings.MEDIA_URL
    if not prefix or "://" in prefix:
        return []
    return [
        re_path(rf"^{re.escape(prefix.lstrip('/'))}(?P<path>.+)$", views.serve, name="media-file")
    ]
