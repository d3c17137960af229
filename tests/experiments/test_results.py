import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.cache import cache

from experiments.models import Activity, BanditWeights, Experiment, Variant
from experiments.results import compute_results, refresh_results, update_bandit_weights
from experiments.selectors import RUNNING_KEY, running_experiments

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def make_experiment(variants, *, mode=Experiment.Mode.AB, status=Experiment.Status.RUNNING, placement="customer",
                    **fields):
    experiment = Experiment.objects.create(name="test", placement=placement, mode=mode, status=status, **fields)
    for position, (name, weight, strategy) in enumerate(variants):
        Variant.objects.create(experiment=experiment, name=name, position=position, weight=weight,
                               serving_weight=weight / sum(w for _, w, _ in variants), strategy=strategy)
    return experiment


def activity(experiment, variant, subject, *, day=DAY, impressions=0, clicks=0, orders=0, revenue="0",
             strategy="active", all_orders=0, all_revenue="0"):
    return Activity(day=day, placement="customer", strategy=strategy, model_version=1, experiment_id=experiment.pk,
                    variant=variant, subject=subject, impressions=impressions, clicks=clicks, orders=orders,
                    revenue=Decimal(revenue), all_orders=all_orders, all_revenue=Decimal(all_revenue))


def by_name(results):
    return {v["name"]: v for v in results["variants"]}


def test_counts_are_exact_sums_of_the_activity_rows(django_assert_num_queries):
    experiment = make_experiment([("control", 50, "active"), ("trending", 50, "trending")],
                                 guardrail_metrics=["conversion"])
    other = make_experiment([("control", 50, "active"), ("trending", 50, "trending")], placement="similar")
    Activity.objects.bulk_create([
        activity(experiment, "control", "customer:1", impressions=3, clicks=1),
        activity(experiment, "control", "customer:1", day=DAY + dt.timedelta(days=1), impressions=2, clicks=1,
                 orders=1, revenue="19.99", all_orders=2, all_revenue="49.99"),
        activity(experiment, "control", "customer:1", strategy="popular", impressions=1),  # another list group
        activity(experiment, "control", "session:abc", impressions=4),
        activity(experiment, "trending", "customer:2", impressions=5, clicks=2, orders=2, revenue="100.50"),
        activity(other, "trending", "customer:3", impressions=50, clicks=20, orders=5, revenue="999"),
    ])
    with django_assert_num_queries(2):  # the variants, the per-subject sums
        results = compute_results(experiment=experiment)
    json.dumps(results, allow_nan=False)
    control, trending = by_name(results)["control"], by_name(results)["trending"]
    assert (control["subjects"], control["impressions"], control["clicks"], control["conversions"]) == (2, 10, 2, 1)
    assert control["revenue"] == 19.99 and control["ctr"] == 0.2 and control["conversion_rate"] == 0.5
    assert (trending["subjects"], trending["impressions"], trending["clicks"], trending["conversions"]) == (1, 5, 2, 2)
    assert trending["revenue"] == 100.5
    # without a holdout the attributed orders are compared; every order after exposure is reported too
    assert (control["orders_all"], control["revenue_all"], trending["orders_all"]) == (2, 49.99, 0)
    assert all(isinstance(v[key], int) for v in results["variants"]
               for key in ("subjects", "impressions", "clicks", "conversions", "orders_all"))
    assert set(results) == {"experiment", "name", "status", "mode", "primary_metric", "srm_p_value", "computed_at",
                            "sample_size", "variants", "order_basis", "note"}
    assert results["order_basis"] == "attributed" and results["note"] is None
    assert results["experiment"] == experiment.pk and results["primary_metric"] == "ctr"
    assert "lift" not in control
    assert {"lift", "lift_ci", "p_value", "decision", "guardrails"} <= set(trending)
    assert trending["decision"] == "need_more_data"
    assert set(trending["guardrails"]) == {"conversion"}
    assert results["sample_size"]["variants"]["control"]["reached"] == 2


