from django.apps import AppConfig
from django.conf import settings


class LessonsConfig(AppConfig):
    """Loads the Markdown lessons and serves the lesson reader."""

    name = "lessons"
    verbose_name = "Lessons"

    def ready(self):
        # Connect this app's receivers (see receivers.py for why they exist),
        # and register its system checks.
        from lessons import checks, receivers  # noqa: F401

        # Load, validate and render every lesson now, so a broken lesson file
        # stops the process at start-up with an error naming the file,
        # instead of surfacing as a broken page later. The browser runtime
        # turns this off: it runs the lesson tests, not the reader, and has
        # neither Markdown nor PyYAML.
        if settings.LESSONS_LOAD_AT_START:
            from lessons.catalog import get_catalog

            get_catalog()
