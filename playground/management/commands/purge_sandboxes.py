"""Remove idle sandboxes with everything that belongs to them.

    manage.py purge_sandboxes --older-than 7d

Deletes each sandbox not seen for that long, with its records, log, outbox,
uploaded images and the sessions that pointed at it; also forgets old
rate-limit windows. Run it from cron (or a scheduler) once a day.
"""

import argparse
import re
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from playground import ratelimit
from playground.models import Sandbox
from playground.sandboxes import SESSION_KEY

UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([dhm])", text.strip())
    if match is None or int(match[1]) == 0:
        # argparse turns this into a one-line usage error, exit status 2.
        raise argparse.ArgumentTypeError(
            f"use a positive number and a unit, like 7d, 12h or 30m (not {text!r})"
        )
    return timedelta(**{UNITS[match[2]]: int(match[1])})


def sandbox_media(sandbox_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "playground" / f"sandbox-{sandbox_id}"


class Command(BaseCommand):
    help = "Delete sandboxes idle for longer than --older-than, with their data and sessions."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, type=parse_age, metavar="AGE")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would go, delete nothing."
        )

    def handle(self, *args, older_than: timedelta, dry_run: bool, **options):
        cutoff = timezone.now() - older_than
        idle = list(Sandbox.objects.filter(last_seen_at__lt=cutoff).values_list("pk", flat=True))
        sessions = self._sessions_of(set(idle))
        if dry_run:
            self.stdout.write(
                f"Would delete {len(idle)} sandbox(es) and {len(sessions)} session(s)."
            )
            return
        with transaction.atomic():
            Session.objects.filter(session_key__in=sessions).delete()
            # The ordinary cascade: records, log and outbox go with the sandbox.
            Sandbox.objects.filter(pk__in=idle).delete()
        for sandbox_id in idle:
            shutil.rmtree(sandbox_media(sandbox_id), ignore_errors=True)
        windows = ratelimit.forget_before(timezone.now() - timedelta(days=1))
        self.stdout.write(
            f"Deleted {len(idle)} sandbox(es), {len(sessions)} session(s) and "
            f"{windows} old rate-limit window(s)."
        )

    def _sessions_of(self, sandbox_ids: set[int]) -> list[str]:
        if not sandbox_ids:
            return []
        return [
            session.session_key
            for session in Session.objects.iterator()
            if session.get_decoded().get(SESSION_KEY) in sandbox_ids
        ]
