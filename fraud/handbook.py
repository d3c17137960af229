"""The fraud handbook's protocol run through the shop's production path (``backtest_fraud``).

The handbook's transactions become a shop in a scratch database (a fresh, migrated database of the
same engine; the shop's own is never touched): each transaction an order imported by the generic
order importer (TRANSACTION_ID the order number, CUSTOMER_ID + 1 the customer, TERMINAL_ID the
``device_id``, TX_AMOUNT the total), each fraud a chargeback known ``delay`` days after its order,
imported by ``import_chargebacks`` (none with ``labels=False``). Then ``retrain fraud --sync`` as of
the first test day, with the production settings (the training window is the protocol's training
days plus the delay, whose orders are still unlabelled), and every order of the test days is scored
by ``fraud.services.score_order``, the service behind ``POST /api/v1/fraud/score/``. The metrics
are the handbook's (``fraud.ml.backtest``) on the protocol's test rows.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import override_settings
from tqdm import tqdm

from electroshop.seam import get_adapter

from . import labels, services
from .features import feature_config
from .ml.backtest import BacktestResult, Protocol, add_day_index, evaluate, train_test_split

COLUMNS = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]


class HandbookFileError(ValueError):
    pass


def read_handbook(path: str | Path) -> pd.DataFrame:
    """The handbook's transactions (CSV, maybe gzipped, or a pickle), in time order (ties keep the file's order)."""
    path = str(path)
    try:
        if path.endswith((".pkl", ".pickle")):
            df = pd.read_pickle(path)
        else:
            df = pd.read_csv(path, usecols=lambda c: c in COLUMNS or c == "TX_TIME_DAYS")
    except FileNotFoundError:
        raise HandbookFileError(f"no such file: {path}") from None
    except (ValueError, pd.errors.ParserError) as exc:
        raise HandbookFileError(f"cannot read {path}: {exc}") from None
    missing = set(COLUMNS) - set(df.columns)
    if missing:
        raise HandbookFileError(f"{path} lacks the handbook column(s) {', '.join(sorted(missing))}")
    df["TX_DATETIME"] = pd.to_datetime(df["TX_DATETIME"])
    df = df.sort_values("TX_DATETIME", kind="stable").reset_index(drop=True)
    if "TX_TIME_DAYS" not in df:
        df = add_day_index(df)
    return df


@dataclass
class HandbookBacktest:
    result: BacktestResult
    scores: pd.DataFrame  # transaction_id, score (0-1: the API's score / 100, unrounded) of the protocol's test rows
    model: str  # the kind of model the retrain activated
    orders: int
    chargebacks: int
    scored: int
    levels: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def scratch_database() -> Iterator[None]:
    """A fresh, migrated database of the shop's engine for the duration, dropped afterwards: in
    memory on SQLite, a database beside the shop's on PostgreSQL."""
    test_settings = connection.settings_dict.setdefault("TEST", {})
    saved_name, saved_test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    test_settings["NAME"] = None if connection.vendor == "sqlite" else f"{saved_name}_backtest_{os.getpid()}"
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(saved_name, verbosity=0)
    finally:
        test_settings["NAME"] = saved_test_name


