"""Admin for the sandbox models.

Saving or deleting a record here sends the same signals as anywhere else;
the recording middleware logs them in the owning sandbox, so a learner with
the playground open sees admin changes appear in their log.
"""

from django.contrib import admin

from playground.models import Article, LogEntry, OutboxEmail, Product, Review, Sandbox, Tag


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sandbox", "price", "stock", "views"]
    list_filter = ["sandbox"]
    search_fields = ["name"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["author", "product", "rating", "sandbox"]
    list_filter = ["sandbox"]
    list_select_related = ["product"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "sandbox"]
    list_filter = ["sandbox"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "sandbox"]
    list_filter = ["sandbox"]


@admin.register(Sandbox)
class SandboxAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "scenario",
        "visitor",
        "created_at",
        "last_seen_at",
        "version",
        "fail_post_save",
        "log_requests",
    ]
    list_filter = ["scenario"]
    readonly_fields = ["visitor", "scenario", "created_at", "last_seen_at", "version"]


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """The stored log, read-only: it records what happened."""

    list_display = ["label", "sandbox", "created_at", "note", "error"]
    list_filter = ["sandbox"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "sandbox", "sent_at"]
    list_filter = ["sandbox"]
