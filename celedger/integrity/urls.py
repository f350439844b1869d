from django.urls import path

from celedger.integrity import views

app_name = "integrity"

act = "console/<slug:code>/activities/<int:pk>/integrity/"

urlpatterns = [
    path("console/<slug:code>/integrity/", views.policy_view, name="policy"),
    path(act, views.activity_view, name="activity"),
    path(f"{act}people/", views.role_add_view, name="role_add"),
    path(f"{act}people/<int:role_pk>/", views.role_review_view, name="role_review"),
    path(f"{act}people/<int:role_pk>/resend/", views.role_resend_view, name="role_resend"),
    path(f"{act}people/<int:role_pk>/remove/", views.role_remove_view, name="role_remove"),
    path(f"{act}override/", views.override_view, name="override"),
    path(
        f"{act}override/<int:override_pk>/withdraw/",
        views.override_withdraw_view,
        name="override_withdraw",
    ),
    path(f"{act}support/new/", views.support_add_view, name="support_add"),
    path(
        f"{act}support/<int:support_pk>/agreement.pdf",
        views.support_agreement_view,
        name="support_agreement",
    ),
    path(f"{act}planning/", views.planning_view, name="planning"),
    path(f"{act}file.pdf", views.file_pdf_view, name="file_pdf"),
    path(f"{act}file.zip", views.file_zip_view, name="file_zip"),
    path("disclose/<str:token>/", views.invitation_view, name="invitation"),
    path("disclosures/", views.mine_view, name="mine"),
    path("disclosures/<slug:code>/", views.disclose_view, name="disclose"),
]
