"""Template filters for the exercises' solved marks (site.js fills them in)."""

from django import template

from lessons.exercise_catalog import exercise_keys as keys_of

register = template.Library()


@register.filter
def exercise_keys(lesson_slug: str) -> str:
    """``{{ lesson.slug|exercise_keys }}``: its exercises' keys, space-separated."""
    return keys_of(lesson_slug)
