"""A row lock taken with a join locks only its own row.

`select_for_update()` with `select_related(...)` locks every joined row on PostgreSQL: the
village (or county) of a pairing, a team or a household, so that unrelated edits in the same
village queue behind each other, and it fails outright where the join is nullable ("FOR UPDATE
cannot be applied to the nullable side of an outer join"). SQLite ignores row locks, so only
PostgreSQL shows either. Every such lock in fupin names its own table: `of=("self",)`.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_WITH_JOIN = re.compile(r"select_for_update\(\)\s*\.select_related\(")


def test_every_lock_with_a_join_locks_only_its_own_row():
    offenders = [
        f"{path.relative_to(ROOT)}:{source[: m.start()].count(chr(10)) + 1}"
        for path in sorted((ROOT / "fupin").rglob("*.py"))
        for source in [path.read_text(encoding="utf-8")]
        for m in LOCK_WITH_JOIN.finditer(source)
    ]
    assert not offenders, f'select_for_update() with select_related needs of=("self",): {offenders}'
