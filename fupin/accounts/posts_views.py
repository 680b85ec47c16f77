"""The posts pages (/people/posts/): the office above lists the 3342 posts of its regions with
their current and past holders, assigns a holder for a term and ends a term (after a
confirmation). Thin: every step is a service in fupin.accounts.posts; a post outside the office's
regions is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fupin.accounts.people import PeopleError, people_for, region_find
from fupin.accounts.people_forms import REGION_HELP, RegionInput
from fupin.accounts.people_views import office_required
from fupin.accounts.posts import (
    PostError,
    holder_find,
    kinds_managed_by,
    person_name,
    post_assign,
    post_end,
    post_regions,
    posts_managed_by,
)
from fupin.errors import error_page
from fupin.paging import page_of, search_text

DATE = forms.DateInput(attrs={"type": "date"})


class PostAssignForm(forms.Form):
    region = forms.CharField(
        label=_("所在地区"), max_length=100, widget=RegionInput(), help_text=REGION_HELP
    )
    kind = forms.ChoiceField(label=_("职务"))
    holder = forms.CharField(
        label=_("任职人"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "post-people", "autocomplete": "off", "size": 28}),
        help_text=_("填写用户名或姓名，可从提示中选择"),
    )
    start_date = forms.DateField(label=_("任职日期"), widget=DATE)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—— 请选择 ——"), *kinds_managed_by(actor)]  # type: ignore[attr-defined]


class PostEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("离任日期"), widget=DATE, help_text=_("自该日起不再担任，不能再以该职务签字")
    )
    reason = forms.CharField(label=_("说明（可空）"), max_length=150, required=False)


def _people_suggestions(request: HttpRequest) -> list[str]:
    people = people_for(request.user).filter(is_active=True).order_by("username")[:3000]
    return [person_name(p) for p in people]


def _page(request: HttpRequest, form: PostAssignForm, status: int = 200) -> HttpResponse:
    q = search_text(request)
    posts = posts_managed_by(request.user)
    if q:
        posts = posts.filter(
            Q(region__name__icontains=q)
            | Q(region__code__startswith=q)
            | Q(holder__first_name__icontains=q)
            | Q(holder__username__icontains=q)
        )
    current = request.GET.get("current") == "1"
    if current:
        today = timezone.localdate()
        posts = posts.filter(start_date__lte=today).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=today)
        )
    page = page_of(request, posts.order_by("region__code", "kind", "-start_date", "-id"))
    return render(
        request,
        "accounts/posts.html",
        {
            "page": page,
            "q": q,
            "current": current,
            "today": timezone.localdate(),
            "form": form,
            "regions": list(post_regions(request.user).only("code", "name")[:3000]),
            "people": _people_suggestions(request),
            "search_placeholder": "地区名称、区划代码或任职人",
        },
        status=status,
    )


@office_required
def posts_list(request: HttpRequest) -> HttpResponse:
    if not kinds_managed_by(request.user):
        return error_page(
            request,
            403,
            "职务由上级扶贫办任免：县扶贫办管乡村两级职务，市(州)扶贫办管县级职务，"
            "省扶贫办管市(州)级职务；您的单位不任免职务。",
        )
    return _page(request, PostAssignForm(actor=request.user))


@office_required
@require_http_methods(["POST"])
def posts_assign(request: HttpRequest) -> HttpResponse:
    form = PostAssignForm(request.POST, actor=request.user)
    if form.is_valid():
        d = form.cleaned_data
        region = holder = None
        try:
            region = region_find(request.user, d["region"], field="所在地区")
        except PeopleError as exc:
            form.add_error("region", str(exc))
        try:
            holder = holder_find(request.user, d["holder"])
        except PeopleError as exc:
            form.add_error("holder", str(exc))
        if region is not None and holder is not None:
            try:
                post_assign(
                    actor=request.user,
                    region=region,
                    kind=d["kind"],
                    holder=holder,
                    start_date=d["start_date"],
                )
            except PeopleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(f"{reverse('people:posts')}?q={region.code}")
    return _page(request, form, status=400)


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def posts_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = posts_managed_by(request.user).filter(pk=pk).first()
    if post is None:
        raise Http404("职务不存在或不在本单位辖区内")
    back = f"{reverse('people:posts')}?q={post.region.code}"
    form = PostEndForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            post_end(actor=request.user, post=post, end_date=d["end_date"], reason=d["reason"])
        except PostError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(back)
    return render(
        request,
        "accounts/post_end.html",
        {
            "post": post,
            "holder": person_name(post.holder),
            "form": form,
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
    )
