"""Runs of a lesson's tests, started from the lesson page in local mode.

The lessons themselves are files, not rows. Only test runs live here, so
every worker process (and the page's one-second poll) sees the same state.
"""

from collections import Counter

from django.db import models


class TestRun(models.Model):
    __test__ = False  # a model, not something for pytest to collect

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        TIMED_OUT = "timed_out", "Stopped at the time limit"
        ERROR = "error", "Could not run"

    lesson_slug = models.SlugField(max_length=60)
    status = models.CharField(max_length=12, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last lines pytest printed, for runs that could not start or crashed.
    output_tail = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # One lesson's tests run at a time, and the database keeps it so:
            # of two starts in the same millisecond (two worker processes, on
            # either database) only one can insert its running row.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="one_test_run_at_a_time",
            ),
        ]

    def __str__(self):
        return f"{self.lesson_slug}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status != self.Status.RUNNING

    def tally(self) -> str:
        """The outcomes counted, worst first: "1 failed, 30 passed, 2 skipped"."""
        counts = Counter(self.outcomes.values_list("outcome", flat=True))
        order = ("failed", "error", "passed", "skipped")
        return ", ".join(f"{counts[outcome]} {outcome}" for outcome in order if counts[outcome])


class TestOutcome(models.Model):
    """One test's result, stored as soon as pytest reports it."""

    __test__ = False

    run = models.ForeignKey(TestRun, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=300)
    outcome = models.CharField(max_length=10)  # passed, failed, skipped, error
    message = models.TextField(blank=True)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["run_id", "position"]

    def __str__(self):
        return f"{self.name}: {self.outcome}"
