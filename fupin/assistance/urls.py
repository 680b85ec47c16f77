"""Assistance pages, mounted at /assistance/."""

from django.urls import path

from fupin.assistance import views, views_charts

app_name = "assistance"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("regions/<str:code>/", views.region_overview, name="region"),
    path("regions/<str:code>/projects/", views.region_projects, name="projects"),
    path("villages/<str:code>/charts/", views_charts.village_charts, name="village_charts"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("households/<str:household_no>/", views.household_ledgers, name="household"),
    path("households/<str:household_no>/plan/", views.exit_plan_edit, name="exit_plan"),
    path("households/<str:household_no>/measures/", views.measure_add, name="measure_add"),
    path("households/<str:household_no>/visits/", views.visit_add, name="visit_add"),
    path(
        "households/<str:household_no>/ledgers.docx",
        views.household_ledgers_download,
        name="ledgers_docx",
    ),
]
