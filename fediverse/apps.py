from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FediverseConfig(AppConfig):
    name = "fediverse"
    label = "fediverse"
    verbose_name = _("Fediverse")

    def ready(self) -> None:
        from fediverse import personal_data, signal_handlers

        signal_handlers.connect()
        personal_data.register()
