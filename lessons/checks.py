"""System checks for the lesson reader (run by ``manage.py check``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def local_mode_is_off(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Local mode's "Run on this machine" runs pytest on the server for anyone."""
    if not settings.LOCAL_MODE:
        return []
    return [
        checks.Error(
            "Local mode is on: every visitor can run pytest on this server with the "
            '"Run on this machine" button.',
            hint=(
                "Unset TUTORIAL_LOCAL_MODE (with DJANGO_DEBUG=0 it is off by default). "
                "TUTORIAL_ALLOW_LOCAL_MODE_IN_PRODUCTION=1 lets the site start anyway, "
                "but this check keeps reporting it."
            ),
            id="lessons.E001",
        )
    ]
