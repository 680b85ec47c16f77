"""The household questionnaire, version 2, frozen as the data migration `questionnaire_v2` installs it.

Recognition (群众认可度) as seed 004 defines it: registered poor households are asked whether the help
to village and household was delivered (落实到村到户), whether it took effect (帮扶成效) and whether
they are satisfied with the results; exited households also on their own exit (as in v1);
non-registered households in poor villages only on the improvement of the village's
infrastructure and public services (v1's fairness question is gone: the seed allows no other
question); a non-registered household in a non-poor village is asked nothing on recognition (no
section applies to it). Every recognition choice of 不满意 is followed by its reason: a text
question with `required_if` {question, equals}, required exactly when that answer was given.

Which answers recognise the work (services/results.py `recognises`, the same rule as for v1 on
v2's codes): a household was asked when it answered any recognition choice (rec_delivered,
rec_effective, rec_satisfied, rec_exit, rec_infrastructure, rec_public_services); it recognises
the work when every one of them is 满意 or 基本满意. 说不清 and 不满意 do not recognise it; the
reasons and the objective check (help_received) are read, never counted.

Kept in a module the migration loader skips (the name starts with "_") so that the migration never
changes; v1 stays installed and its submissions keep their version.
"""

from __future__ import annotations

import copy
from typing import Any

from fupin.assessments.migrations._questionnaire_v1 import RECOGNITION_CHOICES, SCHEMA_V1, _q

NOT_SATISFIED = "not_satisfied"
# The recognition choices of v2 (each followed by `<code>_reason` when answered 不满意).
RECOGNITION_V2 = (
    "rec_delivered",
    "rec_effective",
    "rec_satisfied",
    "rec_exit",
    "rec_infrastructure",
    "rec_public_services",
)


def _recognition(code: str, text: str, short: str) -> list[dict[str, Any]]:
    """A recognition choice and its reason, required when the choice is 不满意."""
    reason = _q(f"{code}_reason", f"不满意的原因（{short}）", "text", required=False)
    reason["required_if"] = {"question": code, "equals": NOT_SATISFIED}
    return [_q(code, text, "choice", choices=RECOGNITION_CHOICES), reason]


def _v1_section(code: str) -> dict[str, Any]:
    return copy.deepcopy(next(s for s in SCHEMA_V1["sections"] if s["code"] == code))


SCHEMA_V2: dict[str, Any] = {
    "version": 2,
    "title": "贫困县退出评估检查入户调查问卷（第二版）",
    "sections": [
        _v1_section("household"),
        _v1_section("income"),
        _v1_section("guarantees"),
        {
            "code": "recognition_registered",
            "title": "群众认可度（建档立卡户：帮扶是否落实、是否见效、对成效是否满意）",
            "applies_to": "registered",
            "questions": [
                _q(
                    "help_received",
                    "本户得到的到户帮扶措施（调查员结合建档立卡信息核实后记录）",
                    "text",
                    required=False,
                ),
                *_recognition(
                    "rec_delivered",
                    "帮扶措施是否落实到村到户（对落实情况是否满意）",
                    "帮扶措施落实到村到户",
                ),
                *_recognition(
                    "rec_effective", "帮扶措施是否见效（对帮扶成效是否认可）", "帮扶成效"
                ),
                *_recognition("rec_satisfied", "对脱贫攻坚的成效是否满意", "对成效的满意程度"),
            ],
        },
        {
            "code": "recognition_exit",
            "title": "群众认可度（已脱贫户）",
            "applies_to": "exited",
            "questions": [
                *_recognition("rec_exit", "是否认可本户脱贫", "本户脱贫"),
                _q("exit_informed", "脱贫时是否知情并签字认可", "bool"),
            ],
        },
        {
            "code": "recognition_public",
            "title": "群众认可度（贫困村非建档立卡户：村基础设施和公共服务改善）",
            "applies_to": "non_registered_poor_village",
            "questions": [
                *_recognition(
                    "rec_infrastructure",
                    "对村里路、水、电等基础设施改善是否满意",
                    "基础设施改善",
                ),
                *_recognition(
                    "rec_public_services",
                    "对学校、卫生室等公共服务改善是否满意",
                    "公共服务改善",
                ),
            ],
        },
        _v1_section("open"),
    ],
}
