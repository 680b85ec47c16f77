"""Assessment pages."""

from django.urls import path

from fupin.assessments import views
from fupin.assessments.views.planning import campaign_plan

app_name = "assessments"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("explanations/", views.explanations, name="explanations"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/settings/", views.campaign_settings, name="settings"),
    path("<int:pk>/plan/", campaign_plan, name="plan"),
    path("<int:pk>/status/<str:to>/", views.campaign_move, name="move"),
    path("<int:pk>/review/<str:step>/", views.review_queue, name="review"),
    path("<int:pk>/problems/<int:problem_pk>/", views.problem_detail, name="problem"),
    path("<int:pk>/problems/<int:problem_pk>/act/", views.problem_act, name="problem_act"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_file, name="evidence"),
    path("<int:pk>/counties/<str:code>/", views.county_results, name="county"),
    path("<int:pk>/feedback/", views.feedback_page, name="feedback"),
    path("<int:pk>/feedback/build/", views.feedback_build, name="feedback_build"),
    path(
        "<int:pk>/feedback/items/<int:item_pk>/rectify/",
        views.rectification_order,
        name="rectification_order",
    ),
    path(
        "<int:pk>/rectifications/<int:rect_pk>/act/",
        views.rectification_act,
        name="rectification_act",
    ),
]
