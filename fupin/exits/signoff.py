"""The 3342 sign-off (脱贫验收责任体系): bottom-up signatures on fingerprinted data, voids, finality.

What a level signs is the case's criteria data plus the signatures of the level below (their ids
and fingerprints), so a signature covers everything under it the way a DHIS2 approval covers the
levels below. A signature counts only while its fingerprint equals that of the data as it stands:
when the facts change after signing, the signatures that signed them (and, through the chain,
every level above) are voided with the reason named; unapproval comes only from a higher level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, sha256_json
from fupin.accounts.grants import role_label
from fupin.accounts.models import AuditEntry, Post
from fupin.accounts.posts import POST_MANAGER, person_name, post_current
from fupin.accounts.scoping import office_levels
from fupin.exits.common import ExitError, User
from fupin.exits.criteria import FACT_LABELS, case_facts
from fupin.exits.models import ExitCase, ExitStep, Signature, SignatureVoid
from fupin.exits.workflows import (
    CAPACITIES,
    LEVEL_ORDER,
    SIGNABLE_STATUSES,
    SIGNOFF_CHAINS,
    Capacity,
    ExitKind,
    ExitStatus,
    SignerKind,
    VoidKind,
    capacity,
    level_label,
)
from fupin.regions.models import LEVEL_DIGITS, Level, Region


@dataclass
class LevelState:
    """One level of a case's chain now: the data it signs, and its signatures judged against it."""

    level: str
    data: dict[str, Any]
    fingerprint: str
    current: list[Signature] = field(default_factory=list)
    stale: list[tuple[Signature, str]] = field(default_factory=list)  # (signature, why)
    missing: list[Capacity] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def label(self) -> str:
        return level_label(self.level)


def _level_data(
    case: ExitCase, level: str, facts: dict[str, Any], below: list[Signature]
) -> dict[str, Any]:
    return {
        "case": case.pk,
        "kind": case.kind,
        "subject": case.subject_code,
        "year": case.year,
        "level": level,
        "facts": facts,
        "below": [[s.level, s.capacity, s.pk, s.fingerprint] for s in sorted(below, key=_pk)],
    }


def _pk(s: Signature) -> int:
    return int(s.pk)


