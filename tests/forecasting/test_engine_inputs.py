"""The engine's known inputs from the shop (holidays, prices, events) and one engine for production and
``backtest_forecasts``."""
import io
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Customer, Order, OrderLine
from forecasting import inputs
from forecasting.models import DemandForecast, ForecastEvent
from tests.factories import CategoryFactory, ProductFactory

from .conftest import at


def write_orders(daily: dict, start: date) -> None:
    """daily: {product: array of units per day from ``start``}; one order per product and selling day."""
    customer = Customer.objects.create(email="daily@example.com", name="Daily")
    orders, lines = [], []
    for product, units in daily.items():
        for k, q in enumerate(units):
            if q > 0:
                orders.append(Order(number=f"{product.sku}-{k}", customer=customer,
                                    created_at=at(start + timedelta(days=k))))
                lines.append((product, int(q)))
    created = Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create([OrderLine(order=o, product=p, quantity=q, unit_price=p.price)
                                   for o, (p, q) in zip(created, lines)])


def retrain(as_of: date) -> ModelVersion:
    call_command("retrain", "forecasting", "--sync", "--as-of", as_of.isoformat(), stdout=io.StringIO(),
                 stderr=io.StringIO())
    return ModelVersion.objects.get(app="forecasting", kind="demand", status="active")


@pytest.mark.django_db
def test_holiday_column_reaches_the_engine_and_its_effect_is_learned(settings):
    """Two years of a shop whose customers buy four times as much on English bank holidays: the forecast
    of the next bank holiday (Monday 4 May 2026) is well above the other Mondays of the horizon."""
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": "GB"}
    as_of, days = date(2026, 4, 27), 730
    start = as_of - timedelta(days=days)
    bank = set(inputs.holiday_days(start, as_of + timedelta(days=28)))
    assert date(2026, 5, 4) in bank and date(2025, 12, 25) in bank
    rng = np.random.default_rng(3)
    daily = {}
    for i in range(3):
        product = ProductFactory(sku=f"HOL-{i}", price=Decimal("5.00"))
        rate = np.array([(4.0 if start + timedelta(days=k) in bank else 1.0) * (4 + 2 * i) for k in range(days)])
        daily[product] = rng.poisson(rate)
    write_orders(daily, start)

    history, future, exog = inputs.chunk_history(product_ids=[p.pk for p in daily], until=at(as_of, 0), horizon=28)
    assert "holiday" in exog
    assert history.loc[history["date"] == pd.Timestamp(2025, 12, 25), "holiday"].eq(1).all()
    assert future.loc[future["date"] == pd.Timestamp(2026, 5, 4), "holiday"].eq(1).all()
    assert future.loc[future["date"] == pd.Timestamp(2026, 5, 11), "holiday"].eq(0).all()

    version = retrain(as_of)
    rows = pd.DataFrame(DemandForecast.objects.filter(model_version=version).values("date", "mean"))
    by_day = rows.groupby("date")["mean"].sum()
    other_mondays = by_day[[date(2026, 4, 27), date(2026, 5, 11), date(2026, 5, 18)]].mean()
    assert by_day[date(2026, 5, 4)] > 1.8 * other_mondays


@pytest.mark.django_db
def test_price_in_effect_comes_from_the_last_selling_day_before_in_history_and_forecast(settings):
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": ""}
    product = ProductFactory(sku="P-1", price=Decimal("9.00"))
    day = date(2026, 3, 2)
    customer = Customer.objects.create(email="p@example.com", name="P")
    for k, prices in ((1, [10, 12]), (4, [8])):   # two lines at 10 and 12 (avg 11) on day 1, one at 8 on day 4
        order = Order.objects.create(number=f"P-{k}", customer=customer, created_at=at(day + timedelta(days=k)))
        for n, price in enumerate(prices):
            OrderLine.objects.create(order=order, product=product, quantity=1 + n, unit_price=Decimal(price))
    history, future, exog = inputs.chunk_history(product_ids=[product.pk], until=at(day + timedelta(days=7), 0),
                                                 horizon=3)
    assert exog == ["price"]                                              # no holidays, promotions or events
    prices = dict(zip(history["date"].dt.date, history["price"]))
    unit_day1 = (10 * 1 + 12 * 2) / 3
    # the first selling day itself: the catalogue price (its own sales never set its price)
    assert prices[day + timedelta(days=1)] == pytest.approx(9.0)
    assert [prices[day + timedelta(days=k)] for k in (2, 3, 4)] == pytest.approx([unit_day1] * 3)
    assert [prices[day + timedelta(days=k)] for k in (5, 6)] == pytest.approx([8.0, 8.0])
    # the forecast days: the price in effect at the origin by the same rule (sold at 8, listed at 9)
    assert future["price"].tolist() == pytest.approx([8.0] * 3)