def test_lift_decision_sample_size_and_srm_on_a_real_difference():
    experiment = make_experiment([("control", 50, "active"), ("new", 50, "version:2")],
                                 minimum_detectable_effect=0.1)
    rng = np.random.default_rng(1)
    rows = []
    for variant, ctr, subjects in (("control", 0.05, 6000), ("new", 0.07, 6000)):
        impressions = 1 + rng.poisson(3, subjects)
        clicks = rng.binomial(impressions, ctr)
        rows += [activity(experiment, variant, f"customer:{variant}{i}", impressions=int(n), clicks=int(c))
                 for i, (n, c) in enumerate(zip(impressions, clicks))]
    Activity.objects.bulk_create(rows, batch_size=2000)
    results = compute_results(experiment=experiment)
    new = by_name(results)["new"]
    assert new["lift"] == pytest.approx(new["ctr"] / by_name(results)["control"]["ctr"] - 1)
    assert new["lift_ci"][0] < new["lift"] < new["lift_ci"][1]
    assert new["p_value"] < 1e-6 and new["decision"] == "better"
    assert results["srm_p_value"] == pytest.approx(1.0)  # 6000 / 6000
    needed = results["sample_size"]["variants"]
    assert needed["new"]["needed"] > 0 and needed["control"]["needed"] == needed["new"]["needed"]
    assert needed["new"]["reached"] == 6000


def test_revenue_per_subject_is_winsorised_and_revenue_is_exact():
    experiment = make_experiment([("control", 50, "active"), ("new", 50, "popular")],
                                 primary_metric="revenue_per_subject")
    rows = [activity(experiment, variant, f"customer:{variant}{i}", impressions=1, orders=1, revenue="10.00")
            for variant in ("control", "new") for i in range(150)]
    rows.append(activity(experiment, "new", "customer:whale", impressions=1, orders=1, revenue="100000.00"))
    Activity.objects.bulk_create(rows)
    new = by_name(compute_results(experiment=experiment))["new"]
    assert new["revenue"] == 101500.0
    cap = np.quantile([10.0] * 300 + [100000.0], 0.99)
    assert new["revenue_per_subject"] == pytest.approx((1500 + cap) / 151)
    assert new["revenue_per_subject"] < 101500 / 151


def test_canary_control_is_the_active_version_and_has_no_srm():
    experiment = make_experiment([("candidate", 10, "version:3"), ("control", 90, "active")],
                                 mode=Experiment.Mode.CANARY)
    Activity.objects.bulk_create([activity(experiment, "candidate", "customer:1", impressions=1),
                                  activity(experiment, "control", "customer:2", impressions=1)])
    results = compute_results(experiment=experiment)
    assert "lift" not in by_name(results)["control"]
    assert "decision" in by_name(results)["candidate"]
    assert results["srm_p_value"] is None


def test_a_holdout_counts_in_the_srm_through_its_exposures():
    experiment = make_experiment([("control", 45, "active"), ("new", 45, "trending"), ("holdout", 10, "none")])
    Activity.objects.bulk_create([activity(experiment, variant, f"customer:{variant}{i}", impressions=1)
                                  for variant, count in (("control", 4500), ("new", 4500)) for i in range(count)],
                                 batch_size=2000)
    # a storefront that does not report the holdout's exposures: its subjects are missing, an alarm
    assert compute_results(experiment=experiment)["srm_p_value"] < 1e-3
    Activity.objects.bulk_create([activity(experiment, "holdout", f"customer:h{i}", strategy="none", impressions=0)
                                  for i in range(990)], batch_size=2000)
    assert compute_results(experiment=experiment)["srm_p_value"] > 0.05


def test_refresh_stores_the_results_without_dropping_the_running_set():
    experiment = make_experiment([("control", 50, "active"), ("new", 50, "trending")])
    Activity.objects.bulk_create([activity(experiment, "new", "customer:1", impressions=2, clicks=1)])
    running_experiments()
    results = refresh_results(experiment=experiment)
    experiment.refresh_from_db()
    assert experiment.results == results and experiment.results_at is not None
    assert cache.get(RUNNING_KEY) is not None


def test_bandit_update_stores_serving_weights_and_a_history_row():
    experiment = make_experiment([("a", 1, "active"), ("b", 1, "trending"), ("c", 1, "popular")],
                                 mode=Experiment.Mode.BANDIT, min_arm_weight=0.02)
    rows = []
    for variant, clicks in (("a", 40), ("b", 50), ("c", 120)):
        rows += [activity(experiment, variant, f"customer:{variant}{i}", impressions=2, clicks=int(i < clicks))
                 for i in range(2000)]
    Activity.objects.bulk_create(rows, batch_size=2000)
    running_experiments()
    weights = update_bandit_weights(experiment=experiment)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert min(weights.values()) >= 0.02 - 1e-12 and max(weights, key=weights.get) == "c"
    assert weights["c"] > 0.9
    stored = dict(Variant.objects.filter(experiment=experiment).values_list("name", "serving_weight"))
    assert stored == pytest.approx(weights)
    assert list(BanditWeights.objects.filter(experiment=experiment).values_list("weights", flat=True)) == [weights]
    assert running_experiments()["placements"]["customer"][0]["variants"][2]["weight"] == pytest.approx(weights["c"])
    update_bandit_weights(experiment=experiment)
    assert BanditWeights.objects.filter(experiment=experiment).count() == 2


