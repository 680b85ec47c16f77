"""A post holder with no office role opens and signs the case they sign (issue #16): a post is no
role, so without this the 3342 signer could not reach the case page, its sign-off sheet or the API
— and only the cases of their post's region, never a neighbour township's or the county's."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fupin.accounts.models import Membership
from fupin.exits.models import ExitCase, Signature
from fupin.exits.tests.conftest import Chain
from fupin.exits.workflows import ExitKind, ExitStatus
from fupin.regions.models import Level, Region


def _other_cases() -> list[ExitCase]:
    """A village exit in 梅川镇 (another township of 岷县) and 岷县's own exit."""
    county = Region.objects.get(code="621126000000")
    township = Region.objects.create(
        code="621126101000", name="梅川镇", level=Level.TOWNSHIP, parent=county
    )
    village = Region.objects.create(
        code="621126101001", name="西寨村", level=Level.VILLAGE, parent=township
    )
    return [
        ExitCase.objects.create(
            kind=ExitKind.VILLAGE, region=village, year=2019, status=ExitStatus.NOTICED
        ),
        ExitCase.objects.create(kind=ExitKind.COUNTY, region=county, year=2019),
    ]


def test_a_holder_with_no_office_role_opens_and_signs_only_their_regions_case(
    noticed_case: ExitCase, chain: Chain
) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    secretary = chain.signers[Level.TOWNSHIP]["township_secretary"]
    Membership.objects.filter(user=secretary).delete()  # the post alone, no office role
    others = _other_cases()
    client = Client()
    client.force_login(secretary)

    page = client.get(reverse("exits:case", args=[noticed_case.pk]))
    assert page.status_code == 200
    assert 'value="township:township_secretary"' in page.content.decode()
    listed = client.get(reverse("exits:list")).content.decode()
    assert reverse("exits:case", args=[noticed_case.pk]) in listed

    r = client.post(
        reverse("exits:sign", args=[noticed_case.pk]), {"capacity": "township:township_secretary"}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    s = Signature.objects.get(case=noticed_case, level=Level.TOWNSHIP)
    assert (s.user, s.capacity, s.stand_in_for) == (secretary, "township_secretary", None)
    sheet = client.get(reverse("exits:signoff_sheet", args=[noticed_case.pk]))
    assert sheet.status_code == 200 and sheet["Content-Type"].endswith("document")

    api = APIClient()
    api.force_authenticate(secretary)
    assert api.get(f"/api/exits/cases/{noticed_case.pk}/").status_code == 200
    for other in others:
        assert client.get(reverse("exits:case", args=[other.pk])).status_code == 404
        assert client.get(reverse("exits:signoff_sheet", args=[other.pk])).status_code == 404
        assert api.get(f"/api/exits/cases/{other.pk}/").status_code == 404
        assert reverse("exits:case", args=[other.pk]) not in listed


def test_a_holder_signs_through_the_api_and_an_ended_term_opens_only_what_it_signed(
    noticed_case: ExitCase, chain: Chain
) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    head = chain.signers[Level.TOWNSHIP]["township_head"]
    Membership.objects.filter(user=head).delete()
    api = APIClient()
    api.force_authenticate(head)
    r = api.post(
        f"/api/exits/cases/{noticed_case.pk}/sign/",
        {"level": "township", "capacity": "township_head"},
    )
    assert r.status_code == 200, r.json()
    village_case = ExitCase.objects.create(
        kind=ExitKind.VILLAGE, region=noticed_case.region, year=2019, status=ExitStatus.NOTICED
    )
    assert api.get(f"/api/exits/cases/{village_case.pk}/").status_code == 200
    # The term ends today: the case signed stays open to its signer, the unsigned one does not.
    head.posts.update(end_date=timezone.localdate())  # type: ignore[attr-defined]
    assert api.get(f"/api/exits/cases/{village_case.pk}/").status_code == 404
    assert api.get(f"/api/exits/cases/{noticed_case.pk}/").status_code == 200
