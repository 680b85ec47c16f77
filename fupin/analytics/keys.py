"""The keyed hash that stands in for an ID number wherever registry data leaves the database."""

from __future__ import annotations

import hashlib
import hmac

from fupin.policy import idnumber

ID_KEY_METHOD = "hmac-sha256(secret, normalised 18-digit ID number), hex"


def id_key(raw: str, secret: str | bytes) -> str:
    """HMAC-SHA256 of the normalised ID number (15-digit numbers widened, full-width made ASCII,
    x upper-cased), so that the same person matches across the registry and other departments'
    lists while nobody without the secret can go back from the key to the number: a plain
    hash of an ID number would fall to enumeration (birth dates × county codes × 1 000)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, idnumber.normalize(raw).encode(), hashlib.sha256).hexdigest()


def id_keys(raw: list[str], secret: str | bytes) -> list[str]:
    """`id_key` of many numbers, the HMAC key prepared once."""
    key = secret.encode() if isinstance(secret, str) else secret
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for r in raw:
        h = base.copy()
        h.update(idnumber.normalize(r).encode())
        out.append(h.hexdigest())
    return out