def test_bandit_holdout_keeps_the_minimum():
    experiment = make_experiment([("a", 1, "active"), ("holdout", 1, "none")], mode=Experiment.Mode.BANDIT)
    weights = update_bandit_weights(experiment=experiment)
    assert weights == pytest.approx({"a": 0.99, "holdout": 0.01})


@pytest.mark.parametrize("mode,status", [(Experiment.Mode.AB, Experiment.Status.RUNNING),
                                         (Experiment.Mode.BANDIT, Experiment.Status.STOPPED)])
def test_bandit_update_only_for_a_running_bandit(mode, status):
    experiment = make_experiment([("a", 1, "active"), ("b", 1, "trending")], mode=mode, status=status)
    assert update_bandit_weights(experiment=experiment) == {}
    assert not BanditWeights.objects.exists()
    assert list(Variant.objects.filter(experiment=experiment).values_list("serving_weight", flat=True)) == [0.5, 0.5]


def _shoppers(experiment, variant, *, subjects, buy_rate, mean_basket, rng, strategy="active", impressions=0,
              click_rate=0.0, attributed_share=0.0):
    """Activity of ``subjects`` subjects of a variant: each buys (one order) with ``buy_rate``, a basket of
    gamma-distributed value around ``mean_basket``; ``attributed_share`` of the orders came through a list."""
    rows = []
    for i in range(subjects):
        bought = rng.random() < buy_rate
        amount = f"{rng.gamma(2.0, mean_basket / 2):.2f}" if bought else "0"
        attributed = bought and rng.random() < attributed_share
        rows.append(activity(experiment, variant, f"customer:{variant}{i}", strategy=strategy, impressions=impressions,
                             clicks=int(rng.random() < click_rate) if impressions else 0,
                             orders=int(attributed), revenue=amount if attributed else "0",
                             all_orders=int(bought), all_revenue=amount))
    return rows


def test_a_holdout_experiment_compares_every_order_after_exposure_and_finds_a_true_revenue_lift():
    experiment = make_experiment([("holdout", 50, "none"), ("lists", 50, "active")],
                                 primary_metric="revenue_per_subject", guardrail_metrics=["conversion", "ctr"])
    rng = np.random.default_rng(5)
    rows = (_shoppers(experiment, "holdout", subjects=5000, buy_rate=0.10, mean_basket=80.0, rng=rng, strategy="none")
            + _shoppers(experiment, "lists", subjects=5000, buy_rate=0.13, mean_basket=80.0, rng=rng, impressions=4,
                        click_rate=0.3, attributed_share=0.4))
    Activity.objects.bulk_create(rows, batch_size=2000)

    results = compute_results(experiment=experiment)

    json.dumps(results, allow_nan=False)
    holdout, lists = by_name(results)["holdout"], by_name(results)["lists"]
    assert results["order_basis"] == "all" and "like with like" in results["note"]
    for entry, variant in ((holdout, "holdout"), (lists, "lists")):
        mine = [row for row in rows if row.variant == variant]
        assert entry["orders_all"] == sum(row.all_orders for row in mine)
        assert entry["revenue_all"] == float(sum(row.all_revenue for row in mine))
        assert entry["conversions"] == sum(row.orders for row in mine)  # the attributed ones, still reported
        assert entry["revenue"] == float(sum(row.revenue for row in mine))
        assert entry["conversion_rate"] == pytest.approx(np.mean([row.all_orders > 0 for row in mine]))
    assert holdout["conversions"] == 0 and holdout["orders_all"] > 400
    cap = np.quantile([float(row.all_revenue) for row in rows if row.all_revenue > 0], 0.99)
    assert lists["revenue_per_subject"] == pytest.approx(
        np.mean([min(float(row.all_revenue), cap) for row in rows if row.variant == "lists"]))
    # +30% buyers at the same basket: judged better on revenue per subject and on conversion
    assert lists["lift"] == pytest.approx(lists["revenue_per_subject"] / holdout["revenue_per_subject"] - 1)
    assert 0.1 < lists["lift"] < 0.5 and lists["decision"] == "better"
    assert lists["guardrails"]["conversion"]["decision"] == "better"
    # the holdout has no impressions: no CTR comparison, said so
    assert lists["guardrails"]["ctr"]["lift"] is None and lists["guardrails"]["ctr"]["decision"] is None
    assert "holdout" in lists["guardrails"]["ctr"]["note"]
    assert results["sample_size"]["variants"]["lists"]["needed"] > 0


