"""``manage.py backtest_forecasts``: backtest the forecasting engine on any long-format CSV.

    manage.py backtest_forecasts --input sales.csv.gz --id-col store --date-col day --target-col sales \\
        [--exog promo,holiday] --freq D --horizon 28 --output forecasts.csv

Holds out the last ``--horizon`` periods, forecasts them from the periods before (``--exog`` columns
are known in advance: their held-out values are given to the engine; ``--price-col`` is a price, used
as the shop's prices are), with the engine configured as ``retrain forecasting`` configures it (the
``FORECAST_*`` settings through ``forecasting.inputs.engine_settings``), writes
``series_id,date,forecast,lo95,hi95`` and prints WRMSSE, WAPE and 80% / 95% coverage of the engine next to
SeasonalNaive and AutoETS fitted in the same run on the same history, and the engine's ratio to AutoETS.
What the data says is used, not extra flags (``forecasting.ml.engine``): a file that lists periods
without demand as zero rows has its missing periods treated as unrecorded (``complete_calendar``), and
an ``--exog`` 0/1 column whose 0 rows never sell is the opening indicator (``detect_open_column``).
Scoring follows ``forecasting.ml.engine.backtest`` (one window): complete calendars, missing periods
count as zero, each series weighted by its share of the target over the training periods (the revenue
share of the data README's protocol when the target is sales in money). A thin command: all modelling
is ``forecasting.ml``.
"""
import gzip
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError

BASELINES = {"seasonal_naive": "SeasonalNaive", "auto_ets": "AutoETS"}
OUTPUT_COLUMNS = ["series_id", "date", "forecast", "lo95", "hi95"]


def read_table(path: Path) -> pd.DataFrame:
    """A plain or gzipped CSV (gzip is recognised by its magic bytes, whatever the file name)."""
    if not path.is_file():
        raise CommandError(f"--input {path}: no such file")
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    try:
        return pd.read_csv(path, compression="gzip" if gzipped else None, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, gzip.BadGzipFile, OSError) as exc:
        raise CommandError(f"--input {path}: cannot read it as CSV: {exc}") from exc


class Command(BaseCommand):
    help = "Backtest the demand forecasting engine on a CSV: hold out the last H periods, score against baselines."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="long-format CSV, plain or gzipped")
        parser.add_argument("--id-col", required=True, help="series id column")
        parser.add_argument("--date-col", required=True, help="date column")
        parser.add_argument("--target-col", required=True, help="the quantity to forecast")
        parser.add_argument("--exog", default="",
                            help="comma-separated columns known in advance (promotions, holidays...)")
        parser.add_argument("--price-col", default="",
                            help="the price column, if any (known in advance; the engine uses the price at the origin "
                                 "and its ratio to the 28 periods before, as for the shop's prices)")
        parser.add_argument("--freq", choices=["D", "W", "M"], default="D", help="period: day, week or month")
        parser.add_argument("--horizon", type=int, required=True, help="periods held out and forecast")
        parser.add_argument("--output", required=True, help="where to write series_id,date,forecast,lo95,hi95")

    def handle(self, *args, **options):
        from forecasting.inputs import engine_settings
        from forecasting.ml.engine import backtest, complete_calendar, detect_open_column

        started = time.perf_counter()
        id_col, date_col, target_col = options["id_col"], options["date_col"], options["target_col"]
        freq = options["freq"]
        horizon = options["horizon"]
        if horizon < 1:
            raise CommandError("--horizon must be at least 1")
        exog = [c.strip() for c in options["exog"].split(",") if c.strip()]
        price_col = options["price_col"].strip() or None
        if price_col and price_col not in exog:
            exog.append(price_col)
        frame = read_table(Path(options["input"]))
        wanted = {"--id-col": id_col, "--date-col": date_col, "--target-col": target_col,
                  **{f"--exog ({c})": c for c in exog}}
        missing = [f"{flag} {col!r}" for flag, col in wanted.items() if col not in frame.columns]
        if missing:
            raise CommandError(f"column(s) not in {options['input']}: {', '.join(missing)}; "
                               f"the file has: {', '.join(map(str, frame.columns))}")
        frame = frame[[id_col, date_col, target_col, *exog]].copy()
        frame[date_col] = pd.to_datetime(frame[date_col], errors="coerce")
        frame[target_col] = pd.to_numeric(frame[target_col], errors="coerce")
        bad = frame[date_col].isna() | frame[target_col].isna()
        if bad.all():
            raise CommandError(f"no row has both a valid --date-col {date_col!r} "
                               f"and a numeric --target-col {target_col!r}")
        if bad.any():
            self.stderr.write(f"skipped {int(bad.sum())} row(s) without a valid date or numeric target")
            frame = frame[~bad]
        frame[id_col] = frame[id_col].astype(str)
        periods = pd.PeriodIndex(frame[date_col], freq=freq)
        last = periods.max()
        origin_p = last - horizon + 1
        if periods.min() >= origin_p:
            raise CommandError(f"--horizon {horizon} holds out the whole file: nothing left to learn from")
        frame = complete_calendar(frame, id_col=id_col, date_col=date_col, target_col=target_col, freq=freq)
        open_col = detect_open_column(frame, exog, target_col=target_col)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores, fc = backtest(frame, horizon=horizon, freq=freq, n_windows=1, id_col=id_col, date_col=date_col,
                                  target_col=target_col, exog_cols=exog, open_col=open_col, price_col=price_col,
                                  settings=engine_settings(), weights="target",
                                  baselines=list(BASELINES), return_forecasts=True)
        output = fc.rename(columns={"mean": "forecast"})[OUTPUT_COLUMNS].copy()
        output["date"] = pd.to_datetime(output["date"]).dt.strftime("%Y-%m-%d")
        Path(options["output"]).parent.mkdir(parents=True, exist_ok=True)
        output.to_csv(options["output"], index=False, float_format="%.6g")

        scores = scores.set_index("method").rename(index=BASELINES)
        censored = int(frame["censored"].sum()) if "censored" in frame.columns else 0
        self.stdout.write(f"{fc['series_id'].nunique()} series, origin {scores['origin'].iloc[0]}, horizon {horizon} "
                          f"({freq}); wrote {len(output)} rows to {options['output']}")
        self.stdout.write(f"opening indicator: {open_col or 'none'}; unrecorded periods treated as unknown: {censored}")
        self.stdout.write(f"{'method':<16}{'WRMSSE':>10}{'WAPE':>10}{'cov80':>10}{'cov95':>10}")
        for name, row in scores.iterrows():
            cells = "".join(f"{'-' if not np.isfinite(v) else f'{v:.4f}':>10}"
                            for v in (row["wrmsse"], row["wape"], row["coverage80"], row["coverage95"]))
            self.stdout.write(f"{name:<16}{cells}")
        ratio = scores.loc["engine", "wrmsse"] / scores.loc["AutoETS", "wrmsse"]
        self.stdout.write(f"engine / AutoETS WRMSSE: {ratio:.3f}")
        self.stdout.write(f"({time.perf_counter() - started:.1f}s)")
