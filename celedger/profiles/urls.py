from django.urls import path

from celedger.profiles import views

app_name = "profiles"

urlpatterns = [
    path("", views.edit, name="edit"),
    path("credit-types/", views.credit_preview, name="credit_preview"),
]
