import csv
import gzip
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from electroshop.shop.importers import events as event_importers
from electroshop.shop.importers import category_path_from_code, import_generic_events, import_rees46_events
from electroshop.shop.models import Brand, Category, Customer, Event, Product

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REES46 = FIXTURES / "rees46_sample.csv.gz"

pytestmark = pytest.mark.django_db

GENERIC_HEADER = "event_time,event_type,sku,customer_id,session_id,product_name,category,brand,price,device,traffic_source,dwell_seconds,recommendation_id\n"


def rees46_rows() -> list[dict]:
    with gzip.open(REES46, "rt", newline="") as fh:
        return list(csv.DictReader(fh))


def run_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_category_codes_become_trees():
    assert category_path_from_code("electronics.smartphone") == "Electronics/Smartphone"
    assert category_path_from_code("appliances.environment.water_heater") == "Appliances/Environment/Water heater"


def test_rees46_import_counts_events_brands_categories():
    rows = rees46_rows()
    output = run_command("import_events", "--format", "rees46", str(REES46), "--max-bad-rows", "3")
    assert output.strip().splitlines()[-1] == "280 rows imported, 3 bad rows, 2 duplicate rows"
    assert len(rows) == 285
    assert "bad row: line 284: event_type 'remove_from_cart' is not stored" in output
    assert "bad row: line 285: unparsable event_time 'not a time'" in output
    assert "bad row: line 286: neither user_id nor user_session" in output

    assert Event.objects.count() == 280
    stored_types = dict.fromkeys(Event.objects.values_list("event_type", flat=True))
    assert set(stored_types) == {"view", "cart", "purchase"}
    good = rows[:282]
    distinct_purchases = {
        (r["event_time"], r["product_id"], r["user_id"], r["user_session"]) for r in good if r["event_type"] == "purchase"
    }
    assert Event.objects.filter(event_type="purchase").count() == len(distinct_purchases) > 0
    assert set(Brand.objects.values_list("name", flat=True)) == {r["brand"] for r in good if r["brand"]}
    assert set(Product.objects.values_list("sku", flat=True)) == {r["product_id"] for r in good}
    assert set(Customer.objects.values_list("id", flat=True)) == {int(r["user_id"]) for r in good}
    expected_leaves = {category_path_from_code(r["category_code"]) for r in good if r["category_code"]}
    assert expected_leaves <= set(Category.objects.values_list("path", flat=True))
    smartphone = Category.objects.get(path="Electronics/Smartphone")
    assert smartphone.parent.path == "Electronics"

    first = rows[0]
    event = Event.objects.select_related("product__brand").get(
        session_id=first["user_session"], product__sku=first["product_id"], event_type=first["event_type"],
        occurred_at=datetime(2019, 10, 1, tzinfo=dt_timezone.utc),
    )
    assert event.customer_id == int(first["user_id"])
    assert event.occurred_at == datetime(2019, 10, 1, 0, 0, 0, tzinfo=dt_timezone.utc)
    assert event.product.brand.name == first["brand"]
    assert event.product.price == Decimal(first["price"])
    assert event.product.attributes == {"rees46_category_id": first["category_id"]}


def test_bad_rows_over_the_default_limit_import_no_event():
    # 3 bad rows of 285 are more than 1% (2 rows).
    out = StringIO()
    with pytest.raises(CommandError, match=r"3 of 285 data rows are bad, more than --max-bad-rows 1% allows \(2\)"):
        call_command("import_events", "--format", "rees46", str(REES46), stdout=out)
    assert "bad row: line 286: neither user_id nor user_session" in out.getvalue()
    assert out.getvalue().strip().splitlines()[-1] == "0 rows imported, 3 bad rows, 2 duplicate rows"
    for model in (Event, Product, Brand, Category, Customer):
        assert not model.objects.exists(), model


def test_a_file_of_bad_events_exits_non_zero(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(GENERIC_HEADER + "2024-05-01T10:00:00Z,teleport,PH-1,7,s1,,,,,,,,\n")
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_events", "--format", "generic", str(path), "--max-bad-rows", "100%", stdout=out)
    assert "bad row: line 2: unknown event_type 'teleport'" in out.getvalue()
    assert out.getvalue().strip().splitlines()[-1] == "0 rows imported, 1 bad rows, 0 duplicate rows"


def test_rees46_reimport_is_idempotent():
    import_rees46_events(path=REES46)
    second = import_rees46_events(path=REES46)
    assert (second.imported, second.bad, second.duplicates) == (0, 3, 282)
    assert Event.objects.count() == 280


def test_rees46_failure_mid_file_leaves_nothing(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(event_importers, "insert_rows", boom)
    with pytest.raises(RuntimeError):
        import_rees46_events(path=REES46)
    for model in (Event, Product, Brand, Category, Customer):
        assert not model.objects.exists(), model


def test_generic_events(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        GENERIC_HEADER
        + "2024-05-01T10:00:00Z,view,PH-1,7,s1,Phone,Electronics/Phones,Acme,199.90,mobile,email,12.5,rec-1\n"
        + "2024-05-01T10:01:00Z,click,PH-1,7,s1,Phone,Electronics/Phones,Acme,199.90,mobile,email,,rec-1\n"
        + "2024-05-01T10:01:00Z,click,PH-1,7,s1,Phone,Electronics/Phones,Acme,199.90,mobile,email,,rec-1\n"
        + "2024-05-01T10:02:00Z,search,,,s2,,,,,desktop,,,\n"
        + "2024-05-01T10:03:00Z,teleport,PH-1,7,s1,,,,,,,,\n"
        + "2024-05-01T10:04:00Z,view,PH-1,,,,,,,,,,\n"
        + "2024-05-01T10:05:00Z,view,PH-1,7,s1,,,,,,,-3,\n"
    )
    output = run_command("import_events", "--format", "generic", str(path), "--max-bad-rows", "50%")
    assert output.strip().splitlines()[-1] == "3 rows imported, 3 bad rows, 1 duplicate rows"
    assert "line 6: unknown event_type 'teleport'" in output
    assert "line 7: neither customer_id nor session_id" in output
    assert "line 8: dwell_seconds '-3' is not a non-negative number" in output
    view = Event.objects.get(event_type="view")
    assert (view.customer_id, view.session_id, view.device, view.traffic_source, view.dwell_seconds, view.recommendation_id) == (
        7, "s1", "mobile", "email", 12.5, "rec-1"
    )
    assert view.product.category.path == "Electronics/Phones"
    search = Event.objects.get(event_type="search")
    assert search.product is None and search.customer is None and search.session_id == "s2"
    assert import_generic_events(path=path).imported == 0


def test_generic_events_missing_column(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event_time,event_type,sku,customer_id\n2024-05-01,view,A,1\n")
    with pytest.raises(CommandError, match="session_id"):
        call_command("import_events", "--format", "generic", str(path), stdout=StringIO())
    assert not Event.objects.exists()
