"""URL routes: the admin, accounts, the registry pages, health check."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fupin.accounts.urls")),  # before auth.urls: its login view is throttled
    path("accounts/", include("django.contrib.auth.urls")),
    path("health", health),
    path("assessments/", include("fupin.assessments.urls")),
    path("", include("fupin.registry.urls")),
]
