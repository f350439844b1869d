from django.contrib import admin

from celedger.profiles.models import BoardCertification, LearnerProfile


class BoardCertificationInline(admin.TabularInline):
    model = BoardCertification
    extra = 0


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "user", "profession", "license_number"]
    list_select_related = ["user", "profession"]
    search_fields = ["last_name", "first_name", "user__email", "license_number", "phone"]
    list_filter = ["profession", "status"]
    inlines = [BoardCertificationInline]
    readonly_fields = ["last_name_key", "created_at", "updated_at"]

    # Identity changes must go through profile_update (audit log): the admin only reads.
    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False
