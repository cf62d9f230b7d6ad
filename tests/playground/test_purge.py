"""manage.py purge_sandboxes: idle sandboxes go, with everything they own."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import pre_delete
from django.test import Client
from django.utils import timezone

from playground import ratelimit
from playground.models import (
    Article,
    LogEntry,
    OutboxEmail,
    Product,
    RateWindow,
    Review,
    Sandbox,
    Tag,
    Visitor,
)
from playground.sandboxes import SESSION_KEY
from tests.playground.logged import poison

pytestmark = pytest.mark.django_db


def visitor_with_history(media):
    client = Client()
    client.post(
        "/playground/signals-101/do/product-create/",
        {
            "product-create-name": "Framed",
            "product-create-price": "1",
            "product-create-stock": "1",
            "product-create-image": SimpleUploadedFile("a.gif", GIF),
        },
        HTTP_HX_REQUEST="true",
    )
    return client, Sandbox.objects.get(visitor_id=client.session[SESSION_KEY])


def idle_since(days: int, *sandboxes: Sandbox) -> None:
    """Make the sandboxes, and the visitors they belong to, ``days`` old."""
    then = timezone.now() - timedelta(days=days)
    Sandbox.objects.filter(pk__in=[s.pk for s in sandboxes]).update(last_seen_at=then)
    Visitor.objects.filter(sandboxes__in=sandboxes).update(created_at=then)


# The smallest valid GIF: one transparent pixel.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def counts(sandbox_id):
    return {
        model.__name__: model.objects.filter(sandbox_id=sandbox_id).count()
        for model in (Product, Review, Article, Tag, LogEntry, OutboxEmail)
    }


def test_idle_sandboxes_go_with_records_log_media_and_sessions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    idle_client, idle = visitor_with_history(tmp_path)
    _, active = visitor_with_history(tmp_path)
    idle_since(8, idle)
    idle_folder = tmp_path / "playground" / f"sandbox-{idle.pk}"
    active_folder = tmp_path / "playground" / f"sandbox-{active.pk}"
    assert idle_folder.is_dir()
    assert active_folder.is_dir()
    assert counts(idle.pk)["Product"] == 4
    assert counts(idle.pk)["OutboxEmail"] == 1  # "New product: Framed"
    ratelimit.hit("old", limit=1, window=60, now=timezone.now() - timedelta(days=2))
    output = StringIO()

    call_command("purge_sandboxes", "--older-than", "7d", stdout=output)

    assert output.getvalue() == (
        "Deleted 1 sandbox(es), 1 visitor(s) with 1 session(s) and 1 old rate-limit window(s).\n"
    )
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [active.pk]
    assert list(Visitor.objects.values_list("pk", flat=True)) == [active.visitor_id]
    assert set(counts(idle.pk).values()) == {0}
    assert counts(active.pk)["Product"] == 4
    assert not idle_folder.exists()
    assert active_folder.is_dir()
    assert not Session.objects.filter(session_key=idle_client.session.session_key).exists()
    assert Session.objects.count() == 1
    assert RateWindow.objects.filter(key="old").count() == 0


def test_a_visitor_keeps_the_sandboxes_of_lessons_still_in_use(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client, idle = visitor_with_history(tmp_path)
    client.get("/playground/receivers/")
    in_use = Sandbox.objects.get(visitor=idle.visitor, scenario="receivers")
    idle_since(8, idle)

    call_command("purge_sandboxes", "--older-than", "7d", stdout=StringIO())

    assert list(Sandbox.objects.values_list("pk", flat=True)) == [in_use.pk]
    assert Visitor.objects.filter(pk=idle.visitor_id).exists()
    assert client.get("/playground/receivers/").status_code == 200
    assert Sandbox.objects.get(visitor=idle.visitor, scenario="receivers") == in_use


def test_dry_run_deletes_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _, idle = visitor_with_history(tmp_path)
    idle_since(1, idle)
    output = StringIO()

    call_command("purge_sandboxes", "--older-than", "2h", "--dry-run", stdout=output)

    assert output.getvalue() == "Would delete 1 sandbox(es).\n"
    assert Sandbox.objects.filter(pk=idle.pk).exists()


@pytest.mark.parametrize("age", ["7", "0d", "-1d", "7w", "d"])
def test_a_bad_age_is_a_usage_error(age):
    with pytest.raises(CommandError) as error:
        call_command("purge_sandboxes", f"--older-than={age}")

    assert str(error.value) == (
        "Error: argument --older-than: use a positive number and a unit, "
        f"like 7d, 12h or 30m (not {age!r})"
    )
    assert Sandbox.objects.count() == 0


def two_idle_visitors(tmp_path):
    _, first = visitor_with_history(tmp_path)
    _, second = visitor_with_history(tmp_path)
    idle_since(8, first, second)
    return first, second


def purge_reporting() -> tuple[str, str, str]:
    """Run the purge that fails for some sandbox: (stdout, stderr, its error)."""
    output, errors = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("purge_sandboxes", "--older-than", "7d", stdout=output, stderr=errors)
    return output.getvalue(), errors.getvalue(), str(failure.value)


def test_a_sandbox_that_cannot_be_deleted_is_named_and_skipped(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    stuck, idle = two_idle_visitors(tmp_path)

    def refuse(sender, instance, **kwargs):
        if instance.sandbox_id == stuck.pk:
            raise RuntimeError("this row cannot be deleted")

    pre_delete.connect(refuse, sender=Product)
    try:
        output, errors, failure = purge_reporting()
    finally:
        assert pre_delete.disconnect(refuse, sender=Product)

    assert (
        errors == f"Sandbox {stuck.pk} was not deleted: RuntimeError: this row cannot be deleted\n"
    )
    assert failure == f"1 sandbox(es) could not be deleted: {stuck.pk} (see above)."
    assert output == (
        "Deleted 1 sandbox(es), 1 visitor(s) with 1 session(s) and 0 old rate-limit window(s).\n"
    )
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [stuck.pk]
    assert counts(stuck.pk)["Product"] == 4
    assert set(counts(idle.pk).values()) == {0}
    assert (tmp_path / "playground" / f"sandbox-{stuck.pk}").is_dir()
    assert not (tmp_path / "playground" / f"sandbox-{idle.pk}").exists()
    assert Session.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite can hold such a price")
def test_a_price_no_read_can_handle_does_not_stop_the_purge(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    poisoned, idle = two_idle_visitors(tmp_path)
    poison(Product.objects.filter(sandbox=poisoned).first(), "1499999.98")

    output, errors, failure = purge_reporting()

    assert errors.startswith(f"Sandbox {poisoned.pk} was not deleted: InvalidOperation: ")
    assert output == (
        "Deleted 1 sandbox(es), 1 visitor(s) with 1 session(s) and 0 old rate-limit window(s).\n"
    )
    assert failure == f"1 sandbox(es) could not be deleted: {poisoned.pk} (see above)."
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [poisoned.pk]
    assert set(counts(idle.pk).values()) == {0}
