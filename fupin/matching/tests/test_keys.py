"""ID keys: the vectorised SQL form agrees with fupin.policy.idnumber, invalid numbers get no key."""

from __future__ import annotations

import numpy as np

from fupin.matching import normalize_keys
from fupin.policy.idnumber import check_digit, is_valid, normalize

ID = "11010519491231002X"


def test_variants_of_one_number_share_its_key() -> None:
    raw = [
        ID,
        ID.lower(),
        " 110105 19491231 002x ",
        "110105491231002",
        "１１０１０５１９４９１２３１００２Ｘ",
    ]
    keys, problems = normalize_keys(raw)
    assert keys.to_pylist() == [ID] * len(raw)
    assert problems.to_pylist() == [None] * len(raw)


def test_invalid_numbers_get_a_problem_and_no_key() -> None:
    keys, problems = normalize_keys(["110105194912310021", "11010519491231002", "abc", None, ""])
    assert keys.to_pylist() == [None] * 5
    assert problems.to_pylist() == ["check_digit", "format", "format", "format", "format"]


def test_sql_keys_agree_with_the_python_rules_on_random_numbers() -> None:
    rng = np.random.default_rng(7)
    raw = []
    for _ in range(2000):
        body = "62" + "".join(str(d) for d in rng.integers(0, 10, 15))
        good = body + check_digit(body)
        choice = rng.integers(0, 4)
        if choice == 0:
            raw.append(good[:17] + rng.choice(list("0123456789X")))  # maybe a wrong check digit
        elif choice == 1:
            raw.append(good[:6] + " " + good[6:].lower())
        elif choice == 2:
            raw.append(body[:6] + body[8:])  # a 15-digit number of the same shape
        else:
            raw.append(good[: int(rng.integers(10, 18))])
    keys, _ = normalize_keys(raw)
    expected = [
        normalize(r) if is_valid(r) or len(normalize(r)) == 18 and is_valid(normalize(r)) else None
        for r in raw
    ]
    got = keys.to_pylist()
    for r, g, e in zip(raw, got, expected, strict=True):
        n = normalize(r)
        valid = len(n) == 18 and n[:17].isdigit() and check_digit(n[:17]) == n[17]
        assert g == (n if valid else None), (r, g, e)
