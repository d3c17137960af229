"""The generated shop has the promised structure (checked on the arrays, no database)."""
import datetime as dt

import numpy as np
import pytest

from electroshop.demo.generator import generate_demo_data
from electroshop.demo.seasons import black_friday

from .conftest import END_DATE

DAY = 86_400


def _ts(d: dt.date) -> int:
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())


def _legit_orders(data):
    fraud = set(data.ground_truth["fraudulent_order_numbers"])
    return np.array([n not in fraud for n in data.orders["number"]])


def test_same_seed_gives_identical_data_and_another_seed_differs(small_data):
    again = generate_demo_data(scale="small", seed=42, end_date=END_DATE)
    other = generate_demo_data(scale="small", seed=7, end_date=END_DATE)
    assert again.row_counts() == small_data.row_counts()
    for table, cols in (("products", ("sku", "name", "price")), ("orders", ("number", "created_at", "total")),
                        ("events", ("session_id", "occurred_at", "product_id", "event_type"))):
        for col in cols:
            assert np.array_equal(np.asarray(getattr(again, table)[col]), np.asarray(getattr(small_data, table)[col]))
    assert again.ground_truth == small_data.ground_truth
    assert other.products["name"] != small_data.products["name"]
    assert other.row_counts()["events"] != small_data.row_counts()["events"]


def test_small_scale_sizes(small_data):
    counts = small_data.row_counts()
    assert counts["products"] == 200
    assert 1_000 <= counts["customers"] < 1_300  # regular customers plus fraud / fake accounts
    assert 25_000 <= counts["events"] <= 40_000
    assert counts["orders"] > 500


def test_category_tree_with_products_only_in_leaves(small_data):
    cats = small_data.categories
    by_path = dict(zip(cats["path"], cats["id"]))
    parent_of = dict(zip(cats["id"], cats["parent_id"]))
    for child, parent in (("Audio/Headphones", "Audio"), ("Gaming/Consoles", "Gaming"),
                          ("Accessories/Cables", "Accessories"), ("Accessories/Cases", "Accessories")):
        assert parent_of[by_path[child]] == by_path[parent]
    used = set(np.asarray(small_data.products["category_id"]).tolist())
    parents = {p for p in parent_of.values() if p}
    assert not used & parents
    assert {by_path["Phones"], by_path["TVs"], by_path["Accessories/Cases"]} <= used


def test_products_have_attributes_and_category_prices(small_data):
    p = small_data.products
    assert all(p["attributes"]) and all(p["description"])
    cat = np.asarray(p["category_id"])
    price = np.asarray(p["price"])
    by_path = dict(zip(small_data.categories["path"], small_data.categories["id"]))
    assert np.median(price[cat == by_path["Laptops"]]) > 5 * np.median(price[cat == by_path["Accessories/Cables"]])
    assert any("/" in sku for sku in p["sku"])  # colour variants: the storefront must route them


def test_stock_outs_and_replenishment_terms(small_data):
    s = small_data.stock
    on_hand = np.asarray(s["on_hand"])
    assert 0 < (on_hand == 0).mean() < 0.3
    assert (np.asarray(s["pack_size"]) > 1).any()
    assert (np.asarray(s["minimum_order_quantity"]) % np.asarray(s["pack_size"]) == 0).all()
    assert np.asarray(s["lead_time_days"]).min() >= 1


def test_order_statuses_include_cancelled_and_refunded(small_data):
    statuses = set(small_data.orders["status"])
    assert {"completed", "cancelled", "refunded"} <= statuses


def test_every_order_line_has_a_purchase_event_and_events_have_an_owner(small_data):
    e = small_data.events
    types = np.asarray(e["event_type"])
    assert (types == "purchase").sum() == len(small_data.order_lines["id"])
    has_owner = (np.asarray(e["customer_id"]) > 0) | (np.char.str_len(np.asarray(e["session_id"], str)) > 0)
    assert has_owner.all()
    anonymous = np.asarray(e["customer_id"]) < 0
    assert anonymous.mean() > 0.1  # anonymous visitors are identified by session only
    assert {"view", "click", "cart", "purchase", "search", "review"} <= set(types.tolist())


