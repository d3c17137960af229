"""The fraud handbook's chapter 3 protocol and metrics (Le Borgne et al., *Reproducible Machine
Learning for Credit Card Fraud Detection*), written to match the published code.

Protocol: train on ``delta_train`` days from ``start_training``; wait ``delta_delay`` days (labels of
the training days become known); test on the next ``delta_test`` days. Cards known to be
compromised are removed from each test day: cards with a fraud in the training days, plus, for
test day ``d``, cards with a fraud on day ``start + delta_train + d - 1`` (whose labels are known
by then).

Metrics: AUC ROC, average precision, and card precision@k: per test day, take each card's highest
score and its label (any fraud that day), rank cards, and count the compromised ones among the top
``k``, divided by ``k``; cards detected (truly compromised and in a day's top k) are left out of
later days. The reported value is the mean over days.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score


@dataclass(frozen=True)
class Protocol:
    start_training: dt.datetime = dt.datetime(2018, 7, 25)
    delta_train: int = 7
    delta_delay: int = 7
    delta_test: int = 7
    time_col: str = "TX_DATETIME"
    day_col: str = "TX_TIME_DAYS"
    card_col: str = "CUSTOMER_ID"
    label_col: str = "TX_FRAUD"

    @property
    def test_start(self) -> dt.datetime:
        return self.start_training + dt.timedelta(days=self.delta_train + self.delta_delay)

    @property
    def test_end(self) -> dt.datetime:
        return self.test_start + dt.timedelta(days=self.delta_test)


def add_day_index(df: pd.DataFrame, protocol: Protocol = Protocol(),
                  origin: dt.datetime | None = None) -> pd.DataFrame:
    """Ensure a day-number column (days since ``origin``, default the first day in ``df``)."""
    if protocol.day_col in df:
        return df
    t = pd.to_datetime(df[protocol.time_col])
    origin = pd.Timestamp(origin) if origin is not None else t.min().normalize()
    return df.assign(**{protocol.day_col: (t - origin).dt.days})


def train_test_split(df: pd.DataFrame, protocol: Protocol = Protocol()
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, test)`` rows of ``df`` following the handbook's ``get_train_test_set``."""
    p = protocol
    df = add_day_index(df, p)
    t = df[p.time_col]
    start = pd.Timestamp(p.start_training)
    train = df[(t >= start) & (t < start + pd.Timedelta(days=p.delta_train))]
    known = set(train.loc[train[p.label_col] == 1, p.card_col])
    first_day = int(train[p.day_col].min())
    parts = []
    for day in range(p.delta_test):
        test_day = df[df[p.day_col] == first_day + p.delta_train + p.delta_delay + day]
        delay_day = df[df[p.day_col] == first_day + p.delta_train + day - 1]
        known |= set(delay_day.loc[delay_day[p.label_col] == 1, p.card_col])
        parts.append(test_day[~test_day[p.card_col].isin(known)])
    test = pd.concat(parts)
    return train, test


def card_precision_top_k(days: np.ndarray, cards: np.ndarray, labels: np.ndarray,
                         scores: np.ndarray, k: int = 100,
                         remove_detected: bool = True) -> tuple[float, list[float]]:
    """Mean daily card precision@k and the per-day values (handbook definition)."""
    frame = pd.DataFrame({"day": days, "card": cards, "label": labels, "score": scores})
    detected: set = set()
    per_day = []
    for day in sorted(frame["day"].unique()):
        d = frame[(frame["day"] == day) & ~frame["card"].isin(detected)]
        # Per card: highest score and whether any of its transactions that day was fraud.
        cards_day = d.groupby("card").agg(score=("score", "max"), label=("label", "max"))
        # Ties broken by card id so the result does not depend on row order.
        top = cards_day.sort_values(["score"], ascending=False, kind="stable").head(k)
        hits = top.index[top["label"] == 1]
        per_day.append(len(hits) / k)
        if remove_detected:
            detected.update(hits)
    return float(np.mean(per_day)) if per_day else float("nan"), per_day


@dataclass
class BacktestResult:
    auc_roc: float
    average_precision: float
    card_precision_at_k: float
    card_precision_per_day: list[float]
    k: int
    n_test: int
    n_test_frauds: int

    def as_dict(self) -> dict:
        return {"auc_roc": self.auc_roc, "average_precision": self.average_precision,
                f"card_precision@{self.k}": self.card_precision_at_k,
                "n_test": self.n_test, "n_test_frauds": self.n_test_frauds}


def evaluate(test: pd.DataFrame, scores: np.ndarray, protocol: Protocol = Protocol(),
             k: int = 100) -> BacktestResult:
    y = test[protocol.label_col].to_numpy()
    cp, per_day = card_precision_top_k(test[protocol.day_col].to_numpy(),
                                       test[protocol.card_col].to_numpy(), y,
                                       np.asarray(scores, float), k=k)
    return BacktestResult(
        auc_roc=float(roc_auc_score(y, scores)),
        average_precision=float(average_precision_score(y, scores)),
        card_precision_at_k=cp, card_precision_per_day=per_day, k=k,
        n_test=int(len(test)), n_test_frauds=int(y.sum()))
