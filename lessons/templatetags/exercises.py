"""Template filters for the exercises' solved marks (site.js fills them in)."""

from django import template

register = template.Library()


@register.filter
def exercise_keys(lesson_slug: str) -> str:
    """``{{ lesson.slug|exercise_keys }}``: its exercises' keys, space-separated."""
    # Imported on use: Django imports every tag library when templates load,
    # in the browser runtime too, which has no YAML for the catalog.
    from lessons.exercise_catalog import exercise_keys as keys_of

    return keys_of(lesson_slug)
