from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from tutorial.highlighting import pygments_stylesheet

STYLESHEET = Path(settings.BASE_DIR) / "tutorial" / "static" / "tutorial" / "pygments.css"


class Command(BaseCommand):
    help = "Write the light and dark code-highlighting stylesheet from Pygments."

    def handle(self, *args, **options):
        STYLESHEET.write_text(pygments_stylesheet(), encoding="utf-8")
        self.stdout.write(f"Wrote {STYLESHEET.relative_to(settings.BASE_DIR)}")
