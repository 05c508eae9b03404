"""``crmscore clv fit`` on an orders CSV built from the raw CDNOW sample."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crmscore.commands.clv import clv, read_orders
from crmscore.errors import UserFacingError
from tests.scoring.clv.conftest import read_cdnow_sample


@pytest.fixture(scope="module")
def cdnow_orders() -> pd.DataFrame:
    """The raw CDNOW sample, as the CLV tests read it."""
    return read_cdnow_sample()


@pytest.fixture(scope="module")
def orders_csv(tmp_path_factory: pytest.TempPathFactory, cdnow_orders: pd.DataFrame) -> Path:
    """The raw CDNOW sample converted to the CSV a CRM export would be: ISO dates, named columns."""
    raw = cdnow_orders
    path = tmp_path_factory.mktemp("clv") / "orders.csv"
    raw.assign(ordered_on=raw["date"].dt.strftime("%Y-%m-%d"))[["customer", "ordered_on", "amount"]].to_csv(path, index=False)
    return path


def run(path: Path, *extra: str, customer: str = "customer", date: str = "ordered_on") -> object:
    args = ["fit", "--orders", str(path), "--customer-col", customer, "--date-col", date, "--amount-col", "amount",
            "--calibration-end", "1997-09-30", *extra]
    return CliRunner().invoke(clv, args)


@pytest.mark.parametrize(
    ("model", "published"),
    [
        ("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "ll": -9582.4}),
        ("pareto", {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669, "ll": -9595.0}),
    ],
)
def test_fit_prints_the_published_cdnow_parameters_log_likelihood_and_diagnostics_as_json(
    orders_csv: Path, model: str, published: dict[str, float]
) -> None:
    result = run(orders_csv, "--model", model)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    fit = report["purchases"]
    assert (report["customers"], report["repeat_buyers"], fit["status"]) == (2357, 946, "converged")
    for name, value in published.items():
        if name != "ll":
            assert fit["params"][name] == pytest.approx(value, abs=0.01), name
    assert fit["log_likelihood"] == pytest.approx(published["ll"], abs=0.1)
    assert fit["diagnostics"]["standard_errors"] and fit["iterations"] > 0
    spend = report["spend"]["params"]
    assert (spend["p"], spend["q"], spend["v"]) == (pytest.approx(6.25, abs=0.01), pytest.approx(3.74, abs=0.01), pytest.approx(15.44, abs=0.01))


def test_a_custom_date_format_is_honoured(tmp_path: Path, cdnow_orders: pd.DataFrame) -> None:
    raw = cdnow_orders
    path = tmp_path / "orders.csv"
    raw.assign(day=raw["date"].dt.strftime("%d/%m/%Y"))[["customer", "day", "amount"]].to_csv(path, index=False)
    result = run(path, "--date-format", "%d/%m/%Y", date="day")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["purchases"]["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(text)
    return path


def test_a_missing_column_is_one_line_naming_it_and_the_columns_there_are(tmp_path: Path) -> None:
    path = write(tmp_path, "client,ordered_on,amount\n1,2024-01-01,5\n")
    result = run(path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: no column 'customer' (columns: client, ordered_on, amount)\n"


def test_an_unparseable_date_names_its_line_column_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,ordered_on,amount\n1,2024-01-01,5\n2,2024-13-45,7\n")
    result = run(path)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert f"error: {path}: line 3, column 'ordered_on': '2024-13-45' is not a date" in result.stderr


def test_a_non_numeric_amount_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,ordered_on,amount\n1,2024-01-01,5\n1,2024-01-09,7,50\n")
    assert run(path).exit_code == 2  # a ragged row is a CSV error, reported the same way
    path = write(tmp_path, "customer,ordered_on,amount\n1,2024-01-01,5\n1,2024-01-09,seven\n")
    result = run(path)
    assert result.exit_code == 2
    assert "line 3, column 'amount': 'seven' is not a number" in result.stderr


def test_bad_input_raises_the_user_facing_error_the_cli_turns_into_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,ordered_on,amount\n,2024-01-01,5\n")
    with pytest.raises(UserFacingError, match="line 2, column 'customer': the customer is empty"):
        read_orders(path, "customer", "ordered_on", "amount")


def test_a_fit_that_fails_prints_its_status_and_warnings_and_exits_1(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},2024-01-{1 + i % 28:02d},{10 + i}" for i in range(50))
    path = write(tmp_path, f"customer,ordered_on,amount\n{rows}\n")
    result = CliRunner().invoke(clv, ["fit", "--orders", str(path), "--customer-col", "customer", "--date-col",
                                      "ordered_on", "--amount-col", "amount", "--calibration-end", "2024-03-31"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["purchases"]["status"] == "not_identified" and report["purchases"]["params"]["r"] is None
    assert "nobody made a repeat purchase" in report["purchases"]["warnings"][0]
    assert result.stderr.startswith("error: BG/NBD fit status not_identified")


def test_customer_ids_are_read_as_text_so_leading_zeros_survive(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,ordered_on,amount\n007,2024-01-01,5\n7,2024-01-02,6\n")
    orders = read_orders(path, "customer", "ordered_on", "amount")
    assert orders["customer"].tolist() == ["007", "7"]
    assert str(orders["date"].dtype).startswith("datetime64") and orders["amount"].tolist() == [5.0, 6.0]
