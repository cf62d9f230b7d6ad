"""Receivers of the lessons app.

The development server restarts when a Python file changes, but lessons are
Markdown, and so are the exercises' tasks and hints. Django sends
``autoreload_started`` with the reloader as sender when the autoreloader
starts; watching their folders from there makes edits to a lesson or an
exercise restart ``runserver`` too, so the cached catalogs are rebuilt.
"""

from django.conf import settings
from django.dispatch import receiver
from django.utils.autoreload import autoreload_started


@receiver(autoreload_started)
def watch_lesson_files(sender, **kwargs):
    sender.watch_dir(settings.LESSONS_CONTENT_DIR, "*.md")
    # An exercise's task and hints are Markdown too.
    sender.watch_dir(settings.LESSONS_EXERCISES_DIR, "**/*.md")
