"""Hypothesis fuzzing of every form and endpoint of the site.

Every request goes through Django's test client, like a browser would send
it (or like a hostile client would). After each one the same properties are
checked:

* the status is never 5xx (the "raise inside a view" button included: the
  playground middleware turns its 500 into a 200 page that explains it);
* every 4xx says why in its body: a ``role="alert"`` message, a field error
  (``class="pg-error"``) or the site's 404 heading for playground pages;
* nothing is half-written: every stored action's events are numbered
  1..n without gaps (only the oldest action may have lost its first events
  to trimming), no event belongs to another sandbox's action, record counts
  change by at most what one action can do, and a refused request (4xx)
  changes no row at all;
* nothing is lost: a successful create leaves exactly one new record and
  one new "Created …" action;
* another visitor's sandbox never changes.
"""

import io
import os
import re
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, Phase, event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image

from lessons import testruns
from lessons.catalog import get_catalog
from lessons.models import TestRun
from playground import actions, scenarios
from playground.forms import LINK_TARGETS, MAX_IMAGE_PIXELS
from playground.log import MAX_EVENTS
from playground.models import (
    IMAGE_SUFFIXES,
    MAX_PRICE,
    MAX_STOCK,
    Article,
    LogEntry,
    OutboxEmail,
    Product,
    RateWindow,
    Review,
    Sandbox,
    Tag,
)
from playground.performing import TIDY_EVERY
from playground.sandboxes import EXAMPLE_ARTICLES, EXAMPLE_PRODUCTS, EXAMPLE_TAGS
from playground.services import LINK_OPERATIONS, version_of
from tests.playground.logged import sandbox_of

pytestmark = pytest.mark.django_db

FUZZ = hsettings(
    # FUZZ_MAX_EXAMPLES=1000 for a longer hunt; the default keeps CI quick.
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "80")),
    deadline=None,
    derandomize=True,
    database=None,
    # Shrinking a failing request can take minutes; the first failing example,
    # printed in full, is enough to reproduce it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

HTMX = {"HTTP_HX_REQUEST": "true"}
SCENARIO_SLUGS = [scenario.slug for scenario in scenarios.SCENARIOS]
LESSON_SLUGS = [lesson.slug for lesson in get_catalog().lessons]
RECORD_MODELS = {"product": Product, "review": Review, "article": Article, "tag": Tag}
SEED_COUNTS = {
    "product": len(EXAMPLE_PRODUCTS),
    "review": 3,
    "article": len(EXAMPLE_ARTICLES),
    "tag": len(EXAMPLE_TAGS),
}
REQUEST_LOG_PREFIX = "Request: "
GENERIC_STATUSES = ()  # 400 and 405 carry role="alert" messages too
MESSAGE_MARKERS = (
    'role="alert"',
    'class="pg-error"',
    "<h1>This page does not exist</h1>",
    "<h1>No playground scenario called",
)


# --- Visitors, snapshots and invariants ------------------------------------------------


def new_visitor(slug: str = "signals-101", **client_options) -> tuple[Client, Sandbox]:
    """A new browser session with its freshly seeded sandbox for the scenario
    ``slug`` (for signals-101's when there is no such scenario)."""
    slug = slug if slug in SCENARIO_SLUGS else "signals-101"
    client = Client(**client_options)
    response = client.get(f"/playground/{slug}/")
    assert response.status_code == 200
    return client, sandbox_of(client.session, slug)


def counts(sandbox_id: int) -> dict[str, int]:
    return {
        name: model.objects.filter(sandbox_id=sandbox_id).count()
        for name, model in RECORD_MODELS.items()
    }


def snapshot(sandbox_id: int, *, requests_logged: bool = False) -> dict:
    """Every row of the sandbox, except rate-limit counters, ``last_seen_at``
    and the log of the visitor's own requests (request logging is a switch)."""
    box = Sandbox.objects.values("fail_post_save", "log_requests", "version").get(pk=sandbox_id)
    rows = {
        name: list(model.objects.filter(sandbox_id=sandbox_id).order_by("pk").values())
        for name, model in RECORD_MODELS.items()
    }
    rows["links"] = list(
        Article.tags.through.objects.filter(article__sandbox_id=sandbox_id)
        .order_by("pk")
        .values_list("article_id", "tag_id")
    )
    rows["outbox"] = list(
        OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("pk").values("to", "subject")
    )
    logged = LogEntry.objects.filter(sandbox_id=sandbox_id).exclude(
        label__startswith=REQUEST_LOG_PREFIX
    )
    rows["actions"] = list(logged.order_by("pk").values_list("pk", "label", "error"))
    rows["events"] = [
        (action_id, event["position"])
        for action_id, events in logged.order_by("pk").values_list("pk", "events")
        for event in events
    ]
    if box["log_requests"] or requests_logged:
        del box["version"]  # logging the request itself bumps it
    rows["sandbox"] = box
    rows["files"] = media_files(sandbox_id)
    return rows


def media_files(sandbox_id: int) -> list[str]:
    """The files in the sandbox's media folder (a refused upload adds none)."""
    folder = Path(django_settings.MEDIA_ROOT) / "playground" / f"sandbox-{sandbox_id}"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def assert_images_sound(sandbox_id: int) -> None:
    """Every stored image has a random name with the suffix of the format
    inside it, is within the pixel budget, and together they fit the
    sandbox's storage budget."""
    total = 0
    names = Product.objects.filter(sandbox_id=sandbox_id).exclude(image="")
    for name in names.values_list("image", flat=True):
        pattern = rf"playground/sandbox-{sandbox_id}/[0-9a-f]{{32}}\.(png|jpg|gif|webp)"
        assert re.fullmatch(pattern, name), name
        path = Path(django_settings.MEDIA_ROOT) / name
        with Image.open(path) as image:
            assert IMAGE_SUFFIXES[image.format] == path.suffix, name
            assert image.width * image.height * getattr(image, "n_frames", 1) <= MAX_IMAGE_PIXELS
        total += path.stat().st_size
    assert total <= django_settings.PLAYGROUND_IMAGE_BYTES_PER_SANDBOX


