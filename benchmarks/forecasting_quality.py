"""Forecast quality benchmark: online_retail (daily units per product) and rossmann20 (daily
sales per store), last 28 days held out, WRMSSE against statsforecast baselines fitted in the
same run.

    .venv/bin/python benchmarks/forecasting_quality.py [--data-dir ../shared/data] [--only online_retail|rossmann]

Protocol (both data sets): the calendar runs from the first day of the file, days without sales
count as zero; history = days strictly before the origin; WRMSSE weights = revenue share over
the training window (rossmann: sales are revenue). online_retail keeps products with at least 20
selling days before the origin.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.ml.config import EngineSettings  # noqa: E402
from forecasting.ml.engine import forecast  # noqa: E402
from forecasting.ml.metrics import interval_coverage, wrmsse  # noqa: E402

HORIZON = 28
BASELINES = ["Naive", "SeasonalNaive", "WindowAverage", "CrostonOptimized", "AutoETS"]


def remove_cancellations(lines: pd.DataFrame) -> pd.DataFrame:
    """Order lines net of cancellations and refunds (online_retail conventions).

    Every cancellation line (invoice ``C...``, negative quantity) is matched to the most recent
    earlier order line of the same customer and product, and its quantity is taken off that
    line (spilling over to earlier lines if it is larger), so the cancelled units disappear from
    demand on the day they were ordered, not on the day of the refund. Cancellations without a
    matching earlier order (ordered before the file starts) are dropped. Other negative lines
    (stock adjustments, ``A`` bad-debt invoices) and zero-price lines are not sales and dropped.
    """
    d = lines.copy()
    is_c = d["InvoiceNo"].str.startswith("C")
    orders = d[~is_c & ~d["InvoiceNo"].str.startswith("A") & (d["Quantity"] > 0)
               & (d["UnitPrice"] > 0)].copy()
    cancels = d[is_c & (d["Quantity"] < 0) & d["CustomerID"].notna()]
    orders = orders.sort_values("InvoiceDate", kind="stable")
    qty = orders["Quantity"].to_numpy(dtype=float).copy()
    pos = {}
    keyed = orders[orders["CustomerID"].notna()]
    for i, key in zip(np.flatnonzero(orders["CustomerID"].notna().to_numpy()),
                      zip(keyed["CustomerID"], keyed["StockCode"])):
        pos.setdefault(key, []).append(i)
    times = orders["InvoiceDate"].to_numpy()
    for cust, code, q, t in zip(cancels["CustomerID"], cancels["StockCode"], -cancels["Quantity"],
                                cancels["InvoiceDate"].to_numpy()):
        cand = [i for i in pos.get((cust, code), []) if times[i] <= t]
        exact = [i for i in cand if qty[i] == q]
        for i in (exact[-1:] if exact else cand[::-1]):
            take = min(qty[i], q)
            qty[i] -= take
            q -= take
            if q <= 0:
                break
    orders["Quantity"] = qty
    return orders[orders["Quantity"] > 0]


def load_online_retail(data_dir: Path):
    """(history, actual, weights, origin): daily units per product, products with >= 20 selling
    days before 2011-11-12. Service codes (postage, fees, discounts, manual lines: codes without
    a digit, gift vouchers) are not stocked products and are left out."""
    raw = pd.read_csv(data_dir / "online_retail.csv.gz", dtype={"InvoiceNo": str, "StockCode": str},
                      parse_dates=["InvoiceDate"])
    origin = pd.Timestamp("2011-11-12")
    lines = remove_cancellations(raw)
    lines = lines[lines["StockCode"].str.contains(r"\d") & ~lines["StockCode"].str.startswith("gift")]
    lines = lines.assign(date=lines["InvoiceDate"].dt.normalize(),
                         revenue=lines["Quantity"] * lines["UnitPrice"])
    daily = lines.groupby(["StockCode", "date"]).agg(y=("Quantity", "sum"), revenue=("revenue", "sum"),
                                                     price=("UnitPrice", "median")).reset_index()
    train = daily[daily["date"] < origin]
    selling = train[train["y"] > 0].groupby("StockCode").size()
    ids = selling[selling >= 20].index
    cal = pd.date_range(raw["InvoiceDate"].min().normalize(), origin + pd.Timedelta(days=HORIZON - 1))
    full = pd.MultiIndex.from_product([ids, cal], names=["StockCode", "date"])
    panel = (daily.set_index(["StockCode", "date"])[["y"]].reindex(full, fill_value=0).reset_index()
             .rename(columns={"StockCode": "series_id"}))
    weights = train[train["StockCode"].isin(ids)].groupby("StockCode")["revenue"].sum()
    return panel[panel["date"] < origin], panel[panel["date"] >= origin], weights, origin, {}


def load_rossmann(data_dir: Path):
    """(history, actual, weights, origin, kwargs): daily sales per store; Open, Promo,
    StateHoliday, SchoolHoliday known in advance. Days missing from the file (stores closed for
    refurbishment) count as zero sales and are flagged censored for training."""
    raw = pd.read_csv(data_dir / "rossmann20_daily.csv.gz", parse_dates=["Date"],
                      dtype={"StateHoliday": str})
    raw = raw.rename(columns={"Store": "series_id", "Date": "date", "Sales": "y"})
    cal = pd.date_range(raw["date"].min(), raw["date"].max())
    origin = cal[-HORIZON]
    full = pd.MultiIndex.from_product([raw["series_id"].unique(), cal], names=["series_id", "date"])
    df = raw.set_index(["series_id", "date"]).reindex(full).reset_index()
    df["censored"] = df["y"].isna()
    df["y"] = df["y"].fillna(0.0)
    df["Open"] = df["Open"].fillna(0)
    df["Promo"] = df["Promo"].fillna(0)
    df["SchoolHoliday"] = df["SchoolHoliday"].fillna(0)
    df["StateHoliday"] = df["StateHoliday"].fillna("0").map({"0": 0, "a": 1, "b": 2, "c": 3}).fillna(0)
    cols = ["series_id", "date", "y", "censored", "Open", "Promo", "StateHoliday", "SchoolHoliday"]
    df = df[cols]
    weights = df[df["date"] < origin].groupby("series_id")["y"].sum()
    kwargs = dict(exog_cols=["Promo", "StateHoliday", "SchoolHoliday"], open_col="Open",
                  future_exog=df[df["date"] >= origin].drop(columns=["y", "censored"]))
    return df[df["date"] < origin], df[df["date"] >= origin], weights, origin, kwargs


DATASETS = {
    # name: (loader, reference for the ratio); the engine configured from the default settings on
    # both (``forecasting.ml.config``: the same function production calls)
    "online_retail": (load_online_retail, "best"),
    "rossmann": (load_rossmann, "AutoETS"),
}


def statsforecast_baselines(history: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The published baselines, fitted on the same history: long frame with one column each."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, CrostonOptimized, Naive, SeasonalNaive, WindowAverage

    sf = StatsForecast(models=[Naive(), SeasonalNaive(7), WindowAverage(28), CrostonOptimized(),
                               AutoETS(season_length=7)], freq="D", n_jobs=1)
    df = history.rename(columns={"series_id": "unique_id", "date": "ds"})[["unique_id", "ds", "y"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = sf.forecast(df=df, h=horizon)
    if "unique_id" not in fc.columns:
        fc = fc.reset_index()
    return fc.rename(columns={"unique_id": "series_id", "ds": "date"})


def run(name: str, data_dir: Path) -> dict:
    loader, reference = DATASETS[name]
    history, actual, weights, origin, kwargs = loader(data_dir)
    n = history["series_id"].nunique()
    t = time.process_time()
    base = statsforecast_baselines(history, HORIZON)
    base_cpu = time.process_time() - t
    scores = {m: wrmsse(actual, base.rename(columns={m: "mean"}), history, weights=weights) for m in BASELINES}
    exog = kwargs.get("exog_cols", [])
    hist_in = history[[c for c in history.columns if c in ("series_id", "date", "y", "censored", *exog,
                                                         kwargs.get("open_col") or "")]]
    t = time.process_time()
    fc, info = forecast(hist_in, origin=origin, horizon=HORIZON, freq="D", settings=EngineSettings(),
                        future_exog=kwargs.get("future_exog"), exog_cols=exog,
                        open_col=kwargs.get("open_col"), return_info=True)
    cpu = time.process_time() - t
    scores["engine"] = wrmsse(actual, fc, history, weights=weights)
    merged = actual.merge(fc, on=["series_id", "date"], how="left")
    ref = min(scores[m] for m in BASELINES) if reference == "best" else scores[reference]
    ref_name = min(BASELINES, key=scores.get) if reference == "best" else reference
    return dict(name=name, n=n, scores=scores, ref=ref, ref_name=ref_name, ratio=scores["engine"] / ref,
                covered=fc["series_id"].nunique() == n and merged["mean"].notna().all(),
                cov95=interval_coverage(merged["y"], merged["lo95"], merged["hi95"]),
                cov80=interval_coverage(merged["y"], merged["lo80"], merged["hi80"]),
                bt_cov95=info.backtest_coverage95, cpu=cpu, base_cpu=base_cpu,
                models=info.ensemble.value_counts().to_dict())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--only", choices=sorted(DATASETS))
    args = ap.parse_args(argv)
    names = [args.only] if args.only else list(DATASETS)
    for name in names:
        wall = time.time()
        r = run(name, args.data_dir)
        print(f"\n== {name}: {r['n']} series, horizon {HORIZON} days ==")
        print(f"{'method':<18}{'WRMSSE':>8}")
        for m, s in r["scores"].items():
            print(f"{m:<18}{s:8.3f}")
        target = 0.95 if name == "online_retail" else 0.55
        print(f"engine / {r['ref_name']} ({'best baseline' if name == 'online_retail' else 'AutoETS'}): "
              f"{r['ratio']:.3f}  (target <= {target})")
        print(f"forecast for every series: {r['covered']}")
        print(f"95% interval coverage on held-out days: {r['cov95']:.3f} (target 0.92..0.98); "
              f"80%: {r['cov80']:.3f}; backtest (leave-one-window-out) 95%: {r['bt_cov95']:.3f}")
        print(f"engine CPU: {r['cpu']:.1f} s = {r['cpu'] / r['n'] * 1000:.1f} ms/series "
              f"(statsforecast baselines: {r['base_cpu']:.1f} s); wall {time.time() - wall:.0f} s")
        print(f"ensembles chosen: {r['models']}")


if __name__ == "__main__":
    main()
