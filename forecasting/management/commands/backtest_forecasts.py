"""``manage.py backtest_forecasts``: backtest the forecasting engine on any long-format CSV.

    manage.py backtest_forecasts --input sales.csv.gz --id-col store --date-col day --target-col sales \\
        [--exog promo,holiday] --freq D --horizon 28 --output forecasts.csv

Holds out the last ``--horizon`` periods, forecasts them from the periods before (``--exog`` columns
are known in advance: their held-out values are given to the engine), writes
``series_id,date,forecast,lo95,hi95`` and prints WRMSSE, WAPE and 95% coverage of the engine next to
SeasonalNaive and AutoETS fitted in the same run on the same history. Scoring follows
``forecasting.ml.engine.backtest`` (one window): complete calendars, missing periods count as zero,
equal series weights. A thin command: all modelling is ``forecasting.ml``.
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
        parser.add_argument("--freq", choices=["D", "W", "M"], default="D", help="period: day, week or month")
        parser.add_argument("--horizon", type=int, required=True, help="periods held out and forecast")
        parser.add_argument("--output", required=True, help="where to write series_id,date,forecast,lo95,hi95")

    def handle(self, *args, **options):
        from forecasting.ml.engine import forecast
        from forecasting.ml.metrics import interval_coverage, wape, wrmsse
        from forecasting.ml.models import build_panel, statsforecast_models

        started = time.perf_counter()
        id_col, date_col, target_col = options["id_col"], options["date_col"], options["target_col"]
        freq = options["freq"]
        horizon = options["horizon"]
        if horizon < 1:
            raise CommandError("--horizon must be at least 1")
        exog = [c.strip() for c in options["exog"].split(",") if c.strip()]
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
        train, test = frame[periods < origin_p], frame[periods >= origin_p]
        origin = origin_p.to_timestamp()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = forecast(train, origin=origin, horizon=horizon, freq=freq,
                          future_exog=test[[id_col, date_col, *exog]] if exog else None, exog_cols=exog,
                          id_col=id_col, date_col=date_col, target_col=target_col)
        output = fc.rename(columns={"mean": "forecast"})[OUTPUT_COLUMNS].copy()
        output["date"] = pd.to_datetime(output["date"]).dt.strftime("%Y-%m-%d")
        Path(options["output"]).parent.mkdir(parents=True, exist_ok=True)
        output.to_csv(options["output"], index=False, float_format="%.6g")

        # score on complete calendars (missing periods are zero), as the engine's backtest does
        full = pd.concat([train, test]).assign(_p=lambda d: pd.PeriodIndex(d[date_col], freq=freq))
        sums = full.groupby([id_col, "_p"])[target_col].sum()
        calendar = pd.period_range(sums.index.get_level_values(1).min(), last, freq=freq)
        ids = train[id_col].unique()
        full_index = pd.MultiIndex.from_product([ids, calendar], names=[id_col, "_p"])
        cal = sums.reindex(full_index, fill_value=0).reset_index()
        cal[date_col] = cal.pop("_p").dt.to_timestamp()
        cal_train, cal_test = cal[cal[date_col] < origin], cal[cal[date_col] >= origin]
        fc_scored = fc.rename(columns={"series_id": id_col})
        fc_scored[date_col] = pd.to_datetime(fc_scored["date"])
        merged = cal_test.merge(fc_scored.drop(columns=["date"]) if date_col != "date" else fc_scored,
                                on=[id_col, date_col], how="left").fillna({"mean": 0.0})
        scores = {"engine": (
            wrmsse(cal_test, fc_scored, cal_train, id_col=id_col, date_col=date_col, target_col=target_col),
            wape(merged[target_col], merged["mean"]),
            interval_coverage(merged[target_col], merged["lo95"], merged["hi95"]))}
        panel = build_panel(train, origin=origin, horizon=horizon, freq=freq, id_col=id_col, date_col=date_col,
                            target_col=target_col)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            baselines = statsforecast_models(panel, list(BASELINES))
        dates = panel.periods[panel.T:panel.T + horizon].to_timestamp()
        for name, values in baselines.items():
            bdf = pd.DataFrame({id_col: np.repeat(panel.ids, horizon), date_col: np.tile(dates, panel.n),
                                "mean": values.reshape(-1)})
            m = cal_test.merge(bdf, on=[id_col, date_col], how="left").fillna({"mean": 0.0})
            scores[BASELINES[name]] = (
                wrmsse(cal_test, bdf, cal_train, id_col=id_col, date_col=date_col, target_col=target_col),
                wape(m[target_col], m["mean"]), float("nan"))

        self.stdout.write(f"{len(ids)} series, origin {origin.date()}, horizon {horizon} ({freq}); "
                          f"wrote {len(output)} rows to {options['output']}")
        self.stdout.write(f"{'method':<16}{'WRMSSE':>10}{'WAPE':>10}{'cov95':>10}")
        for name, (w, a, c) in scores.items():
            cells = "".join(f"{'-' if v is None or not np.isfinite(v) else f'{v:.4f}':>10}" for v in (w, a, c))
            self.stdout.write(f"{name:<16}{cells}")
        self.stdout.write(f"({time.perf_counter() - started:.1f}s)")
