"""The frames contract is checked up front, with one line naming the frame and column."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.frames import COLUMNS, CRMFrames, FramesError


def test_empty_frames_have_every_contract_column_with_its_dtype():
    frames = CRMFrames.empty()
    for name, columns in COLUMNS.items():
        frame = getattr(frames, name)
        assert frame.empty
        assert {c: str(frame[c].dtype) for c in columns} == dict(columns)
    frames.check()


def test_empty_keeps_the_frames_given():
    orders = CRMFrames.empty().orders.assign(extra=pd.Series(dtype="float64"))
    assert CRMFrames.empty(orders=orders).orders is orders


def test_empty_rejects_an_unknown_frame_name():
    with pytest.raises(TypeError, match="unknown frame"):
        CRMFrames.empty(invoices=pd.DataFrame())


def test_a_frame_that_is_not_a_dataframe_is_named():
    with pytest.raises(FramesError, match="frames.cases: expected a pandas DataFrame, got list"):
        CRMFrames.empty(cases=[]).check()  # type: ignore[arg-type]


def test_customer_ids_must_be_integers(build):
    surveys = build.surveys([(1, "nps", 9, 3)]).astype({"customer_id": "str"})
    with pytest.raises(FramesError, match="frames.surveys.customer_id: expected integer ids"):
        CRMFrames.empty(surveys=surveys).check()


def test_timestamps_must_be_utc_not_just_timezone_aware(build):
    acts = build.activities([(1, 3)])
    acts = acts.assign(occurred_at=acts["occurred_at"].dt.tz_convert("Europe/Paris"))
    with pytest.raises(FramesError, match=r"frames.activities.occurred_at: .*got dtype datetime64\[us, Europe/Paris\]"):
        CRMFrames.empty(activities=acts).check()


def test_empty_frames_only_need_their_columns():
    untyped = pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS["orders"]})
    CRMFrames.empty(orders=untyped).check()
    with pytest.raises(FramesError, match=r"frames.orders: missing column\(s\) kind"):
        CRMFrames.empty(orders=untyped.drop(columns="kind")).check()


def test_ids_of_any_integer_width_meet_the_contract_as_the_typed_reader_gives_them(build):
    # crmscore.columns_read gives int32 ids when every id fits; the contract's int64 is an empty frame's dtype
    orders = build.orders([(1, 3, 10.0)]).astype({"customer_id": "int32", "kind": "category"})
    CRMFrames.empty(orders=orders).check()
    assert str(CRMFrames.empty().orders["customer_id"].dtype) == "int64"
