"""Exit pages, mounted at /exits/."""

from django.urls import path

from fupin.exits import signoff_views, views

app_name = "exits"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("regions/<str:code>/", views.case_list, name="region"),
    path("regions/<str:code>/open/", views.case_open, name="open"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/transition/", views.case_transition, name="transition"),
    path("<int:pk>/objections/", views.objection_add, name="objection_add"),
    path(
        "<int:pk>/objections/<int:objection>/resolve/",
        views.objection_resolve,
        name="objection_resolve",
    ),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<int:pk>/signoff.docx", signoff_views.signoff_sheet, name="signoff_sheet"),
    path("<int:pk>/data/", views.data_change, name="data_change"),
]
