from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = _("Media")

    def ready(self) -> None:
        # How posts use the library (helper modules that may not exist in every checkout).
        if find_spec("media.signal_handlers") is not None:
            from media import signal_handlers

            signal_handlers.connect()
