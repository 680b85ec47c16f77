"""Registry pages: region browser, household lists and household pages (thin; reads via selectors),
and the logged full-ID view of one member."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fupin.accounts.models import AuditEntry
from fupin.accounts.scoping import region_prefixes_for, sees_whole_region
from fupin.policy.contact import mask_phone
from fupin.regions.models import Level
from fupin.registry.editing import may_decide, may_prepare
from fupin.registry.forms import EventForm
from fupin.registry.models import Attribute, Cause, Person, Relation, Status
from fupin.registry.selectors import (
    VillagePoints,
    ancestors_for,
    audit_changes,
    audit_entries_filtered,
    audit_rows,
    can_view_full_id,
    child_incidence,
    counties_with_data,
    household_version,
    households_for,
    mask_ids,
    region_dashboard_keyed,
    regions_for,
    registry_version,
    shared_scope_key,
)
from fupin.registry.services import FullIdDenied, person_view_full_id
from fupin.registry.standards import own_standard

# A placeholder village code, replaced in the browser to link each map point to its village.
CODE_PLACEHOLDER = "000000000000"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    rows = counties_with_data(request.user)
    for r in rows:
        # A cadre or an evaluator sees a few households of a village: their share of poor people
        # is not the village's poverty incidence, so it is labelled as what it is.
        r["whole"] = sees_whole_region(request.user, r["region"])
    return render(
        request,
        "registry/home.html",
        {
            "rows": rows,
            "partial": any(not r["whole"] for r in rows),
            "may_import": request.user.is_superuser or bool(region_prefixes_for(request.user)),
        },
    )


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    # With its ancestors up to the province (a village has four), for the breadcrumb.
    above = regions_for(request.user).select_related("parent__parent__parent__parent")
    region = get_object_or_404(above, code=code)
    ancestors = ancestors_for(request.user, region)
    data, key = region_dashboard_keyed(request.user, region)
    villages = data["villages"]
    return render(
        request,
        "registry/region.html",
        {
            "region": region,
            "ancestors": ancestors,
            "summary": data["summary"],
            "children": data["children"],
            "is_village": region.level == Level.VILLAGE,
            "whole": sees_whole_region(request.user, region),
            "unplaced": villages.unplaced if villages else [],
            "dashboard": _dashboard_data(data),
            # The body below the breadcrumb is drawn from the shared figures alone: cached with
            # them, per language (the breadcrumb says which regions this user may open).
            "body_key": f"{key}:{get_language()}" if key is not None else None,
        },
    )


def _dashboard_data(data: dict[str, Any]) -> dict[str, Any]:
    """What dashboard.js draws: chart data from the scoped selectors and the charts' Chinese text."""
    villages: VillagePoints | None = data["villages"]
    placed = villages.placed if villages else []
    return {
        "events": data["events"],
        "causes": data["causes"],
        "children": child_incidence(data["children"]),
        # Compact rows for up to some 12 000 villages: lon, lat, incidence, name, code,
        # households, people, poor people.
        "villages": [
            [
                v["lon"],
                v["lat"],
                v["incidence"],
                v["name"],
                v["code"],
                v["households"],
                v["people"],
                v["poor_people"],
            ]
            for v in placed
        ],
        "village_url": reverse("registry:region", args=[CODE_PLACEHOLDER]),
        "placeholder": CODE_PLACEHOLDER,
        "text": {
            "events": _t("纳入与退出（按年度，户）"),
            "year": _t("年度"),
            "households": _t("户数"),
            "people": _t("人口"),
            "poor_people": _t("未脱贫人口"),
            "causes": _t("主要致贫原因（建档立卡户）"),
            "children": _t("下级区划贫困发生率"),
            "incidence": _t("发生率"),
            "map": _t("各村贫困发生率"),
            "lon": _t("经度"),
            "lat": _t("纬度"),
            "no_data": _t("暂无数据"),
            "click": _t("点击查看该村"),
        },
    }


@login_required
def household_list(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(regions_for(request.user), code=code)
    qs = households_for(request.user).filter(village__code__startswith=region.prefix)
    status = request.GET.get("status", "")
    if status == "unregistered":
        qs = qs.filter(registered=False)
    elif status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    attribute = request.GET.get("attribute", "")
    if attribute in Attribute.values:
        qs = qs.filter(attribute=attribute)
    else:
        attribute = ""
    cause = request.GET.get("cause", "")
    if cause in Cause.values:
        qs = qs.filter(main_cause=cause)
    else:
        cause = ""
    heads = Prefetch(
        "members", queryset=Person.objects.filter(relation=Relation.HEAD), to_attr="heads"
    )
    paginator = Paginator(qs.select_related("village").prefetch_related(heads), 50)
    shared = shared_scope_key(request.user)
    version = registry_version() if shared is not None else None
    if shared is not None:
        _count_from_cache(
            paginator, f"{version}:{shared}:{region.code}:{status}:{attribute}:{cause}"
        )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "registry/household_list.html",
        {
            "region": region,
            "page": page,
            "status": status,
            "attribute": attribute,
            "cause": cause,
            "statuses": Status.choices,
            "attributes": Attribute.choices,
            "causes": Cause.choices,
            # The filter form (some thirty choices) depends only on these and the language.
            "language": get_language(),
            # The table of the page is the same for every user who sees the same households
            # (ID numbers are masked on it for everyone): cached under the registry's version
            # with the query string (its page links) and the language.
            "rows_key": (
                f"{version}:{shared}:{region.code}:{page.number}:{get_language()}:"
                f"{request.GET.urlencode()}"
                if shared is not None
                else None
            ),
        },
    )


