import pytest
from playwright.sync_api import Page, expect
from lessons.catalog import get_catalog
from tests.browser import try_it
pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

@pytest.mark.parametrize("lesson", get_catalog().lessons, ids=lambda l: l.slug)
def test_dump(page: Page, site, lesson):
    out = open(f"/tmp/course/dump-{lesson.slug}.txt", "w")
    real_follow = try_it.follow
    def follow(page, panel, step):
        real_follow(page, panel, step)
        out.write(f"\n===== step {step.number}: {step.prose}\n")
        if panel.locator(".pg-action").count():
            out.write(panel.locator(".pg-action").first.inner_text() + "\n")
        out.write("--- alerts: " + repr(panel.locator(".pg-alert").all_inner_texts()) + "\n")
        out.write("--- rows: " + repr(panel.locator(".pg-row .pg-row__main").all_inner_texts()) + "\n")
        out.write("--- outbox: " + repr(panel.locator(".pg-mail").all_inner_texts()) + "\n")
    try_it.follow = follow
    try:
        try_it.take_lesson(page, site, lesson)
    finally:
        try_it.follow = real_follow
        out.close()