def new_actions(before: dict, after: dict) -> list[tuple]:
    known = {row[0] for row in before["actions"]}
    return [row for row in after["actions"] if row[0] not in known]


def assert_log_consistent(sandbox_id: int) -> None:
    """Every action whole: its events numbered 1..n, and counted right."""
    actions = LogEntry.objects.filter(sandbox_id=sandbox_id).values_list(
        "pk", "events", "event_count"
    )
    total = 0
    for action_id, events, event_count in actions:
        positions = [event["position"] for event in events]
        assert positions == list(range(1, len(events) + 1)), (action_id, positions)
        assert event_count == len(events), action_id
        total += event_count
    if Sandbox.objects.get(pk=sandbox_id).version % TIDY_EVERY == 0:
        # The change that made this version trimmed the log (or reset it).
        assert total <= MAX_EVENTS


def visible_text(body: str) -> str:
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", body)
    return re.sub(r"<[^>]+>", " ", body).strip()


def assert_sound_response(response, method: str, *, playground: bool) -> str:
    """Never 5xx; every 4xx explains itself. Returns the body."""
    status = response.status_code
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    assert status < 500, (status, body[:2000])
    if 400 <= status < 500 and method != "HEAD":
        assert visible_text(body), f"{status} without a message"
        # 400 (a body Django could not parse) and 405 (wrong method) get the
        # site's own pages: see the tests at the end.
        if playground and status not in GENERIC_STATUSES:
            assert any(marker in body for marker in MESSAGE_MARKERS), (status, body[:2000])
    return body


# --- Values ------------------------------------------------------------------------------

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "1e-999",
    "1E+3",
    "-0",
    "-0.0",
    "+0",
    "0",
    "00",
    "1_000",
    "0x10",
    "١٢",
    "\uff15",  # fullwidth 5
    "1,5",
    "1.5",
    "12.345",
    "999999.99",
    "999999.994",
    "999999.995",
    "1000000.00",
    "0.005",
    "1000000",
    "1000001",
    "-1",
    "9" * 40,
    " 7 ",
    "\t5\n",
    "\u202e5",
    "\ufeff3",
    "\r\n",
    "\u0085",
    "'; DROP TABLE playground_product; --",
    "<script>alert(1)</script>",
    "{{ 7|add:1 }}{% csrf_token %}",
    "%s%n%(x)s",
    "🙂" * 81,
    "x" * 81,
    "x" * 121,
    "x" * 2001,
    "true",
    "on",
    "off",
    "None",
    "[]",
]

any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=150)
control_text = st.text(st.characters(max_codepoint=0x9F, categories=("Cc",)), max_size=20)
huge_text = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["x", "é", "🙂", "\x00", " "]),
    st.integers(1_000, 200_000),
)
number_text = st.one_of(
    st.integers().map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)
nasty_value = st.one_of(
    st.sampled_from(NASTY_STRINGS), any_text, control_text, number_text, huge_text
)


