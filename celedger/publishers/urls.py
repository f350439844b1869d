from django.urls import path, re_path

from celedger.publishers import views

app_name = "publishers"

urlpatterns = [
    path("console/", views.console, name="console"),
    # Tokens are 43 URL-safe characters; the length floor keeps a publisher coded
    # "invitations" reaching its own pages (settings/, staff/ …).
    re_path(
        r"^console/invitations/(?P<token>[A-Za-z0-9_-]{16,64})/$",
        views.invitation_accept_view,
        name="invitation_accept",
    ),
    path("console/<slug:code>/", views.dashboard, name="dashboard"),
    path("console/<slug:code>/settings/", views.settings_edit, name="settings"),
    path("console/<slug:code>/staff/", views.staff, name="staff"),
    path("console/<slug:code>/staff/<int:pk>/role/", views.staff_role, name="staff_role"),
    path(
        "console/<slug:code>/staff/<int:pk>/remove/",
        views.staff_remove_view,
        name="staff_remove",
    ),
    path(
        "console/<slug:code>/staff/invitations/<int:pk>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "console/<slug:code>/staff/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("p/<slug:code>/logo", views.logo, name="logo"),
]
