"""The assessment models, one module per idea; import them from here."""

from fupin.assessments.models.base import AppendOnly, AppendOnlyError
from fupin.assessments.models.campaigns import (
    Campaign,
    CampaignTransition,
    default_sampling,
    sampling_errors,
)
from fupin.assessments.models.checks import (
    Interview,
    ProcedureDocument,
    ProcedureFinding,
    ProcedureItem,
)
from fupin.assessments.models.department_kinds import DepartmentKind
from fupin.assessments.models.draws import Draw, DrawItem, DrawLevel, frame_checksum
from fupin.assessments.models.evaluators import (
    Assignment,
    Enumerator,
    Expert,
    ExpertCounty,
    Institution,
    InstitutionCounty,
    Team,
    TeamHousehold,
    team_errors,
)
from fupin.assessments.models.followup import (
    DepartmentReport,
    FeedbackItem,
    FeedbackList,
    Rectification,
    RectificationStep,
    UnannouncedFinding,
)
from fupin.assessments.models.judgement import (
    ApprovalAction,
    ApprovalStatus,
    ApprovalStep,
    CountyApproval,
    Judgement,
)
from fupin.assessments.models.results import (
    AssessedFigure,
    Clarity,
    CountyDecision,
    CountyResult,
    Verdict,
)
from fupin.assessments.models.surveys import (
    Evidence,
    EvidenceKind,
    EvidenceStorage,
    Questionnaire,
    Submission,
    evidence_storage,
)
from fupin.assessments.models.verification import Problem, ProblemExplanation, ProblemStep

__all__ = [
    "AppendOnly",
    "ApprovalAction",
    "ApprovalStatus",
    "ApprovalStep",
    "CountyApproval",
    "DepartmentKind",
    "Judgement",
    "AppendOnlyError",
    "AssessedFigure",
    "Assignment",
    "Campaign",
    "CampaignTransition",
    "Clarity",
    "CountyDecision",
    "CountyResult",
    "DepartmentReport",
    "Draw",
    "DrawItem",
    "DrawLevel",
    "Enumerator",
    "Evidence",
    "EvidenceKind",
    "EvidenceStorage",
    "Expert",
    "ExpertCounty",
    "FeedbackItem",
    "FeedbackList",
    "Institution",
    "InstitutionCounty",
    "Interview",
    "Problem",
    "ProcedureDocument",
    "ProcedureFinding",
    "ProcedureItem",
    "ProblemExplanation",
    "ProblemStep",
    "Questionnaire",
    "Rectification",
    "RectificationStep",
    "Submission",
    "Team",
    "TeamHousehold",
    "UnannouncedFinding",
    "Verdict",
    "default_sampling",
    "evidence_storage",
    "frame_checksum",
    "sampling_errors",
    "team_errors",
]
