"""`{% site_nav %}`: the header's links, drawn once per kind of user and language.

The navigation depends only on whether the user is signed in, is a superuser and manages people
(`may_manage_people`), and on the language and the URL prefix: its HTML is rendered once per such
combination and process (a dozen `{% url %}` and `{% translate %}` on every page otherwise). The
two parts that belong to the request, the user's name and the logout form's CSRF field, are put
into the drawn HTML on each request (the name escaped).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from fupin.accounts.people import may_manage_people

register = template.Library()

# Private-use characters: no translation, URL or tag of the navigation contains them.
_USERNAME = "\ue000username\ue000"
_CSRF = "\ue000csrf\ue000"
_DRAWN: dict[tuple[Any, ...], str] = {}


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> SafeString:
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    superuser = signed_in and bool(user.is_superuser)
    manages = signed_in and may_manage_people(user)
    key = (get_language(), get_script_prefix(), get_urlconf(), signed_in, superuser, manages)
    html = _DRAWN.get(key)
    if html is None:
        html = _DRAWN[key] = render_to_string(
            "_nav.html",
            {
                "authenticated": signed_in,
                "superuser": superuser,
                "manages_people": manages,
                "username": mark_safe(_USERNAME),
                "csrf_input": mark_safe(_CSRF),
            },
        ).removesuffix("\n")  # the template's last line break: base.html has its own
    if signed_in:
        html = html.replace(_USERNAME, conditional_escape(user.get_username())).replace(
            _CSRF, CsrfTokenNode().render(context)
        )
    return mark_safe(html)
