"""Only the holder of a post signs in its capacity (DOMAIN.md §5): a non-holder is refused with
the post and its holder named; a stand-in signs with a reason, recorded and printed on the sheet;
a term ended signs no more; a vacant post cannot be signed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from fupin.accounts.models import AuditEntry, Post, Role
from fupin.accounts.posts import post_end
from fupin.accounts.services import membership_grant
from fupin.exits.models import ExitCase, Signature
from fupin.exits.services import ExitError, signature_add
from fupin.exits.signoff_docx import signoff_sheet_docx
from fupin.exits.tests.conftest import Chain
from fupin.regions.models import Level

pytestmark = pytest.mark.django_db

CITY = "621100000000"


def _township_deputy() -> object:
    """A member of 岷阳镇's office who holds no post: who may stand in, with a reason."""
    user = get_user_model().objects.create_user("deputy", first_name="孙副镇长")
    membership_grant(user=user, role=Role.TOWNSHIP_OFFICE, region="621126100000")
    return user


def test_a_non_holder_cannot_sign_and_the_refusal_names_the_post_and_holder(
    noticed_case: ExitCase, chain: Chain
) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    deputy = _township_deputy()
    with pytest.raises(ExitError) as refused:
        signature_add(
            case=noticed_case, level=Level.TOWNSHIP, capacity_code="township_head", user=deputy
        )
    message = str(refused.value)
    assert "乡镇长须由现任岷阳镇乡镇长township_1签字" in message
    assert "孙副镇长（deputy）不是" in message and "须写明代签事由" in message
    assert not Signature.objects.filter(level=Level.TOWNSHIP).exists()


def test_an_officer_of_another_level_cannot_stand_in(noticed_case: ExitCase, chain: Chain) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    with pytest.raises(ExitError, match="代签须由岷阳镇乡\\(镇\\)级扶贫部门成员"):
        signature_add(
            case=noticed_case,
            level=Level.TOWNSHIP,
            capacity_code="township_head",
            user=chain.office[Level.COUNTY],
            stand_in_reason="乡镇长外出",
        )


def test_a_stand_in_signs_with_a_reason_shown_on_the_docx_sheet(
    noticed_case: ExitCase, chain: Chain
) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    deputy = _township_deputy()
    s = signature_add(
        case=noticed_case,
        level=Level.TOWNSHIP,
        capacity_code="township_head",
        user=deputy,
        stand_in_reason="乡镇长住院治疗",
    )
    holder = chain.signers[Level.TOWNSHIP]["township_head"]
    assert (s.user, s.stand_in_for, s.stand_in_reason) == (deputy, holder, "乡镇长住院治疗")
    assert s.post is not None and s.post.holder == holder
    entry = AuditEntry.objects.get(model="Signature", object_key=str(s.pk))
    assert entry.user == deputy and entry.after["stand_in_for"] == holder.get_username()
    # The printed sheet names each signer, and the stand-in with the holder and the reason.
    doc = Document(io.BytesIO(signoff_sheet_docx(noticed_case)))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    village_signer = chain.signers[Level.VILLAGE]["village_leaders"].get_username()
    assert any(village_signer in c for c in cells)
    stood = next(c for c in cells if "孙副镇长（deputy）" in c)
    assert f"代{holder.get_username()}签字" in stood and "乡镇长住院治疗" in stood
    assert "乡镇长住院治疗" in cells
    assert "未签" in cells  # the township's other two capacities are still unsigned


def test_the_sheet_is_downloaded_from_the_case_page(noticed_case: ExitCase, chain: Chain) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    client = Client()
    client.force_login(chain.office[Level.VILLAGE])
    url = reverse("exits:signoff_sheet", args=[noticed_case.pk])
    assert url in client.get(reverse("exits:case", args=[noticed_case.pk])).content.decode()
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"].endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(r.content))
    text = "".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "村党支部书记和村委会主任" in text and "有效" in text
    stranger = Client()
    stranger.force_login(chain.neighbour_county)
    assert stranger.get(url).status_code == 404


def test_an_ended_term_cannot_sign(noticed_case: ExitCase, chain: Chain) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    chain.sign(noticed_case, Level.TOWNSHIP)
    secretary = chain.signers[Level.COUNTY]["county_secretary"]
    city_office = get_user_model().objects.create_user("city_office_clerk")
    membership_grant(user=city_office, role=Role.CITY_OFFICE, region=CITY)
    term = Post.objects.get(holder=secretary, kind="county_secretary")
    post_end(actor=city_office, post=term, end_date=timezone.localdate(), reason="调任")
    with pytest.raises(ExitError, match="岷县县委书记现无任职人，不能签字"):
        signature_add(
            case=noticed_case,
            level=Level.COUNTY,
            capacity_code="county_secretary",
            user=secretary,
        )
    assert not Signature.objects.filter(level=Level.COUNTY).exists()


def test_a_new_holder_signs_and_the_page_shows_who(noticed_case: ExitCase, chain: Chain) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    chain.sign(noticed_case, Level.TOWNSHIP)
    old = chain.signers[Level.COUNTY]["county_secretary"]
    new = get_user_model().objects.create_user("new_secretary", first_name="钱书记")
    membership_grant(user=new, role=Role.COUNTY_OFFICE, region="621126000000")
    term = Post.objects.get(holder=old, kind="county_secretary")
    today = timezone.localdate()
    term.end_date = today - dt.timedelta(days=3)
    term.save(update_fields=["end_date"])
    Post.objects.create(
        region=term.region, kind="county_secretary", holder=new, start_date=term.end_date
    )
    with pytest.raises(ExitError, match="须由现任岷县县委书记钱书记（new_secretary）签字"):
        signature_add(
            case=noticed_case, level=Level.COUNTY, capacity_code="county_secretary", user=old
        )
    s = signature_add(
        case=noticed_case, level=Level.COUNTY, capacity_code="county_secretary", user=new
    )
    assert s.stand_in_for is None and s.post is not None and s.post.holder == new
    client = Client()
    client.force_login(new)
    html = client.get(reverse("exits:case", args=[noticed_case.pk])).content.decode()
    assert "钱书记（new_secretary）" in html


def test_the_api_refuses_a_non_holder_with_403_and_records_a_stand_in(
    noticed_case: ExitCase, chain: Chain
) -> None:
    from rest_framework.test import APIClient

    chain.sign(noticed_case, Level.VILLAGE)
    deputy = _township_deputy()
    api = APIClient()
    api.force_authenticate(deputy)
    url = f"/api/exits/cases/{noticed_case.pk}/sign/"
    r = api.post(url, {"level": "township", "capacity": "township_secretary"})
    assert r.status_code == 400 and "须写明代签事由" in r.json()["detail"]
    outsider = APIClient()
    outsider.force_authenticate(chain.office[Level.CITY])
    r = outsider.post(
        url, {"level": "township", "capacity": "township_secretary", "stand_in_reason": "外出"}
    )
    assert r.status_code == 403
    r = api.post(
        url, {"level": "township", "capacity": "township_secretary", "stand_in_reason": "书记外出"}
    )
    assert r.status_code == 200, r.json()
    row = next(x for x in r.json()["signatures"] if x["level"] == "township")
    assert row["stand_in_reason"] == "书记外出" and row["post"] == "岷阳镇乡镇党委书记"
    assert row["stand_in_for"] == chain.signers[Level.TOWNSHIP]["township_secretary"].username
