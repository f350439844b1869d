from django.urls import path

from celedger.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("e/<str:event_id>/evaluate/", views.evaluate, name="evaluate"),
    path("console/<slug:code>/evaluations/", views.form_list, name="form_list"),
    path("console/<slug:code>/evaluations/new/", views.form_create, name="form_create"),
    path("console/<slug:code>/evaluations/<int:pk>/", views.form_detail, name="form_detail"),
    path("console/<slug:code>/evaluations/<int:pk>/copy/", views.form_copy, name="form_copy"),
    path(
        "console/<slug:code>/evaluations/<int:pk>/questions/",
        views.question_add,
        name="question_add",
    ),
    path(
        "console/<slug:code>/evaluations/<int:pk>/questions/<int:question_pk>/",
        views.question_edit,
        name="question_edit",
    ),
    path(
        "console/<slug:code>/evaluations/<int:pk>/questions/<int:question_pk>/move/",
        views.question_move,
        name="question_move",
    ),
    path(
        "console/<slug:code>/evaluations/<int:pk>/questions/<int:question_pk>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path(
        "console/<slug:code>/activities/<int:pk>/evaluation/",
        views.activity_settings,
        name="activity_settings",
    ),
    path(
        "console/<slug:code>/activities/<int:pk>/evaluation/summary/",
        views.summary,
        name="summary",
    ),
    path(
        "console/<slug:code>/activities/<int:pk>/evaluation/responses.csv",
        views.export_csv,
        name="export_csv",
    ),
    path(
        "console/<slug:code>/activities/<int:pk>/evaluation/responses.xlsx",
        views.export_xlsx,
        name="export_xlsx",
    ),
]