def _png_with_size(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims ``width`` x ``height`` pixels."""
    png = bytearray(image_bytes("PNG"))
    ihdr = png[12:29]  # type + 13 data bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    png[12:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(png)


def image_bytes(fmt: str, size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


def animation_bytes(fmt: str) -> bytes:
    frames = [Image.new("RGB", (4, 4), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


IMAGES = {fmt: image_bytes(fmt) for fmt in ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")}
IMAGES |= {f"{fmt}-ANIMATED": animation_bytes(fmt) for fmt in ("GIF", "WEBP")}
file_names = st.one_of(
    st.sampled_from(
        [
            "photo.png",
            "photo.jpg",
            "x.gif",
            "noext",
            ".png",
            "../../etc/passwd.png",
            "C:\\Windows\\evil.png",
            'a b;c=d".png',
            "über 🙂.webp",
            "x" * 300 + ".png",
            "\U0001d4b3" * 70 + ".png",  # 284 bytes: past what a file name may have
            "x." + "y" * 120,
            "photo.PNG.exe",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60),
)


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    # Names without a base name ("", ".", "/") are refused by the test client
    # itself before anything is sent.
    if os.path.basename(name) in {"", ".", ".."}:
        name = f"f{name}x"
    return SimpleUploadedFile(name, content, content_type)


@st.composite
def good_image(draw):
    fmt = draw(st.sampled_from(["PNG", "JPEG", "GIF", "WEBP", "GIF-ANIMATED", "WEBP-ANIMATED"]))
    return upload(draw(file_names), IMAGES[fmt], draw(st.sampled_from(["image/png", ""])))


@st.composite
def nasty_upload(draw):
    kind = draw(
        st.sampled_from(
            [
                "random",
                "truncated",
                "short-pixels",
                "other-format",
                "bomb",
                "empty",
                "padded",
                "text",
                "filename",
            ]
        )
    )
    if kind == "random":
        content = draw(st.binary(max_size=4096))
    elif kind == "truncated":
        fmt = draw(st.sampled_from(["PNG", "JPEG", "GIF", "WEBP"]))
        content = IMAGES[fmt][: draw(st.integers(0, len(IMAGES[fmt]) - 1))]
    elif kind == "other-format":
        content = IMAGES[draw(st.sampled_from(["BMP", "TIFF"]))]
    elif kind == "short-pixels":
        # Every chunk well formed, but the pixel data ends early.
        content = _png_with_size(draw(st.integers(2, 4096)), draw(st.integers(1, 4096)))
    elif kind == "bomb":
        # Past the form's pixel budget (4096 x 4096), Pillow's warning and its error.
        side = draw(st.sampled_from([4_097, 5_000, 9_500, 10_000, 20_000, 65_535, 2**31 - 1]))
        content = _png_with_size(side, side)
    elif kind == "empty":
        content = b""
    elif kind == "padded":
        # Around the 2 MB limit, but under the request limit.
        pad = 2 * 1024 * 1024 - len(IMAGES["PNG"]) + draw(st.sampled_from([-1, 0, 1, 4096]))
        content = IMAGES["PNG"] + b"\0" * pad
    elif kind == "text":
        return draw(nasty_value)  # a plain field where a file belongs
    else:
        content = IMAGES["PNG"]
    content_type = draw(st.sampled_from(["image/png", "text/plain", "", "application/x-evil"]))
    return upload(draw(file_names), content, content_type)


def good_value(name: str, form_field):
    """A value the field accepts, so successful actions are fuzzed too."""
    kind = type(form_field).__name__
    if kind == "ImageField":
        return st.one_of(st.none(), good_image())
    if kind == "DecimalField":
        return st.decimals(0, 999999, places=2).map(str)
    if kind == "IntegerField":
        low = form_field.min_value if form_field.min_value is not None else 1
        high = form_field.max_value if form_field.max_value is not None else 5
        if name == "rating":
            low, high = 1, 5
        return st.integers(low, high).map(str)
    if kind == "BooleanField":
        return st.sampled_from(["on", "true", "1", "", "false", "0"])
    limit = form_field.max_length or 100
    return st.text(
        st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=limit
    )


@st.composite
def form_pairs(draw, form_class, prefix: str):
    """``[(key, value), ...]`` for ``form_class``: good, nasty, missing,
    duplicated and wrongly prefixed fields, plus extra ones."""
    pairs = []
    for name, form_field in form_class.base_fields.items():
        mode = draw(st.sampled_from(["good", "good", "good", "nasty", "missing", "dup", "prefix"]))
        if mode == "missing":
            continue
        key = f"{prefix}-{name}"
        if mode == "prefix":
            key = draw(
                st.sampled_from(
                    [name, f"{prefix}_{name}", f"x-{name}", key.upper(), f"{key} ", f"{prefix}-"]
                )
            )
        is_image = type(form_field).__name__ == "ImageField"
        bad = nasty_upload() if is_image else nasty_value
        value = draw(good_value(name, form_field) if mode in ("good", "dup") else bad)
        if value is not None:
            pairs.append((key, value))
        if mode == "dup":
            pairs.append((key, draw(st.one_of(good_value(name, form_field), bad))))
    extras = draw(
        st.lists(st.tuples(st.one_of(any_text, st.just(f"{prefix}-extra")), any_text), max_size=3)
    )
    pairs = [pair for pair in pairs if pair[1] is not None] + extras
    if draw(st.integers(0, 60)) == 0:
        pairs += [(f"f{n}", "x") for n in range(1001)]  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    return pairs


def past_64_bits(value) -> bool:
    """An id Python reads as an int that no database column can hold."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False
    return not -(2**63) <= number < 2**63


# --- Sending -------------------------------------------------------------------------------

methods = st.sampled_from(["POST"] * 30 + ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
# A declared length shorter than the body (a server passes on only that
# much). A longer one cannot be sent: the test client refuses to read past
# the body, where a real server would wait for the rest.
content_lengths = st.sampled_from([None] * 12 + ["0", "1", "half"])


@dataclass
class Sent:
    method: str
    htmx: bool
    pairs: list = field(default_factory=list)
    encoding: str = "multipart"
    content_length: str | None = None


@st.composite
def how_to_send(draw, pairs=()):
    return Sent(
        method=draw(methods),
        htmx=draw(st.booleans()),
        pairs=list(pairs),
        encoding=draw(st.sampled_from(["multipart", "multipart", "urlencoded"])),
        content_length=draw(content_lengths),
    )


def send(client: Client, url: str, sent: Sent):
    extra = dict(HTMX) if sent.htmx else {}
    if sent.method in ("GET", "HEAD"):
        query = [(key, value) for key, value in sent.pairs if isinstance(value, str)]
        call = client.get if sent.method == "GET" else client.head
        return call(url + ("?" + urlencode(query) if query else ""), **extra)
    files = any(isinstance(value, SimpleUploadedFile) for _, value in sent.pairs)
    if sent.encoding == "multipart" or files:
        grouped: dict[str, list] = defaultdict(list)
        for key, value in sent.pairs:
            if isinstance(value, SimpleUploadedFile):
                value.seek(0)
            grouped[key].append(value)
        body = encode_multipart(BOUNDARY, dict(grouped))
        content_type = MULTIPART_CONTENT
    else:
        body = urlencode(sent.pairs).encode()
        content_type = "application/x-www-form-urlencoded"
    if sent.content_length is not None:
        declared = len(body) // 2 if sent.content_length == "half" else int(sent.content_length)
        extra["CONTENT_LENGTH"] = str(declared)
    return client.generic(sent.method, url, body, content_type, **extra)


# --- What one request may change ------------------------------------------------------

# (model, action) -> the most each record count may change by one request.
ANY = 10_000
DELTAS: dict[str, dict[str, tuple[int, int]]] = {
    "do/product-create": {"product": (0, 1)},
    "do/product-get-or-create": {"product": (0, 1)},
    "do/bulk-create": {"product": (0, 10)},
    "do/queryset-delete": {"product": (-ANY, 0), "review": (-ANY, 0)},
    "do/article-create": {"article": (0, 1)},
    "do/tag-create": {"tag": (0, 1)},
    "product/delete": {"product": (-1, 0), "review": (-ANY, 0)},
    "product/review": {"review": (0, 1)},
    "review/delete": {"review": (-1, 0)},
    "article/delete": {"article": (-1, 0)},
    "tag/delete": {"tag": (-1, 0)},
    "reset": {name: (-ANY, ANY) for name in RECORD_MODELS},
}
# A successful create: the model, and how its action's label begins.
CREATES = {
    "do/product-create": ("product", "Created Product "),
    "do/article-create": ("article", "Created Article "),
    "do/tag-create": ("tag", "Created Tag "),
    "product/review": ("review", "Added a review of Product "),
}


def check_effects(
    kind: str, response, body: str, before: dict, after: dict, *, performs: bool
) -> None:
    """The request's effect on the visitor's sandbox matches its status."""
    status = response.status_code
    old, new = before, after
    old_counts = {name: len(old[name]) for name in RECORD_MODELS}
    new_counts = {name: len(new[name]) for name in RECORD_MODELS}
    succeeded = status in (200, 302)
    receiver_raised = status == 409 and "A receiver raised" in body
    if 400 <= status < 500 and not receiver_raised:
        # Refused, or stopped by a limit: no record changed. An action the
        # service refused (409: a limit or a stale form; 422: a value too
        # large; 404: a record gone) logs the attempt, nothing else.
        logged = new_actions(old, new)
        if performs and (status == 409 or (status in (404, 422) and logged)):
            assert len(logged) == 1, logged
            assert logged[0][2], "a refused action is logged with its error"
            new = {**new, "actions": old["actions"], "events": old["events"]}
            new["sandbox"] = {**new["sandbox"]}
            if "version" in new["sandbox"]:
                new["sandbox"]["version"] -= 1
        assert new == old, f"{status} changed the sandbox"
        return
    low_high = DELTAS.get(kind, {})
    for name in RECORD_MODELS:
        low, high = low_high.get(name, (0, 0))
        assert low <= new_counts[name] - old_counts[name] <= high, (name, old_counts, new_counts)
    if performs and (succeeded or receiver_raised):
        assert len(new_actions(old, new)) == 1, new_actions(old, new)
    if kind in CREATES and succeeded:
        model, label = CREATES[kind]
        assert new_counts[model] == old_counts[model] + 1
        (logged,) = new_actions(old, new)
        assert logged[1].startswith(label), logged
        assert not logged[2]
    if kind.endswith("edit-atomic") and receiver_raised:
        assert new["product"] == old["product"], "atomic() must roll the update back"


def run_checked(client, url, sent, sandbox, other, kind, *, performs=True, playground=True):
    # The "raise" view's requests are always logged, whatever the switch says.
    logged = kind == "raise"
    before, other_before = snapshot(sandbox.pk, requests_logged=logged), snapshot(other.pk)
    response = send(client, url, sent)
    body = assert_sound_response(response, sent.method, playground=playground)
    event(f"{kind.split('/')[0]} -> {response.status_code}")
    after = snapshot(sandbox.pk, requests_logged=logged)
    check_effects(kind, response, body, before, after, performs=performs)
    assert_log_consistent(sandbox.pk)
    assert_images_sound(sandbox.pk)
    assert snapshot(other.pk) == other_before, "another visitor's sandbox changed"
    return response, body


@st.composite
def scenario_slugs(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.from_regex(r"\A[-a-zA-Z0-9_]{1,60}\Z"))
    return draw(st.sampled_from(SCENARIO_SLUGS))


def prepare_sandbox(data, sandbox: Sandbox) -> None:
    """Sometimes flip the switches first, to fuzz those states too."""
    Sandbox.objects.filter(pk=sandbox.pk).update(
        fail_post_save=data.draw(st.booleans(), "fail_post_save"),
        log_requests=data.draw(st.booleans(), "log_requests"),
    )


def draw_pk(data, model_class, sandbox: Sandbox, other: Sandbox, label="pk") -> str:
    own = list(model_class.objects.filter(sandbox=sandbox).values_list("pk", flat=True))
    foreign = list(model_class.objects.filter(sandbox=other).values_list("pk", flat=True))
    if own and data.draw(st.integers(0, 9), f"{label}: own?") < 8:
        pk = data.draw(st.sampled_from(own), label)
    else:
        pk = data.draw(
            st.one_of(
                st.sampled_from(foreign or [0]),
                st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]),
                st.integers(0, 10**6),
            ),
            label,
        )
    zeros = data.draw(st.sampled_from(["", "", "", "0", "000"]), "leading zeros")
    return f"{zeros}{pk}"


