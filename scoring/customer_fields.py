"""The per-customer fields conditions can read (alert rules, segment rules), by name.

Names are what admins write in a condition row: ``health_score``, ``band``, ``segment``,
``scorecard``, ``r_score``/``f_score``/``m_score``, ``customer_kind``, ``customer_name``, ``source``, every indicator key
(its raw value), ``<key>.score`` (its 0–100 score), ``<key>.points`` (its points), and the canonical
formula fields (``open_cases``, ``tenure_days``, …). Text fields are object arrays (None = missing),
the rest float arrays (NaN = missing). Values are produced on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np

from scoring.fields import FIELDS, FieldTable

__all__ = [
    "AFTER_SCORING",
    "TEXT_FIELDS",
    "CustomerFields",
    "condition_fields",
    "is_text_field",
    "trend_fields",
]

TEXT_FIELDS = frozenset({"band", "segment", "scorecard", "customer_kind", "customer_name", "source"})
#: Fields that only exist once the health score is computed: segment rules cannot use them.
AFTER_SCORING = frozenset({"health_score", "band", "segment", "scorecard"})
_BASE = (
    "health_score", "band", "segment", "scorecard", "r_score", "f_score", "m_score",
    "customer_kind", "customer_name", "source",
)  # fmt: skip


def condition_fields(indicator_keys: Iterable[str], *, for_segments: bool = False) -> list[str]:
    """Every field name a condition may use, given the config's indicator keys."""
    keys = list(indicator_keys)
    names = [n for n in _BASE if not (for_segments and n in AFTER_SCORING)]
    names += keys + [f"{k}.score" for k in keys]
    if not for_segments:
        names += [f"{k}.points" for k in keys]
    return names + list(FIELDS)


def trend_fields(indicator_keys: Iterable[str]) -> list[str]:
    """Fields whose history the store keeps, so trends can compare with earlier runs."""
    keys = list(indicator_keys)
    return ["health_score", *keys, *(f"{k}.score" for k in keys)]


def is_text_field(name: str) -> bool:
    return name in TEXT_FIELDS


class CustomerFields(Mapping[str, np.ndarray]):
    """Lazy name → array mapping over one scoring run."""

    def __init__(self, producers: Mapping[str, Callable[[], np.ndarray]], table: FieldTable) -> None:
        self._producers = dict(producers)
        self._table = table
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self._cache:
            return self._cache[name]
        if name in self._producers:
            value = self._producers[name]()
        elif name in FIELDS:
            value = self._table[name]
        else:
            raise KeyError(name)
        self._cache[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        yield from self._producers
        yield from (n for n in FIELDS if n not in self._producers)

    def __len__(self) -> int:
        return len(set(self._producers) | set(FIELDS))

    def with_fields(self, extra: Mapping[str, Callable[[], np.ndarray]]) -> CustomerFields:
        """A copy that also knows ``extra`` (e.g. health and band once they are computed)."""
        return CustomerFields({**self._producers, **extra}, self._table)
