"""The admin as the author's desk: Kiji's name, a dashboard on the index, apps grouped.

`DeskSite` is `django.contrib.admin.site` (through `desk.apps.DeskAdminConfig`),
so every app's `admin.register` lands here unchanged.
"""

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from desk import dashboard, groups, views


class DeskSite(admin.AdminSite):
    index_template = "desk/index.html"

    # Read on every page, so a changed SITE_TITLE shows without a restart of the site object.
    @property
    def site_header(self) -> str:
        return settings.KIJI_SITE_TITLE

    @property
    def site_title(self) -> str:
        return settings.KIJI_SITE_TITLE

    @property
    def index_title(self) -> str:
        return _("%(site)s desk") % {"site": settings.KIJI_SITE_TITLE}

    def get_urls(self) -> list:
        return [
            path(
                "desk/moderate/<str:label>/<int:pk>/",
                self.admin_view(views.moderate_item),
                name="desk_moderate",
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None) -> list[dict]:
        """The apps as the author's groups (Writing ... System); one app's page keeps its own."""
        app_list = super().get_app_list(request, app_label)
        return app_list if app_label else groups.group_apps(app_list)

    def index(self, request, extra_context=None) -> TemplateResponse:
        context = {"desk": dashboard.build(request.user), **(extra_context or {})}
        return super().index(request, context)
