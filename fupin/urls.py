"""URL routes: the admin, accounts, the registry pages, health check."""

from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not (for load balancers and probes)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fupin.accounts.urls")),  # before auth.urls: its login view is throttled
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", healthz),
    path("assessments/", include("fupin.assessments.urls")),
    path("assistance/", include("fupin.assistance.urls")),
    path("cooperation/", include("fupin.cooperation.urls")),
    path("monitoring/", include("fupin.monitoring.urls")),
    path("exits/", include("fupin.exits.urls")),
    path("api/assistance/", include("fupin.assistance.api_urls")),
    path("api/cooperation/", include("fupin.cooperation.api_urls")),
    path("api/monitoring/", include("fupin.monitoring.api_urls")),
    path("api/exits/", include("fupin.exits.api_urls")),
    path("api/", include("fupin.api.urls")),
    path("field/", include("fupin.assessments.field_urls")),
    path("", include("fupin.registry.urls")),
]
