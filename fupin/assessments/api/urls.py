"""The assessment API's routes; mounted under /api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from fupin.assessments.api import (
    assignments,
    cadre_survey,
    campaign_moves,
    campaign_roles,
    department_reports,
    draws,
    evaluators,
    field,
    followup,
    judgement,
    other_checks,
    results,
    submissions_read,
    unannounced,
    views,
)

app_name = "assessments-api"

# SimpleRouter: no browsable root or format-suffix routes to scope.
router = SimpleRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("problems", views.ProblemViewSet, basename="problem")

urlpatterns = [
    path("submissions/", views.SubmissionView.as_view(), name="submissions"),
    path(
        "campaigns/<int:campaign_id>/results/",
        results.CampaignResultsView.as_view(),
        name="campaign-results",
    ),
    path(
        "campaigns/<int:campaign_id>/decisions/",
        results.CampaignDecisionsView.as_view(),
        name="campaign-decisions",
    ),
    path(
        "campaigns/<int:campaign_id>/evaluators/",
        evaluators.CampaignEvaluatorsView.as_view(),
        name="campaign-evaluators",
    ),
    path("institutions/", evaluators.InstitutionsView.as_view(), name="institutions"),
    path(
        "campaigns/<int:campaign_id>/assignments/",
        assignments.CampaignAssignmentsView.as_view(),
        name="campaign-assignments",
    ),
    path(
        "campaigns/<int:campaign_id>/draws/",
        draws.CampaignDrawsView.as_view(),
        name="campaign-draws",
    ),
    path(
        "campaigns/<int:campaign_id>/transition/",
        campaign_moves.CampaignMoveView.as_view(),
        name="campaign-transition",
    ),
    path(
        "campaigns/<int:campaign_id>/roles/",
        campaign_roles.CampaignRolesView.as_view(),
        name="campaign-roles",
    ),
    path(
        "campaigns/<int:campaign_id>/department-reports/",
        department_reports.CampaignDepartmentReportsView.as_view(),
        name="campaign-department-reports",
    ),
    path(
        "campaigns/<int:campaign_id>/other-checks/<str:code>/procedure/",
        other_checks.ProcedureCheckView.as_view(),
        name="county-procedure-check",
    ),
    path(
        "campaigns/<int:campaign_id>/other-checks/<str:code>/interviews/",
        other_checks.InterviewsView.as_view(),
        name="county-interviews",
    ),
    path(
        "campaigns/<int:campaign_id>/other-checks/<str:code>/standard/",
        other_checks.StandardCheckView.as_view(),
        name="county-standard-check",
    ),
    path(
        "campaigns/<int:campaign_id>/other-checks/<str:code>/recheck/",
        other_checks.RecheckView.as_view(),
        name="county-recheck",
    ),
    path(
        "campaigns/<int:campaign_id>/other-checks/<str:code>/recheck/draw/",
        other_checks.RecheckDrawView.as_view(),
        name="county-recheck-draw",
    ),
    path(
        "campaigns/<int:campaign_id>/other-checks/<str:code>/recheck/results/",
        other_checks.RecheckResultsView.as_view(),
        name="county-recheck-results",
    ),
    path(
        "campaigns/<int:campaign_id>/unannounced/",
        unannounced.CampaignUnannouncedView.as_view(),
        name="campaign-unannounced",
    ),
    path(
        "campaigns/<int:campaign_id>/unannounced/draw/",
        unannounced.CampaignUnannouncedDrawView.as_view(),
        name="campaign-unannounced-draw",
    ),
    path(
        "campaigns/<int:campaign_id>/judgements/",
        judgement.CampaignJudgementsView.as_view(),
        name="campaign-judgements",
    ),
    path(
        "campaigns/<int:campaign_id>/judgements/<str:code>/",
        judgement.CountyJudgementView.as_view(),
        name="county-judgement",
    ),
    path(
        "campaigns/<int:campaign_id>/approval/",
        judgement.CampaignApprovalView.as_view(),
        name="campaign-approval",
    ),
    path(
        "campaigns/<int:campaign_id>/approval/<str:code>/",
        judgement.CountyApprovalView.as_view(),
        name="county-approval",
    ),
    path(
        "campaigns/<int:campaign_id>/cadre-survey/<str:code>/",
        cadre_survey.CadreSurveyView.as_view(),
        name="county-cadre-survey",
    ),
    path(
        "campaigns/<int:campaign_id>/cadre-survey/<str:code>/<int:response_id>/withdraw/",
        cadre_survey.CadreResponseWithdrawView.as_view(),
        name="county-cadre-survey-withdraw",
    ),
    path(
        "campaigns/<int:campaign_id>/submissions/<int:submission_id>/",
        submissions_read.SubmissionReadView.as_view(),
        name="campaign-submission",
    ),
    path("field/assignments/", field.FieldAssignmentsView.as_view(), name="field-assignments"),
    path(
        "field/questionnaire/", field.FieldQuestionnaireView.as_view(), name="field-questionnaire"
    ),
    path(
        "campaigns/<int:campaign_id>/feedback/",
        followup.CampaignFeedbackView.as_view(),
        name="campaign-feedback",
    ),
    path(
        "campaigns/<int:campaign_id>/feedback/<int:item_id>/rectification/",
        followup.FeedbackItemRectificationView.as_view(),
        name="feedback-rectification",
    ),
    path(
        "campaigns/<int:campaign_id>/rectifications/<int:rectification_id>/transition/",
        followup.RectificationTransitionView.as_view(),
        name="rectification-transition",
    ),
    path(
        "campaigns/<int:campaign_id>/rectifications/<int:rectification_id>/files/",
        followup.RectificationFilesView.as_view(),
        name="rectification-files",
    ),
    path(
        "campaigns/<int:campaign_id>/rectifications/<int:rectification_id>/files/<int:file_id>/",
        followup.RectificationFileView.as_view(),
        name="rectification-file",
    ),
    path(
        "campaigns/<int:campaign_id>/report.docx",
        followup.CampaignReportDocxView.as_view(),
        name="campaign-report-docx",
    ),
    path(
        "campaigns/<int:campaign_id>/samples.xlsx",
        followup.CampaignSamplesXlsxView.as_view(),
        name="campaign-samples-xlsx",
    ),
    path(
        "campaigns/<int:campaign_id>/problems.xlsx",
        followup.CampaignProblemsXlsxView.as_view(),
        name="campaign-problems-xlsx",
    ),
    path("", include(router.urls)),
]
