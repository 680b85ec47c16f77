"""URL routes: the admin, accounts, the registry pages, health check."""

from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import never_cache

from fupin.registry import views as registry_views


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


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("fupin/favicon.ico"))


# One Chinese page for every refusal, with the reason and a way back (fupin/errors.py).
handler400 = "fupin.errors.bad_request"
handler403 = "fupin.errors.permission_denied"
handler404 = "fupin.errors.page_not_found"
handler500 = "fupin.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fupin.accounts.urls")),  # login, logout, password change; no reset
    path("healthz", healthz),
    # Browsers and tools ask for /favicon.ico whatever the page links: the static icon.
    path("favicon.ico", favicon),
    path("assessments/", include("fupin.assessments.urls")),
    path("assistance/", include("fupin.assistance.urls")),
    path("cooperation/", include("fupin.cooperation.urls")),
    path("monitoring/", include("fupin.monitoring.urls")),
    path("exits/", include("fupin.exits.urls")),
    path("api/assistance/", include("fupin.assistance.api_urls")),
    path("api/cooperation/", include("fupin.cooperation.api_urls")),
    path("api/monitoring/", include("fupin.monitoring.api_urls")),
    path("api/exits/", include("fupin.exits.api_urls")),
    path("api/", include("fupin.registry.api_urls")),
    path("api/", include("fupin.assessments.api.urls")),
    path("api/", include("fupin.api.urls")),
    path("field/", include("fupin.assessments.field_urls")),
    # The logged full-ID view of one member (the registry's), under its un-namespaced name.
    path(
        "households/<str:household_no>/id/<int:person_pk>/",
        registry_views.person_full_id,
        name="person_full_id",
    ),
    path("", include("fupin.registry.urls")),
]
