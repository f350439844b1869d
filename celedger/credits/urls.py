from django.urls import path

from celedger.credits import views

app_name = "credits"

urlpatterns = [
    path("e/<str:event_id>/claim/", views.claim, name="claim"),
    path("transcript/", views.transcript, name="transcript"),
    path("transcript/csv/", views.transcript_csv, name="transcript_csv"),
    path("transcript/pdf/", views.transcript_pdf, name="transcript_pdf"),
    path("transcript/pdf/build/", views.transcript_pdf_start, name="transcript_pdf_start"),
    path("transcript/pdf/<int:pk>/", views.transcript_pdf_status, name="transcript_pdf_status"),
    path(
        "transcript/pdf/<int:pk>/download/",
        views.transcript_pdf_download,
        name="transcript_pdf_download",
    ),
    path("account/resend-verification/", views.resend_verification, name="resend_verification"),
    path("console/<slug:code>/activities/<int:pk>/roster/", views.roster, name="roster"),
    path(
        "console/<slug:code>/activities/<int:pk>/roster/award/",
        views.roster_award,
        name="roster_award",
    ),
    path(
        "console/<slug:code>/activities/<int:pk>/roster.<str:fmt>",
        views.roster_export,
        name="roster_export",
    ),
    path("console/<slug:code>/claims/<int:pk>/", views.claim_manage, name="claim_manage"),
]
