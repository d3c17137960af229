"""The merchant's diversity settings (per-category cap, MMR trade-off) take effect at the next read."""
from recommendations import selectors
from recommendations.models import ProductRecommendation, RecommendationSettings
from recommendations.services import recommendation_settings
from tests.factories import CustomerFactory

from .test_answer_cache import stored
from .test_read_path import get, skus


def _category_of(shop, sku: str) -> int:
    return next(p.category_id for p in shop["products"] if p.sku == sku)


def _change_settings(admin_client, **changes) -> None:
    """Save the settings row through its admin form, as a merchant does."""
    row = recommendation_settings()
    form = {"event_weights": '{"view": 1, "purchase": 10}', "half_life_days": row.half_life_days,
            "max_per_category": row.max_per_category, "diversity_lambda": row.diversity_lambda,
            "regression_tolerance": row.regression_tolerance, **changes}
    response = admin_client.post(f"/admin/recommendations/recommendationsettings/{row.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]


def test_the_admins_per_category_cap_applies_at_the_next_read(shop, staff_client, admin_client):
    customer = shop["customer"]
    assert skus(stored(staff_client, customer, limit=6)) == ["P0", "P1", "P2", "P3", "P4", "P5"]  # cap 4 (default)

    _change_settings(admin_client, max_per_category=1)
    capped = skus(get(staff_client, customer, limit=6))
    assert capped == ["P0", "P1", "P2"]  # one per category: the stored answer was not served again
    assert len({_category_of(shop, sku) for sku in capped}) == len(capped)

    _change_settings(admin_client, max_per_category=0)
    assert len(skus(get(staff_client, customer, limit=6))) == 6


def _clustered_list(shop):
    """A customer whose list starts with three phones, then a case and an audio product."""
    p = shop["products"]  # categories cycle phones, cases, audio: P0, P3, P6 are phones
    customer = CustomerFactory()
    ProductRecommendation.objects.create(model_version=shop["version"], customer_id=customer.pk, items=[
        [p[0].pk, 1.0, "a"], [p[3].pk, 0.95, "b"], [p[6].pk, 0.9, "c"], [p[1].pk, 0.5, "d"], [p[2].pk, 0.45, "e"]])
    return customer


def test_the_mmr_trade_off_moves_a_category_already_shown_down(shop, staff_client, admin_client):
    customer = _clustered_list(shop)
    _change_settings(admin_client, max_per_category=0)
    assert skus(stored(staff_client, customer, limit=5)) == ["P0", "P3", "P6", "P1", "P2"]  # 0: score order

    _change_settings(admin_client, diversity_lambda=0.5)
    varied = skus(get(staff_client, customer, limit=5))
    assert varied[:3] == ["P0", "P1", "P2"]  # a phone, then the categories not shown yet
    assert sorted(varied) == ["P0", "P1", "P2", "P3", "P6"]

    _change_settings(admin_client, diversity_lambda=0.0)
    assert skus(get(staff_client, customer, limit=5)) == ["P0", "P3", "P6", "P1", "P2"]


def test_pins_stay_on_top_and_count_as_shown():
    card = {"phones": {"category_id": 1}, "cases": {"category_id": 2}}
    shown = [(10, card["phones"]), (11, card["phones"]), (12, card["cases"]), (13, {"category_id": None})]
    # pinned 10 (a phone) stays first; with it above, the case beats the better-scored phone
    out = selectors.diversify(shown, scores={10: 0.1, 11: 1.0, 12: 0.9, 13: 0.0}, pinned={10}, diversity=0.5, limit=3)
    assert [pid for pid, _ in out] == [10, 12, 11]
    # no trade-off: the score order
    out = selectors.diversify(shown, scores={10: 0.1, 11: 1.0, 12: 0.9, 13: 0.0}, pinned={10}, diversity=0.0, limit=3)
    assert [pid for pid, _ in out] == [10, 11, 12]


def test_the_settings_travel_with_the_rules_and_a_save_forgets_them(db):
    row = recommendation_settings()
    assert selectors.merchandising_rules()["diversity_lambda"] == 0.0
    stamp = selectors.merchandising_rules()["stamp"]
    RecommendationSettings.objects.filter(pk=row.pk).update(diversity_lambda=0.3)  # no save signal: still cached
    assert selectors.merchandising_rules()["diversity_lambda"] == 0.0
    row.diversity_lambda = 0.3
    row.save()
    rules = selectors.merchandising_rules()
    assert rules["diversity_lambda"] == 0.3 and rules["stamp"] != stamp
