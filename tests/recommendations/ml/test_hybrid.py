import pandas as pd

from recommendations.ml.hybrid import HybridParams, Reason

from .conftest import AS_OF, make_shop

REASON_CODES = {"bought_together", "similar_to", "similar_description", "for_you", "popular_now", "popular"}


def _history(interactions, customer, event_type=None):
    rows = interactions[interactions["customer_id"] == customer]
    if event_type is not None:
        rows = rows[rows["event_type"] == event_type]
    return set(rows["product_id"])


def test_training_uses_validation_window_and_selects_settings(hybrid):
    m = hybrid.validation_metrics
    assert m["validation_users"] > 0
    assert hybrid.ranker is not None
    assert hybrid.generator_settings["ease"]["l2"] in (10.0, 50.0)
    assert set(hybrid.tuning_results) == {"ease", "als", "item_knn"}
    assert hybrid.as_of == AS_OF


def test_bought_items_are_excluded_and_viewed_ones_stay_candidates(hybrid, shop):
    interactions, _ = shop
    users = sorted(interactions["customer_id"].unique())[:20]
    viewed_back = 0
    for user, rec in zip(users, hybrid.recommend(users, n=8)):
        assert rec.item_ids, "every known customer gets recommendations"
        assert not set(rec.item_ids) & _history(interactions, user, "purchase")
        viewed_back += len(set(rec.item_ids) & _history(interactions, user, "view"))
        assert len(rec.item_ids) == len(set(rec.item_ids))
        assert list(rec.scores) == sorted(rec.scores, reverse=True)
    assert viewed_back, "items a customer only viewed may be recommended"


def test_exclude_bought_false_allows_repurchases(hybrid, shop):
    interactions, _ = shop
    user = int(interactions["customer_id"].iloc[0])
    rec = hybrid.recommend([user], n=30, exclude_bought=False)[0]
    assert set(rec.item_ids) & _history(interactions, user, "purchase")


def test_per_customer_exclusions_replace_the_models_purchases(hybrid, shop):
    interactions, _ = shop
    user = int(interactions["customer_id"].iloc[0])
    bought = _history(interactions, user, "purchase")
    default = hybrid.recommend([user], n=10)[0]
    banned = set(default.item_ids[:3])
    rec = hybrid.recommend([user], n=10, exclude_by_user=[banned])[0]
    assert len(rec.item_ids) == 10 and not banned & set(rec.item_ids)
    # the caller's list is the whole exclusion: what the model saw bought may come back
    assert set(hybrid.recommend([user], n=30, exclude_by_user=[[]])[0].item_ids) & bought


def test_every_item_has_a_reason(hybrid, shop):
    interactions, _ = shop
    users = sorted(interactions["customer_id"].unique())[:30]
    codes = set()
    for rec in hybrid.recommend(users, n=10):
        assert len(rec.reasons) == len(rec.item_ids)
        for item, reason in zip(rec.item_ids, rec.reasons):
            assert isinstance(reason, Reason)
            assert reason.code in REASON_CODES and reason.text
            if reason.anchor_id is not None:
                assert reason.anchor_id != item
            codes.add(reason.code)
    assert codes & {"bought_together", "similar_to", "similar_description"}, "personal reasons appear"


def test_unknown_customer_gets_popular_fallback(hybrid):
    rec = hybrid.recommend(["nobody"], n=5)[0]
    assert len(rec.item_ids) == 5
    assert {r.code for r in rec.reasons} <= {"popular_now", "popular"}


def test_bought_together_and_similar_items(hybrid):
    items, scores = hybrid.bought_together("K0", n=3)
    assert items[0] == "K1"
    similar, _ = hybrid.similar_items("G3", n=5)
    assert sum(i.startswith("G") for i in similar) >= 4
    # a cold item (catalogue only) still has text neighbours
    cold, _ = hybrid.similar_items("K-NEW", n=3)
    assert cold and all(i.startswith("K") for i in cold)
    assert hybrid.similar_items("missing", n=3) == ([], [])


def test_exclude_items_are_never_recommended(hybrid, shop):
    interactions, _ = shop
    users = sorted(interactions["customer_id"].unique())[:10]
    first = hybrid.recommend(users, n=3)
    banned = {r.item_ids[0] for r in first}
    for rec in hybrid.recommend(users, n=3, exclude_items=banned):
        assert not banned & set(rec.item_ids)


def test_model_survives_pickling(hybrid):
    """Celery trains, the artifact store keeps a pickle, another worker loads it."""
    import pickle

    clone = pickle.loads(pickle.dumps(hybrid))
    assert clone.recommend([1000, 1001], n=5) == hybrid.recommend([1000, 1001], n=5)
    assert clone.similar_items("K0", n=5) == hybrid.similar_items("K0", n=5)


def test_short_history_trains_without_ranker_and_still_explains(shop):
    """A new shop with less history than the validation window: no tuning data, so the generators
    are fused by reciprocal rank instead of the learned ranker."""
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid

    interactions, products = shop
    start = interactions["timestamp"].min()
    model = train_hybrid(interactions, products, as_of=start + pd.Timedelta(days=20),
                         params=HybridParams(validation_days=30, als_grid=({"factors": 4, "iterations": 2},)))
    assert model.ranker is None and not model.tuning_results
    user = model.user_ids[0]
    rec = model.recommend([user], n=5)[0]
    assert rec.item_ids and len(rec.reasons) == len(rec.item_ids)
    assert not set(rec.item_ids) & _history(interactions[interactions["timestamp"] < model.as_of], user)


