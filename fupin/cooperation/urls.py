"""East-West cooperation pages, mounted at /cooperation/."""

from django.urls import path

from fupin.cooperation import views

app_name = "cooperation"
urlpatterns = [
    path("", views.pairings, name="pairings"),
    path("import/", views.import_xlsx, name="import"),
    path("pairings/<int:pk>/<int:year>/", views.dashboard, name="dashboard"),
    path("pairings/<int:pk>/<int:year>/report.docx", views.report, name="report"),
    path("pairings/<int:pk>/<int:year>/innovations/", views.innovation_add, name="innovation_add"),
    path("pairings/<int:pk>/<int:year>/ledger/", views.ledger, name="ledger"),
    path("pairings/<int:pk>/<int:year>/ledger/add/", views.entry_add, name="entry_add"),
    path(
        "pairings/<int:pk>/<int:year>/self-assessment/",
        views.self_assessment,
        name="self_assessment",
    ),
    path("entries/<int:pk>/review/", views.entry_review, name="entry_review"),
    path("self-assessments/<int:pk>/comment/", views.comment, name="comment"),
    path("fieldchecks/", views.fieldchecks, name="fieldchecks"),
    path("fieldchecks/<int:pk>/", views.fieldcheck, name="fieldcheck"),
    path("fieldchecks/projects/", views.fieldcheck_projects, name="fieldcheck_projects"),
    path("fieldchecks/items/<int:pk>/", views.fieldcheck_record, name="fieldcheck_record"),
]
