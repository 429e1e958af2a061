"""Site-wide error handlers (wired in config/urls.py).

* `server_error`: the database being unreachable is an outage, not a bug:
  answer 503 with a page that says so and when to retry. Anything else is
  Django's own 500 page.
* `bad_request`: a body over DATA_UPLOAD_MAX_MEMORY_SIZE or with too many
  fields is refused before it is read, with a 413 page that says the limits.
* `login_locked_out`: the admin login page's answer once django-axes
  counted too many failures from one address (429, says how long to wait).
* `csrf_failure` (CSRF_FAILURE_VIEW): a form whose CSRF check failed, most
  often a comment from a page left open for long or a browser refusing
  cookies: a page in the site's words saying how to send it again, not
  Django's technical one.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.template.response import TemplateResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 60


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls the 500 handler while handling the exception, so it is at hand.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # No request context: rendering must not need the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        context = {
            "max_kb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024,
            "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        }
        return HttpResponse(loader.render_to_string("413.html", context), status=413)
    return defaults.bad_request(request, exception)


def login_locked_out(request: HttpRequest, response, credentials) -> HttpResponse:
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) once an address failed too many logins."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return TemplateResponse(request, "admin/locked_out.html", context, status=429).render()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return HttpResponse(loader.render_to_string("403_csrf.html"), status=403)
