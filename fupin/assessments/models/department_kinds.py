"""The kinds of problem the departments in charge of 两不愁三保障 list (部门提供情况, seed 004)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    EDUCATION = "education", _("义务教育（教育部门）")
    HEALTH = "health", _("基本医疗（卫生健康部门）")
    HOUSING = "housing", _("住房安全（住房城乡建设部门）")
    WATER = "water", _("饮水安全（水利部门）")
