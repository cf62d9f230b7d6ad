"""Forms for every playground action: labels, limits and clear messages.

Forms only validate. They never build model instances, so no signal fires
until the service function runs under the recorder.
"""

import io
import warnings
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.defaultfilters import filesizeformat

from playground.models import IMAGE_SUFFIXES, MAX_STOCK, RATINGS, Article, Tag

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# Decoding an image costs memory and time by its pixels, not its bytes: a
# 92 KB PNG can claim 95 million pixels. Every frame counts.
MAX_IMAGE_PIXELS = 4096 * 4096


def _name_field(label: str, max_length: int) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, strip=True)


class ProductImageField(forms.ImageField):
    """An image from a stranger, to be served back to every browser.

    Django's ``ImageField`` only reads the header (a full decode "is a DoS
    vector", its comment says). Here the pixel budget is checked first, from
    the header, and then every frame is decoded, within that budget, so a
    truncated file is refused too. The cleaned file is named after the format
    found in it, which is the suffix it is stored (and served) with; the
    visitor's own file name is not used, so it needs no extension check.
    """

    default_validators = []

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        if upload.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError(
                f"The image is {filesizeformat(upload.size)}; the limit is 2 MB.",
                code="file_size",
            )
        # Imported here, not at the top: the lesson tests import this module
        # in the learner's browser too, where Pillow is not available.
        from PIL import Image, ImageSequence

        content = io.BytesIO(upload.read())
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow's own bomb check warns from 89 megapixels and raises from
            # 179; ours, far below both, answers first with a clearer message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                image = Image.open(content)
                width, height = image.size
                frames = getattr(image, "n_frames", 1)  # read from headers, not decoded
            except Image.DecompressionBombError:
                raise self._too_many_pixels() from None
            except Exception as exc:
                raise forms.ValidationError(
                    self.error_messages["invalid_image"], code="invalid_image"
                ) from exc
            if image.format not in IMAGE_SUFFIXES:
                raise forms.ValidationError(
                    "Upload a PNG, JPEG, GIF or WebP image.", code="invalid_format"
                )
            if width * height * frames > MAX_IMAGE_PIXELS:
                raise self._too_many_pixels(width, height, frames)
            try:
                Image.open(content).verify()  # checksums, where the format has them
                for frame in ImageSequence.Iterator(Image.open(content)):
                    frame.load()  # a truncated file fails here
            except Exception as exc:
                raise forms.ValidationError(
                    "The image file is incomplete or damaged (was the upload cut short?).",
                    code="invalid_image",
                ) from exc
        upload.name = f"image{IMAGE_SUFFIXES[image.format]}"
        upload.content_type = Image.MIME[image.format]
        return upload

    def _too_many_pixels(self, width=None, height=None, frames=1):
        limit = f"the limit is {MAX_IMAGE_PIXELS / 1e6:.1f} megapixels, such as 4096 × 4096"
        if width is None:
            return forms.ValidationError(f"The image has far too many pixels; {limit}.")
        size = f"{width} × {height} pixels" + (f" × {frames} frames" if frames > 1 else "")
        megapixels = width * height * frames / 1e6
        return forms.ValidationError(
            f"The image is {size} ({megapixels:.1f} megapixels); {limit}.", code="too_many_pixels"
        )


class ProductForm(forms.Form):
    name = _name_field("Name", 80)
    price = forms.DecimalField(
        label="Price",
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.00"),
        error_messages={"min_value": "The price cannot be negative."},
    )
    stock = forms.IntegerField(
        label="Stock",
        min_value=0,
        max_value=MAX_STOCK,
        error_messages={"min_value": "Stock cannot be negative."},
    )

    def clean_price(self):
        # "1e3" and "5" are valid input; receivers and e-mails should still
        # see the price as it is stored: 1000.00, 5.00.
        return self.cleaned_data["price"].quantize(Decimal("0.01"))


class ProductCreateForm(ProductForm):
    image = ProductImageField(
        label="Image (optional, up to 2 MB)",
        required=False,
        help_text="PNG, JPEG, GIF or WebP. Checked by its content, not its name.",
    )


class EditForm(forms.Form):
    """A form that changes an existing record.

    ``version`` holds a fingerprint of the values the form was rendered with
    (``services.version_of``): a save from a stale form, open in a second tab
    while the first one saved, is refused instead of silently undoing that
    change.
    """

    version = forms.CharField(
        widget=forms.HiddenInput,
        max_length=40,
        error_messages={"required": "This form is missing its version: reload the page."},
    )


class ProductEditForm(ProductForm, EditForm):
    pass


class StockForm(EditForm):
    stock = forms.IntegerField(
        label="New stock",
        min_value=0,
        max_value=MAX_STOCK,
        error_messages={"min_value": "Stock cannot be negative."},
    )


class ReviewForm(forms.Form):
    author = _name_field("Your name", 60)
    rating = forms.IntegerField(
        label="Rating (1–5)",
        validators=[MinValueValidator(RATINGS[0]), MaxValueValidator(RATINGS[1])],
    )


class ReviewEditForm(ReviewForm, EditForm):
    pass


class ArticleForm(forms.Form):
    title = _name_field("Title", 120)
    body = forms.CharField(label="Body", max_length=2000, required=False, widget=forms.Textarea)


class ArticleEditForm(ArticleForm, EditForm):
    pass


class TagForm(forms.Form):
    name = _name_field("Tag name", 40)


class TagEditForm(TagForm, EditForm):
    pass


class GetOrCreateForm(forms.Form):
    name = _name_field("Product name", 80)


class BulkCreateForm(forms.Form):
    count = forms.IntegerField(label="How many", min_value=1, max_value=10, initial=3)


class BulkUpdateForm(forms.Form):
    percent = forms.IntegerField(
        label="Change every price by (%)", min_value=-50, max_value=50, initial=-10
    )


class RestockForm(forms.Form):
    amount = forms.IntegerField(label="Add to every stock", min_value=1, max_value=100, initial=5)


class SwitchForm(forms.Form):
    on = forms.BooleanField(label="On", required=False)


class EmptyForm(forms.Form):
    """Actions that take no input still go through a form (and CSRF)."""


class SandboxRecordsField(forms.ModelMultipleChoiceField):
    """Record ids, refused as invalid choices before any query when no
    database row could have them (SQLite's driver cannot even pass an id
    past 64 bits to the database)."""

    def _check_values(self, value):
        for key in value:
            try:
                in_range = -(2**63) <= int(str(key)) < 2**63
            except ValueError:
                continue  # not a number: the parent reports it
            if not in_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        return super()._check_values(value)


class LinkForm(forms.Form):
    """Pick records on the other side of the Article–Tag relation.

    Choices come from the visitor's own sandbox only, so another sandbox's
    ids are refused as invalid choices.
    """

    targets = SandboxRecordsField(
        label="Records",
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "A selected record no longer exists (deleted in another tab?). "
            "Its box is gone now: choose again.",
        },
    )

    def __init__(self, *args, sandbox, target_model, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["targets"]
        field.queryset = target_model.objects.filter(sandbox=sandbox)
        field.label = "Tags" if target_model is Tag else "Articles"


LINK_TARGETS = {"article": Tag, "tag": Article}
