"""The admin login's lockout page in Chromium: site-styled, and it says why."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_five_wrong_passwords_show_the_lockout_page(
    page: Page, site, settings, scheme, screenshot_dir
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_superuser("admin", "admin@example.com", "the-right-password")
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme=scheme)
    page.goto(site + "/admin/login/")

    for attempt in range(5):
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        with page.expect_response(lambda response: response.request.method == "POST") as answer:
            page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    assert answer.value.status == 429
    expect(page.locator("h1")).to_have_text("Too many failed sign-ins")
    expect(page.get_by_role("alert")).to_contain_text(
        "After 5 wrong passwords in a row, this username cannot sign in from your address "
        "for 15 minutes."
    )
    expect(page.locator(".site-header")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("data-theme", scheme)
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    page.screenshot(path=screenshot_dir / f"admin-locked-out-{scheme}-360.png")
