"""`{% person_posts person %}`: the 3342 posts a person holds or held, on the people pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fupin.accounts.posts import kinds_managed_by, posts_of

register = template.Library()


@register.inclusion_tag("accounts/_person_posts.html", takes_context=True)
def person_posts(context: Any, person: Any) -> dict[str, Any]:
    request = context.get("request")
    actor = getattr(request, "user", None)
    return {
        "posts": list(posts_of(person)),
        "today": timezone.localdate(),
        "may_assign": actor is not None and bool(kinds_managed_by(actor)),
    }