# --- The playground's POST endpoints ------------------------------------------------------


@FUZZ
@given(
    action=st.one_of(
        st.sampled_from(sorted(actions.SANDBOX_ACTIONS)),
        st.sampled_from(sorted(actions.SANDBOX_ACTIONS)),
        st.from_regex(r"\A[-a-zA-Z0-9_]{1,40}\Z"),
    ),
    data=st.data(),
)
def test_sandbox_actions(action, data, other):
    slug = data.draw(scenario_slugs(), "slug")
    client, sandbox = new_visitor(slug)
    prepare_sandbox(data, sandbox)
    act = actions.SANDBOX_ACTIONS.get(action)
    pairs = data.draw(form_pairs(act.form, action), "pairs") if act else []
    sent = data.draw(how_to_send(pairs), "sent")
    response, _ = run_checked(
        client, f"/playground/{slug}/do/{action}/", sent, sandbox, other, f"do/{action}"
    )
    if act is None or slug not in SCENARIO_SLUGS:
        assert response.status_code in (404, 405, 400)


RECORD_PAIRS = [
    (model, action) for model, (_, table) in actions.RECORD_ACTIONS.items() for action in table
]


def with_version(pairs: list, form_class, form_key: str, record) -> list:
    """The pairs with the version the page would send for ``record``, so an
    edit gets past the stale-form check (a fuzzed version gets a 409)."""
    name = f"{form_key}-version"
    if "version" not in form_class.base_fields or record is None:
        return pairs
    return [pair for pair in pairs if pair[0] != name] + [(name, version_of(record))]


@FUZZ
@given(
    target=st.one_of(
        st.sampled_from(RECORD_PAIRS),
        st.sampled_from(RECORD_PAIRS),
        st.tuples(
            st.sampled_from([*RECORD_MODELS, "widget", "sandbox", "action"]),
            st.from_regex(r"\A[-a-zA-Z0-9_]{1,30}\Z"),
        ),
    ),
    data=st.data(),
)
def test_record_actions(target, data, other):
    model, action = target
    slug = data.draw(scenario_slugs(), "slug")
    client, sandbox = new_visitor(slug)
    prepare_sandbox(data, sandbox)
    model_class, table = actions.RECORD_ACTIONS.get(model, (Product, {}))
    pk = draw_pk(data, model_class, sandbox, other)
    act = table.get(action)
    record = model_class.objects.filter(pk=int(pk), sandbox=sandbox).first()
    pairs = []
    if act is not None:
        form_key = f"{model}-{int(pk)}-{action}"
        pairs = data.draw(form_pairs(act.form, form_key), "pairs")
        if data.draw(st.integers(0, 3), "the page's version?"):
            pairs = with_version(pairs, act.form, form_key, record)
    sent = data.draw(how_to_send(pairs), "sent")
    owned = record is not None
    response, _ = run_checked(
        client,
        f"/playground/{slug}/{model}/{pk}/{action}/",
        sent,
        sandbox,
        other,
        f"{model}/{action}",
    )
    if act is None or (not owned and response.status_code != 200):
        assert response.status_code >= 400


