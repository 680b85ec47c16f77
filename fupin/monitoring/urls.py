"""Monitoring pages, mounted at /monitoring/."""

from django.urls import path

from fupin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("regions/<str:code>/", views.region_overview, name="region"),
    path("regions/<str:code>/open/", views.object_open, name="open"),
    path("regions/<str:code>/reports/", views.report_add, name="report_add"),
    path("objects/<int:pk>/", views.object_detail, name="object"),
    path("objects/<int:pk>/transition/", views.object_transition, name="transition"),
    path("counties/<str:code>/signals/", views.county_signals, name="signals"),
]
