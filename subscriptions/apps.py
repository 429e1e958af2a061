from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self) -> None:
        from moderation import privacy
        from subscriptions import signal_handlers
        from subscriptions.personal_data import notices_source, subscriptions_source

        privacy.register(subscriptions_source())
        privacy.register(notices_source())
        signal_handlers.connect()
