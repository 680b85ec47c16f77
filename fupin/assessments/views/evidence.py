"""Evidence files: served only to a user who may see a problem the evidence belongs to, and audited.

Visibility is the problem page's own (`campaign_or_404` then `problems_for`): evidence is reachable
through a problem of the campaign that the user may see and that may cite it (its own files, its
questionnaire's, its explanations', its unannounced finding's). Anything else, including a guess at
another campaign's evidence or a rectification's proof, is a 404 that says nothing.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import IO

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from fupin.assessments.models import Evidence
from fupin.assessments.services.evidence_access import evidence_open
from fupin.assessments.views.common import campaign_or_404, problems_for

# Shown in the browser; every other type (SVG included: it can carry script) is a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def _citing(evidence: Evidence) -> Q:
    """The problems that may cite this evidence (what `common.evidence_of` lists, inverted)."""
    q = Q(pk__in=[])
    if evidence.problem_id:
        q |= Q(pk=evidence.problem_id)
    if evidence.explanation_id:
        q |= Q(explanations__pk=evidence.explanation_id)
    if evidence.submission_id:
        q |= Q(submission_id=evidence.submission_id)
    if evidence.finding_id:
        q |= Q(finding_id=evidence.finding_id)
    return q


def _download_name(evidence: Evidence) -> str:
    if evidence.original_name:
        return PurePath(evidence.original_name).name
    return f"{evidence.sha256[:12]}{PurePath(evidence.file.name).suffix}"


def _content_type(evidence: Evidence) -> str:
    for name in (evidence.original_name, evidence.file.name):
        guessed, encoding = mimetypes.guess_type(name or "")
        if guessed and not encoding:
            return guessed
    return "application/octet-stream"


@login_required
@require_safe
def evidence_file(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    campaign = campaign_or_404(request, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk)
    problem = (
        problems_for(request.user, campaign)
        .filter(_citing(evidence))
        .select_related("household")
        .order_by("id")
        .first()
    )
    if problem is None:
        raise Http404
    try:
        handle = evidence_open(evidence=evidence, problem=problem, user=request.user)
    except FileNotFoundError:
        raise Http404 from None
    return evidence_response(evidence, handle)


def evidence_response(evidence: Evidence, handle: IO[bytes]) -> FileResponse:
    """The opened file as a download (an image inline), never run or sniffed by the browser."""
    content_type = _content_type(evidence)
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        filename=_download_name(evidence),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
