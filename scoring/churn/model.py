"""Training a churn model over any customer table with a label column.

The plain entry point ``train_churn_model(table, label)`` is deliberately generic: the store-trained
model and an analyst's CSV (e.g. the IBM Telco table) go through the same code. Numeric columns are
median-imputed (with a missing flag) and standardised, text columns one-hot encoded; identifier-like
text columns (mostly unique) are dropped because they only let a model memorise rows.
Probabilities are calibrated on a slice the model did not see (isotonic with ≥ 1,000 rows there,
else Platt's sigmoid, which needs fewer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from scoring.churn.evaluate import roc_auc

__all__ = [
    "MODEL_KINDS",
    "ChurnModel",
    "cross_validate_churn",
    "label_vector",
    "select_features",
    "train_churn_model",
]

MODEL_KINDS = ("logistic", "gradient_boosting")
_ID_LIKE_SHARE = 0.5  # a text column with more distinct values than this share of rows is an identifier


def label_vector(
    table: pd.DataFrame, label: str, positive: object = None
) -> np.ndarray:
    """The label as booleans: bool and 0/1 columns as they are, any other column needs ``positive``."""
    if label not in table.columns:
        raise ValueError(
            f"label column {label!r} is not in the table (columns: {', '.join(map(str, table.columns))})"
        )
    col = table[label]
    if col.isna().any():
        row = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise ValueError(f"label column {label!r}: row {row} has no value")
    if positive is not None:
        return (col == positive).to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(col) and set(np.unique(col.to_numpy())) <= {0, 1}:
        return col.to_numpy() == 1
    values = ", ".join(map(repr, col.unique()[:5]))
    raise ValueError(
        f"label column {label!r} holds {values}; say which value means churn (positive=...)"
    )


def select_features(
    table: pd.DataFrame, label: str, exclude: Sequence[str] = ()
) -> tuple[list[str], list[str], list[str]]:
    """(numeric, categorical, dropped) feature columns; booleans count as numeric."""
    numeric, categorical, dropped = [], [], []
    rest = table.drop(columns=[label, *[c for c in exclude if c in table.columns]])
    num = set(rest.select_dtypes(include=["number", "bool"]).columns)
    for col in rest.columns:
        if col in num:
            numeric.append(col)
        elif pd.api.types.is_datetime64_any_dtype(rest[col]) or rest[
            col
        ].nunique() > max(50, _ID_LIKE_SHARE * len(rest)):
            dropped.append(col)
        else:
            categorical.append(col)
    return numeric, categorical, dropped


def _pipeline(
    kind: str, numeric: list[str], categorical: list[str], seed: int
) -> Pipeline:
    pre = ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [
                        (
                            "impute",
                            SimpleImputer(strategy="median", add_indicator=True),
                        ),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            (
                "cat",
                Pipeline(
                    [
                        (
                            "impute",
                            SimpleImputer(strategy="constant", fill_value="(missing)"),
                        ),
                        (
                            "onehot",
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                        ),
                    ]
                ),
                categorical,
            ),
        ],
        sparse_threshold=0.0,
    )
    if kind == "logistic":
        clf: Any = LogisticRegression(C=1.0, max_iter=2000)
    elif kind == "gradient_boosting":
        clf = HistGradientBoostingClassifier(
            learning_rate=0.05, max_depth=3, max_iter=300, random_state=seed
        )
    else:
        raise ValueError(f"model: {kind!r} is not one of {', '.join(MODEL_KINDS)}")
    return Pipeline([("prepare", pre), ("model", clf)])


def _frame(
    table: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    missing = [c for c in (*numeric, *categorical) if c not in table.columns]
    if missing:
        raise ValueError(
            f"table is missing feature column(s) the model was trained on: {', '.join(missing)}"
        )
    out = table[numeric + categorical].copy()
    for col in numeric:
        out[col] = out[col].astype("float64")
    for col in categorical:
        out[col] = out[col].astype("object").where(out[col].notna(), None)
    return out


@dataclass
class _Calibrator:
    method: str
    fitted: Any

    def __call__(self, p: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            return np.asarray(self.fitted.predict(p), dtype=np.float64)
        z = np.log(np.clip(p, 1e-9, 1 - 1e-9) / np.clip(1 - p, 1e-9, 1.0)).reshape(
            -1, 1
        )
        return np.asarray(self.fitted.predict_proba(z)[:, 1], dtype=np.float64)


def _fit_calibrator(p: np.ndarray, y: np.ndarray, method: str | None) -> _Calibrator:
    method = method or ("isotonic" if len(y) >= 1000 else "sigmoid")
    if method == "isotonic":
        return _Calibrator(
            "isotonic",
            IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y),
        )
    if method == "sigmoid":
        z = np.log(np.clip(p, 1e-9, 1 - 1e-9) / np.clip(1 - p, 1e-9, 1.0)).reshape(
            -1, 1
        )
        return _Calibrator(
            "sigmoid", LogisticRegression(C=1e6, max_iter=1000).fit(z, y)
        )
    raise ValueError(f"calibration: {method!r} is not isotonic or sigmoid")


def _reference(
    table: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> dict[str, Any]:
    """A typical training customer, feature by feature: the median number, the most frequent text
    (ties go to the first in sort order, so the same rows always give the same reference)."""
    frame = _frame(table, numeric, categorical)
    out: dict[str, Any] = {col: float(frame[col].median()) for col in numeric}
    for col in categorical:
        modes = frame[col].dropna().mode()
        out[col] = None if modes.empty else modes.iloc[0]
    return out


@dataclass
class ChurnModel:
    """A fitted churn model: the pipeline, the calibrator (if any) and what it was trained on."""

    kind: str
    label: str
    numeric: list[str]
    categorical: list[str]
    dropped: list[str]
    pipeline: Pipeline
    calibrator: _Calibrator | None
    train_rows: int
    train_churn_rate: float
    center: np.ndarray = field(
        repr=False
    )  # mean of the prepared training matrix (for logistic drivers)
    # The reference customer for occlusion drivers (see scoring.churn.drivers): per feature, the
    # training median (numeric) or most frequent training category (text). None in models saved
    # before it existed — unpickling restores only the saved attributes, so they read this default.
    reference: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical

    def raw_probability(self, table: pd.DataFrame) -> np.ndarray:
        return np.asarray(
            self.pipeline.predict_proba(_frame(table, self.numeric, self.categorical))[
                :, 1
            ],
            dtype=np.float64,
        )

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probability per row of ``table``."""
        p = self.raw_probability(table)
        return p if self.calibrator is None else self.calibrator(p)

    def prepared_feature_owner(self) -> list[str]:
        """For every column of the prepared matrix, the table column it came from."""
        pre = self.pipeline.named_steps["prepare"]
        owners: list[str] = []
        if self.numeric:
            imputer = pre.named_transformers_["num"].named_steps["impute"]
            owners += list(self.numeric)
            if imputer.indicator_ is not None:
                owners += [self.numeric[i] for i in imputer.indicator_.features_]
        if self.categorical:
            enc = pre.named_transformers_["cat"].named_steps["onehot"]
            for col, cats in zip(self.categorical, enc.categories_, strict=True):
                owners += [col] * len(cats)
        return owners


