"""Remove idle sandboxes with everything that belongs to them.

    manage.py purge_sandboxes --older-than 7d

Deletes each sandbox not seen for that long, with its records, log, outbox,
uploaded images and the sessions that pointed at it; also forgets old
rate-limit windows. Run it from cron (or a scheduler) once a day.

Each sandbox goes in a transaction of its own. One that cannot be deleted
is named on stderr and skipped, the others are deleted, and the command
exits with status 1.
"""

import argparse
import re
import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
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
                f"Would delete {len(idle)} sandbox(es) and "
                f"{sum(map(len, sessions.values()))} session(s)."
            )
            return
        deleted, deleted_sessions, failed = 0, 0, []
        for sandbox_id in idle:
            # One transaction per sandbox: a sandbox that cannot be deleted
            # (a row no read can handle, say) is reported and skipped, and
            # the others still go.
            try:
                with transaction.atomic():
                    Session.objects.filter(session_key__in=sessions.get(sandbox_id, [])).delete()
                    # The ordinary cascade: records, log and outbox go with the sandbox.
                    Sandbox.objects.filter(pk=sandbox_id).delete()
            except Exception as error:  # whatever it was, the next sandbox must still go
                self.stderr.write(
                    f"Sandbox {sandbox_id} was not deleted: {type(error).__name__}: {error}"
                )
                failed.append(sandbox_id)
                continue
            deleted += 1
            deleted_sessions += len(sessions.get(sandbox_id, []))
            shutil.rmtree(sandbox_media(sandbox_id), ignore_errors=True)
        windows = ratelimit.forget_before(timezone.now() - timedelta(days=1))
        self.stdout.write(
            f"Deleted {deleted} sandbox(es), {deleted_sessions} session(s) and "
            f"{windows} old rate-limit window(s)."
        )
        if failed:
            # Exit status 1, so cron reports it.
            raise CommandError(
                f"{len(failed)} sandbox(es) could not be deleted: "
                f"{', '.join(map(str, failed))} (see above)."
            )

    def _sessions_of(self, sandbox_ids: set[int]) -> dict[int, list[str]]:
        """The keys of the sessions pointing at each of these sandboxes."""
        found = defaultdict(list)
        if sandbox_ids:
            for session in Session.objects.iterator():
                sandbox_id = session.get_decoded().get(SESSION_KEY)
                if sandbox_id in sandbox_ids:
                    found[sandbox_id].append(session.session_key)
        return found