def test_batching_does_not_change_results(hybrid, shop):
    import copy
    from dataclasses import replace

    interactions, _ = shop
    users = sorted(interactions["customer_id"].unique())[:12] + ["nobody"]
    small = copy.copy(hybrid)
    small.params = replace(hybrid.params, max_batch_cells=1)  # one customer per batch
    assert small.params.rows_per_batch(len(hybrid.item_ids)) == 1
    assert small.recommend(users, n=6) == hybrid.recommend(users, n=6)


def test_a_model_serving_one_generator_lists_that_generators_ranking(hybrid, shop):
    """The activation gate's fallback: ``serving`` = a generator's name replaces the re-ranked pool by
    that generator's own ranking of the products the customer has not bought."""
    import copy

    import numpy as np

    interactions, _ = shop
    model = copy.copy(hybrid)
    model.serving = "ease"
    users = sorted(interactions["customer_id"].unique())[:10]
    for user, rec in zip(users, model.recommend(users, n=5)):
        row = model.data.im.user_index[user]
        history = model.data.im.matrix[row]
        scores = model.generators["ease"].score(history, np.array([row]))[0]
        scores[model.bought[row].indices] = -np.inf
        expected = np.sort(scores)[::-1][:5]
        positions = [model.data.im.item_index[i] for i in rec.item_ids]
        np.testing.assert_allclose(rec.scores, scores[positions], rtol=1e-5)
        np.testing.assert_allclose(rec.scores, expected, rtol=1e-5)
    assert model.recommend(users[:3], n=5) != hybrid.recommend(users[:3], n=5)


def test_the_ranker_learns_from_earlier_windows_when_the_last_has_few_first_purchases(shop):
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid

    interactions, products = shop
    small = dict(validation_days=30, als_grid=({"factors": 4, "iterations": 2},), ease_l2_grid=(10.0,),
                 knn_k_grid=(10,), ranker={"max_iter": 20, "min_samples_leaf": 5})
    one = train_hybrid(interactions, products, as_of=AS_OF, params=HybridParams(ranker_min_positives=0, **small))
    three = train_hybrid(interactions, products, as_of=AS_OF, params=HybridParams(max_ranker_windows=3, **small))
    assert one.validation_metrics["ranker_windows"] == 1
    assert three.validation_metrics["ranker_windows"] == 3
    assert three.validation_metrics["ranker_positives"] > one.validation_metrics["ranker_positives"]
    # the held-out users and their estimate are the last window's either way
    assert three.validation_metrics["validation_users"] == one.validation_metrics["validation_users"]
    assert three.ranker is not None and one.ranker is not None


def test_the_ranker_is_fitted_on_a_share_of_the_negative_pairs_of_every_window(shop):
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid

    interactions, products = shop
    small = dict(validation_days=30, als_grid=({"factors": 4, "iterations": 2},), ease_l2_grid=(10.0,),
                 knn_k_grid=(10,), ranker={"max_iter": 20, "min_samples_leaf": 5}, max_ranker_windows=3)
    every = train_hybrid(interactions, products, as_of=AS_OF, params=HybridParams(ranker_negative_fraction=1.0, **small))
    share = train_hybrid(interactions, products, as_of=AS_OF, params=HybridParams(ranker_negative_fraction=0.25, **small))
    assert every.validation_metrics["ranker_windows"] == share.validation_metrics["ranker_windows"] == 3
    positives = every.validation_metrics["ranker_positives"]
    assert share.validation_metrics["ranker_positives"] == positives
    negatives_every = every.validation_metrics["ranker_fitted_pairs"] - positives
    negatives_share = share.validation_metrics["ranker_fitted_pairs"] - positives
    assert 0.15 < negatives_share / negatives_every < 0.35
    assert share.ranker is not None


def test_the_gate_compares_on_users_no_generator_setting_was_tuned_on(monkeypatch):
    """The validation window is split: generator settings are chosen on one half, and the activation
    gate's comparison (ValidationWindow) holds only the other half."""
    from recommendations.ml import training

    tuned_on: list[set] = []
    select = training.select_hyperparameters

    def recording_select(name, grid, data, user_rows, relevant, **kwargs):
        tuned_on.append(set(int(u) for u in user_rows))
        return select(name, grid, data, user_rows, relevant, **kwargs)

    monkeypatch.setattr(training, "select_hyperparameters", recording_select)
    interactions, products = make_shop()
    model = training.train_hybrid(interactions, products, as_of=AS_OF, params=HybridParams(
        validation_days=30, ease_l2_grid=(10.0, 100.0), knn_k_grid=(10,),
        als_grid=({"factors": 8, "regularization": 0.1, "alpha": 5.0, "iterations": 5},),
        ranker={"max_iter": 40, "min_samples_leaf": 5}))
    held_out = set(int(u) for u in model.validation.users)
    assert tuned_on and held_out
    for tuning_users in tuned_on:
        assert not tuning_users & held_out
    assert len(model.validation.relevant) == len(held_out) == len(model.validation.hybrid_top)
    window_users = int(model.validation_metrics["validation_users"])
    assert abs(len(tuned_on[0]) - len(held_out)) <= 1 and len(tuned_on[0]) + len(held_out) == window_users
