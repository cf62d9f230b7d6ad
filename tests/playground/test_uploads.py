"""Product image uploads: what is checked, how it is stored and served, and
the storage budgets per sandbox and per client address."""

import io
import re
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from PIL import Image

from playground import ratelimit
from playground.models import Product, RateWindow
from tests.playground.logged import HTMX, visitor

pytestmark = pytest.mark.django_db

SCENARIO = "delete-signals"  # its products take an image

NOON = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
STORED_NAME = r"playground/sandbox-{pk}/[0-9a-f]{{32}}\{suffix}"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_image(client, upload, *, name="Framed", htmx=True):
    return client.post(
        "/playground/delete-signals/do/product-create/",
        {
            "product-create-name": name,
            "product-create-price": "5",
            "product-create-stock": "5",
            "product-create-image": upload,
        },
        **(HTMX if htmx else {}),
    )


def image_bytes(fmt="PNG", size=(8, 8), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, *, depth=8, cut: int | None = None) -> bytes:
    """A greyscale PNG of ``width`` x ``height`` black pixels, built by hand:
    black rows compress about a thousand to one, so a few kilobytes can
    claim a hundred million pixels. ``cut`` keeps only that many bytes of
    the compressed pixels, in a well-formed chunk: the file is truncated
    though every checksum is right."""
    header = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (1 + (width * depth + 7) // 8) * height, 9)
    if cut is not None:
        pixels = pixels[:cut]
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def stored_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def assert_refused(response, sandbox, media, *, status=422, message: str):
    body = response.content.decode()
    assert response.status_code == status, body[:500]
    assert message in body
    assert not Product.objects.filter(sandbox=sandbox, name="Framed").exists()
    assert stored_files(media) == []


# --- 6. What an image must be ------------------------------------------------------------


def test_a_95_megapixel_png_of_92_kb_is_refused_by_its_pixels(media):
    client, sandbox = visitor(SCENARIO)
    bomb = png_claiming(9747, 9747)
    assert len(bomb) == 92_423

    response = post_image(client, SimpleUploadedFile("bomb.png", bomb, "image/png"))

    assert_refused(
        response,
        sandbox,
        media,
        message="The image is 9747 × 9747 pixels (95.0 megapixels); the limit is "
        "16.8 megapixels, such as 4096 × 4096.",
    )
    assert 'class="pg-error"' in response.content.decode()


def test_the_69_byte_png_claiming_9999_by_9999_pixels_is_refused(media):
    client, sandbox = visitor(SCENARIO)
    tiny = png_claiming(9999, 9999, depth=1, cut=12)
    assert len(tiny) == 69

    response = post_image(client, SimpleUploadedFile("tiny.png", tiny, "image/png"))

    assert_refused(
        response,
        sandbox,
        media,
        message="The image is 9999 × 9999 pixels (100.0 megapixels); the limit is "
        "16.8 megapixels, such as 4096 × 4096.",
    )


def test_pixels_past_pillows_own_bomb_limit_get_the_same_kind_of_message(media):
    client, sandbox = visitor(SCENARIO)

    response = post_image(
        client, SimpleUploadedFile("huge.png", png_claiming(20_000, 20_000, depth=1, cut=12))
    )

    assert_refused(
        response,
        sandbox,
        media,
        message="The image has far too many pixels; the limit is 16.8 megapixels, "
        "such as 4096 × 4096.",
    )


def test_every_frame_of_an_animation_counts_against_the_pixel_budget(media):
    client, sandbox = visitor(SCENARIO)
    frames = [Image.new("L", (3000, 3000), shade) for shade in (0, 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])

    response = post_image(client, SimpleUploadedFile("two.gif", buffer.getvalue()))

    assert_refused(
        response,
        sandbox,
        media,
        message="The image is 3000 × 3000 pixels × 2 frames (18.0 megapixels); the limit "
        "is 16.8 megapixels, such as 4096 × 4096.",
    )


def test_a_truncated_image_within_the_pixel_budget_is_refused(media):
    client, sandbox = visitor(SCENARIO)
    truncated = png_claiming(300, 300, cut=20)
    Image.open(io.BytesIO(truncated)).verify()  # what Django's ImageField checks: it passes

    response = post_image(client, SimpleUploadedFile("cut.png", truncated, "image/png"))

    assert_refused(
        response,
        sandbox,
        media,
        message="The image file is incomplete or damaged (was the upload cut short?).",
    )


def test_a_truncated_jpeg_is_refused(media):
    client, sandbox = visitor(SCENARIO)
    buffer = io.BytesIO()
    Image.effect_noise((128, 128), 64).convert("RGB").save(buffer, "JPEG")
    jpeg = buffer.getvalue()

    response = post_image(client, SimpleUploadedFile("cut.jpg", jpeg[: len(jpeg) // 2]))

    assert_refused(
        response,
        sandbox,
        media,
        message="The image file is incomplete or damaged (was the upload cut short?).",
    )


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_formats_other_than_png_jpeg_gif_and_webp_are_refused(media, fmt):
    client, sandbox = visitor(SCENARIO)

    response = post_image(client, SimpleUploadedFile("photo.png", image_bytes(fmt)))

    assert_refused(response, sandbox, media, message="Upload a PNG, JPEG, GIF or WebP image.")


@pytest.mark.parametrize(
    ("fmt", "suffix", "content_type"),
    [
        ("PNG", ".png", "image/png"),
        ("JPEG", ".jpg", "image/jpeg"),
        ("GIF", ".gif", "image/gif"),
        ("WEBP", ".webp", "image/webp"),
    ],
)
def test_an_image_is_stored_and_served_as_the_format_found_in_it(media, fmt, suffix, content_type):
    client, sandbox = visitor(SCENARIO)
    content = image_bytes(fmt)

    response = post_image(client, SimpleUploadedFile("x.pdf", content, "application/pdf"))

    assert response.status_code == 200
    product = Product.objects.get(sandbox=sandbox, name="Framed")
    assert re.fullmatch(STORED_NAME.format(pk=sandbox.pk, suffix=suffix), product.image.name)
    served = client.get(product.image.url)
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == content
    served.close()


@pytest.mark.parametrize("debug", [True, False])
def test_media_and_pages_are_sent_with_nosniff_in_both_modes(media, settings, debug):
    # Uploaded files are served by django.views.static.serve in both modes
    # (tutorial/urls.py), behind SecurityMiddleware like every page.
    settings.DEBUG = debug
    (media / "playground").mkdir()
    (media / "playground" / "x.png").write_bytes(image_bytes())
    client = Client()

    for url in ("/media/playground/x.png", "/"):
        response = client.get(url)
        response.close()  # a media file is streamed from an open file
        assert response.status_code == 200, url
        assert response["X-Content-Type-Options"] == "nosniff", url


# --- 7. Unguessable names -------------------------------------------------------------------


def test_the_stored_name_is_random_and_the_visitors_name_is_no_path(media):
    client, sandbox = visitor(SCENARIO)

    first = post_image(client, SimpleUploadedFile("photo.png", image_bytes()), name="First")
    second = post_image(client, SimpleUploadedFile("photo.png", image_bytes()), name="Second")

    assert (first.status_code, second.status_code) == (200, 200)
    names = [
        Product.objects.get(sandbox=sandbox, name=name).image.name for name in ("First", "Second")
    ]
    for name in names:
        assert re.fullmatch(STORED_NAME.format(pk=sandbox.pk, suffix=".png"), name)
        assert "photo" not in name
    assert names[0] != names[1]
    assert stored_files(media) == sorted(names)
    guessed = client.get(f"/media/playground/sandbox-{sandbox.pk}/photo.png")
    assert guessed.status_code == 404


# --- 8. Long names ------------------------------------------------------------------------


def test_a_name_of_70_four_byte_characters_is_stored_under_a_short_name(media):
    client, sandbox = visitor(SCENARIO)
    long_name = "\U0001d4b3" * 70 + ".png"  # MATHEMATICAL SCRIPT CAPITAL X
    assert len(long_name.encode()) == 284  # past the 255 bytes a file name may have

    response = post_image(client, SimpleUploadedFile(long_name, image_bytes(), "image/png"))

    assert response.status_code == 200
    product = Product.objects.get(sandbox=sandbox, name="Framed")
    assert re.fullmatch(STORED_NAME.format(pk=sandbox.pk, suffix=".png"), product.image.name)
    assert len(product.image.name) <= Product._meta.get_field("image").max_length
    assert (media / product.image.name).read_bytes() == image_bytes()


# --- 5. Storage budgets -----------------------------------------------------------------------


def test_take_counts_an_amount_only_when_it_fits():
    verdicts = [
        ratelimit.take("k", amount, limit=100, window=3600, now=NOON + timedelta(seconds=s))
        for s, amount in [(0, 60), (10, 50), (20, 40), (30, 1), (40, 101)]
    ]
    next_window = ratelimit.take("k", 100, limit=100, window=3600, now=NOON + timedelta(hours=1))

    assert [(v.allowed, v.hits, v.retry_after) for v in verdicts] == [
        (True, 60, 3600),
        (False, 60, 3590),  # refused: nothing counted
        (True, 100, 3580),
        (False, 100, 3570),
        (False, 100, 3560),
    ]
    assert (next_window.allowed, next_window.hits) == (True, 100)
    assert list(RateWindow.objects.order_by("window_start").values_list("key", "hits")) == [
        ("k", 100),
        ("k", 100),
    ]


def test_an_amount_larger_than_the_whole_limit_writes_no_window():
    verdict = ratelimit.take("k", 101, limit=100, window=3600, now=NOON)

    assert (verdict.allowed, verdict.hits) == (False, 0)
    assert not RateWindow.objects.exists()


def test_client_address_is_the_remote_address():
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="203.0.113.7")
    bare = factory.get("/")
    del bare.META["REMOTE_ADDR"]

    assert ratelimit.client_address(request) == "203.0.113.7"
    # Never a made-up value: axes stores the address in an IP address column.
    assert ratelimit.client_address(bare) == ""


def test_a_sandbox_over_its_budget_gets_a_429_in_the_panel_and_nothing_is_written(media, settings):
    image = image_bytes(size=(8, 8))
    settings.PLAYGROUND_IMAGE_BYTES_PER_SANDBOX = 2 * len(image)
    client, sandbox = visitor(SCENARIO)
    assert post_image(client, SimpleUploadedFile("a.png", image), name="A").status_code == 200
    assert post_image(client, SimpleUploadedFile("b.png", image), name="B").status_code == 200
    files_before = stored_files(media)

    response = post_image(client, SimpleUploadedFile("c.png", image))

    body = response.content.decode()
    assert response.status_code == 429
    assert "Retry-After" not in response
    assert body.lstrip().startswith('<section id="playground"')  # the panel, for htmx
    assert (
        f'<div class="pg-alert pg-alert--error" role="alert">This sandbox already holds '
        f"{2 * len(image)}\xa0bytes of images and this one is {len(image)}\xa0bytes; a sandbox may "
        f"hold {2 * len(image)}\xa0bytes. Delete a product that has an image, or start this "
        "lesson again, then try again.</div>" in body
    )
    assert not Product.objects.filter(sandbox=sandbox, name="Framed").exists()
    assert stored_files(media) == files_before


def test_deleting_an_image_or_resetting_gives_the_sandbox_budget_back(
    media, settings, django_capture_on_commit_callbacks
):
    image = image_bytes()
    settings.PLAYGROUND_IMAGE_BYTES_PER_SANDBOX = len(image)
    client, sandbox = visitor(SCENARIO)
    assert post_image(client, SimpleUploadedFile("a.png", image), name="A").status_code == 200
    assert post_image(client, SimpleUploadedFile("b.png", image), name="B").status_code == 429
    a = Product.objects.get(sandbox=sandbox, name="A")

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(f"/playground/delete-signals/product/{a.pk}/delete/", **HTMX)
    assert deleted.status_code == 200
    assert post_image(client, SimpleUploadedFile("b.png", image), name="B").status_code == 200
    assert post_image(client, SimpleUploadedFile("c.png", image), name="C").status_code == 429

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/playground/delete-signals/reset/", **HTMX).status_code == 200
    assert stored_files(media) == []
    assert post_image(client, SimpleUploadedFile("c.png", image), name="C").status_code == 200


def test_an_address_over_its_hourly_budget_gets_a_429_whatever_its_sandbox(media, settings):
    image = image_bytes()
    settings.PLAYGROUND_IMAGE_BYTES_PER_HOUR = 2 * len(image)
    # A client that drops its cookie gets a new sandbox each time.
    sandboxes = []
    statuses = []
    for _ in range(3):
        client, sandbox = visitor(SCENARIO, REMOTE_ADDR="198.51.100.4")
        sandboxes.append(sandbox)
        statuses.append(post_image(client, SimpleUploadedFile("a.png", image)).status_code)
    refused = post_image(client, SimpleUploadedFile("a.png", image), htmx=False)
    other, _ = visitor(SCENARIO, REMOTE_ADDR="198.51.100.5")

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) in range(1, 3601)
    minutes = -(-int(refused["Retry-After"]) // 60)
    assert (
        f"Your address has uploaded {2 * len(image)}\xa0bytes of images this hour and this one "
        f"is {len(image)}\xa0bytes; the limit is {2 * len(image)}\xa0bytes an hour. Try again in "
        f"{minutes} minute" in refused.content.decode()
    ), refused.content.decode()
    assert [Product.objects.filter(sandbox=s, name="Framed").count() for s in sandboxes] == [
        1,
        1,
        0,
    ]
    assert len(stored_files(media)) == 2
    (window,) = RateWindow.objects.filter(key="image-bytes:198.51.100.4")
    assert window.hits == 2 * len(image)
    assert post_image(other, SimpleUploadedFile("a.png", image)).status_code == 200


def test_a_refused_image_uses_none_of_the_budget(media, settings):
    settings.PLAYGROUND_IMAGE_BYTES_PER_HOUR = 10_000
    client, _ = visitor(SCENARIO)

    refused = post_image(client, SimpleUploadedFile("cut.png", png_claiming(300, 300, cut=20)))

    assert refused.status_code == 422
    assert not RateWindow.objects.filter(key__startswith="image-bytes:").exists()
