"""Every playground action: its form, its log label, its service call and
how the page answers it.

This is the one registry: views look actions up here by name (an unknown
name is a 404 rather than a branch nobody tested), and the panel builds its
forms from it, so adding an action is one entry.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground import forms, services
from playground.models import Article, Product, Review, Tag


@dataclass(frozen=True)
class Act:
    """One kind of action a learner can take (a button or a form): how it is
    filled in, labelled in the log and run. Performing it stores a
    ``LogEntry``; this is what the views look up by name to perform."""

    form: type[forms.forms.Form]
    # label(target, data) -> the action's line in the log
    label: Callable[[Any, dict], str]
    # run(target, data) -> whatever the service returns
    run: Callable[[Any, dict], Any]
    # Answered with just the new row, log entry and e-mails when the page is
    # exactly one change behind (panels.render_added), not the whole panel.
    in_place: bool = False

    @property
    def shows_form(self) -> bool:
        """Does the panel show a form to fill in (a create form among the
        tools, or one of a row's forms)? A button alone has no fields."""
        return bool(self.form.base_fields)

    @property
    def edits_record(self) -> bool:
        """Does its form start from the record's current values?"""
        return issubclass(self.form, forms.EditForm)


def updated(record, field: str, data: dict, suffix: str = "") -> str:
    """An edit's label, by the name the record has after it: the events
    below are about that record, so a rename names both."""
    old, new = getattr(record, field), data.get(field, getattr(record, field))
    renamed = f" (renamed from {old!r})" if new != old else ""
    return f"Updated {type(record).__name__} {new!r}{renamed}{suffix}"


# Actions on the sandbox itself (target is the Sandbox).
SANDBOX_ACTIONS: dict[str, Act] = {
    "product-create": Act(
        forms.ProductCreateForm,
        lambda sandbox, data: f"Created Product {data['name']!r}",
        lambda sandbox, data: services.product_create(sandbox=sandbox, **data),
        in_place=True,
    ),
    "product-list": Act(
        forms.EmptyForm,
        lambda sandbox, data: "Loaded the product list (list(Product.objects.filter(…)))",
        lambda sandbox, data: services.product_list(sandbox=sandbox),
    ),
    "product-get-or-create": Act(
        forms.GetOrCreateForm,
        lambda sandbox, data: f"Product.objects.get_or_create(name={data['name']!r})",
        lambda sandbox, data: services.product_get_or_create(sandbox=sandbox, **data),
    ),
    "bulk-create": Act(
        forms.BulkCreateForm,
        lambda sandbox, data: f"bulk_create() of {data['count']} products",
        lambda sandbox, data: services.products_bulk_create(sandbox=sandbox, **data),
    ),
    "bulk-update": Act(
        forms.BulkUpdateForm,
        lambda sandbox, data: f"bulk_update(): every price {data['percent']:+d}%",
        lambda sandbox, data: services.products_bulk_update(sandbox=sandbox, **data),
    ),
    "queryset-update": Act(
        forms.RestockForm,
        lambda sandbox, data: f"QuerySet.update(): every stock +{data['amount']}",
        lambda sandbox, data: services.products_restock(sandbox=sandbox, **data),
    ),
    "queryset-delete": Act(
        forms.EmptyForm,
        lambda sandbox, data: f"QuerySet.delete() of the {services.BULK_PREFIX!r} products",
        lambda sandbox, data: services.products_delete_bulk_items(sandbox=sandbox),
    ),
    "article-create": Act(
        forms.ArticleForm,
        lambda sandbox, data: f"Created Article {data['title']!r}",
        lambda sandbox, data: services.article_create(sandbox=sandbox, **data),
    ),
    "tag-create": Act(
        forms.TagForm,
        lambda sandbox, data: f"Created Tag {data['name']!r}",
        lambda sandbox, data: services.tag_create(sandbox=sandbox, **data),
    ),
}

PRODUCT_ACTIONS: dict[str, Act] = {
    "edit": Act(
        forms.ProductEditForm,
        lambda product, data: updated(product, "name", data),
        lambda product, data: services.product_update(product=product, **data),
    ),
    "edit-atomic": Act(
        forms.ProductEditForm,
        lambda product, data: updated(product, "name", data, suffix=" inside transaction.atomic()"),
        lambda product, data: services.product_update_in_atomic(product=product, **data),
    ),
    "stock": Act(
        forms.StockForm,
        lambda product, data: f"save(update_fields=['stock']) on Product {product.name!r}",
        lambda product, data: services.product_set_stock(product=product, **data),
    ),
    "delete": Act(
        forms.EmptyForm,
        lambda product, data: f"Deleted Product {product.name!r}",
        lambda product, data: services.product_delete(product=product),
    ),
    "refresh": Act(
        forms.EmptyForm,
        lambda product, data: f"refresh_from_db() on Product {product.name!r}",
        lambda product, data: services.product_refresh(product=product),
    ),
    "view": Act(
        forms.EmptyForm,
        lambda product, data: f"Viewed Product {product.name!r}: product_viewed.send()",
        lambda product, data: services.product_view(product=product),
    ),
    "share": Act(
        forms.EmptyForm,
        lambda product, data: f"Shared Product {product.name!r}: product_shared.send()",
        lambda product, data: services.product_share(product=product, robust=False),
    ),
    "share-robust": Act(
        forms.EmptyForm,
        lambda product, data: f"Shared Product {product.name!r}: product_shared.send_robust()",
        lambda product, data: services.product_share(product=product, robust=True),
    ),
    "review": Act(
        forms.ReviewForm,
        lambda product, data: f"Added a review of Product {product.name!r}",
        lambda product, data: services.review_create(product=product, **data),
    ),
}

REVIEW_ACTIONS: dict[str, Act] = {
    "edit": Act(
        forms.ReviewEditForm,
        lambda review, data: f"Updated Review {review.pk} by {review.author!r}",
        lambda review, data: services.review_update(review=review, **data),
    ),
    "delete": Act(
        forms.EmptyForm,
        lambda review, data: f"Deleted Review {review.pk} of {review.product.name!r}",
        lambda review, data: services.review_delete(review=review),
    ),
}

ARTICLE_ACTIONS: dict[str, Act] = {
    "edit": Act(
        forms.ArticleEditForm,
        lambda article, data: updated(article, "title", data),
        lambda article, data: services.article_update(article=article, **data),
    ),
    "delete": Act(
        forms.EmptyForm,
        lambda article, data: f"Deleted Article {article.title!r}",
        lambda article, data: services.article_delete(article=article),
    ),
}

TAG_ACTIONS: dict[str, Act] = {
    "edit": Act(
        forms.TagEditForm,
        lambda tag, data: updated(tag, "name", data),
        lambda tag, data: services.tag_update(tag=tag, **data),
    ),
    "delete": Act(
        forms.EmptyForm,
        lambda tag, data: f"Deleted Tag {tag.name!r}",
        lambda tag, data: services.tag_delete(tag=tag),
    ),
}

# model name in the URL -> (model, its actions, the related manager's name)
RECORD_ACTIONS = {
    "product": (Product, PRODUCT_ACTIONS),
    "review": (Review, REVIEW_ACTIONS),
    "article": (Article, ARTICLE_ACTIONS),
    "tag": (Tag, TAG_ACTIONS),
}
LINK_MANAGERS = {"article": "tags", "tag": "articles"}


def link_label(record, operation: str, targets) -> str:
    manager = LINK_MANAGERS["article" if isinstance(record, Article) else "tag"]
    names = ", ".join(str(target) for target in targets)
    kind = type(record).__name__
    if operation == "clear":
        return f"{kind} {record}: .{manager}.clear()"
    if operation == "set":
        return f"{kind} {record}: .{manager}.set([{names}])"
    return f"{kind} {record}: .{manager}.{operation}({names})"
