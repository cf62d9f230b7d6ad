"""Remove idle sandboxes with everything that belongs to them.

    manage.py purge_sandboxes --older-than 7d

Deletes each sandbox not seen for that long, with its records, log, outbox
and uploaded images; then each visitor left with no sandbox, with the
sessions that pointed at them (a visitor keeps the sandboxes of the lessons
they still use). Also forgets old rate-limit windows. Run it from cron (or a
scheduler) once a day.

Each sandbox goes in a transaction of its own. One that cannot be deleted
is named on stderr and skipped, the others are deleted, and the command
exits with status 1.
"""

import argparse
import re
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from playground import ratelimit
from playground.models import Sandbox, Visitor
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
    help = "Delete sandboxes idle for longer than --older-than, with their data, and visitors."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, type=parse_age, metavar="AGE")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would go, delete nothing."
        )

    def handle(self, *args, older_than: timedelta, dry_run: bool, **options):
        cutoff = timezone.now() - older_than
        idle = list(Sandbox.objects.filter(last_seen_at__lt=cutoff).values_list("pk", flat=True))
        if dry_run:
            self.stdout.write(f"Would delete {len(idle)} sandbox(es).")
            return
        deleted, failed = 0, []
        for sandbox_id in idle:
            # One transaction per sandbox: a sandbox that cannot be deleted
            # (a row no read can handle, say) is reported and skipped, and
            # the others still go.
            try:
                with transaction.atomic():
                    # The ordinary cascade: records, log and outbox go with the sandbox.
                    Sandbox.objects.filter(pk=sandbox_id).delete()
            except Exception as error:  # whatever it was, the next sandbox must still go
                self.stderr.write(
                    f"Sandbox {sandbox_id} was not deleted: {type(error).__name__}: {error}"
                )
                failed.append(sandbox_id)
                continue
            deleted += 1
            shutil.rmtree(sandbox_media(sandbox_id), ignore_errors=True)
        visitors, sessions = self._forget_visitors_without_sandboxes(cutoff)
        windows = ratelimit.forget_before(timezone.now() - timedelta(days=1))
        self.stdout.write(
            f"Deleted {deleted} sandbox(es), {visitors} visitor(s) with {sessions} session(s) "
            f"and {windows} old rate-limit window(s)."
        )
        if failed:
            # Exit status 1, so cron reports it.
            raise CommandError(
                f"{len(failed)} sandbox(es) could not be deleted: "
                f"{', '.join(map(str, failed))} (see above)."
            )

    def _forget_visitors_without_sandboxes(self, cutoff) -> tuple[int, int]:
        """Delete the visitors (older than ``cutoff``) left with no sandbox,
        and their sessions; return how many of each."""
        gone = set(
            Visitor.objects.filter(sandboxes=None, created_at__lt=cutoff).values_list(
                "pk", flat=True
            )
        )
        if not gone:
            return 0, 0
        keys = [
            session.session_key
            for session in Session.objects.iterator()
            if session.get_decoded().get(SESSION_KEY) in gone
        ]
        with transaction.atomic():
            Session.objects.filter(session_key__in=keys).delete()
            Visitor.objects.filter(pk__in=gone, sandboxes=None).delete()
        return len(gone), len(keys)
