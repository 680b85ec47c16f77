"""Assistance API routes; mounted under /api/assistance/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.assistance import api

app_name = "assistance-api"

# SimpleRouter, like fupin/api: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
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
    path("", include(router.urls)),
]
