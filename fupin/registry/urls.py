"""Registry pages."""

from django.urls import path

from fupin.registry import (
    views,
    views_checks,
    views_identification,
    views_standards,
    views_uploads,
    views_work,
)

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("regions/<str:code>/households/", views.household_list, name="households"),
    path("households/<str:household_no>/", views.household_detail, name="household"),
    path("audit/", views.audit_trail, name="audit"),
    # Registry work by the offices (issue #15 item 3).
    path("households/<str:household_no>/events/", views_work.event_add, name="event_add"),
    path(
        "households/<str:household_no>/edit/", views_work.household_edit_page, name="household_edit"
    ),
    path("households/<str:household_no>/members/new/", views_work.member_add, name="member_add"),
    path(
        "households/<str:household_no>/members/<int:pk>/",
        views_work.member_edit,
        name="member_edit",
    ),
    path(
        "households/<str:household_no>/members/<int:pk>/remove/",
        views_work.member_remove,
        name="member_remove",
    ),
    path(
        "households/<str:household_no>/evidence/<int:pk>/",
        views_work.evidence_file,
        name="evidence",
    ),
    path("identifications/", views_identification.case_list, name="identifications"),
    path("identifications/new/", views_identification.case_open, name="identification_open"),
    path("identifications/<int:pk>/", views_identification.case_detail, name="identification"),
    path(
        "identifications/<int:pk>/transition/",
        views_identification.case_transition,
        name="identification_transition",
    ),
    # The provinces' relative standards (issue #15 item 4).
    path("standards/", views_standards.standard_list, name="standards"),
    path("standards/new/", views_standards.standard_new, name="standard_new"),
    path("standards/<str:code>/", views_standards.standard_detail, name="standard"),
    path("standards/<str:code>/change/", views_standards.standard_change, name="standard_change"),
    path(
        "standards/<str:code>/withdraw/",
        views_standards.standard_withdraw,
        name="standard_withdraw",
    ),
    path("checks/<str:code>/", views_checks.region_checks, name="checks"),
    path("imports/", views_uploads.upload_index, name="imports"),
    path("imports/<int:pk>/", views_uploads.upload_detail, name="import"),
    path("imports/<int:pk>/check/", views_uploads.upload_recheck, name="import-check"),
    path("imports/<int:pk>/confirm/", views_uploads.upload_confirm, name="import-confirm"),
    path("imports/<int:pk>/problems.xlsx", views_uploads.upload_problems, name="import-problems"),
]