@FUZZ
@given(
    model=st.sampled_from(["article", "tag"] * 6 + ["product", "review", "x"]),
    operation=st.sampled_from([*LINK_OPERATIONS] * 4 + ["merge", "ADD", "x"]),
    data=st.data(),
)
def test_link_actions(model, operation, data, other):
    slug = data.draw(scenario_slugs(), "slug")
    client, sandbox = new_visitor(slug)
    prepare_sandbox(data, sandbox)
    model_class = actions.RECORD_ACTIONS.get(model, (Product, {}))[0]
    pk = draw_pk(data, model_class, sandbox, other)
    target_model = LINK_TARGETS.get(model, Tag)
    own = [
        str(pk) for pk in target_model.objects.filter(sandbox=sandbox).values_list("pk", flat=True)
    ]
    foreign = [
        str(pk) for pk in target_model.objects.filter(sandbox=other).values_list("pk", flat=True)
    ]
    # Ids outside 64 bits are a known 500: test_a_link_target_id_past_64_bits.
    target_value = st.one_of(
        st.sampled_from(own),
        st.sampled_from(own),
        st.sampled_from(foreign),
        nasty_value.filter(lambda value: not past_64_bits(value)),
    )
    key = data.draw(
        st.sampled_from([f"{model}-{int(pk)}-link-targets"] * 8 + ["targets", f"{model}-link"]),
        "key",
    )
    pairs = [(key, value) for value in data.draw(st.lists(target_value, max_size=5), "targets")]
    sent = data.draw(how_to_send(pairs), "sent")
    run_checked(
        client, f"/playground/{slug}/{model}/{pk}/link/{operation}/", sent, sandbox, other, "link"
    )


@FUZZ
@given(
    endpoint=st.sampled_from(["switch", "switch", "reset", "view-async", "raise"]),
    name=st.one_of(
        st.sampled_from(["fail_post_save", "log_requests"]),
        st.sampled_from(["version", "pk", "x", "fail_post_save ", "🙂", "%00"]),
    ),
    data=st.data(),
)
def test_switch_reset_async_view_and_raise(endpoint, name, data, other):
    slug = data.draw(scenario_slugs(), "slug")
    # Like a browser: the "raise" button must come back as a page, not re-raise.
    client, sandbox = new_visitor(slug, raise_request_exception=endpoint != "raise")
    prepare_sandbox(data, sandbox)
    pairs = data.draw(
        st.lists(st.tuples(st.sampled_from(["on", "off", "x"]), nasty_value), max_size=3), "pairs"
    )
    sent = data.draw(how_to_send(pairs), "sent")
    if endpoint == "switch":
        url = f"/playground/{slug}/switch/{quote(name, safe='')}/"
    elif endpoint == "view-async":
        url = f"/playground/{slug}/product/{draw_pk(data, Product, sandbox, other)}/view-async/"
    else:
        url = f"/playground/{slug}/{endpoint}/"
    before = counts(sandbox.pk)
    response, body = run_checked(
        client, url, sent, sandbox, other, endpoint, performs=endpoint == "view-async"
    )
    valid = slug in SCENARIO_SLUGS and sent.method == "POST"
    if endpoint == "reset" and response.status_code == 200 and valid:
        assert counts(sandbox.pk) == SEED_COUNTS
        assert not LogEntry.objects.filter(sandbox=sandbox).exists()
    elif endpoint != "reset":
        assert counts(sandbox.pk) == before
    if endpoint == "raise" and valid and response.status_code == 200:
        assert "The view raised RaisedOnPurpose" in body
        (logged,) = LogEntry.objects.filter(sandbox=sandbox, label__startswith=REQUEST_LOG_PREFIX)
        assert logged.label.endswith("/raise/ → 500")


# --- Storage budgets: uploads, deletes and resets from two addresses --------------------


@hsettings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))
@given(data=st.data())
def test_uploads_keep_to_the_storage_budgets(data, other, settings):
    """Three visitors (two of them behind one address, as when a client drops
    its cookie) upload, delete and reset. Whether each upload is accepted is
    predicted from what each sandbox holds and what each address uploaded
    this hour; a refused one is a 429 that changes nothing."""
    per_sandbox = data.draw(st.integers(0, 2_000), "bytes per sandbox")
    per_hour = data.draw(st.integers(0, 3_000), "bytes per address and hour")
    settings.PLAYGROUND_IMAGE_BYTES_PER_SANDBOX = per_sandbox
    settings.PLAYGROUND_IMAGE_BYTES_PER_HOUR = per_hour
    # Hypothesis runs every example in one test's transaction: start each
    # with no uploads counted this hour.
    RateWindow.objects.filter(key__startswith="image-bytes:").delete()
    visitors = [
        (*new_visitor("delete-signals", REMOTE_ADDR=address), address)
        for address in ("a", "a", "b")
    ]
    held = {sandbox.pk: {} for _, sandbox, _ in visitors}  # product pk -> image bytes
    uploaded = {"a": 0, "b": 0}
    good = ["PNG", "JPEG", "GIF", "WEBP", "GIF-ANIMATED", "WEBP-ANIMATED"]
    for number in range(data.draw(st.integers(1, 15), "steps")):
        client, sandbox, address = data.draw(st.sampled_from(visitors), f"step {number}: who")
        step = data.draw(st.sampled_from(["upload"] * 4 + ["delete", "reset"]), "what")
        htmx = data.draw(st.booleans(), "htmx")
        if step == "upload":
            content = IMAGES[data.draw(st.sampled_from(good), "image")]
            pairs = [
                ("product-create-name", f"Upload {number}"),
                ("product-create-price", "1"),
                ("product-create-stock", "1"),
                ("product-create-image", upload("photo.png", content, "image/png")),
            ]
            url, kind = "/playground/delete-signals/do/product-create/", "do/product-create"
        elif step == "delete":
            pk = data.draw(st.sampled_from(list(held[sandbox.pk]) or [0]), "product")
            url, kind = f"/playground/delete-signals/product/{pk}/delete/", "product/delete"
            pairs = []
        else:
            url, kind, pairs = "/playground/delete-signals/reset/", "reset", []
        response, body = run_checked(
            client,
            url,
            Sent(method="POST", htmx=htmx, pairs=pairs),
            sandbox,
            other,
            kind,
            performs=step != "reset",
        )
        status = response.status_code
        if step == "upload":
            size = len(content)
            if sum(held[sandbox.pk].values()) + size > per_sandbox:
                assert status == 429
                assert "This sandbox already holds" in body
            elif uploaded[address] + size > per_hour:
                assert status == 429
                assert "Your address has uploaded" in body
                assert response["Retry-After"].isdigit()
            else:
                assert status in (200, 302), status
                created = Product.objects.filter(sandbox=sandbox).latest("pk")
                held[sandbox.pk][created.pk] = size
                uploaded[address] += size
        elif status in (200, 302):
            if step == "delete":
                del held[sandbox.pk][pk]
            else:
                held[sandbox.pk] = {}
        counted = dict(
            RateWindow.objects.filter(key__startswith="image-bytes:").values_list("key", "hits")
        )
        assert counted == {f"image-bytes:{key}": total for key, total in uploaded.items() if total}


