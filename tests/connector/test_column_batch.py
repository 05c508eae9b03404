"""A batch held as columns reads like a list of canonical rows."""

from __future__ import annotations

import numpy as np
import pytest

from connector import ColumnBatch


def test_a_column_batch_has_the_length_rows_and_equality_of_its_rows() -> None:
    batch = ColumnBatch({"external_id": np.array(["C1", "C2"], dtype=object), "name": np.array(["A", None], dtype=object)}, origin="c.csv:2-3")
    assert len(batch) == 2 and batch.origin == "c.csv:2-3" and batch.errors == []
    assert batch == [{"external_id": "C1", "name": "A"}, {"external_id": "C2", "name": None}]
    assert batch[1] == {"external_id": "C2", "name": None}
    first, _second = batch
    assert first["external_id"] == "C1"


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match=r"columns of one batch must have the same length, got \[1, 2\]"):
        ColumnBatch({"a": np.array([1, 2]), "b": np.array([1])})
