"""``manage.py backtest_forecasts`` on a tiny CSV (plain and gzipped)."""
import gzip
import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command


def tiny_csv() -> str:
    rng = np.random.default_rng(1)
    rows = []
    for store in ("s1", "s2"):
        for day in pd.date_range("2025-01-01", periods=84):
            promo = int(day.day % 9 == 0)
            rows.append((store, day.date().isoformat(), int(rng.poisson(6 + 4 * promo)), promo))
    return pd.DataFrame(rows, columns=["store", "day", "sales", "promo"]).to_csv(index=False)


@pytest.mark.parametrize("gzipped", [False, True])
def test_backtest_writes_the_promised_columns_and_prints_scores_next_to_baselines(tmp_path, gzipped):
    source = tmp_path / ("sales.csv.gz" if gzipped else "sales.csv")
    text = tiny_csv()
    source.write_bytes(gzip.compress(text.encode()) if gzipped else text.encode())
    output = tmp_path / "out" / "forecasts.csv"
    out = io.StringIO()
    call_command("backtest_forecasts", "--input", str(source), "--id-col", "store", "--date-col", "day",
                 "--target-col", "sales", "--exog", "promo", "--freq", "D", "--horizon", "7", "--output",
                 str(output), stdout=out, stderr=io.StringIO())
    written = pd.read_csv(output)
    assert list(written.columns) == ["series_id", "date", "forecast", "lo95", "hi95"]
    assert len(written) == 2 * 7 and set(written["series_id"]) == {"s1", "s2"}
    assert written["date"].min() == "2025-03-19" and written["date"].max() == "2025-03-25"  # the last 7 days
    assert (written["lo95"] <= written["forecast"]).all() and (written["forecast"] <= written["hi95"]).all()
    report = out.getvalue()
    for label in ("WRMSSE", "WAPE", "cov95", "engine", "SeasonalNaive", "AutoETS"):
        assert label in report
    engine_line = next(line for line in report.splitlines() if line.startswith("engine "))
    assert all(float(cell) >= 0 for cell in engine_line.split()[1:])
    scores = {line.split()[0]: float(line.split()[1]) for line in report.splitlines()
              if line.split() and line.split()[0] in ("engine", "AutoETS") and "/" not in line}
    ratio_line = next(line for line in report.splitlines() if line.startswith("engine / AutoETS WRMSSE:"))
    assert float(ratio_line.split()[-1]) == pytest.approx(scores["engine"] / scores["AutoETS"], abs=1e-3)
    assert "opening indicator: none" in report       # promo sells either way: not an opening flag


def test_an_opening_column_and_unrecorded_days_are_recognised_from_the_data(tmp_path):
    """A store file that lists closed days as zero rows: a 0/1 column whose 0 rows never sell is the
    opening indicator (closed days forecast as zero), and days missing from it are unknown."""
    rng = np.random.default_rng(2)
    rows = []
    for store in ("s1", "s2", "s3"):
        for day in pd.date_range("2025-01-01", periods=200):
            if store == "s2" and pd.Timestamp("2025-03-01") <= day < pd.Timestamp("2025-03-15"):
                continue                                   # refurbishment: no rows at all
            is_open = int(day.dayofweek != 6)
            rows.append((store, day.date().isoformat(), int(rng.poisson(20)) * is_open, is_open, int(day.day % 7 == 0)))
    source = tmp_path / "stores.csv"
    pd.DataFrame(rows, columns=["store", "day", "sales", "open", "promo"]).to_csv(source, index=False)
    out = io.StringIO()
    call_command("backtest_forecasts", "--input", str(source), "--id-col", "store", "--date-col", "day",
                 "--target-col", "sales", "--exog", "open,promo", "--horizon", "14", "--output",
                 str(tmp_path / "f.csv"), stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "opening indicator: open" in report and "unrecorded periods treated as unknown: 14" in report
    written = pd.read_csv(tmp_path / "f.csv", parse_dates=["date"])
    sundays = written[written["date"].dt.dayofweek == 6]
    assert len(sundays) == 3 * 2 and (sundays[["forecast", "hi95"]] == 0).all().all()
    assert written.loc[written["date"].dt.dayofweek != 6, "forecast"].between(10, 30).all()


@pytest.mark.parametrize(("args", "message"), [
    (["--id-col", "shop"], "--id-col 'shop'"),
    (["--target-col", "units"], "--target-col 'units'"),
    (["--exog", "promo,holiday"], "--exog (holiday) 'holiday'"),
])
def test_missing_columns_are_a_clear_error(tmp_path, args, message):
    source = tmp_path / "sales.csv"
    source.write_text(tiny_csv())
    base = {"--id-col": "store", "--date-col": "day", "--target-col": "sales", "--exog": "", "--horizon": "7"}
    base.update(dict(zip(args[::2], args[1::2])))
    argv = [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("backtest_forecasts", "--input", str(source), "--output", str(tmp_path / "o.csv"), *argv)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("backtest_forecasts", "--input", str(tmp_path / "nope.csv"), "--id-col", "a", "--date-col", "b",
                     "--target-col", "c", "--horizon", "7", "--output", str(tmp_path / "o.csv"))
