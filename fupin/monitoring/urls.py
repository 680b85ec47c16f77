"""Monitoring pages, mounted at /monitoring/."""

from django.urls import path

from fupin.monitoring import views, views_after_exit

app_name = "monitoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("regions/<str:code>/", views.region_overview, name="region"),
    path("regions/<str:code>/open/", views.object_open, name="open"),
    path("regions/<str:code>/reports/", views.report_add, name="report_add"),
    path("objects/<int:pk>/", views.object_detail, name="object"),
    path("objects/<int:pk>/transition/", views.object_transition, name="transition"),
    path("counties/<str:code>/signals/", views_after_exit.county_signals, name="signals"),
    path("counties/<str:code>/trainings/", views_after_exit.trainings, name="trainings"),
    path("counties/<str:code>/targets/", views_after_exit.targets, name="targets"),
    path("after-exit/", views_after_exit.after_exit_list, name="after_exit"),
    path(
        "trainings/<int:pk>/withdraw/",
        views_after_exit.training_withdraw_page,
        name="training_withdraw",
    ),
    path("targets/<int:pk>/remove/", views_after_exit.target_remove_page, name="target_remove"),
]
