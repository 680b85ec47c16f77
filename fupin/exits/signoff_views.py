"""The printed 3342 sign-off sheet (Word) of a case in the user's scope (/exits/<pk>/signoff.docx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from fupin.exits import selectors as sel
from fupin.exits.signoff_docx import signoff_sheet_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def signoff_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    case = (
        sel.exit_cases_for(request.user)
        .select_related("region__parent", "household")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("没有这个退出事项，或无权查看")
    response = HttpResponse(signoff_sheet_docx(case), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="signoff-{case.pk}.docx"'
    return response
