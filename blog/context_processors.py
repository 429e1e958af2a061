from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """The blog's identity, for the page head, header and footer."""
    return {
        "site_title": settings.KIJI_SITE_TITLE,
        "site_description": settings.KIJI_SITE_DESCRIPTION,
        "site_author": settings.KIJI_SITE_AUTHOR,
    }
