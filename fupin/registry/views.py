"""Registry pages: region browser, household lists and household pages (thin; reads via selectors)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from fupin.accounts.scoping import can_view_full_id
from fupin.regions.models import Level
from fupin.registry.models import Attribute, Cause, Person, Relation, Status
from fupin.registry.selectors import (
    children_summary,
    counties_with_data,
    households_for,
    region_summary,
    regions_for,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/home.html", {"rows": counties_with_data(request.user)})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(regions_for(request.user), code=code)
    ancestors = []
    parent = region.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    return render(request, "registry/region.html", {
        "region": region,
        "ancestors": ancestors,
        "summary": region_summary(request.user, region),
        "children": children_summary(request.user, region),
        "is_village": region.level == Level.VILLAGE,
    })


@login_required
def household_list(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(regions_for(request.user), code=code)
    qs = households_for(request.user).filter(village__code__startswith=region.prefix)
    status = request.GET.get("status", "")
    if status == "unregistered":
        qs = qs.filter(registered=False)
    elif status in Status.values:
        qs = qs.filter(status=status)
    attribute = request.GET.get("attribute", "")
    if attribute in Attribute.values:
        qs = qs.filter(attribute=attribute)
    cause = request.GET.get("cause", "")
    if cause in Cause.values:
        qs = qs.filter(main_cause=cause)
    heads = Prefetch("members", queryset=Person.objects.filter(relation=Relation.HEAD), to_attr="heads")
    page = Paginator(qs.select_related("village").prefetch_related(heads), 50).get_page(
        request.GET.get("page"))
    return render(request, "registry/household_list.html", {
        "region": region, "page": page, "status": status, "attribute": attribute, "cause": cause,
        "statuses": Status.choices, "attributes": Attribute.choices, "causes": Cause.choices,
    })


@login_required
def household_detail(request: HttpRequest, household_no: str) -> HttpResponse:
    household = households_for(request.user).select_related("village").filter(
        household_no=household_no).first()
    if household is None:
        raise Http404("没有这户，或无权查看")
    return render(request, "registry/household.html", {
        "h": household,
        "members": household.members.all(),
        "identification": household.identification(),
        "events": household.events.order_by("date", "id"),
        "audit": household.audit.order_by("-at", "-id")[:50],
        "can_view_full_id": can_view_full_id(request.user, household),
    })

