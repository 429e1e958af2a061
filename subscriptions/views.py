from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from subscriptions import links, services


def _problem(request: HttpRequest, *, title: str, message: str) -> HttpResponse:
    return TemplateResponse(
        request, "_problem.html", {"title": title, "message": message}, status=400
    )


def _not_signed_here(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        title=_("This link is not valid"),
        message=_("The link is incomplete or was changed. Open it from the email once more."),
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation mail.

    GET lists what waits for the address, with one button (mail scanners
    follow links, so a GET changes nothing); POST confirms what was listed.
    Templates: `subscriptions/confirm.html`, `_problem.html`.
    """
    try:
        email = links.read_confirm_token(token)
    except links.ExpiredLink:
        return _problem(
            request,
            title=_("This link has expired"),
            message=_(
                "Nothing will be sent to you. To subscribe, tick the box again with your "
                "next comment, and confirm with the link in the new email."
            ),
        )
    except links.InvalidLink:
        return _not_signed_here(request)
    waiting = list(services.waiting_for(email)) if email else []
    if request.method == "POST":
        posted = set(_ids(request.POST.getlist("subscription")))
        chosen = [s for s in waiting if s.pk in posted]
        if chosen and services.confirm(email=email, ids=[s.pk for s in chosen]):
            return TemplateResponse(
                request,
                "subscriptions/confirm.html",
                {"email": email, "subscriptions": chosen, "done": True},
            )
        waiting = []
    if not waiting:
        return _problem(
            request,
            title=_("Nothing waits for confirmation"),
            message=_("This link was used already, or what it asked about was cancelled."),
        )
    return TemplateResponse(
        request,
        "subscriptions/confirm.html",
        {"email": email, "subscriptions": waiting, "done": False},
    )


def _unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = links.read_unsubscribe_token(token)
    except links.InvalidLink:
        return _not_signed_here(request)
    done = False
    if subscription is not None and request.method == "POST":
        services.unsubscribe(subscription)
        done = True
    return TemplateResponse(
        request,
        "subscriptions/unsubscribe.html",
        {"subscription": subscription, "done": done},
    )


_unsubscribe_by_form = csrf_protect(_unsubscribe)


# A mail client's one-click POST (RFC 8058) carries no CSRF token; the signed
# link is what authorises it. The page's own form still posts with one.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe link in each notice, and its `List-Unsubscribe` header.

    GET shows what the link ends, with one button, and changes nothing; POST
    ends it. A POST with the body `List-Unsubscribe=One-Click` comes from a
    mail client and needs no CSRF token. The link never expires; a
    subscription already ended says so. Templates:
    `subscriptions/unsubscribe.html`, `_problem.html`.
    """
    if request.method == "POST" and request.POST.get("List-Unsubscribe") != "One-Click":
        return _unsubscribe_by_form(request, token)
    return _unsubscribe(request, token)
