from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyJapaneseConfig(AppConfig):
    name = "legacy_japanese"
    verbose_name = _("Legacy Japanese text")

    def ready(self) -> None:
        # Registers the cp51932, eucjp_ms and iso2022_jp_ms codecs.
        from legacy_japanese import variants  # noqa: F401
