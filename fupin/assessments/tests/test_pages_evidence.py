"""Evidence downloads: served with safe headers to whoever may see the problem, 404 to others, audited."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Evidence
from fupin.assessments.services import evidence_receive, problem_explain
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import (
    attach_photo,
    body,
    confirmed_problem,
    decide,
    raise_problem,
    scoped,
    to_status,
)

pytestmark = pytest.mark.django_db

PHOTO = b"\xff\xd8\xff\xe0 photo of the leaking roof"


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def url(w: World, evidence: Evidence) -> str:
    return f"/assessments/{w.campaign.pk}/evidence/{evidence.pk}/"


def downloads(evidence: Evidence) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model="Evidence", object_key=str(evidence.pk)))


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_an_allowed_user_gets_the_photo_inline_with_the_right_bytes_and_it_is_audited(
    client: Any, w: World
):
    problem = raise_problem(w)
    photo = attach_photo(problem, PHOTO)
    client.force_login(w.enumerator_user)
    response = client.get(url(w, photo))
    assert response.status_code == 200
    assert content(response) == PHOTO
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert 'filename="roof.jpg"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    [entry] = downloads(photo)
    assert (entry.user, entry.household) == (w.enumerator_user, w.household)
    assert entry.after["problem"] == problem.pk and "查看证据材料" in entry.note


def test_a_document_is_an_attachment(client: Any, w: World):
    problem = raise_problem(w)
    data = b"<html><script>alert(1)</script></html>"
    page, _ = evidence_receive(
        owner=problem,
        kind="document",
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        filename="村委会说明.html",
        actor="t",
    )
    client.force_login(w.working_group)
    response = client.get(url(w, page))
    assert response.status_code == 200 and content(response) == data
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(downloads(page)) == 1


def test_users_who_may_not_see_the_problem_get_404_and_nothing_is_audited(client: Any, w: World):
    photo = attach_photo(raise_problem(w), PHOTO)
    # During fieldwork the county offices see no campaign; the other team's enumerator has no
    # membership at all.
    for user in (w.county_officer, w.neighbour_officer, w.outsider_user):
        client.force_login(user)
        assert client.get(url(w, photo)).status_code == 404
    client.force_login(w.working_group)
    assert (
        client.get(f"/assessments/{w.campaign.pk}/evidence/{photo.pk + 1000}/").status_code == 404
    )
    assert (
        client.get(f"/assessments/{w.campaign.pk + 1000}/evidence/{photo.pk}/").status_code == 404
    )
    assert downloads(photo) == []


def test_once_decided_the_countys_office_may_open_it_and_the_neighbours_may_not(
    client: Any, w: World
):
    problem = confirmed_problem(w)
    [photo] = list(Evidence.objects.filter(problem=problem))
    decide(w)
    client.force_login(w.neighbour_officer)  # sees the decided campaign, but nothing of 岷县
    assert client.get(url(w, photo)).status_code == 404
    client.force_login(w.county_officer)
    response = client.get(url(w, photo))
    assert response.status_code == 200 and content(response) == b"photo of the leaking roof"
    assert [e.user for e in downloads(photo)] == [w.county_officer]


def test_an_explanations_document_opens_through_its_problem(client: Any, w: World):
    problem = to_status(w, raise_problem(w), "explaining")
    explanation = problem_explain(problem=problem, user=w.county_officer, text="已纳入低保")
    data = b"%PDF-1.4 dibao certificate"
    doc, _ = evidence_receive(
        owner=explanation,
        kind="document",
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        filename="低保证明.pdf",
        user=w.county_officer,
    )
    client.force_login(w.lead_expert)
    response = client.get(url(w, doc))
    assert response.status_code == 200 and content(response) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_anonymous_users_are_sent_to_log_in(client: Any, w: World):
    photo = attach_photo(raise_problem(w), PHOTO)
    response = client.get(url(w, photo))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert downloads(photo) == []


def test_the_problem_page_links_each_evidence_file(client: Any, w: World):
    problem = raise_problem(w)
    photo = attach_photo(problem, PHOTO)
    client.force_login(w.working_group)
    page = body(client.get(f"/assessments/{w.campaign.pk}/problems/{problem.pk}/"))
    assert f'href="{url(w, photo)}"' in page
