"""The API's shared routes under /api/: the token and the OpenAPI schema. Each app's own routes
are in its `api_urls` (`fupin/urls.py` mounts them)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from fupin.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("token/", views.TokenView.as_view(), name="token"),
]
