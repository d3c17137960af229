"""Recommendation quality on UCI Online Retail (protocol of shared/data/README.md).

History = purchases before 2011-11-09; test = for each customer, the items bought from 2011-11-09
on that they had never bought before (items known in the history; 1,288 customers). Already-bought
items are filtered from every list. Everything is computed in this run:

* most popular, item kNN (implicit BM25, library defaults), EASE (l2 = 200) on the binary matrix;
* implicit ALS with its grid tuned on a validation window carved from the history (train before
  2011-10-10, validate on first purchases 2011-10-10 .. 11-08), then refitted on the full history;
* the hybrid (``recommendations.ml.training.train_hybrid``), which tunes itself on the same kind of
  window inside the history - nothing from the test period is used for training or tuning.

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommendations_quality.py [--data PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recommendations.ml import candidates as cg  # noqa: E402
from recommendations.ml.evaluation import evaluate_rankings, temporal_split  # noqa: E402
from recommendations.ml.hybrid import HybridParams  # noqa: E402
from recommendations.ml.training import select_hyperparameters, train_hybrid  # noqa: E402
from recommendations.ml.interactions import build_interaction_matrix  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "online_retail.csv.gz"
CUTOFF = pd.Timestamp("2011-11-09")
VALIDATION_DAYS = 30
ALS_GRID = [
    {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
    for f in (64, 128)
    for r in (0.01, 0.1)
    for a in (1.0, 10.0)
]


def load_online_retail(path: Path) -> pd.DataFrame:
    """The shared CSV -> interactions in the shape ``recommendations.ml`` expects (one purchase
    event per invoice line, ``session_id`` = invoice, ``name`` = description).

    Kept in one function so it can later be swapped for the Django import path."""
    raw = pd.read_csv(path, encoding="latin-1", dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": "Int64"})
    raw = raw[raw["CustomerID"].notna() & ~raw["InvoiceNo"].str.startswith("C") & (raw["Quantity"] > 0)]
    interactions = pd.DataFrame({
        "customer_id": raw["CustomerID"].astype(np.int64).to_numpy(),
        "product_id": raw["StockCode"].to_numpy(),
        "event_type": "purchase",
        "timestamp": pd.to_datetime(raw["InvoiceDate"]).to_numpy(),
        "quantity": raw["Quantity"].to_numpy(),
        "session_id": raw["InvoiceNo"].to_numpy(),
        "price": raw["UnitPrice"].to_numpy(),
        "name": raw["Description"].fillna("").to_numpy(),
    })
    return interactions


def catalogue_as_of(interactions: pd.DataFrame, as_of) -> pd.DataFrame:
    """Products known before ``as_of`` (name = most frequent description, price = median), so no
    price or product from the test period leaks into training."""
    hist = interactions[interactions["timestamp"] < as_of]
    return (
        hist.groupby("product_id")
        .agg(name=("name", lambda s: s.mode().iat[0] if len(s) else ""), price=("price", "median"))
        .reset_index()
    )


def _lists_from_scores(scores: np.ndarray, seen, item_ids: np.ndarray, k: int) -> list[list]:
    s = np.array(scores, dtype=np.float32, copy=True)
    s[seen.toarray() > 0] = -np.inf
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(s, top, 1), axis=1, kind="stable"), 1)
    return [list(item_ids[row]) for row in top]


def binary_data(interactions: pd.DataFrame, as_of) -> cg.TrainingData:
    im = build_interaction_matrix(interactions, as_of=as_of, event_weights={"purchase": 1.0}, half_life_days=None,
                                  value_transform="binary", bot_filter=None)
    return cg.prepare_training_data(im, interactions[interactions["timestamp"] < as_of])


def tuned_als_and_ease(interactions: pd.DataFrame, data: cg.TrainingData, rows, rows_idx: np.ndarray,
                       cutoff=CUTOFF) -> dict[str, tuple[np.ndarray, float, str]]:
    """The two reference methods of the protocol, scored for the test ``rows`` of ``data``:
    implicit ALS with ``ALS_GRID`` tuned on a validation window inside the history (train before
    ``cutoff - 30 days``, validate on first purchases in the window), refitted on the whole history;
    and EASE with l2 = 200. Returns ``{name: (scores, seconds, note)}``. Shared with
    ``recommendations_real_path.py`` so both report against the same references."""
    out = {}
    t = time.perf_counter()
    val_start = cutoff - pd.Timedelta(days=VALIDATION_DAYS)
    vsplit = temporal_split(interactions[interactions["timestamp"] < cutoff], cutoff=val_start)
    vdata = binary_data(interactions, val_start)
    vusers = np.array([vdata.im.user_index[u] for u in sorted(vsplit.relevant)])
    vrel = [[vdata.im.item_index[i] for i in vsplit.relevant[u]] for u in sorted(vsplit.relevant)]
    best, best_val, _, _ = select_hyperparameters("als", ALS_GRID, vdata, vusers, vrel)
    als = cg.ALSGenerator(**best).fit(data)
    out["implicit ALS, tuned grid"] = (als.score(rows, rows_idx), time.perf_counter() - t,
                                       f"ALS chosen on validation: {best} (validation NDCG@10 {best_val:.4f})")
    t = time.perf_counter()
    out["EASE (l2=200)"] = (cg.EASEGenerator(l2=200.0).fit(data).score(rows), time.perf_counter() - t, "")
    return out


def run(path: Path, k_list=(10, 20)) -> dict[str, dict[str, float]]:
    t_start = time.perf_counter()
    interactions = load_online_retail(path)
    products = catalogue_as_of(interactions, CUTOFF)
    split = temporal_split(interactions, cutoff=CUTOFF)
    test_users = sorted(split.relevant)
    print(f"loaded {len(interactions):,} purchase lines; test customers {len(test_users):,} "
          f"({time.perf_counter() - t_start:.1f}s)")

    data = binary_data(interactions, CUTOFF)
    im = data.im
    rows_idx = np.array([im.user_index[u] for u in test_users])
    rows = im.matrix[rows_idx]
    results: dict[str, dict[str, float]] = {}
    timings: dict[str, float] = {}

    def record(name: str, scores: np.ndarray, seconds: float):
        lists = _lists_from_scores(scores, rows, im.item_ids, max(k_list))
        results[name] = evaluate_rankings(dict(zip(test_users, lists)), split.relevant, ks=k_list,
                                          catalogue_size=len(im.item_ids))
        timings[name] = seconds

    t = time.perf_counter()
    record("most popular", cg.PopularityGenerator().fit(data).score(rows), time.perf_counter() - t)

    t = time.perf_counter()
    from implicit.nearest_neighbours import BM25Recommender

    knn = BM25Recommender(num_threads=1)  # library defaults: K=20, K1=1.2, B=0.75
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit warns about its own internal COO conversion
        knn.fit(im.matrix, show_progress=False)
    record("item kNN (implicit BM25)", (rows @ knn.similarity).toarray(), time.perf_counter() - t)

    for name, (scores, seconds, note) in tuned_als_and_ease(interactions, data, rows, rows_idx).items():
        record(name, scores, seconds)
        if note:
            print(note)

    t = time.perf_counter()
    model = train_hybrid(interactions, products, as_of=CUTOFF, params=HybridParams(validation_days=VALIDATION_DAYS))
    recs = model.recommend(test_users, n=max(k_list), exclude_bought=True)
    lists = {u: r.item_ids for u, r in zip(test_users, recs)}
    results["hybrid (re-ranked)"] = evaluate_rankings(lists, split.relevant, ks=k_list, catalogue_size=len(im.item_ids))
    timings["hybrid (re-ranked)"] = time.perf_counter() - t
    print("hybrid settings:", {k: v for k, v in model.generator_settings.items() if v})
    print("hybrid validation:", {k: round(v, 4) for k, v in model.validation_metrics.items()})
    print("hybrid timings:", {k: round(v, 1) for k, v in model.timings.items()})
    print("bot/outlier filter:", model.data.im.filter_report)
    codes = pd.Series([r.code for rec in recs for r in rec.reasons[:10]]).value_counts(normalize=True).round(3)
    print("reason codes in top-10:", codes.to_dict())

    reference = max(results["implicit ALS, tuned grid"]["ndcg@10"], results["EASE (l2=200)"]["ndcg@10"])
    print()
    print(f"{'method':28s} {'NDCG@10':>8s} {'P@10':>7s} {'R@20':>7s} {'cov@10':>7s} {'vs best(ALS,EASE)':>18s} {'time s':>7s}")
    for name, m in results.items():
        print(f"{name:28s} {m['ndcg@10']:8.4f} {m['precision@10']:7.4f} {m['recall@20']:7.4f} "
              f"{m['coverage@10']:7.3f} {m['ndcg@10'] / reference:17.3f}x {timings[name]:7.1f}")
    ratio = results["hybrid (re-ranked)"]["ndcg@10"] / reference
    print(f"\nhybrid / max(ALS, EASE) NDCG@10 = {ratio:.3f}  (target >= 1.15 and NDCG@10 >= 0.115)")
    print(f"total runtime {time.perf_counter() - t_start:.0f}s")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    run(args.data)


if __name__ == "__main__":
    main()