def _count_from_cache(paginator: Paginator, key: str) -> None:
    """The list's COUNT(*) (tens of thousands of a county's households, on every page of it)
    once per registry version, shared by the users who see the same households."""
    key = f"fupin:households:count:{key}"
    count = cache.get(key)
    if count is None:
        cache.set(key, paginator.count, timeout=24 * 3600)
    else:
        paginator.count = count


@login_required
def household_detail(
    request: HttpRequest, household_no: str, *, event_form: Any = None, status: int = 200
) -> HttpResponse:
    household = (
        households_for(request.user)
        .select_related("village")
        .filter(household_no=household_no)
        .annotate(version=household_version())
    ).first()
    if household is None:
        raise Http404("没有这户，或无权查看")
    full_id = can_view_full_id(request.user, household)
    work = _work_context(request, household, event_form)
    # The page's two tables-heavy parts are drawn from the household's records alone, the same
    # for every user allowed to open it (ID numbers masked) but for what the key names: they are
    # cached under the newest audit row that is this household's or a change to registry data
    # (every change writes one; a logged full-ID view of this household is one too), so that a
    # change shows at once. What they read is read only when they are drawn (lazy).
    body_key = (
        f"{household.version or 0}:{household.pk}:{int(full_id)}:"
        f"{int(work['may_prepare'])}:{get_language()}"
    )
    return render(
        request,
        "registry/household.html",
        {
            "h": household,
            "other_causes": [
                str(Cause(c).label) if c in Cause.values else c
                for c in household.other_cause_list()
            ],
            "members": SimpleLazyObject(lambda: list(_with_members(household).members.all())),
            # Judged against the standard it was identified under, not always the national one.
            "own_standard": SimpleLazyObject(lambda: own_standard(_with_members(household))),
            "events": household.events.order_by("date", "id"),
            # Imports nest members' ID numbers in before/after: audit_changes masks them at any depth.
            "audit": SimpleLazyObject(
                lambda: [
                    {"entry": e, "changes": audit_changes(e), "note": mask_ids(e.note)}
                    for e in household.audit.order_by("-at", "-id")[:50]
                ]
            ),
            "can_view_full_id": full_id,
            # 联系电话 is personal data: whole only to those who see the full ID numbers.
            "phone": household.phone if full_id else mask_phone(household.phone),
            "body_key": body_key,
            **work,
        },
        status=status,
    )


def _with_members(household: Any) -> Any:
    """The household with its members read (once: the table and the standard's judgement)."""
    prefetch_related_objects([household], "members")
    return household


def _work_context(request: HttpRequest, household: Any, event_form: Any) -> dict[str, Any]:
    """What the household page offers an office: the event form (county), the edit links
    (township or county), the identification cases and the evidence files."""
    decide = may_decide(request.user, household)
    form = event_form or (EventForm() if decide else None)
    return {
        "may_prepare": may_prepare(request.user, household),
        "may_decide": decide,
        "event_form": form,
        "event_form_html": (
            None if form is None else form.as_p() if form.is_bound else _blank_event_form()
        ),
        "cases": household.identification_cases.order_by("-opened_on", "-id"),
        "evidence": household.evidence.all()[:50],
    }


_BLANK_FORMS: dict[str | None, str] = {}


def _blank_event_form() -> str:
    """The empty event form's HTML, rendered once per language (Django renders a form through
    its templates, field by field: a few milliseconds on every household page otherwise)."""
    language = get_language()
    if (html := _BLANK_FORMS.get(language)) is None:
        html = _BLANK_FORMS[language] = EventForm().as_p()
    return html


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_full_id(request: HttpRequest, household_no: str, person_pk: int) -> HttpResponse:
    """GET asks for confirmation (the number stays masked); POST shows it and logs the view."""
    person = (
        Person.objects.select_related("household__village")
        .filter(
            pk=person_pk,
            household__household_no=household_no,
            household__in=households_for(request.user),
        )
        .first()
    )
    if person is None:
        raise Http404("没有这个人，或无权查看")
    if not can_view_full_id(request.user, person.household):
        return render(
            request, "registry/full_id.html", {"person": person, "denied": True}, status=403
        )
    full_id = None
    if request.method == "POST":
        try:
            full_id = person_view_full_id(
                user=request.user,
                household_no=household_no,
                person_pk=person_pk,
            ).id_number
        except (Person.DoesNotExist, FullIdDenied) as e:  # changed between the two reads
            raise Http404("没有这个人，或无权查看") from e
    return render(request, "registry/full_id.html", {"person": person, "full_id": full_id})


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("全部"))] + AuditEntry.Action.choices
    )
    actor = forms.CharField(label=_("操作人"), required=False, max_length=64)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The audit rows the user may read, newest first, with filters (invalid filters are ignored)."""
    form = AuditFilterForm(request.GET)
    form.is_valid()  # every field is optional; a bad date drops that filter and shows why
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    qs = audit_entries_filtered(
        request.user,
        action=data.get("action", ""),
        actor=data.get("actor", ""),
        since=data.get("since"),
        until=data.get("until"),
    )
    region = None
    if code := data.get("region"):
        region = get_object_or_404(regions_for(request.user), code=code)
        qs = qs.filter(household__village__code__startswith=region.prefix)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = audit_rows(page)  # the page's records named in a fixed number of queries
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "region": region,
            "query": query.urlencode(),
        },
    )
