"""Admin actions answering a commenter's request: export or anonymise their data.

Both act on every item stored for the email addresses of the selected
comments (not only the selected rows). Anonymising asks for confirmation
first, on a page listing what will change.
"""

import json

from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from moderation import privacy


def _emails(queryset) -> list[str]:
    return sorted({e.strip().lower() for e in queryset.values_list("author_email", flat=True)})


class PersonalDataAdminMixin:
    personal_data_actions = ["export_personal_data", "anonymise_personal_data"]

    @admin.action(permissions=["change"], description=_("Export the commenters' data (JSON)"))
    def export_personal_data(self, request, queryset) -> HttpResponse:
        data = [privacy.export(email) for email in _emails(queryset)]
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.json"'
        return response

    @admin.action(permissions=["change"], description=_("Anonymise the commenters (texts stay)"))
    def anonymise_personal_data(self, request, queryset):
        emails = _emails(queryset)
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "moderation/admin/anonymise_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Anonymise these commenters?"),
                    "emails": emails,
                    "count": sum(privacy.count(e) for e in emails),
                    "queryset": queryset,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        n = sum(privacy.anonymise(email) for email in emails)
        self.message_user(
            request,
            ngettext("%(n)d item anonymised.", "%(n)d items anonymised.", n) % {"n": n},
        )
        return None
