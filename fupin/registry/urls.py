"""Registry pages."""

from django.urls import path

from fupin.registry import views, views_checks

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("regions/<str:code>/households/", views.household_list, name="households"),
    path("households/<str:household_no>/", views.household_detail, name="household"),
    path("audit/", views.audit_trail, name="audit"),
    path("checks/<str:code>/", views_checks.region_checks, name="checks"),
]
