"""Fast NumPy-to-Arrow column builders and fixed-width digit codes (region codes, ID numbers)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fupin.policy.idnumber import check_digits

IntArray = npt.NDArray[np.int64]
ByteMatrix = npt.NDArray[np.uint8]

ZERO = ord("0")


def digit_matrix(values: IntArray, width: int) -> ByteMatrix:
    """(n, width) ASCII digits of non-negative integers, zero-padded on the left."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    out: ByteMatrix = ((values[:, None] // powers) % 10 + ZERO).astype(np.uint8)
    return out


def text_matrix(text: str, n: int) -> ByteMatrix:
    """The same ASCII text repeated on n rows."""
    row = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(row, (n, len(row)))


def ascii_strings(matrix: ByteMatrix) -> pa.StringArray:
    """An Arrow string column from an (n, width) ASCII matrix, without per-row Python work."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix).tobytes()
    offsets = (np.arange(n + 1, dtype=np.int32) * width).tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def labels(codes: npt.NDArray[np.integer], names: list[str] | tuple[str, ...]) -> pa.Array:
    """A plain string column from integer codes into a list of labels."""
    indices = pa.array(np.asarray(codes, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(names), pa.string())).cast(
        pa.string()
    )


def nullable_int(values: IntArray) -> pa.Array:
    """Int column where 0 means null (years are never 0)."""
    return pa.array(values, mask=values == 0, type=pa.int16())


def date_parts(dates: npt.NDArray[np.datetime64]) -> tuple[IntArray, IntArray, IntArray]:
    months = dates.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def id_numbers(
    county6: str, birth: npt.NDArray[np.datetime64], male: npt.NDArray[np.bool_], salt: int
) -> ByteMatrix:
    """(n, 18) ASCII of distinct valid ID numbers for people registered in one county.

    Digits 15-17 are a sequence number that is distinct among people of the same birth date
    and sex (odd 17th digit = male), scrambled so that it does not reveal the row order.
    """
    n = len(birth)
    day = birth.astype("datetime64[D]").astype(np.int64)
    sexbit = male.astype(np.int64)
    key = day * 2 + sexbit
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    run = np.diff(np.r_[starts, n])
    rank_sorted = np.arange(n, dtype=np.int64) - np.repeat(starts, run)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    if n and rank.max() >= 500:
        raise ValueError("more than 500 people of one sex born on one day in one county")
    slot = (rank * 37 + (day * 7919 + salt) % 500) % 500
    seq = slot * 2 + sexbit
    year, month, dom = date_parts(birth)
    first17 = np.empty((n, 17), dtype=np.int64)
    first17[:, :6] = text_matrix(county6, n) - ZERO
    first17[:, 6:14] = digit_matrix(year * 10000 + month * 100 + dom, 8) - ZERO
    first17[:, 14:] = digit_matrix(seq, 3) - ZERO
    check = check_digits(first17)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :17] = first17 + ZERO
    out[:, 17] = np.asarray(check, dtype="U1").view(np.uint32).astype(np.uint8)
    return out
