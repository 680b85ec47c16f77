"""Assessment pages."""

from django.urls import path

from fupin.assessments import views
from fupin.assessments.views import department_reports as dept
from fupin.assessments.views import draws, evaluators, feedback, judgement, results
from fupin.assessments.views import other_checks as checks
from fupin.assessments.views import unannounced as unannounced_views
from fupin.assessments.views.assignments import campaign_assignments
from fupin.assessments.views.cadre_survey import cadre_response_withdraw_view, cadre_survey
from fupin.assessments.views.planning import campaign_plan
from fupin.assessments.views.submissions import submission_page

app_name = "assessments"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("explanations/", views.explanations, name="explanations"),
    path("new/", draws.campaign_new, name="new"),
    path("<int:pk>/draws/", draws.draws_page, name="draws"),
    path("<int:pk>/draws/counties/", draws.counties_draw_view, name="draws_counties"),
    path("<int:pk>/draws/<str:code>/", draws.county_draw_page, name="county_draw"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/settings/", views.campaign_settings, name="settings"),
    path("<int:pk>/plan/", campaign_plan, name="plan"),
    path("<int:pk>/assignments/", campaign_assignments, name="assignments"),
    path("<int:pk>/status/<str:to>/", views.campaign_move, name="move"),
    path("<int:pk>/review/<str:step>/", views.review_queue, name="review"),
    path("<int:pk>/problems/<int:problem_pk>/", views.problem_detail, name="problem"),
    path("<int:pk>/problems/<int:problem_pk>/act/", views.problem_act, name="problem_act"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_file, name="evidence"),
    path("<int:pk>/counties/<str:code>/", views.county_results, name="county"),
    path("<int:pk>/counties/<str:code>/decide/", results.county_decide, name="decide"),
    path("<int:pk>/results/compute/", results.results_compute_view, name="compute"),
    path("<int:pk>/report.docx", results.report_docx_view, name="report_docx"),
    path("<int:pk>/report.html", results.report_html_view, name="report_html"),
    path("<int:pk>/samples.xlsx", results.samples_xlsx_view, name="samples_xlsx"),
    path("<int:pk>/problems.xlsx", results.problems_xlsx_view, name="problems_xlsx"),
    path("evaluators/", evaluators.evaluators_home, name="evaluators_home"),
    path("<int:pk>/evaluators/", evaluators.evaluators_page, name="evaluators"),
    path("<int:pk>/evaluators/institutions/", evaluators.institution_add, name="institution_add"),
    path("<int:pk>/evaluators/add/", evaluators.evaluator_add, name="evaluator_add"),
    path("<int:pk>/evaluators/roster/", evaluators.roster_upload, name="roster_upload"),
    path("<int:pk>/evaluators/roster/confirm/", evaluators.roster_confirm, name="roster_confirm"),
    path(
        "<int:pk>/evaluators/roster-template.xlsx",
        evaluators.roster_template_download,
        name="roster_template",
    ),
    path(
        "<int:pk>/evaluators/<str:kind>/<int:ev_pk>/reset/",
        evaluators.password_reset,
        name="evaluator_reset",
    ),
    path("<int:pk>/department-reports/", dept.department_reports, name="department_reports"),
    path("<int:pk>/unannounced/", unannounced_views.unannounced_page, name="unannounced"),
    path(
        "<int:pk>/unannounced/draw/",
        unannounced_views.unannounced_draw_view,
        name="unannounced_draw",
    ),
    path(
        "<int:pk>/department-reports/template.xlsx",
        dept.department_list_template_download,
        name="department_list_template",
    ),
    path("<int:pk>/judgements/", judgement.judgements_page, name="judgements"),
    path("<int:pk>/judgements/submit/", judgement.approval_submit_view, name="approval_submit"),
    path("<int:pk>/judgements/<str:code>/", judgement.county_judgement, name="judgement"),
    path(
        "<int:pk>/judgements/<str:code>/approval/",
        judgement.approval_decide_view,
        name="approval_decide",
    ),
    path("<int:pk>/other-checks/<str:code>/", checks.other_checks, name="other_checks"),
    path(
        "<int:pk>/other-checks/<str:code>/procedure/",
        checks.procedure_check,
        name="procedure_check",
    ),
    path(
        "<int:pk>/other-checks/<str:code>/procedure/<int:item_pk>/file/",
        checks.procedure_file,
        name="procedure_file",
    ),
    path(
        "<int:pk>/other-checks/<str:code>/interviews/",
        checks.interview_add,
        name="interview_add",
    ),
    path(
        "<int:pk>/other-checks/<str:code>/standard/",
        checks.standard_check,
        name="standard_check",
    ),
    path(
        "<int:pk>/other-checks/<str:code>/standard/<int:item_pk>/file/",
        checks.standard_file,
        name="standard_file",
    ),
    path("<int:pk>/other-checks/<str:code>/recheck/", checks.recheck_page, name="recheck"),
    path(
        "<int:pk>/other-checks/<str:code>/recheck/draw/",
        checks.recheck_draw_view,
        name="recheck_draw",
    ),
    path(
        "<int:pk>/other-checks/<str:code>/recheck/results/",
        checks.recheck_results_view,
        name="recheck_results",
    ),
    path("<int:pk>/cadre-survey/<str:code>/", cadre_survey, name="cadre_survey"),
    path(
        "<int:pk>/cadre-survey/<str:code>/<int:response_pk>/withdraw/",
        cadre_response_withdraw_view,
        name="cadre_withdraw",
    ),
    path("<int:pk>/submissions/<int:submission_pk>/", submission_page, name="submission"),
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
    path(
        "<int:pk>/rectifications/<int:rect_pk>/files/",
        feedback.rectification_files,
        name="rectification_files",
    ),
    path(
        "<int:pk>/rectifications/<int:rect_pk>/files/<int:evidence_pk>/",
        feedback.rectification_file,
        name="rectification_file",
    ),
]
