"""The assessment API's routes; mounted under /api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.assessments.api import views

app_name = "assessments-api"

# SimpleRouter: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("problems", views.ProblemViewSet, basename="problem")

urlpatterns = [
    path("submissions/", views.SubmissionView.as_view(), name="submissions"),
    path(
        "campaigns/<int:campaign_id>/results/",
        views.CampaignResultsView.as_view(),
        name="campaign-results",
    ),
    path("", include(router.urls)),
]
