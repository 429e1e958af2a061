from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortingConfig(AppConfig):
    name = "porting"
    verbose_name = _("Moving in and out")
