"""URL routes of the offline field survey, mounted at /field/ (the service worker's scope)."""

from django.urls import path

from fupin.assessments import field

app_name = "field"

urlpatterns = [
    path("", field.field_page, name="page"),
    path("bootstrap.json", field.bootstrap, name="bootstrap"),
    path("sw.js", field.service_worker, name="service_worker"),
    path("submissions/", field.submission_create, name="submission_create"),
    path("submissions/<uuid:client_id>/evidence/", field.evidence_create, name="evidence_create"),
    path("problems/", field.problem_create, name="problem_create"),
    path(
        "problems/<uuid:client_id>/evidence/",
        field.problem_evidence_create,
        name="problem_evidence_create",
    ),
]