# --- Bulk changes near the largest price and stock --------------------------------------


@FUZZ
@given(
    price=st.one_of(
        st.decimals(MAX_PRICE - 1000, MAX_PRICE, places=2),
        st.decimals(Decimal("666666.00"), Decimal("666667.00"), places=2),
        st.sampled_from([MAX_PRICE, Decimal("666666.66"), Decimal("666666.67")]),
    ),
    stock=st.one_of(st.integers(MAX_STOCK - 120, MAX_STOCK), st.just(0)),
    action=st.sampled_from(["bulk-update", "queryset-update"]),
    percent=st.integers(-50, 50),
    amount=st.integers(1, 100),
    htmx=st.booleans(),
)
@example(
    price=MAX_PRICE, stock=0, action="bulk-update", percent=50, amount=1, htmx=True
)  # the report: 999999.99 +50% stored 1499999.98 on SQLite
@example(
    price=Decimal("1.00"), stock=MAX_STOCK, action="queryset-update", percent=0, amount=1, htmx=True
)
def test_bulk_changes_near_the_bounds(price, stock, action, percent, amount, htmx, other):
    """bulk_update() and QuerySet.update() either fit every value or change
    nothing and say why, with a 422."""
    client, sandbox = new_visitor("gotchas")
    Product.objects.filter(sandbox=sandbox, name="Notebook").update(price=price, stock=stock)
    if action == "bulk-update":
        pairs = [("bulk-update-percent", str(percent))]
        largest = max(Decimal("0.00"), (price * (100 + percent) / 100).quantize(Decimal("0.01")))
        fits = largest <= MAX_PRICE
    else:
        pairs = [("queryset-update-amount", str(amount))]
        fits = stock + amount <= MAX_STOCK
    sent = Sent(method="POST", htmx=htmx, pairs=pairs, encoding="urlencoded")

    response, body = run_checked(
        client, f"/playground/gotchas/do/{action}/", sent, sandbox, other, f"do/{action}"
    )

    assert response.status_code == ((200 if htmx else 302) if fits else 422)
    if not fits:
        assert "Nothing was changed." in body
    stored = Product.objects.filter(sandbox=sandbox).values_list("price", "stock")
    assert all(0 <= price <= MAX_PRICE and 0 <= stock <= MAX_STOCK for price, stock in stored)


# --- Raw bodies: whatever bytes a client may send ---------------------------------------


@FUZZ
@given(
    path=st.sampled_from(
        [
            "/playground/signals-101/do/product-create/",
            "/playground/m2m-changed/do/tag-create/",
            "/playground/signals-101/switch/fail_post_save/",
            "/playground/signals-101/reset/",
            "/playground/m2m-changed/article/{article}/link/set/",
            "/playground/signals-101/product/{product}/edit/",
        ]
    ),
    body=st.one_of(
        st.binary(max_size=2048),
        st.builds(
            lambda head, tail: head + tail,
            st.just(b'--BoUnDaRy\r\nContent-Disposition: form-data; name="x"'),
            st.binary(max_size=512),
        ),
    ),
    content_type=st.sampled_from(
        [
            "multipart/form-data; boundary=BoUnDaRy",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=" + "b" * 300,
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-16",
            "application/x-www-form-urlencoded; charset=nonsense",
            "application/json",
            "text/plain",
            "",
        ]
    ),
    htmx=st.booleans(),
)
def test_raw_request_bodies(path, body, content_type, htmx, other):
    client, sandbox = new_visitor(path.split("/")[2])
    path = path.format(
        article=Article.objects.filter(sandbox=sandbox).first().pk,
        product=Product.objects.filter(sandbox=sandbox).first().pk,
    )
    kind = "do/product-create" if "product-create" in path else "raw"
    before, other_before = snapshot(sandbox.pk), snapshot(other.pk)
    response = client.generic("POST", path, body, content_type, **(HTMX if htmx else {}))
    text = assert_sound_response(response, "POST", playground=True)
    check_effects(kind, response, text, before, snapshot(sandbox.pk), performs="/do/" in path)
    assert_log_consistent(sandbox.pk)
    assert_images_sound(sandbox.pk)
    assert snapshot(other.pk) == other_before


# --- GET pages ------------------------------------------------------------------------------

query_values = st.one_of(
    nasty_value.filter(lambda value: len(value) < 5000), st.integers().map(str)
)
raw_queries = st.one_of(
    st.just(""),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80),
    st.sampled_from(
        ["%", "%zz", "%00", "v=%ff%fe", "v", "v=&v=1&v=2", "&&&", "=", "v=" + "9" * 400]
    ),
)


