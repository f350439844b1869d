from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from celedger.accounts.models import DuplicateCheck, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )


@admin.register(DuplicateCheck)
class DuplicateCheckAdmin(admin.ModelAdmin):
    """Staff review possible duplicate accounts: people who said "this is not me"."""

    list_display = ["created_at", "last_name", "phone", "outcome", "matched_user", "new_user"]
    list_filter = ["outcome", "reviewed_at"]
    search_fields = ["last_name", "phone", "matched_user__email", "new_user__email"]
    readonly_fields = ["last_name", "phone", "matched_user", "new_user", "outcome", "created_at"]
