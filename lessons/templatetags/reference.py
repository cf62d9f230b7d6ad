"""Template filters for the built-in signals' cheat sheet (lessons/reference.html)."""

from django import template

from lessons.signal_reference import inline_code as to_html

register = template.Library()


@register.filter
def inline_code(text: str) -> str:
    """``{{ fact|inline_code }}``: the fact escaped, its `names` as code."""
    return to_html(text)
