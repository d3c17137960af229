"""Merchandising rules in SKUs (admin and API), boosts by category, pins per category's lists."""
from rest_framework.test import APIClient

from recommendations.models import MerchandisingRule

from .conftest import customer_client_for
from .test_read_path import get, skus

RULES = "/api/v1/recommendations/rules/"


def post_rule(client, **body):
    return client.post(RULES, body, format="json")


# --- the API ---------------------------------------------------------------------------------------

def test_a_boost_by_sku_is_resolved_through_the_seam_and_read_at_once(shop, staff_client):
    p = shop["products"]
    assert skus(get(staff_client, shop["customer"], limit=3)) == ["P0", "P1", "P2"]
    response = post_rule(staff_client, action="boost", sku="P2", boost=10)
    assert response.status_code == 201, response.content
    assert response.json()["product_id"] == p[2].pk and response.json()["sku"] == "P2"
    assert skus(get(staff_client, shop["customer"], limit=3)) == ["P2", "P0", "P1"]


def test_an_unknown_sku_is_a_400_naming_sku(shop, staff_client):
    response = post_rule(staff_client, action="pin", sku="NOPE")
    assert response.status_code == 400 and response.json() == {"sku": ["unknown sku: NOPE"]}
    assert post_rule(staff_client, action="hide").json().keys() == {"sku"}  # hide needs a SKU
    assert post_rule(staff_client, action="boost", category_id=987654).json().keys() == {"category_id"}
    both = post_rule(staff_client, action="boost", sku="P1", category_id=shop["audio"].pk)
    assert both.status_code == 400 and both.json().keys() == {"category_id"}
    assert post_rule(staff_client, action="boost", sku="P1", boost=-1).json().keys() == {"boost"}
    assert post_rule(staff_client, action="jump", sku="P1").json().keys() == {"action"}
    assert post_rule(staff_client, action="hide", sku="P1").status_code == 201
    duplicate = post_rule(staff_client, action="hide", sku="P1")
    assert duplicate.status_code == 400 and duplicate.json().keys() == {"sku"}
    assert MerchandisingRule.objects.count() == 1


def test_a_category_boost_lifts_every_product_of_its_subtree(shop, staff_client):
    # the list: P0 phones, P1 cases (a subcategory of phones), P2 audio, P3 phones, P4 cases, P5 audio
    response = post_rule(staff_client, action="boost", category_id=shop["audio"].pk, boost=10)
    assert response.status_code == 201 and response.json()["product_id"] is None
    assert skus(get(staff_client, shop["customer"], limit=6))[:2] == ["P2", "P5"]

    MerchandisingRule.objects.all().delete()
    post_rule(staff_client, action="boost", category_id=shop["phones"].pk, boost=10)
    # phones and its subcategory cases come first, audio last
    assert skus(get(staff_client, shop["customer"], limit=6)) == ["P0", "P1", "P3", "P4", "P2", "P5"]


def test_a_pin_with_a_category_is_pinned_only_in_that_categorys_lists(shop, staff_client):
    response = post_rule(staff_client, action="pin", sku="P5", category_id=shop["audio"].pk)
    assert response.status_code == 201
    assert skus(get(staff_client, shop["customer"], limit=3, category=shop["audio"].pk))[0] == "P5"
    assert skus(get(staff_client, shop["customer"], limit=3)) == ["P0", "P1", "P2"]  # other lists: unpinned


def test_rules_are_listed_changed_and_deleted(shop, staff_client):
    created = post_rule(staff_client, action="boost", sku="P3", boost=2, note="spring").json()
    listed = staff_client.get(RULES).json()
    assert listed["count"] == 1 and listed["results"][0]["sku"] == "P3"
    url = f"{RULES}{created['id']}/"
    assert staff_client.get(url).json()["note"] == "spring"

    changed = staff_client.patch(url, {"sku": "P4"}, format="json")
    assert changed.status_code == 200 and changed.json()["product_id"] == shop["products"][4].pk
    assert changed.json()["boost"] == 2 and changed.json()["note"] == "spring"  # PATCH keeps the rest
    assert staff_client.patch(url, {"sku": "NOPE"}, format="json").json() == {"sku": ["unknown sku: NOPE"]}
    replaced = staff_client.put(url, {"action": "hide", "sku": "P4"}, format="json")
    assert replaced.status_code == 200 and replaced.json()["action"] == "hide" and replaced.json()["note"] == ""
    assert "P4" not in skus(get(staff_client, shop["customer"], limit=6))

    assert staff_client.delete(url).json()["id"] == created["id"]
    assert not MerchandisingRule.objects.exists()
    assert staff_client.get(url).status_code == 404
    assert staff_client.get(f"{RULES}99999999999999999999/").status_code == 404
    assert "P4" in skus(get(staff_client, shop["customer"], limit=6))


def test_only_staff_and_service_tokens_manage_rules(shop):
    assert post_rule(APIClient(), action="hide", sku="P1").status_code in (401, 403)
    customer = customer_client_for(shop["customer"])
    assert post_rule(customer, action="hide", sku="P1").status_code == 403
    assert customer.get(RULES).status_code == 403
    assert not MerchandisingRule.objects.exists()


# --- the admin -------------------------------------------------------------------------------------

ADMIN_RULES = "/admin/recommendations/merchandisingrule/"


def test_the_admin_takes_a_sku_and_shows_it(shop, admin_client, staff_client):
    form = {"action": "boost", "sku": "P2", "boost": "10", "category_id": "", "note": "", "is_active": "on"}
    response = admin_client.post(f"{ADMIN_RULES}add/", form)
    assert response.status_code == 302, response.content[:3000]
    rule = MerchandisingRule.objects.get()
    assert (rule.sku, rule.product_id) == ("P2", shop["products"][2].pk)
    assert skus(get(staff_client, shop["customer"], limit=1)) == ["P2"]
    page = admin_client.get(ADMIN_RULES)
    assert b"<td class=\"field-target\">P2</td>" in page.content or b">P2<" in page.content

    unknown = admin_client.post(f"{ADMIN_RULES}add/", {**form, "sku": "NOPE"})
    assert unknown.status_code == 200 and "unknown sku: NOPE" in unknown.context["adminform"].form.errors["sku"][0]
    category = admin_client.post(f"{ADMIN_RULES}add/", {**form, "sku": "", "category_id": str(shop["audio"].pk)})
    assert category.status_code == 302
    assert MerchandisingRule.objects.filter(product_id=None, category_id=shop["audio"].pk).exists()
    assert b"category %d and its subcategories" % shop["audio"].pk in admin_client.get(ADMIN_RULES).content
