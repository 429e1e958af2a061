from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Desk")
    default = True


class DeskAdminConfig(admin_apps.AdminConfig):
    """The admin with `desk.sites.DeskSite` as `admin.site` (in place of "django.contrib.admin")."""

    default = False
    default_site = "desk.sites.DeskSite"
