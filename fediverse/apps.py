from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FediverseConfig(AppConfig):
    name = "fediverse"
    label = "fediverse"
    verbose_name = _("Fediverse")

    def ready(self) -> None:
        from blog import discussion
        from comments import pictures
        from fediverse import avatars, personal_data, reactions, signal_handlers

        signal_handlers.connect()
        personal_data.register()
        reactions.connect()
        avatars.connect()
        pictures.register("fediverse", avatars.pictures_for)
        # Counted with the post in its own query; shown on the post page only.
        discussion.register_count(reactions.LIKE_COUNT, reactions.likes)
        discussion.register_count(reactions.BOOST_COUNT, reactions.boosts)
