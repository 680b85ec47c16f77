"""Monitoring API routes; mounted under /api/monitoring/."""

from django.urls import include, re_path
from rest_framework.routers import SimpleRouter

from fupin.monitoring import api

app_name = "monitoring-api"

router = SimpleRouter()
router.register("objects", api.MonitoringObjectViewSet, basename="object")
router.register("reports", api.MonitoringReportViewSet, basename="report")

urlpatterns = [
    re_path(
        r"^regions/(?P<code>[0-9]{12})/candidates/$",
        api.CandidatesView.as_view(),
        name="region-candidates",
    ),
    re_path(
        r"^counties/(?P<code>[0-9]{12})/signals/$", api.SignalsView.as_view(), name="county-signals"
    ),
    re_path(r"^", include(router.urls)),
]
