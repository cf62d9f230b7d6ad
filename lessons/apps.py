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

        # Load, validate and render every lesson and exercise now, so a broken
        # file stops the process at start-up with an error naming it, instead
        # of surfacing as a broken page later. The browser runtime
        # turns this off: it runs the lesson tests, not the reader, and has
        # neither Markdown nor PyYAML.
        if settings.LESSONS_LOAD_AT_START:
            from lessons.exercise_catalog import get_exercises

            get_exercises()  # and the lessons they belong to
