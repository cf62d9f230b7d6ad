"""manage.py purge_sandboxes: idle sandboxes go, with everything they own."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from playground import ratelimit
from playground.models import (
    Action,
    Article,
    OutboxEmail,
    Product,
    RateWindow,
    Review,
    Sandbox,
    Tag,
)
from playground.sandboxes import SESSION_KEY

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
    return client, Sandbox.objects.get(pk=client.session[SESSION_KEY])


# The smallest valid GIF: one transparent pixel.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def counts(sandbox_id):
    return {
        model.__name__: model.objects.filter(sandbox_id=sandbox_id).count()
        for model in (Product, Review, Article, Tag, Action, OutboxEmail)
    }


def test_idle_sandboxes_go_with_records_log_media_and_sessions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    idle_client, idle = visitor_with_history(tmp_path)
    _, active = visitor_with_history(tmp_path)
    Sandbox.objects.filter(pk=idle.pk).update(last_seen_at=timezone.now() - timedelta(days=8))
    idle_folder = tmp_path / "playground" / f"sandbox-{idle.pk}"
    active_folder = tmp_path / "playground" / f"sandbox-{active.pk}"
    assert idle_folder.is_dir()
    assert active_folder.is_dir()
    assert counts(idle.pk)["Product"] == 4
    ratelimit.hit("old", limit=1, window=60, now=timezone.now() - timedelta(days=2))
    output = StringIO()

    call_command("purge_sandboxes", "--older-than", "7d", stdout=output)

    assert output.getvalue() == (
        "Deleted 1 sandbox(es), 1 session(s) and 1 old rate-limit window(s).\n"
    )
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [active.pk]
    assert set(counts(idle.pk).values()) == {0}
    assert counts(active.pk)["Product"] == 4
    assert not idle_folder.exists()
    assert active_folder.is_dir()
    assert not Session.objects.filter(session_key=idle_client.session.session_key).exists()
    assert Session.objects.count() == 1
    assert RateWindow.objects.filter(key="old").count() == 0


def test_dry_run_deletes_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _, idle = visitor_with_history(tmp_path)
    Sandbox.objects.filter(pk=idle.pk).update(last_seen_at=timezone.now() - timedelta(hours=3))
    output = StringIO()

    call_command("purge_sandboxes", "--older-than", "2h", "--dry-run", stdout=output)

    assert output.getvalue() == "Would delete 1 sandbox(es) and 1 session(s).\n"
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
