"""Product images in Chromium: a refused upload says why in the panel, and
an accepted one is shown from its random, unguessable address."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.playground.test_uploads import image_bytes, png_claiming

pytestmark = pytest.mark.django_db(transaction=True)

SCENARIO = "/playground/delete-signals/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def open_scenario(page: Page, site: str) -> None:
    page.goto(site + SCENARIO)
    expect(page.locator("#playground")).to_be_visible()
    expect(page.locator("html[data-enhanced]")).to_have_count(1)


def create_with_image(page: Page, name: str, file: dict) -> None:
    panel = page.locator("#playground")
    if panel.locator("details.pg-card", has_text="Create a product").get_attribute("open") is None:
        panel.get_by_text("Create a product", exact=True).click()
    panel.get_by_label("Name").first.fill(name)
    panel.get_by_label("Price").first.fill("3.00")
    panel.get_by_label("Stock").first.fill("1")
    panel.get_by_label("Image (optional, up to 2 MB)").set_input_files(file)
    panel.get_by_role("button", name="Create product").click()


def screenshots(page: Page, folder: Path, name: str) -> None:
    """Light and dark at 360 px; the layout must not scroll sideways."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
        assert page.evaluate("document.documentElement.scrollWidth") == 360
        page.locator("#playground").screenshot(path=folder / f"{name}-{scheme}-360.png")


def test_an_image_too_large_in_pixels_shows_its_message_in_the_panel(
    page: Page, site, media, screenshot_dir
):
    page.set_viewport_size({"width": 360, "height": 740})
    open_scenario(page, site)
    rows_before = page.locator("#pg-records .pg-row").count()

    bomb = {"name": "bomb.png", "mimeType": "image/png", "buffer": png_claiming(9747, 9747)}
    create_with_image(page, "Bomb", bomb)

    expect(page.get_by_role("alert")).to_have_text(
        "Nothing was changed: please correct the highlighted field."
    )
    expect(page.locator(".pg-error")).to_have_text(
        "The image is 9747 × 9747 pixels (95.0 megapixels); the limit is 16.8 megapixels, "
        "such as 4096 × 4096."
    )
    expect(page.locator("#pg-records .pg-row")).to_have_count(rows_before)
    assert list(media.rglob("*.*")) == []
    page.locator(".pg-error").scroll_into_view_if_needed()
    screenshots(page, screenshot_dir, "upload-too-many-pixels")


def test_past_the_sandbox_budget_the_panel_says_what_to_do(
    page: Page, site, settings, screenshot_dir
):
    image = image_bytes()
    settings.PLAYGROUND_IMAGE_BYTES_PER_SANDBOX = len(image)
    page.set_viewport_size({"width": 360, "height": 740})
    open_scenario(page, site)
    file = {"name": "photo.png", "mimeType": "image/png", "buffer": image}

    create_with_image(page, "First", file)
    thumb = page.locator(".pg-row", has_text="First").locator("img.pg-thumb")
    expect(thumb).to_have_attribute(
        "src", re.compile(r"^/media/playground/sandbox-\d+/[0-9a-f]{32}\.png$")
    )
    # Served with the right type: the browser decodes it.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 8", arg=thumb.element_handle()
    )

    create_with_image(page, "Second", file)

    expect(page.get_by_role("alert")).to_have_text(
        f"This sandbox already holds {len(image)}\xa0bytes of images and this one is "
        f"{len(image)}\xa0bytes; a sandbox may hold {len(image)}\xa0bytes. Delete a product "
        "that has an image, or start this lesson again, then try again."
    )
    expect(page.locator(".pg-row", has_text="Second")).to_have_count(0)
    page.get_by_role("alert").scroll_into_view_if_needed()
    screenshots(page, screenshot_dir, "upload-over-budget")
