"""API routes under /api/: the scoped resources, submissions, tokens and the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from fupin.api import checks, views

app_name = "api"

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("problems", views.ProblemViewSet, basename="problem")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("submissions/", views.SubmissionView.as_view(), name="submissions"),
    path(
        "campaigns/<int:campaign_id>/results/",
        views.CampaignResultsView.as_view(),
        name="campaign-results",
    ),
    path("checks/<str:code>/", checks.RegionChecksView.as_view(), name="checks"),
    path("", include(router.urls)),
]
