"""The household questionnaire, version 1, frozen as the data migration 0002 installs it.

Kept here (a module the migration loader skips, the name starts with "_") so that the migration
never changes when later versions are written; a new version is a new file and a new migration.
`applies_to`: all | registered (建档立卡户) | exited (已脱贫户) | non_registered_poor_village
(贫困村的非建档立卡户). Types: int, number, bool, choice, text.
"""

from __future__ import annotations

from typing import Any

RECOGNITION_CHOICES = [
    {"code": "satisfied", "label": "满意"},
    {"code": "basically", "label": "基本满意"},
    {"code": "not_satisfied", "label": "不满意"},
    {"code": "unclear", "label": "说不清"},
]


def _q(
    code: str,
    text: str,
    type_: str,
    *,
    required: bool = True,
    evidence: bool = False,
    choices: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    q: dict[str, Any] = {"code": code, "text": text, "type": type_, "required": required}
    if evidence:
        q["evidence"] = True
    if choices is not None:
        q["choices"] = choices
    return q


def _guarantee(code: str, text: str) -> list[dict[str, Any]]:
    return [
        _q(code, text, "bool", evidence=True),
        _q(f"{code}_note", f"{text}：情况说明", "text", required=False),
    ]


SCHEMA_V1: dict[str, Any] = {
    "version": 1,
    "title": "贫困县退出评估检查入户调查问卷",
    "sections": [
        {
            "code": "household",
            "title": "家庭基本情况",
            "applies_to": "all",
            "questions": [
                _q("size", "家庭常住人口", "int"),
                _q("labour_count", "有劳动能力人数", "int"),
                _q("school_age_children", "义务教育阶段适龄儿童数", "int"),
                _q("seriously_ill", "患大病、长期慢性病人数", "int"),
                _q("disabled", "残疾人数", "int"),
                _q("dibao", "是否享受低保", "bool"),
                _q(
                    "housing_grade",
                    "住房安全等级",
                    "choice",
                    evidence=True,
                    choices=[
                        {"code": "A", "label": "A级"},
                        {"code": "B", "label": "B级"},
                        {"code": "C", "label": "C级危房"},
                        {"code": "D", "label": "D级危房"},
                    ],
                ),
            ],
        },
        {
            "code": "income",
            "title": "家庭收入（上年，元）",
            "applies_to": "all",
            "questions": [
                _q("income_wages", "工资性收入", "number"),
                _q("income_business", "家庭经营性收入（扣除生产成本）", "number"),
                _q("income_property", "财产性收入", "number"),
                _q("income_transfers", "转移性收入", "number"),
                _q("income_policy_transfers", "其中：政策性收入", "number"),
                _q("income_per_capita", "人均纯收入（调查员核算）", "number"),
            ],
        },
        {
            "code": "guarantees",
            "title": "两不愁三保障及饮水安全",
            "applies_to": "all",
            "questions": [
                *_guarantee("food_ok", "不愁吃"),
                *_guarantee("clothing_ok", "不愁穿"),
                *_guarantee("education_ok", "义务教育有保障（无因贫辍学）"),
                *_guarantee("medical_ok", "基本医疗有保障（参保、大病有救治）"),
                *_guarantee("housing_ok", "住房安全有保障"),
                *_guarantee("water_ok", "饮水安全有保障"),
            ],
        },
        {
            "code": "recognition_registered",
            "title": "群众认可度（建档立卡户）",
            "applies_to": "registered",
            "questions": [
                _q("rec_policy", "对扶贫政策是否满意", "choice", choices=RECOGNITION_CHOICES),
                _q("rec_measures", "对帮扶措施是否满意", "choice", choices=RECOGNITION_CHOICES),
                _q("rec_results", "对帮扶成效是否满意", "choice", choices=RECOGNITION_CHOICES),
                _q("rec_cadres", "对干部帮扶工作是否满意", "choice", choices=RECOGNITION_CHOICES),
            ],
        },
        {
            "code": "recognition_exit",
            "title": "群众认可度（已脱贫户）",
            "applies_to": "exited",
            "questions": [
                _q("rec_exit", "是否认可本户脱贫", "choice", choices=RECOGNITION_CHOICES),
                _q("exit_informed", "脱贫时是否知情并签字认可", "bool"),
            ],
        },
        {
            "code": "recognition_public",
            "title": "群众认可度（贫困村非建档立卡户）",
            "applies_to": "non_registered_poor_village",
            "questions": [
                _q(
                    "rec_infrastructure",
                    "对村里路、水、电等基础设施改善是否满意",
                    "choice",
                    choices=RECOGNITION_CHOICES,
                ),
                _q(
                    "rec_public_services",
                    "对学校、卫生室等公共服务是否满意",
                    "choice",
                    choices=RECOGNITION_CHOICES,
                ),
                _q(
                    "rec_fairness",
                    "对贫困户识别和退出是否公平认可",
                    "choice",
                    choices=RECOGNITION_CHOICES,
                ),
            ],
        },
        {
            "code": "open",
            "title": "开放性问题",
            "applies_to": "all",
            "questions": [
                _q("open_needs", "您家目前最大的困难和需求", "text", required=False),
                _q("open_comments", "对扶贫工作的意见和建议", "text", required=False),
                _q("enumerator_notes", "调查员备注（疑点线索）", "text", required=False),
            ],
        },
    ],
}