@FUZZ
@given(
    page=st.sampled_from(
        [
            "/",
            "/lessons/{lesson}/",
            "/playground/",
            "/playground/{slug}/",
            "/playground/{slug}/panel/",
            "/playground/{slug}/live/",
            "/healthz",
            "/admin/login/",
            "/{junk}",
            "/playground/{junk}",
            "/lessons/{junk}/",
            "/media/{junk}",
        ]
    ),
    lesson=st.one_of(st.sampled_from(LESSON_SLUGS), st.from_regex(r"\A[-a-zA-Z0-9_]{1,60}\Z")),
    slug=scenario_slugs(),
    junk=st.text(st.characters(exclude_categories=("Cs",)), max_size=80),
    method=st.sampled_from(["GET"] * 6 + ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"]),
    query=st.one_of(
        st.dictionaries(st.sampled_from(["v", "page", "x", ""]), query_values), raw_queries
    ),
    htmx=st.sampled_from([None, "true", "false", "", "🙂"]),
    version_matches=st.booleans(),
)
def test_get_pages(page, lesson, slug, junk, method, query, htmx, version_matches, other):
    client, sandbox = new_visitor(slug)
    url = page.format(lesson=lesson, slug=slug, junk=quote(junk))
    if page.endswith("/live/") and version_matches:
        query = {"v": str(Sandbox.objects.get(pk=sandbox.pk).version)}
    qs = urlencode(query) if isinstance(query, dict) else query
    extra = {} if htmx is None else {"HTTP_HX_REQUEST": htmx}
    before, other_before = snapshot(sandbox.pk), snapshot(other.pk)
    response = client.generic(method, url + ("?" + qs if qs else ""), **extra)
    assert_sound_response(response, method, playground=url.startswith("/playground/"))
    if url == "/healthz":
        assert response.status_code == 200
    after = snapshot(sandbox.pk)
    assert {name: len(after[name]) for name in RECORD_MODELS} == counts(sandbox.pk)
    assert after == before, "a page view changed the sandbox"
    assert_log_consistent(sandbox.pk)
    assert snapshot(other.pk) == other_before
    if page.endswith("/live/") and version_matches and method == "GET" and slug in SCENARIO_SLUGS:
        assert response.status_code == 204


# --- Lesson test runs (local mode) ---------------------------------------------------------


@FUZZ
@given(
    lesson=st.one_of(st.sampled_from(LESSON_SLUGS), st.from_regex(r"\A[-a-zA-Z0-9_]{1,60}\Z")),
    local_mode=st.sampled_from([True, True, True, False]),
    keep_runs=st.booleans(),
    method=st.sampled_from(["POST"] * 5 + ["GET", "PUT", "DELETE"]),
    poll=st.sampled_from(["own", "other-lesson", "missing", "huge"]),
    pairs=st.lists(st.tuples(any_text, nasty_value), max_size=3),
    htmx=st.booleans(),
)
def test_lesson_test_runs(
    lesson, local_mode, keep_runs, method, poll, pairs, htmx, settings, monkeypatch
):
    started = []
    monkeypatch.setattr(testruns, "execute_in_background", started.append)
    settings.LOCAL_MODE = local_mode
    if not keep_runs:
        TestRun.objects.all().delete()
    runs_before = TestRun.objects.count()
    client = Client()
    sent = Sent(method=method, htmx=htmx, pairs=pairs, encoding="urlencoded")
    response = send(client, f"/lessons/{lesson}/tests/", sent)
    assert_sound_response(response, method, playground=False)
    # Started: htmx gets the run's fragment, a plain form post the run's page.
    if response.status_code == (200 if htmx else 302):
        assert local_mode
        assert method == "POST"
        assert TestRun.objects.count() == runs_before + 1
        assert len(started) == 1
    else:
        assert TestRun.objects.count() == runs_before
        assert started == []
    if response.status_code == 409:
        assert 'role="alert"' in response.content.decode()
    run = TestRun.objects.order_by("-pk").first()
    run_id = {
        "own": run.pk if run else 1,
        "other-lesson": run.pk if run else 1,
        "missing": 10**6,
        "huge": 10**30,
    }[poll]
    poll_slug = lesson if poll != "other-lesson" else "signals-101"
    polled = client.get(f"/lessons/{poll_slug}/tests/{run_id}/", **(HTMX if htmx else {}))
    assert_sound_response(polled, "GET", playground=False)


# --- The admin's login form ----------------------------------------------------------------


@FUZZ
@given(
    username=st.one_of(st.none(), nasty_value),
    password=st.one_of(st.none(), nasty_value),
    next_url=st.one_of(st.none(), st.sampled_from(["/admin/", "//evil.example/", "javascript:x"])),
    extra=st.lists(st.tuples(any_text, any_text), max_size=2),
    method=st.sampled_from(["POST", "POST", "GET", "PUT"]),
)
def test_admin_login(username, password, next_url, extra, method, other):
    pairs = [
        (key, value)
        for key, value in [("username", username), ("password", password), ("next", next_url)]
        if value is not None
    ] + extra
    other_before = snapshot(other.pk)
    response = send(Client(), "/admin/login/", Sent(method=method, htmx=False, pairs=pairs))
    assert_sound_response(response, method, playground=False)
    # 429: django-axes locked a username out after repeated wrong passwords.
    assert response.status_code in (200, 405, 429)
    assert snapshot(other.pk) == other_before


# --- Several actions in a row, by one visitor ----------------------------------------------


@st.composite
def steps(draw, sandbox: Sandbox, slug: str):
    """One request of a visitor's session in one scenario (whose sandbox is
    ``sandbox``): (kind, url, Sent, performs)."""
    kind = draw(st.sampled_from(["do"] * 4 + ["record"] * 4 + ["link", "link", "switch", "reset"]))
    if kind == "do":
        action = draw(st.sampled_from([*sorted(actions.SANDBOX_ACTIONS), "product-list"] * 1))
        act = actions.SANDBOX_ACTIONS[action]
        pairs = draw(form_pairs(act.form, action))
        return f"do/{action}", f"/playground/{slug}/do/{action}/", pairs, True
    if kind == "record":
        model, action = draw(st.sampled_from(RECORD_PAIRS))
        pks = list(
            RECORD_MODELS[model].objects.filter(sandbox=sandbox).values_list("pk", flat=True)
        )
        pk = draw(st.sampled_from(pks or [0]))
        act = actions.RECORD_ACTIONS[model][1][action]
        form_key = f"{model}-{pk}-{action}"
        pairs = draw(form_pairs(act.form, form_key))
        if draw(st.integers(0, 3)):
            record = RECORD_MODELS[model].objects.filter(pk=pk).first()
            pairs = with_version(pairs, act.form, form_key, record)
        return f"{model}/{action}", f"/playground/{slug}/{model}/{pk}/{action}/", pairs, True
    if kind == "link":
        model = draw(st.sampled_from(sorted(LINK_TARGETS)))
        pks = list(
            RECORD_MODELS[model].objects.filter(sandbox=sandbox).values_list("pk", flat=True)
        )
        pk = draw(st.sampled_from(pks or [0]))
        targets = LINK_TARGETS[model].objects.filter(sandbox=sandbox).values_list("pk", flat=True)
        chosen = draw(st.lists(st.sampled_from([str(t) for t in targets] or ["0"]), max_size=4))
        operation = draw(st.sampled_from(LINK_OPERATIONS))
        pairs = [(f"{model}-{pk}-link-targets", value) for value in chosen]
        return "link", f"/playground/{slug}/{model}/{pk}/link/{operation}/", pairs, True
    if kind == "switch":
        name = draw(st.sampled_from(["fail_post_save", "log_requests"]))
        pairs = draw(st.sampled_from([[("on", "on")], [], [("on", "")]]))
        return "switch", f"/playground/{slug}/switch/{name}/", pairs, False
    return "reset", f"/playground/{slug}/reset/", [], False


@hsettings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))
@given(data=st.data())
def test_a_session_of_actions_keeps_the_log_whole(data, other):
    """Up to 20 requests by one visitor, each checked like a single one: the
    state one action leaves is the next one's starting point."""
    slug = data.draw(st.sampled_from(SCENARIO_SLUGS), "slug")
    client, sandbox = new_visitor(slug)
    for number in range(data.draw(st.integers(1, 20), "steps")):
        kind, url, pairs, performs = data.draw(steps(sandbox, slug), f"step {number}")
        sent = Sent(method="POST", htmx=data.draw(st.booleans(), "htmx"), pairs=pairs)
        run_checked(client, url, sent, sandbox, other, kind, performs=performs)


