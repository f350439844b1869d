from django.urls import path

from celedger.accounts import views

app_name = "accounts"

urlpatterns = [
    # Serves allauth's URL name `account_login` (/accounts/login/), with the SSO choices.
    path("login/", views.login, name="login"),
    path("create/", views.create, name="create"),
    path("check/", views.check, name="check"),
    path("check/code/", views.check_step_up, name="check_step_up"),
    path("check/send-link/", views.check_send_link, name="check_send_link"),
    path("check/not-me/", views.check_not_me, name="check_not_me"),
    # Serves allauth's URL name `account_signup` (/accounts/signup/), gated by the check.
    path("signup/", views.signup, name="signup"),
]
