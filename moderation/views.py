from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from moderation import links
from moderation.models import Status
from moderation.services import ApprovalRefused


def _problem(request: HttpRequest, *, status: int, title: str, message: str) -> HttpResponse:
    return TemplateResponse(
        request, "moderation/problem.html", {"title": title, "message": message}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def moderate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The author's one-click link from the moderation email.

    GET shows the item and a single button (mail scanners follow links, so a
    GET changes nothing); POST approves or marks as spam, once.
    Templates: `moderation/link.html`, `moderation/problem.html`.
    """
    try:
        link = links.read_token(token)
        done = False
        if request.method == "POST":
            reason = _("%(status)s from the email link") % {"status": Status(link.status).label}
            links.use_link(link, by=request.user, reason=reason)
            done = True
    except ApprovalRefused as refusal:
        return _problem(
            request,
            status=409,
            title=_("This item cannot be approved as it is"),
            message=str(refusal),
        )
    except links.InvalidLink:
        return _problem(
            request,
            status=400,
            title=_("This link no longer works"),
            message=_(
                "The link has expired, was already used, or the item was moderated in the "
                "meantime. Open the admin to moderate it."
            ),
        )
    return TemplateResponse(
        request,
        "moderation/link.html",
        {"item": link.item, "post": link.item.post, "link": link, "done": done, "token": token},
    )