def _show(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _why(signed: dict[str, Any], now: dict[str, Any]) -> str:
    """What changed between the data signed and the data now, in words."""
    old, new = signed.get("facts", {}), now["facts"]
    changes = [
        f"{FACT_LABELS.get(k, k)}由 {_show(old.get(k))} 改为 {_show(new.get(k))}"
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    ]
    parts = [f"签字后数据已变更：{'，'.join(changes)}"] if changes else []
    if signed.get("below") != now["below"]:
        below = _below_label(now)
        parts.append(f"{below}签字已作废或重签" if below else "下级签字已变更")
    if not parts:
        parts.append("签字后退出事项信息已变更")
    return "；".join(parts)


def _below_label(data: dict[str, Any]) -> str:
    chain = SIGNOFF_CHAINS[data["kind"]]
    i = chain.index(data["level"])
    return level_label(chain[i - 1]) if i > 0 else ""


def signoff_evaluate(case: ExitCase, facts: dict[str, Any] | None = None) -> list[LevelState]:
    """Each level of the chain, bottom-up: which signatures still hold and which capacities lack
    one. `facts`: the case's `case_facts`, when the caller has them already."""
    facts = case_facts(case) if facts is None else facts
    valid = list(case.signatures.filter(void__isnull=True).order_by("id"))
    states: list[LevelState] = []
    below: list[Signature] = []
    for level in SIGNOFF_CHAINS[case.kind]:
        data = _level_data(case, level, facts, below)
        fp = sha256_json(data)
        state = LevelState(level, data, fp)
        for s in (s for s in valid if s.level == level):
            if s.fingerprint == fp:
                state.current.append(s)
            else:
                state.stale.append((s, _why(s.signed_data, data)))
        signed = {s.capacity for s in state.current}
        state.missing = [c for c in CAPACITIES[level] if c.code not in signed]
        states.append(state)
        below = state.current
    return states


def signoff_is_final(case: ExitCase) -> bool:
    """Every required signature present and valid on the data as it stands, bottom-up."""
    return all(s.complete for s in signoff_evaluate(case))


def signoff_missing(case: ExitCase, states: list[LevelState] | None = None) -> str:
    """The signatures still lacking, level by level, in words ("" when final); `states`: the
    case's `signoff_evaluate`, when the caller has it already."""
    return "；".join(
        f"{s.label}尚缺 {'、'.join(c.label for c in s.missing)}"
        for s in (signoff_evaluate(case) if states is None else states)
        if s.missing
    )


def _void(
    case: ExitCase, pairs: list[tuple[Signature, str]], kind: str, user: User | None, summary: str
) -> list[SignatureVoid]:
    """Record the voids, one step on the case saying which and why, and one audit row."""
    if not pairs:
        return []
    voids = [
        SignatureVoid.objects.create(signature=s, kind=kind, reason=why, user=_user(user))
        for s, why in pairs
    ]
    by_level: dict[str, int] = {}
    for s, _why_text in pairs:
        by_level[s.level] = by_level.get(s.level, 0) + 1
    which = "、".join(
        f"{level_label(lv)} {n} 个"
        for lv, n in sorted(by_level.items(), key=lambda kv: LEVEL_ORDER.index(kv[0]))
    )
    text = f"以下签字作废：{which}。原因：{summary}"
    ExitStep.objects.create(
        case=case,
        action="签字作废",
        from_status=case.status,
        to_status=case.status,
        user=_user(user),
        actor=actor_name(user),
        date=timezone.localdate(),
        opinion=text,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.EVENT,
        obj=case,
        household=case.household,
        after={
            "voided": [s.pk for s, _w in pairs],
            "kind": kind,
            "reasons": sorted({w for _s, w in pairs}),
        },
        reason=text,
    )
    return voids


def _user(user: User | None) -> Any:
    return user if user is not None and user.is_authenticated else None


def signatures_refresh(*, case: ExitCase, user: User | None = None) -> list[SignatureVoid]:
    """Void every signature whose signed data no longer matches, saying which and why.

    Called by each sign-off and transition service (inside their transaction), and by
    services.exit_case_data_change; the registry can change a household's facts on its own, so
    this check runs again before anything relies on the signatures."""
    stale = [pair for state in signoff_evaluate(case) for pair in state.stale]
    if not stale:
        return []
    summary = "；".join(sorted({why for _s, why in stale}))
    return _void(case, stale, VoidKind.DATA_CHANGED, user, summary)


def _lock(case: ExitCase) -> ExitCase:
    return (
        ExitCase.objects.select_for_update(of=("self",))  # the joined rows may be NULL
        .select_related("region", "household")
        .get(pk=case.pk)
    )


# --- posts: who alone signs in each capacity ---------------------------------------------------

# The posts whose holder signs in a capacity: its own code, except the village's first party,
# the party secretary together with the committee head (either of them signs for both).
CAPACITY_POSTS: dict[str, tuple[str, ...]] = {
    "village_leaders": ("village_secretary", "village_head"),
}


def capacity_posts(code: str) -> tuple[str, ...]:
    return CAPACITY_POSTS.get(code, (code,))


def post_region(case: ExitCase, level: str) -> Region | None:
    """The region at `level` that contains the case's (its village, township, county or city)."""
    code = case.region.code[: LEVEL_DIGITS[Level(level)]].ljust(12, "0")
    return Region.objects.filter(code=code, level=level).first()


def post_where(case: ExitCase, level: str) -> str:
    region = post_region(case, level)
    return region.name if region is not None else case.region.name


def capacity_holders(case: ExitCase, level: str, cap: Capacity) -> list[Post]:
    """The current terms of the posts that sign in `cap` for the case at `level` (none: vacant)."""
    region = post_region(case, level)
    if region is None or cap.signer != SignerKind.OFFICE:
        return []
    found = (post_current(region, kind) for kind in capacity_posts(cap.code))
    return [p for p in found if p is not None]


def post_levels(user: User, case: ExitCase) -> set[str]:
    """The levels of the chain at which `user` now holds a post covering the case."""
    if not (user.is_authenticated and user.is_active):
        return set()
    today = timezone.localdate()
    terms = Post.objects.filter(holder_id=user.pk, start_date__lte=today).select_related("region")
    return {
        t.region.level
        for t in terms
        if (t.end_date is None or today < t.end_date)
        and case.region.code.startswith(t.region.prefix)
    }


def signer_levels(user: User, case: ExitCase) -> set[str]:
    """The levels at which `user` may sign the case: as a post's holder, or as a stand-in (a
    member of that level's poverty office, or the holder of another post of the level)."""
    return office_levels(user, case.region) | post_levels(user, case)


def _holders_text(holders: list[Post]) -> str:
    return "或".join(f"{p.label}{person_name(p.holder)}" for p in holders)


def _signer_post(
    case: ExitCase, level: str, cap: Capacity, user: User, stand_in_reason: str
) -> tuple[Post | None, Any, str]:
    """(the post signed in, the holder stood in for or None, the stand-in's reason) for an
    official's capacity; refused unless the user holds the post now, or stands in with a reason."""
    holders = capacity_holders(case, level, cap)
    mine = next((p for p in holders if p.holder_id == user.pk), None)
    if mine is not None:
        return mine, None, ""
    where = post_where(case, level)
    if not holders:
        manager = role_label(POST_MANAGER[level])
        raise ExitError(
            f"{where}{cap.label}现无任职人，不能签字：须先由{manager}在“职务”中任命任职人"
        )
    reason = stand_in_reason.strip()
    refusal = f"{cap.label}须由现任{_holders_text(holders)}签字，{person_name(user)}不是"
    if not reason:
        raise ExitError(f"{refusal}；如由他人代签，须写明代签事由")
    if level not in signer_levels(user, case):
        raise ExitError(
            f"{refusal}；代签须由{where}{level_label(level)}扶贫部门成员或该级其他职务的现任"
            "任职人办理"
        )
    if len(reason) > 200:
        raise ExitError("代签事由不能超过200个字")
    return holders[0], holders[0].holder, reason


def signer_text(s: Signature) -> str:
    """Who signed, in words: the signer by name, a household's head with the officer who took
    it, a stand-in with the holder stood in for and the reason."""
    if s.signatory_name:
        return f"{s.signatory_name}（{person_name(s.user)}见证录入）"
    text = person_name(s.user)
    if s.stand_in_for_id:
        text += f"（代{person_name(s.stand_in_for)}签字，代签事由：{s.stand_in_reason}）"
    return text


@transaction.atomic
def signature_add(
    *,
    case: ExitCase,
    level: str,
    capacity_code: str,
    user: User,
    signatory_name: str = "",
    stand_in_reason: str = "",
) -> Signature:
    """Sign the case's data at `level` in a capacity of the 3342 chain.

    An official's capacity is signed by the current holder of its post (DOMAIN.md §5), or by a
    stand-in with a reason (`stand_in_reason`), recorded with the holder stood in for. Refused
    also unless every lower level of the chain is complete, the capacity is unsigned, and the
    user has not already signed at this level. A household's own signature is taken by a village
    officer, who records the household head's name (`signatory_name`) as the signatory."""
    case = _lock(case)
    if case.is_closed:
        raise ExitError(f"退出事项已{case.get_status_display()}，不能再签字")
    if case.status not in SIGNABLE_STATUSES:
        raise ExitError(
            f"当前状态为“{case.get_status_display()}”，须在"
            f"“{ExitStatus.NOTICED.label}”后进行3342签字"
        )
    chain = SIGNOFF_CHAINS[case.kind]
    if level not in chain:
        raise ExitError(f"{case.get_kind_display()}不需要{level_label(level)}签字")
    cap = capacity(level, capacity_code)
    if cap is None:
        raise ExitError(f"{level_label(level)}没有“{capacity_code}”这一签字身份")
    post, stand_in_for, why = None, None, ""
    if cap.signer == SignerKind.OFFICE:
        post, stand_in_for, why = _signer_post(case, level, cap, user, stand_in_reason)
    elif level not in office_levels(user, case.region):
        raise ExitError(
            f"{cap.label}须由{case.region.name}所属的{level_label(level)}扶贫部门成员签字，"
            f"{actor_name(user)}不是"
        )
    if cap.signer == SignerKind.HOUSEHOLD:
        if case.kind != ExitKind.HOUSEHOLD:
            raise ExitError("只有贫困户退出由贫困户签字")
        head = case.household.head
        signatory_name = signatory_name.strip() or (head.name if head else "")
        if not signatory_name:
            raise ExitError("贫困户签字须写明签字人（户主）姓名")
    signatures_refresh(case=case, user=user)
    states = signoff_evaluate(case)
    here = chain.index(level)
    for state in states[:here]:
        if not state.complete:
            raise ExitError(
                f"须自下而上签字：{state.label}尚缺 "
                f"{'、'.join(c.label for c in state.missing)}，{level_label(level)}不能签字"
            )
    state = states[here]
    if any(s.capacity == cap.code for s in state.current):
        raise ExitError(f"{level_label(level)}{cap.label}已签字")
    if cap.signer == SignerKind.OFFICE and any(
        s.user_id == user.pk and capacity(level, s.capacity).signer == SignerKind.OFFICE  # type: ignore[union-attr]
        for s in state.current
    ):
        raise ExitError(f"{actor_name(user)}已在{level_label(level)}签字，同一人不能以两个身份签字")
    signature = Signature.objects.create(
        case=case,
        level=level,
        capacity=cap.code,
        user=user,
        signatory_name=signatory_name,
        post=post,
        stand_in_for=stand_in_for,
        stand_in_reason=why,
        fingerprint=state.fingerprint,
        signed_data=state.data,
    )
    who = f"{signatory_name}（{actor_name(user)}录入）" if signatory_name else actor_name(user)
    if stand_in_for is not None:
        who += f"（代{person_name(stand_in_for)}签字，事由：{why}）"
    after: dict[str, Any] = {"level": level, "capacity": cap.code, "fingerprint": state.fingerprint}
    if post is not None:
        after["post"] = post.pk
    if stand_in_for is not None:
        after["stand_in_for"] = stand_in_for.get_username()
        after["stand_in_reason"] = why
    audit_record(
        actor=user,
        action=AuditEntry.Action.EVENT,
        obj=signature,
        household=case.household,
        after=after,
        reason=f"3342签字：{level_label(level)} {cap.label} {who}"[:200],
    )
    return signature


@transaction.atomic
def signature_revoke(*, case: ExitCase, level: str, user: User, reason: str) -> list[SignatureVoid]:
    """Unapprove `level` from above: void its signatures and every level's above it.

    Only an officer of a higher level (for a region containing the case's) may; nobody revokes
    their own level's signatures, which are undone only from above or by a change of the data."""
    case = _lock(case)
    if case.is_closed:
        raise ExitError(f"退出事项已{case.get_status_display()}，签字不能撤销")
    chain = SIGNOFF_CHAINS[case.kind]
    if level not in chain:
        raise ExitError(f"{case.get_kind_display()}没有{level_label(level)}签字")
    if not reason.strip():
        raise ExitError("撤销签字须写明理由")
    mine = office_levels(user, case.region)
    higher = [
        lv for lv in LEVEL_ORDER if lv in mine and LEVEL_ORDER.index(lv) > LEVEL_ORDER.index(level)
    ]
    if not higher:
        raise ExitError(
            f"{level_label(level)}签字只能由上级撤销，{actor_name(user)}不是"
            f"{case.region.name}的上级扶贫部门成员"
        )
    by = level_label(higher[0])
    targets = [
        s
        for s in case.signatures.filter(void__isnull=True).order_by("id")
        if chain.index(s.level) >= chain.index(level)
    ]
    if not targets:
        raise ExitError(f"{level_label(level)}及以上没有有效签字可撤销")
    why = f"{by} {actor_name(user)} 撤销{level_label(level)}签字：{reason.strip()}"
    return _void(case, [(s, why) for s in targets], VoidKind.REVOKED, user, why)
