"""The API's shared routes under /api/: the token, the OpenAPI schema and the people API
(fupin.api.people, which sits here because accounts is below every app). Each app's own routes
are in its `api_urls` (`fupin/urls.py` mounts them)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from fupin.api import people, posts, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("token/", views.TokenView.as_view(), name="token"),
    # Offices manage their own people (issue #22); "me/" before the usernames.
    path("people/", people.PeopleView.as_view(), name="people"),
    path("people/me/password/", people.OwnPasswordView.as_view(), name="own-password"),
    path("people/<str:username>/", people.PersonView.as_view(), name="person"),
    path("people/<str:username>/deactivate/", people.DeactivateView.as_view(), name="deactivate"),
    path("people/<str:username>/activate/", people.ActivateView.as_view(), name="activate"),
    path("people/<str:username>/password/", people.PasswordResetView.as_view(), name="password"),
    path("people/<str:username>/roles/", people.RolesView.as_view(), name="person-roles"),
    # The 3342 posts and their terms, managed by the office above (issues #16, #22).
    path("posts/", posts.PostsView.as_view(), name="posts"),
    path("posts/<int:post_id>/end/", posts.PostEndView.as_view(), name="post-end"),
]
