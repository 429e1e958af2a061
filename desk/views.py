"""The dashboard's Approve / Spam / Reject buttons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from desk.dashboard import may
from moderation import registry
from moderation.models import Status
from moderation.services import ApprovalRefused, moderate

ACTIONS = {"approve": Status.APPROVED, "spam": Status.SPAM, "reject": Status.REJECTED}


@require_POST
def moderate_item(request: HttpRequest, label: str, pk: int) -> HttpResponse:
    """Moderate one item (`action`: approve, spam or reject), then back to the dashboard.

    The admin site wraps it (staff only, CSRF-protected); the user needs the
    change permission of the item's model.
    """
    entry = registry.registration(label)
    if entry is None:
        raise Http404
    if not may(request.user, "change", entry.model):
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest()
    item = get_object_or_404(entry.model.objects.select_related("post"), pk=pk)
    summary = Truncator(item.moderation_summary).chars(60)
    try:
        moderate(item, status=ACTIONS[action], by=request.user)
    except ApprovalRefused as refusal:
        messages.warning(
            request, _("Not approved: %(item)s: %(why)s") % {"item": summary, "why": refusal}
        )
    else:
        done = {
            "approve": _("Approved: %(item)s"),
            "spam": _("Marked as spam: %(item)s"),
            "reject": _("Rejected: %(item)s"),
        }[action]
        messages.success(request, done % {"item": summary})
    return redirect("admin:index")