def _fit(
    table: pd.DataFrame,
    y: np.ndarray,
    kind: str,
    numeric: list[str],
    categorical: list[str],
    seed: int,
) -> Pipeline:
    if y.all() or not y.any():
        raise ValueError(
            "training rows hold only one class; a churn model needs churners and non-churners"
        )
    pipe = _pipeline(kind, numeric, categorical, seed)
    pipe.fit(_frame(table, numeric, categorical), y)
    return pipe


def train_churn_model(
    table: pd.DataFrame,
    label: str,
    *,
    positive: object = None,
    exclude: Sequence[str] = (),
    model: str = "logistic",
    calibration: pd.DataFrame | None = None,
    calibrate: bool = True,
    calibration_method: str | None = None,
    seed: int = 42,
) -> ChurnModel:
    """Fit a churn model on ``table`` (one row per customer, ``label`` true for churners).

    Calibration uses ``calibration`` (rows the model never sees; the store path passes the next
    snapshot in time) or, if none is given, a stratified 20 % slice held out of ``table``.
    """
    y = label_vector(table, label, positive)
    numeric, categorical, dropped = select_features(table, label, exclude)
    if not numeric and not categorical:
        raise ValueError("table has no usable feature columns besides the label")
    train, cal, y_train, y_cal = table, None, y, None
    if calibrate and calibration is None:
        train, cal, y_train, y_cal = train_test_split(
            table, y, test_size=0.2, stratify=y, random_state=seed
        )
    elif calibrate and calibration is not None:
        cal, y_cal = calibration, label_vector(calibration, label, positive)
    pipe = _fit(train, y_train, model, numeric, categorical, seed)
    calibrator = None
    if cal is not None and y_cal is not None:
        raw = np.asarray(
            pipe.predict_proba(_frame(cal, numeric, categorical))[:, 1],
            dtype=np.float64,
        )
        calibrator = _fit_calibrator(raw, y_cal, calibration_method)
    prepared = pipe.named_steps["prepare"].transform(
        _frame(train, numeric, categorical)
    )
    return ChurnModel(
        kind=model,
        label=label,
        numeric=numeric,
        categorical=categorical,
        dropped=dropped,
        pipeline=pipe,
        calibrator=calibrator,
        train_rows=len(train),
        train_churn_rate=float(np.mean(y_train)),
        center=np.asarray(prepared, dtype=np.float64).mean(axis=0),
        reference=_reference(train, numeric, categorical),
    )


def cross_validate_churn(
    table: pd.DataFrame,
    label: str,
    *,
    positive: object = None,
    exclude: Sequence[str] = (),
    model: str = "logistic",
    folds: int = 5,
    seed: int = 42,
) -> list[float]:
    """ROC AUC of each fold of a stratified, shuffled k-fold CV (uncalibrated: AUC only needs ranks)."""
    y = label_vector(table, label, positive)
    aucs = []
    for train_idx, test_idx in StratifiedKFold(
        folds, shuffle=True, random_state=seed
    ).split(table, y):
        m = train_churn_model(
            table.iloc[train_idx],
            label,
            positive=positive,
            exclude=exclude,
            model=model,
            calibrate=False,
            seed=seed,
        )
        aucs.append(roc_auc(y[test_idx], m.raw_probability(table.iloc[test_idx])))
    return aucs
