"""Receivers of the lessons app.

The development server restarts when a Python file changes, but lessons are
Markdown. Django sends ``autoreload_started`` with the reloader as sender when
the autoreloader starts; watching the content folder from there makes edits
to a lesson restart ``runserver`` too, so the cached catalog is rebuilt.
"""

from django.conf import settings
from django.dispatch import receiver
from django.utils.autoreload import autoreload_started


@receiver(autoreload_started)
def watch_lesson_files(sender, **kwargs):
    sender.watch_dir(settings.LESSONS_CONTENT_DIR, "*.md")