# --- Django's 400 and 405, with the site's messages --------------------------------------


@FUZZ
@given(
    url=st.sampled_from(
        [
            "/playground/signals-101/do/product-create/",
            "/playground/signals-101/product/1/edit/",
            "/playground/m2m-changed/article/1/link/add/",
            "/playground/transactions/switch/fail_post_save/",
            "/playground/signals-101/reset/",
            "/playground/request-signals/raise/",
            "/lessons/signals-101/tests/",
            "/playground/",
            "/playground/signals-101/",
            "/playground/signals-101/panel/",
            "/playground/signals-101/live/",
        ]
    ),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
)
@example(url="/playground/signals-101/do/product-create/", method="GET")
@example(url="/playground/signals-101/reset/", method="PUT")
@example(url="/playground/signals-101/panel/", method="POST")
def test_a_wrong_method_is_explained(url, method):
    response = Client(raise_request_exception=False).generic(method, url)
    if response.status_code == 405:
        assert visible_text(response.content.decode()), f"{method} {url}: empty 405"


@FUZZ
@given(
    case=st.sampled_from(["too-many-fields", "too-big", "broken-multipart"]),
    url=st.sampled_from(
        [
            "/playground/signals-101/do/product-create/",
            "/playground/transactions/switch/fail_post_save/",
        ]
    ),
)
@example(case="too-many-fields", url="/playground/signals-101/do/product-create/")
@example(case="too-big", url="/playground/transactions/switch/fail_post_save/")
@example(case="broken-multipart", url="/playground/signals-101/do/product-create/")
def test_an_unparsable_body_is_explained(case, url):
    client, _ = new_visitor()
    if case == "too-many-fields":
        response = client.post(url, {f"f{n}": "x" for n in range(1001)}, **HTMX)
    elif case == "too-big":
        response = client.post(url, "on=" + "x" * 2_700_000, "application/x-www-form-urlencoded")
    else:
        response = client.generic(
            "POST", url, b"--b\r\nContent-Disposition: form-data", "multipart/form-data; boundary=b"
        )
    body = response.content.decode()
    if case == "broken-multipart":
        # Depending on how far Django's parser gets, the form sees no fields
        # (422 with field errors) or the request is refused outright (400).
        assert response.status_code in (400, 422)
    elif case == "too-big" and url.endswith("/do/product-create/"):
        # The upload form's own limit answers first, before Django's parser.
        assert response.status_code == 413
    else:
        assert response.status_code == 400
    assert 'role="alert"' in body or 'class="pg-error"' in body, body[:300]


# --- A link target id past 64 bits is a field error, not a 500 ----------------------------


@FUZZ
@given(
    model=st.sampled_from(sorted(LINK_TARGETS)),
    operation=st.sampled_from(LINK_OPERATIONS),
    huge=st.one_of(st.integers(2**63, 10**30), st.integers(-(10**30), -(2**63) - 1)).map(str),
)
@example(model="article", operation="add", huge="99999999999999999999")
@example(model="tag", operation="set", huge="-3647253413837196492800")
def test_a_link_target_id_past_64_bits_is_a_field_error(model, operation, huge):
    client, sandbox = new_visitor("m2m-changed")
    record = RECORD_MODELS[model].objects.filter(sandbox=sandbox).first()
    own = LINK_TARGETS[model].objects.filter(sandbox=sandbox).first()
    before = snapshot(sandbox.pk)
    response = client.post(
        f"/playground/m2m-changed/{model}/{record.pk}/link/{operation}/",
        {f"{model}-{record.pk}-link-targets": [str(own.pk), huge]},
        **HTMX,
    )
    assert response.status_code == 422
    assert 'class="pg-error"' in response.content.decode()
    assert snapshot(sandbox.pk) == before
