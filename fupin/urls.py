"""URL routes: the admin, the registry pages, health check."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("health", health),
    path("assessments/", include("fupin.assessments.urls")),
    path("", include("fupin.registry.urls")),
]
