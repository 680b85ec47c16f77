"""Monitoring API routes; mounted under /api/monitoring/."""

from django.urls import include, re_path
from rest_framework.routers import SimpleRouter

from fupin.monitoring import api, api_after_exit

app_name = "monitoring-api"

router = SimpleRouter()
router.register("objects", api.MonitoringObjectViewSet, basename="object")
router.register("reports", api.MonitoringReportViewSet, basename="report")
router.register("trainings", api_after_exit.TrainingViewSet, basename="training")
router.register("targets", api_after_exit.TargetViewSet, basename="target")

urlpatterns = [
    re_path(
        r"^regions/(?P<code>[0-9]{12})/candidates/$",
        api.CandidatesView.as_view(),
        name="region-candidates",
    ),
    re_path(
        r"^counties/(?P<code>[0-9]{12})/signals/$",
        api_after_exit.CountyAfterExitView.as_view(),
        name="county-signals",
    ),
    re_path(r"^after-exit/$", api_after_exit.AfterExitListView.as_view(), name="after-exit"),
    re_path(r"^", include(router.urls)),
]
