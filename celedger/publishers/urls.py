app_name = "publishers"

urlpatterns: list = []
