"""The registry's API routes; mounted under /api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.registry import api, api_standards, api_uploads, api_work

app_name = "registry-api"

# SimpleRouter: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("households", api.HouseholdViewSet, basename="household")
router.register(
    "registry/identifications", api_work.IdentificationViewSet, basename="identification"
)

urlpatterns = [
    path("checks/<str:code>/", api.RegionChecksView.as_view(), name="checks"),
    # The offices' registry work (issue #15 item 3).
    path(
        "registry/households/<str:household_no>/",
        api_work.HouseholdEditView.as_view(),
        name="household-edit",
    ),
    path(
        "registry/households/<str:household_no>/events/",
        api_work.HouseholdEventsView.as_view(),
        name="household-events",
    ),
    path(
        "registry/households/<str:household_no>/members/",
        api_work.MembersView.as_view(),
        name="members",
    ),
    path(
        "registry/households/<str:household_no>/members/<int:pk>/",
        api_work.MemberView.as_view(),
        name="member",
    ),
    path(
        "registry/households/<str:household_no>/members/<int:pk>/remove/",
        api_work.MemberRemoveView.as_view(),
        name="member-remove",
    ),
    # The provinces' relative standards (issue #15 item 4).
    path("registry/standards/", api_standards.StandardsView.as_view(), name="standards"),
    path("registry/standards/<str:code>/", api_standards.StandardView.as_view(), name="standard"),
    path(
        "registry/standards/<str:code>/versions/",
        api_standards.StandardVersionsView.as_view(),
        name="standard-versions",
    ),
    path(
        "registry/standards/<str:code>/withdraw/",
        api_standards.StandardWithdrawView.as_view(),
        name="standard-withdraw",
    ),
    path("registry/imports/", api_uploads.RegistryUploadsView.as_view(), name="imports"),
    path("registry/imports/<int:pk>/", api_uploads.RegistryUploadView.as_view(), name="import"),
    path(
        "registry/imports/<int:pk>/confirm/",
        api_uploads.RegistryUploadConfirmView.as_view(),
        name="import-confirm",
    ),
    path(
        "registry/department-lists/",
        api_uploads.DepartmentListUploadsView.as_view(),
        name="department-lists",
    ),
    path(
        "registry/department-lists/<int:pk>/",
        api_uploads.DepartmentListView.as_view(),
        name="department-list",
    ),
    path(
        "registry/department-lists/<int:pk>/confirm/",
        api_uploads.DepartmentListConfirmView.as_view(),
        name="department-list-confirm",
    ),
    path("", include(router.urls)),
]