def test_black_friday_week_outsells_an_ordinary_week(small_data):
    o = small_data.orders
    legit = _legit_orders(small_data)
    ts, total = np.asarray(o["created_at"])[legit], np.asarray(o["total"])[legit]
    bf = black_friday(2024)
    bf_week = total[(ts >= _ts(bf - dt.timedelta(days=3))) & (ts < _ts(bf + dt.timedelta(days=4)))].sum()
    ordinary = [total[(ts >= _ts(start)) & (ts < _ts(start) + 7 * DAY)].sum()
                for start in (dt.date(2024, 9, 2) + dt.timedelta(weeks=w) for w in range(8))]
    assert bf_week > 1.5 * np.median(ordinary)


def test_weekends_busier_than_midweek(small_data):
    ts = np.asarray(small_data.events["occurred_at"])
    weekday = ((ts // DAY) + 3) % 7  # 1970-01-01 was a Thursday
    per_day = np.bincount(weekday, minlength=7)
    assert per_day[5:].mean() > per_day[:3].mean()


def _orders_with(data, category_path):
    cat_id = dict(zip(data.categories["path"], data.categories["id"]))[category_path]
    product_cat = dict(zip(np.asarray(data.products["id"]).tolist(), np.asarray(data.products["category_id"]).tolist()))
    lines = data.order_lines
    return {o for o, p in zip(np.asarray(lines["order_id"]).tolist(), np.asarray(lines["product_id"]).tolist())
            if product_cat[p] == cat_id}


@pytest.mark.parametrize("device,accessory", [("Phones", "Accessories/Cases"), ("TVs", "Accessories/Cables"),
                                              ("Gaming/Consoles", "Gaming/Games")])
def test_accessories_are_bought_with_devices_more_than_chance(small_data, device, accessory):
    n_orders = len(small_data.orders["id"])
    with_device, with_accessory = _orders_with(small_data, device), _orders_with(small_data, accessory)
    base_rate = len(with_accessory) / n_orders
    rate_given_device = len(with_device & with_accessory) / len(with_device)
    assert rate_given_device > 2 * base_rate


def test_promotions_lift_sales_of_the_promoted_category(medium_data):
    pr = medium_data.promotions
    product_cat = dict(zip(np.asarray(medium_data.products["id"]).tolist(),
                           np.asarray(medium_data.products["category_id"]).tolist()))
    order_ts = dict(zip(np.asarray(medium_data.orders["id"]).tolist(),
                        np.asarray(medium_data.orders["created_at"]).tolist()))
    lines = medium_data.order_lines
    line_cat = np.array([product_cat[p] for p in np.asarray(lines["product_id"]).tolist()])
    line_ts = np.array([order_ts[o] for o in np.asarray(lines["order_id"]).tolist()])
    during = before = 0.0
    for name, cat, start, end in zip(pr["name"], pr["category_id"], pr["starts_on"], pr["ends_on"]):
        if cat is None or "Black Friday" in name or "Boxing" in name:
            continue  # those coincide with seasonal peaks; compare the plain category events
        days = (end - start).days + 1
        in_cat = line_cat == cat
        during += (in_cat & (line_ts >= _ts(start)) & (line_ts < _ts(end) + DAY)).sum() / days
        before += (in_cat & (line_ts >= _ts(start) - 42 * DAY) & (line_ts < _ts(start))).sum() / 42
    assert during > 1.3 * before


def test_card_testing_bursts_are_many_small_orders_on_one_card(small_data):
    o = small_data.orders
    index = {n: i for i, n in enumerate(o["number"])}
    bursts = small_data.ground_truth["fraud"]["card_testing"]
    assert bursts
    for burst in bursts:
        rows = [index[n] for n in burst["order_numbers"]]
        assert len(rows) >= 8
        assert {o["card_fingerprint"][i] for i in rows} == {burst["card_fingerprint"]}
        ts = np.asarray(o["created_at"])[rows]
        assert ts.max() - ts.min() <= 30 * 60
        assert (np.asarray(o["total"])[rows] <= 5_000).all()  # pence: at most £50 each
        assert sum(o["status"][i] == "cancelled" for i in rows) >= 1
    # The fingerprint is not used by anyone else.
    fp = bursts[0]["card_fingerprint"]
    assert sum(f == fp for f in o["card_fingerprint"]) == len(bursts[0]["order_numbers"])


def test_stolen_card_sprees_are_new_accounts_with_country_mismatch(small_data):
    o, c = small_data.orders, small_data.customers
    index = {n: i for i, n in enumerate(o["number"])}
    cust_created = dict(zip(np.asarray(c["id"]).tolist(), np.asarray(c["created_at"]).tolist()))
    legit_median = np.median(np.asarray(o["total"])[_legit_orders(small_data)])
    for spree in small_data.ground_truth["fraud"]["stolen_card"]:
        rows = [index[n] for n in spree["order_numbers"]]
        assert {o["customer_id"][i] for i in rows} == {spree["customer_id"]}
        first = min(o["created_at"][i] for i in rows)
        assert 0 < first - cust_created[spree["customer_id"]] <= 8 * 3600
        assert all(o["shipping_country"][i] != o["billing_country"][i] for i in rows)
        assert all(o["ip_country"][i] != o["card_country"][i] for i in rows)
        assert np.median([o["total"][i] for i in rows]) > 2 * legit_median


def test_fraud_rings_are_several_accounts_sharing_a_device_an_email_or_a_card(small_data):
    o = small_data.orders
    index = {n: i for i, n in enumerate(o["number"])}
    column = {"device": "device_id", "email": "email", "card": "card_fingerprint"}
    rings = small_data.ground_truth["fraud"]["rings"]
    assert {r["shared"] for r in rings} == set(column)
    fraud = set(small_data.ground_truth["fraudulent_order_numbers"])
    for ring in rings:
        rows = [index[n] for n in ring["order_numbers"]]
        assert {o[column[ring["shared"]]][i] for i in rows} == {ring["value"]}
        assert len({o["customer_id"][i] for i in rows}) >= 2  # across accounts
        assert set(ring["order_numbers"]) <= fraud
        assert set(ring["customer_ids"]) <= set(small_data.ground_truth["fake_account_customer_ids"])
    # The last ring is still ordering in the final days of the history.
    last = max(o["created_at"][index[n]] for n in rings[-1]["order_numbers"])
    assert last >= small_data.end_ts - 12 * DAY


def test_bot_signups_share_ip_and_device_within_minutes(small_data):
    c = small_data.customers
    index = {cid: i for i, cid in enumerate(np.asarray(c["id"]).tolist())}
    for cluster in small_data.ground_truth["fraud"]["bot_signups"]:
        rows = [index[cid] for cid in cluster["customer_ids"]]
        assert len(rows) >= 20
        assert {c["signup_ip"][i] for i in rows} == {cluster["signup_ip"]}
        assert {c["signup_device_id"][i] for i in rows} == {cluster["signup_device_id"]}
        created = np.asarray(c["created_at"])[rows]
        assert created.max() - created.min() <= 15 * 60


def test_fake_reviews_are_five_star_bursts_from_new_accounts(small_data):
    r, c = small_data.reviews, small_data.customers
    r_index = {rid: i for i, rid in enumerate(np.asarray(r["id"]).tolist())}
    created = dict(zip(np.asarray(c["id"]).tolist(), np.asarray(c["created_at"]).tolist()))
    genuine_mean = np.mean([rt for rid, rt in zip(np.asarray(r["id"]).tolist(), np.asarray(r["rating"]).tolist())
                            if rid not in set(small_data.ground_truth["fake_review_ids"])])
    for burst in small_data.ground_truth["fake_reviews"]:
        rows = [r_index[rid] for rid in burst["review_ids"]]
        assert len(rows) >= 8
        assert all(r["rating"][i] == 5 for i in rows)
        assert {r["product_id"][i] for i in rows} == {burst["product_id"]}
        assert all(len(r["text"][i]) < 40 for i in rows)
        assert all(r["created_at"][i] - created[r["customer_id"][i]] < 2 * DAY for i in rows)
        ts = np.asarray(r["created_at"])[rows]
        assert ts.max() - ts.min() < 4 * DAY
    assert genuine_mean < 4.6


def test_customers_browse_their_hidden_favourite_categories(small_data):
    tastes = small_data.customer_tastes
    cat_id = dict(zip(small_data.categories["path"], small_data.categories["id"]))
    favourite = {c: cat_id[top.split("|")[0]] for c, top in zip(tastes["customer_id"], tastes["top_categories"])}
    product_cat = dict(zip(np.asarray(small_data.products["id"]).tolist(),
                           np.asarray(small_data.products["category_id"]).tolist()))
    e = small_data.events
    views = np.asarray(e["event_type"]) == "view"
    hits = [product_cat[p] == favourite[c] for c, p in zip(np.asarray(e["customer_id"])[views].tolist(),
                                                           np.asarray(e["product_id"])[views].tolist())
            if c in favourite]
    assert np.mean(hits) > 0.3  # 14 leaf categories: chance would be about 0.07


# ---- a plausible catalogue -------------------------------------------------------------------

TIER_ATTRIBUTES = ("storage_gb", "screen_inches", "case_mm", "kit_lens")


def _catalogue(data):
    """(category path, name, price in pence, attributes, sku) per product."""
    path = dict(zip(data.categories["id"], data.categories["path"]))
    p = data.products
    return [(path[c], n, int(pr), a, s) for c, n, pr, a, s in zip(np.asarray(p["category_id"]).tolist(), p["name"],
                                                                  np.asarray(p["price"]).tolist(), p["attributes"],
                                                                  p["sku"])]


def _device_models(data):
    """(category, brand model) -> {tier value: set of prices} for devices with a model attribute."""
    brand = dict(zip(np.asarray(data.products["id"]).tolist(), np.asarray(data.products["brand_id"]).tolist()))
    brand_name = dict(zip(data.brands["id"], data.brands["name"]))
    models: dict = {}
    for pid, (path, _name, price, attrs, _sku) in zip(np.asarray(data.products["id"]).tolist(), _catalogue(data)):
        if "model" in attrs:
            tier = next((attrs[k] for k in TIER_ATTRIBUTES if k in attrs), None)
            key = (path, f"{brand_name[brand[pid]]} {attrs['model']}")
            models.setdefault(key, {}).setdefault(tier, set()).add(price)
    return models


@pytest.mark.parametrize("fixture", ["small_data", "medium_data"])
def test_one_price_per_model_and_tier_and_a_larger_tier_costs_more(fixture, request):
    models = _device_models(request.getfixturevalue(fixture))
    assert len(models) > 20
    multi_tier = 0
    for (path, model), tiers in models.items():
        assert all(len(prices) == 1 for prices in tiers.values()), (model, tiers)
        ordered = [next(iter(tiers[t])) for t in sorted(tiers)]
        assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered), (path, model, tiers)
        multi_tier += len(tiers) > 1
    assert multi_tier > 5


@pytest.mark.parametrize("fixture", ["small_data", "medium_data"])
def test_names_are_unique_per_sku_and_colour_variants_share_the_model_price(fixture, request):
    rows = _catalogue(request.getfixturevalue(fixture))
    names = [r[1] for r in rows]
    assert len(set(names)) == len(names)
    assert len({r[4] for r in rows}) == len(rows)
    by_stem: dict = {}
    for path, name, price, attrs, sku in rows:
        if "colour" in attrs:
            assert name.endswith(f", {attrs['colour']}") and "/" in sku
            by_stem.setdefault((name.rsplit(", ", 1)[0], sku.split("/")[0]), []).append((price, attrs["colour"]))
    variants = [v for v in by_stem.values() if len(v) > 1]
    assert len(variants) > 10
    for v in variants:
        assert len({price for price, _ in v}) == 1
        assert len({colour for _, colour in v}) == len(v)


def test_prices_are_plausible_per_category(medium_data):
    bounds = {"Phones": (100, 2_500), "Tablets": (100, 2_500), "Laptops": (350, 4_000), "TVs": (150, 6_000),
              "Gaming/Consoles": (150, 1_000), "Gaming/Games": (10, 100), "Accessories/Cases": (5, 100),
              "Accessories/Screen Protectors": (5, 60), "Accessories/Cables": (3, 40), "Accessories/Chargers": (8, 120),
              "Audio/Headphones": (30, 600), "Wearables": (100, 1_200)}
    for path, name, price, _attrs, _sku in _catalogue(medium_data):
        if path in bounds:
            lo, hi = bounds[path]
            assert lo * 100 <= price <= hi * 100, (path, name, price)


def test_accessories_fit_devices_of_the_catalogue(medium_data):
    rows = _device_models(medium_data)
    fits_phones_tablets = {model for (path, model) in rows if path in ("Phones", "Tablets")}
    catalogue = _catalogue(medium_data)
    platforms = {a["platform"] for path, _n, _p, a, _s in catalogue if path == "Gaming/Consoles"}
    connectors = {a["connector"] for path, _n, _p, a, _s in catalogue if "model" in a}
    seen = set()
    for path, name, _price, attrs, _sku in catalogue:
        if path in ("Accessories/Cases", "Accessories/Screen Protectors"):
            assert attrs["fits"] in fits_phones_tablets and name.split(" for ")[1].startswith(attrs["fits"])
        elif path == "Gaming/Games":
            assert attrs["platform"] in platforms
        elif path == "Accessories/Cables":
            assert attrs["connector"] in connectors
        seen.add(path)
    assert {"Accessories/Cases", "Accessories/Screen Protectors", "Gaming/Games", "Accessories/Cables"} <= seen


def _lines_by_order(data):
    baskets: dict = {}
    for o, p in zip(np.asarray(data.order_lines["order_id"]).tolist(),
                    np.asarray(data.order_lines["product_id"]).tolist()):
        baskets.setdefault(o, []).append(p)
    return baskets


def test_phone_baskets_hold_accessories_that_fit_the_phone(small_data):
    catalogue = dict(zip(np.asarray(small_data.products["id"]).tolist(), _catalogue(small_data)))
    brand = dict(zip(np.asarray(small_data.products["id"]).tolist(),
                     np.asarray(small_data.products["brand_id"]).tolist()))
    brand_name = dict(zip(small_data.brands["id"], small_data.brands["name"]))
    phone_baskets = fitting = cases = fitting_cases = 0
    for products in _lines_by_order(small_data).values():
        phones = {f"{brand_name[brand[p]]} {catalogue[p][3]['model']}" for p in products if catalogue[p][0] == "Phones"}
        if not phones:
            continue
        phone_baskets += 1
        fits = [catalogue[p][3]["fits"] for p in products
                if catalogue[p][0] in ("Accessories/Cases", "Accessories/Screen Protectors")]
        fitting += any(f in phones for f in fits)
        cases += len(fits)
        fitting_cases += sum(f in phones for f in fits)
    assert phone_baskets > 30
    assert fitting / phone_baskets > 0.35  # a case (45%) or a screen protector (30%) for that phone
    assert fitting_cases == cases  # never a case for another model


def test_november_revenue_is_above_the_yearly_monthly_mean(small_data):
    legit = _legit_orders(small_data)
    ts = np.asarray(small_data.orders["created_at"])[legit]
    total = np.asarray(small_data.orders["total"])[legit]
    months = np.array([dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m") for t in ts.tolist()])
    revenue = {f"2024-{m:02d}": total[months == f"2024-{m:02d}"].sum() for m in range(1, 13)}
    mean = np.mean(list(revenue.values()))
    assert revenue["2024-11"] > 1.2 * mean
    assert revenue["2024-12"] > mean


def test_chargers_in_a_device_basket_have_the_watts_it_needs(medium_data):
    attrs = dict(zip(np.asarray(medium_data.products["id"]).tolist(), medium_data.products["attributes"]))
    checked = 0
    for products in _lines_by_order(medium_data).values():
        needs = [attrs[p]["charging_watts"] for p in products if "charging_watts" in attrs[p]]
        chargers = [attrs[p]["watts"] for p in products if "watts" in attrs[p]]
        if len(needs) == 1 and chargers:
            checked += 1
            assert all(needs[0] <= w <= max(1.25 * needs[0], 45) for w in chargers), (needs, chargers)
    assert checked > 100


def test_device_buyers_come_back_to_compare_accessories_that_fit(small_data):
    """Follow-up sessions: a customer who bought a phone views several cases or screen protectors for
    that phone in a later session."""
    p = small_data.products
    pid = np.asarray(p["id"]).tolist()
    brand_name = dict(zip(small_data.brands["id"], small_data.brands["name"]))
    model_of = {i: f"{brand_name[b]} {a['model']}" for i, b, a in zip(pid, np.asarray(p["brand_id"]).tolist(),
                                                                    p["attributes"]) if "model" in a}
    fits = {i: a["fits"] for i, a in zip(pid, p["attributes"]) if "fits" in a}
    e = small_data.events
    cust, prod, typ = np.asarray(e["customer_id"]), np.asarray(e["product_id"]), np.asarray(e["event_type"])
    sess, ts = np.asarray(e["session_id"]), np.asarray(e["occurred_at"])
    bought: dict = {}  # customer -> {(phone model, purchase time)}
    for i in np.flatnonzero((typ == "purchase") & (cust > 0)).tolist():
        if prod[i] in model_of:
            bought.setdefault(int(cust[i]), set()).add((model_of[prod[i]], int(ts[i]), sess[i]))
    follow_up_views: dict = {}  # (customer, session) -> accessory views that fit a device bought earlier
    for i in np.flatnonzero((typ == "view") & (cust > 0)).tolist():
        fit = fits.get(int(prod[i]))
        earlier = bought.get(int(cust[i]), ())
        if fit and any(m == fit and t < ts[i] <= t + 22 * DAY and s != sess[i] for m, t, s in earlier):
            follow_up_views.setdefault((int(cust[i]), sess[i]), []).append(int(prod[i]))
    assert len(follow_up_views) >= 5
    assert np.mean([len(v) >= 2 for v in follow_up_views.values()]) > 0.5  # they compare several


def test_devices_come_from_suppliers_with_short_lead_times(small_data):
    devices = {cid for cid, path in zip(small_data.categories["id"], small_data.categories["path"])
               if path in ("Phones", "Laptops", "TVs", "Tablets")}
    on_device = np.isin(np.asarray(small_data.products["category_id"]), list(devices))
    lead = np.asarray(small_data.stock["lead_time_days"])
    assert lead[on_device].max() <= 14
    assert lead[~on_device].max() > 14  # some accessories come from the far-east importer


def test_deals_of_the_week_name_their_product(small_data):
    name = dict(zip(np.asarray(small_data.products["id"]).tolist(), small_data.products["name"]))
    deals = [(n, pid) for n, pid in zip(small_data.promotions["name"], small_data.promotions["product_id"]) if pid]
    assert deals
    assert all(n == f"Deal of the week: {name[pid]}" for n, pid in deals)
