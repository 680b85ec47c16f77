"""Assistance pages, mounted at /assistance/."""

from django.urls import path

from fupin.assistance import appraisal_views, views, views_charts, views_import, views_manage

app_name = "assistance"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("regions/<str:code>/", views.region_overview, name="region"),
    path("regions/<str:code>/projects/", views.region_projects, name="projects"),
    path("villages/<str:code>/charts/", views_charts.village_charts, name="village_charts"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    # the offices' management of the help (views_manage.py)
    path("import/", views_import.import_page, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("units/", views_manage.units, name="units"),
    path("units/<int:pk>/", views_manage.unit_detail, name="unit"),
    path("regions/<str:code>/pairings/", views_manage.region_pairings, name="region_pairings"),
    path("regions/<str:code>/projects/new/", views_manage.project_new, name="project_new"),
    path("village-pairings/<int:pk>/", views_manage.village_pairing, name="village_pairing"),
    path("pairings/<int:pk>/", views_manage.household_pairing, name="pairing"),
    path("work-teams/<int:pk>/", views_manage.work_team, name="work_team"),
    path("projects/<int:pk>/manage/", views_manage.project_manage, name="project_manage"),
    path("households/<str:household_no>/", views.household_ledgers, name="household"),
    path("households/<str:household_no>/plan/", views.exit_plan_edit, name="exit_plan"),
    path("households/<str:household_no>/measures/", views.measure_add, name="measure_add"),
    path("households/<str:household_no>/visits/", views.visit_add, name="visit_add"),
    path(
        "households/<str:household_no>/ledgers.docx",
        views.household_ledgers_download,
        name="ledgers_docx",
    ),
    # 一年一考核、三年结硬帐 (appraisal_views.py)
    *appraisal_views.urlpatterns,
]
