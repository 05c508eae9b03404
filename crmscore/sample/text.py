"""Vectorised text building for the sample CRM: ids, timestamps, names, e-mail addresses.

Per-row Python formatting would dominate the generator's time at a million customers, so every
helper here works on whole numpy arrays (``StringDType`` for the concatenations).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DAY", "MONTH", "concat", "ids", "iso", "maybe", "slug"]

DAY = 86_400
MONTH = 30.4375 * DAY  # the mean Gregorian month, in seconds

_S = np.dtypes.StringDType()


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """CRM-looking ids such as ``C0000123``: a prefix and a zero-padded running number."""
    return np.strings.add(prefix, np.strings.zfill(np.asarray(numbers, dtype=np.int64).astype(_S), width))


def iso(seconds: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """ISO-8601 UTC timestamps ending in ``Z`` from epoch seconds; ``missing`` rows become None."""
    text = np.datetime_as_string(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), unit="s", timezone="UTC")
    out = text.astype(object)
    if missing is not None:
        out[missing] = None
    return out


def concat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays and literals."""
    result = np.asarray(parts[0]).astype(_S)
    for part in parts[1:]:
        result = np.strings.add(result, np.asarray(part).astype(_S))
    return result


def slug(text: np.ndarray) -> np.ndarray:
    """Lower-case text without spaces or punctuation, for e-mail local parts and domains."""
    out = np.strings.lower(np.asarray(text).astype(_S))
    for ch in (" ", "&", "-", "'", "."):
        out = np.strings.replace(out, ch, "")
    return out


def maybe(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """An object array of ``values`` with None where ``present`` is False (an empty CRM field)."""
    out = np.asarray(values).astype(object)
    out[~np.asarray(present, dtype=bool)] = None
    return out
