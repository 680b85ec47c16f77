"""Cross-department comparison (数据比对): department lists matched with registry members by ID number; pure, no Django."""

from fupin.matching.keys import connect, keyed_sql, normalize_keys
from fupin.matching.kinds import BENCH_KINDS, BY_CODE, KINDS, Effect, ListKind, kind
from fupin.matching.match import ListSummary, MatchResult, match_lists
from fupin.matching.readers import DepartmentList, ListError, read_list

__all__ = [
    "BENCH_KINDS",
    "BY_CODE",
    "KINDS",
    "DepartmentList",
    "Effect",
    "ListError",
    "ListKind",
    "ListSummary",
    "MatchResult",
    "connect",
    "keyed_sql",
    "kind",
    "match_lists",
    "normalize_keys",
    "read_list",
]
