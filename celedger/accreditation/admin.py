from django.contrib import admin

from celedger.accreditation.models import Board, Credential, CreditType, Profession, Specialty


@admin.register(Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["abbreviation", "name", "profession"]
    list_filter = ["profession"]
    search_fields = ["abbreviation", "name"]


@admin.register(CreditType)
class CreditTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "accreditor",
        "unit_singular",
        "unit",
        "partial_credit",
        "post_test",
        "board",
        "requires_nabp",
    ]
    list_filter = ["partial_credit", "post_test", "accreditor"]
    filter_horizontal = ["professions"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "reports_through_pars"]


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
