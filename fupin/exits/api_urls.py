"""Exit API routes; mounted under /api/exits/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.exits import api

app_name = "exits-api"

# SimpleRouter, like fupin/api: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
router.register("cases", api.ExitCaseViewSet, basename="case")

urlpatterns = [
    path("", include(router.urls)),
]
