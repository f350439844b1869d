from django.urls import path, register_converter

from celedger.assessments import views

app_name = "assessments"


class _Format:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Format, "tablefmt")

console = "console/<slug:code>/activities/<int:pk>/tests/"
urlpatterns = [
    path("e/<str:event_id>/test/", views.take, name="take"),
    path("e/<str:event_id>/test/<int:attempt_no>/", views.result, name="result"),
    path("e/<str:event_id>/pre-test/", views.take_pre, name="take_pre"),
    path("e/<str:event_id>/pre-test/<int:attempt_no>/", views.result_pre, name="result_pre"),
    path("console/<slug:code>/tests/", views.overview, name="overview"),
    path(console, views.activity_tests, name="activity_tests"),
    path(f"{console}results/", views.results, name="results"),
    path(f"{console}attempts.<tablefmt:fmt>", views.export, name="export"),
    path(f"{console}<int:test_pk>/", views.detail, name="detail"),
    path(f"{console}<int:test_pk>/questions/", views.item_add, name="item_add"),
    path(f"{console}<int:test_pk>/questions/<int:item_pk>/", views.item_edit, name="item_edit"),
    path(
        f"{console}<int:test_pk>/questions/<int:item_pk>/delete/",
        views.item_delete,
        name="item_delete",
    ),
]
