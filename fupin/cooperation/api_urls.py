"""East-West cooperation API routes; mounted under /api/cooperation/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.cooperation import api, api_fieldchecks

app_name = "cooperation-api"

router = SimpleRouter()
router.register("pairings", api.PairingViewSet, basename="pairing")
router.register("agreements", api.AgreementViewSet, basename="agreement")
router.register("ledger-entries", api.LedgerEntryViewSet, basename="ledger-entry")
router.register(
    "fieldcheck-draws", api_fieldchecks.FieldCheckDrawViewSet, basename="fieldcheck-draw"
)

urlpatterns = [
    path(
        "fieldcheck-projects/",
        api_fieldchecks.FieldCheckProjectsView.as_view(),
        name="fieldcheck-projects",
    ),
    path("", include(router.urls)),
]