@pytest.mark.django_db
def test_a_product_that_never_sold_carries_its_catalogue_price_in_history_and_forecast(settings):
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": ""}
    sold, unsold = ProductFactory(sku="P-1", price=Decimal("9.00")), ProductFactory(sku="P-2", price=Decimal("5.00"))
    day = date(2026, 3, 2)
    customer = Customer.objects.create(email="q@example.com", name="Q")
    order = Order.objects.create(number="Q-1", customer=customer, created_at=at(day + timedelta(days=1)))
    OrderLine.objects.create(order=order, product=sold, quantity=1, unit_price=Decimal(7))
    history, future, _ = inputs.chunk_history(product_ids=[sold.pk, unsold.pk], until=at(day + timedelta(days=4), 0),
                                              horizon=2)
    assert set(history.loc[history["series_id"] == unsold.pk, "price"]) == {5.0}
    assert future.loc[future["series_id"] == unsold.pk, "price"].tolist() == pytest.approx([5.0, 5.0])
    assert future.loc[future["series_id"] == sold.pk, "price"].tolist() == pytest.approx([7.0, 7.0])


@pytest.mark.django_db
def test_events_mark_products_categories_with_subcategories_and_the_whole_shop_past_and_future(settings):
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": ""}
    phones = CategoryFactory(name="Phones")
    cases = CategoryFactory(name="Cases", parent=phones)
    cables = CategoryFactory(name="Cables")
    phone, case, cable = (ProductFactory(category=c) for c in (phones, cases, cables))
    day = date(2026, 3, 2)
    write_orders({phone: np.ones(10), case: np.ones(10), cable: np.ones(10)}, day)
    origin = day + timedelta(days=10)
    ForecastEvent.objects.create(name="Phone launch", kind="launch", category_id=phones.pk,
                                 starts_on=day + timedelta(days=2), ends_on=day + timedelta(days=3))
    ForecastEvent.objects.create(name="Shop campaign", starts_on=origin + timedelta(days=1),
                                 ends_on=origin + timedelta(days=1))
    ForecastEvent.objects.create(name="Cable day", product_id=cable.pk, starts_on=origin - timedelta(days=1),
                                 ends_on=origin)
    history, future, exog = inputs.chunk_history(product_ids=[phone.pk, case.pk, cable.pk], until=at(origin, 0),
                                                 horizon=3)
    assert "event" in exog
    marked = {(int(r.series_id), r.date.date()) for r in pd.concat([history, future]).itertuples() if r.event}
    past = {(p.pk, day + timedelta(days=k)) for p in (phone, case) for k in (2, 3)}   # Cases is inside Phones
    shop = {(p.pk, origin + timedelta(days=1)) for p in (phone, case, cable)}
    assert marked == past | shop | {(cable.pk, origin - timedelta(days=1)), (cable.pk, origin)}


@pytest.mark.django_db
def test_backtest_command_and_retrain_run_the_same_engine(settings, tmp_path):
    """The same sales as a CSV through ``backtest_forecasts`` and as a shop through ``retrain --as-of``:
    the same configuration, inputs and model, so the same forecast for every product."""
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": "GB"}
    start, days, horizon = date(2025, 9, 1), 240, 28
    origin = start + timedelta(days=days)
    rng = np.random.default_rng(11)
    weekday = np.array([1.2, 1.0, 1.0, 1.1, 1.3, 0.8, 0.6])
    products, daily = [], {}
    for i, (rate, price) in enumerate([(8.0, "4.50"), (2.0, "12.00"), (0.3, "40.00"), (0.08, "99.00")]):
        product = ProductFactory(sku=f"S-{i}", price=Decimal(price))
        units = rng.poisson(rate * weekday[[(start + timedelta(days=k)).weekday() for k in range(days + horizon)]])
        units[0] = max(units[0], 1)                                      # the calendar starts on day 0 for both
        products.append(product)
        daily[product] = units
    write_orders({p: u[:days] for p, u in daily.items()}, start)         # the shop: history before the origin
    bank = set(inputs.holiday_days(start, origin + timedelta(days=horizon)))
    dates = [start + timedelta(days=k) for k in range(days + horizon)]
    csv_path = tmp_path / "sales.csv"
    pd.DataFrame({"product": np.repeat([p.pk for p in products], len(dates)),
                  "day": np.tile([d.isoformat() for d in dates], len(products)),
                  "units": np.concatenate([daily[p] for p in products]),
                  "holiday": np.tile([float(d in bank) for d in dates], len(products)),
                  "price": np.repeat([float(p.price) for p in products], len(dates))}).to_csv(csv_path, index=False)

    out = io.StringIO()
    call_command("backtest_forecasts", "--input", str(csv_path), "--id-col", "product", "--date-col", "day",
                 "--target-col", "units", "--exog", "holiday", "--price-col", "price", "--horizon", str(horizon),
                 "--output", str(tmp_path / "fc.csv"), stdout=out, stderr=io.StringIO())
    assert f"origin {origin}" in out.getvalue()
    offline = pd.read_csv(tmp_path / "fc.csv").groupby("series_id")["forecast"].mean()

    version = retrain(origin)
    served = pd.DataFrame(DemandForecast.objects.filter(model_version=version).values("product_id", "mean"))
    served = served.groupby("product_id")["mean"].mean()
    assert served.index.tolist() == offline.index.tolist() == [p.pk for p in products]
    assert served.to_numpy() == pytest.approx(offline.to_numpy(), rel=1e-4, abs=1e-6)
    assert served.iloc[0] > 5 and served.iloc[-1] < 0.5                   # and a sensible forecast
