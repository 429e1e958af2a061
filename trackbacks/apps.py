from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackbacksConfig(AppConfig):
    name = "trackbacks"
    verbose_name = _("TrackBacks")