def test_a_holdout_arm_without_a_difference_is_not_called():
    experiment = make_experiment([("holdout", 50, "none"), ("lists", 50, "active")], primary_metric="conversion")
    rng = np.random.default_rng(11)
    Activity.objects.bulk_create(
        _shoppers(experiment, "holdout", subjects=3000, buy_rate=0.10, mean_basket=60.0, rng=rng, strategy="none")
        + _shoppers(experiment, "lists", subjects=3000, buy_rate=0.10, mean_basket=60.0, rng=rng, impressions=3,
                    attributed_share=0.5), batch_size=2000)
    lists = by_name(compute_results(experiment=experiment))["lists"]
    assert lists["decision"] in ("need_more_data", "no_difference") and lists["lift_ci"][0] < 0 < lists["lift_ci"][1]


def test_the_attributed_basis_would_leave_a_holdout_control_without_any_lift():
    """What the totals fix: compared on attributed orders, a holdout control (which has none) gives no lift."""
    experiment = make_experiment([("control", 50, "active"), ("other", 50, "trending")],
                                 primary_metric="conversion")
    rng = np.random.default_rng(3)
    rows = (_shoppers(experiment, "control", subjects=500, buy_rate=0.2, mean_basket=50.0, rng=rng, impressions=2)
            + _shoppers(experiment, "other", subjects=500, buy_rate=0.2, mean_basket=50.0, rng=rng, impressions=2,
                        attributed_share=1.0))
    Activity.objects.bulk_create(rows)
    results = compute_results(experiment=experiment)
    assert results["order_basis"] == "attributed"
    assert by_name(results)["other"]["lift"] is None  # the control has no attributed order
    Variant.objects.filter(experiment=experiment, name="control").update(strategy="none")
    Activity.objects.filter(experiment_id=experiment.pk, variant="control").update(impressions=0)
    other = by_name(compute_results(experiment=experiment))["other"]
    assert other["lift"] is not None and other["conversion_rate"] == pytest.approx(
        np.mean([row.all_orders > 0 for row in rows if row.variant == "other"]))


def test_a_ctr_guardrail_is_not_compared_against_a_holdout_control():
    experiment = make_experiment([("holdout", 10, "none"), ("a", 45, "active"), ("b", 45, "trending")],
                                 primary_metric="conversion", guardrail_metrics=["ctr"])
    rows = [activity(experiment, "holdout", f"customer:h{i}", strategy="none") for i in range(300)]
    rows += [activity(experiment, variant, f"customer:{variant}{i}", impressions=5, clicks=int(i % 10 == 0))
             for variant in ("a", "b") for i in range(1000)]
    Activity.objects.bulk_create(rows)
    results = compute_results(experiment=experiment)
    for name in ("a", "b"):
        entry = by_name(results)[name]
        guardrail = entry["guardrails"]["ctr"]
        assert (guardrail["lift"], guardrail["lift_ci"], guardrail["p_value"], guardrail["decision"]) == (
            None, None, None, None)
        assert "holdout control" in guardrail["note"] and entry["ctr"] == pytest.approx(0.02)
        assert entry["decision"] in ("better", "worse", "no_difference", "need_more_data")


def test_with_a_holdout_variant_list_variants_still_compare_their_ctr():
    experiment = make_experiment([("control", 45, "active"), ("new", 45, "trending"), ("holdout", 10, "none")])
    rng = np.random.default_rng(2)
    rows = [activity(experiment, "holdout", f"customer:h{i}", strategy="none") for i in range(1000)]
    for variant, ctr in (("control", 0.03), ("new", 0.06)):
        rows += [activity(experiment, variant, f"customer:{variant}{i}", impressions=4,
                          clicks=int(rng.binomial(4, ctr))) for i in range(4500)]
    Activity.objects.bulk_create(rows, batch_size=2000)
    results = compute_results(experiment=experiment)
    new, holdout = by_name(results)["new"], by_name(results)["holdout"]
    assert new["decision"] == "better" and new["lift"] > 0.5
    assert holdout["lift"] is None and holdout["decision"] is None and "no CTR" in holdout["note"]
    assert "its CTR is not compared" in results["note"]
    assert results["sample_size"]["variants"]["holdout"]["needed"] is None
