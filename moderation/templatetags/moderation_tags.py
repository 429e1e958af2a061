from django import template

from moderation import registry

register = template.Library()


@register.inclusion_tag("moderation/admin/_pending.html")
def moderation_pending() -> dict:
    """How many items of every registered kind wait for moderation (admin index)."""
    rows = []
    for entry in registry.registered():
        meta = entry.model._meta
        rows.append(
            {
                "name": meta.verbose_name_plural,
                "count": entry.model.objects.in_moderation().count(),
                "url": f"admin:{meta.app_label}_{meta.model_name}_changelist",
            }
        )
    return {"rows": rows}
