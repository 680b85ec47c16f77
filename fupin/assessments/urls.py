"""Assessment pages."""

from django.urls import path

from fupin.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
]
