"""Assistance API routes; mounted under /api/assistance/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.assistance import api, api_manage, appraisal_api

app_name = "assistance-api"

# SimpleRouter, like fupin/api: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
router.register("units", api_manage.HelpingUnitViewSet, basename="unit")
router.register("pairings", api.HouseholdPairingViewSet, basename="pairing")
router.register("village-pairings", api.VillagePairingViewSet, basename="village-pairing")
router.register("work-teams", api.WorkTeamViewSet, basename="work-team")
router.register("measures", api.MeasureViewSet, basename="measure")
router.register("visits", api.VisitViewSet, basename="visit")
router.register("projects", api.ProjectViewSet, basename="project")

urlpatterns = [
    path(
        "households/<str:household_no>/benefits/",
        api.HouseholdBenefitsView.as_view(),
        name="household-benefits",
    ),
    path("regions/<str:code>/warnings/", api.RegionWarningsView.as_view(), name="region-warnings"),
    path("villages/<str:code>/charts/", api.VillageChartsView.as_view(), name="village-charts"),
    path("import/", api_manage.HelpImportView.as_view(), name="import"),
    # 一年一考核、三年结硬帐 (appraisal_api.py)
    path("appraisals/", include(appraisal_api.urlpatterns)),
    path("", include(router.urls)),
]
