"""Routes of the people pages (/people/, namespace "people")."""

from django.urls import path

from fupin.accounts import people_views as views
from fupin.accounts import posts_views

app_name = "people"

urlpatterns = [
    path("", views.people_list, name="list"),
    path("new/", views.people_create, name="create"),
    path("me/", views.people_me, name="me"),
    path("import/", views.people_import, name="import"),
    path("import/template.xlsx", views.people_template, name="template"),
    path("passwords/", views.people_passwords, name="passwords"),
    path("<int:pk>/", views.people_detail, name="detail"),
    path("<int:pk>/edit/", views.people_edit, name="edit"),
    path("<int:pk>/deactivate/", views.people_deactivate, name="deactivate"),
    path("<int:pk>/activate/", views.people_activate, name="activate"),
    path("<int:pk>/password/", views.people_password, name="password"),
    path("<int:pk>/roles/grant/", views.people_grant, name="grant"),
    path("<int:pk>/roles/<int:membership_pk>/end/", views.people_role_end, name="role_end"),
    path("posts/", posts_views.posts_list, name="posts"),
    path("posts/assign/", posts_views.posts_assign, name="post_assign"),
    path("posts/<int:pk>/end/", posts_views.posts_end, name="post_end"),
]