def as_generic_orders(df: pd.DataFrame) -> pd.DataFrame:
    """The transactions as a generic order file (one line per order)."""
    return pd.DataFrame({
        "order_id": df["TRANSACTION_ID"].astype(str), "customer_id": df["CUSTOMER_ID"] + 1, "sku": "PAYMENT",
        "quantity": 1, "unit_price": df["TX_AMOUNT"].map("{:.2f}".format),
        "ordered_at": df["TX_DATETIME"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
        "device_id": "T" + df["TERMINAL_ID"].astype(str),
    })


def as_chargebacks(df: pd.DataFrame, *, delay_days: float) -> pd.DataFrame:
    """Each fraud charged back ``delay_days`` after its order, to the second."""
    frauds = df[df["TX_FRAUD"] == 1]
    known = frauds["TX_DATETIME"] + pd.Timedelta(days=delay_days)
    return pd.DataFrame({"order_number": frauds["TRANSACTION_ID"].astype(str),
                         "chargeback_date": known.dt.strftime("%Y-%m-%dT%H:%M:%S")})


def backtest_handbook(df: pd.DataFrame, protocol: Protocol, *, use_labels: bool = True,
                      progress: bool = False) -> HandbookBacktest:
    """Run ``protocol`` on the handbook transactions ``df`` through the production path (see the module)."""
    shop_settings = {
        **getattr(settings, "ELECTROSHOP", {}),
        "FRAUD_LABEL_DELAY_DAYS": protocol.delta_delay,
        "FRAUD_TRAIN_DAYS": protocol.delta_train + protocol.delta_delay,
    }
    with override_settings(ELECTROSHOP=shop_settings):
        history = pd.Timedelta(seconds=feature_config(label_delay_days=protocol.delta_delay).lookback_seconds)
    start, test_start, test_end = (pd.Timestamp(protocol.start_training), pd.Timestamp(protocol.test_start),
                                   pd.Timestamp(protocol.test_end))
    window = df[(df["TX_DATETIME"] >= start - history) & (df["TX_DATETIME"] < test_end)]
    in_training = (window["TX_DATETIME"] >= start) & (window["TX_DATETIME"] < start + pd.Timedelta(days=protocol.delta_train))
    train, test = train_test_split(window, protocol) if in_training.any() else (window[:0], window[:0])
    if train.empty or test.empty or train["TX_FRAUD"].nunique() < 2:
        raise HandbookFileError("the training days need both fraud and genuine transactions, and the test days "
                                "transactions; check --train-start")
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="backtest-fraud-") as work:
        shop_settings["ARTIFACT_DIR"] = work
        cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": work}}
        with override_settings(ELECTROSHOP=shop_settings, CACHES=cache), scratch_database():
            clock = time.perf_counter()
            orders_file = Path(work) / "orders.csv"
            as_generic_orders(window).to_csv(orders_file, index=False)
            try:  # the shop's own importer, by its command (the fraud app does not import the built-in shop)
                call_command("import_orders", "--format", "generic", str(orders_file), "--max-bad-rows", "0",
                             stdout=io.StringIO(), stderr=io.StringIO())
            except CommandError as exc:
                raise HandbookFileError(f"the import refused the transactions: {exc}") from None
            seconds["import"] = time.perf_counter() - clock
            chargebacks = 0
            if use_labels:
                report = labels.import_chargebacks(
                    stream=io.StringIO(as_chargebacks(window, delay_days=protocol.delta_delay).to_csv(index=False)),
                    recorded_by="backtest_fraud")
                chargebacks = report.imported
            clock = time.perf_counter()
            call_command("retrain", "fraud", "--sync", "--as-of", test_start.date().isoformat(),
                         stdout=io.StringIO(), stderr=io.StringIO())
            seconds["retrain"] = time.perf_counter() - clock
            from electroshop.mlops.models import ModelVersion

            model = ModelVersion.objects.get(app="fraud", kind="order_risk", status="active").parameters["model"]
            week = window[window["TX_DATETIME"] >= test_start]
            ids = get_adapter().order_ids_for_numbers(week["TRANSACTION_ID"].astype(str))
            orders = len(get_adapter().order_ids_for_numbers(window["TRANSACTION_ID"].astype(str)))
            clock = time.perf_counter()
            scores: dict[str, float] = {}
            levels: dict[str, int] = {}
            for number in tqdm(week["TRANSACTION_ID"].astype(str), desc="scoring", unit="order", unit_scale=True,
                               disable=None if progress else True, mininterval=0.5):
                assessment = services.score_order(order_id=ids[number][0], source="api")
                scores[number] = assessment.score / 100  # the API answers round(score, 2) of this
                levels[assessment.level] = levels.get(assessment.level, 0) + 1
            seconds["scoring"] = time.perf_counter() - clock
            services.forget_loaded_models()  # their version ids are the scratch database's
    test_scores = test["TRANSACTION_ID"].astype(str).map(scores).to_numpy(float)
    return HandbookBacktest(
        result=evaluate(test, test_scores, protocol),
        scores=pd.DataFrame({"transaction_id": test["TRANSACTION_ID"].to_numpy(), "score": test_scores}),
        model=model, orders=orders, chargebacks=chargebacks, scored=len(scores),
        levels=levels, seconds=seconds)
