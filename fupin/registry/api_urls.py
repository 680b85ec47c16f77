"""The registry's API routes; mounted under /api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.registry import api

app_name = "registry-api"

# SimpleRouter: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("households", api.HouseholdViewSet, basename="household")

urlpatterns = [
    path("checks/<str:code>/", api.RegionChecksView.as_view(), name="checks"),
    path("", include(router.urls)),
]
