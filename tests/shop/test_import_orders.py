import csv
import gzip
import shutil
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from electroshop.shop.importers import orders as order_importers
from electroshop.shop.importers import BadRowLimit, ImportFileError, import_generic_orders, import_online_retail_orders
from electroshop.shop.models import Category, Customer, Event, Order, OrderLine, Product

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ONLINE_RETAIL = FIXTURES / "online_retail_sample.csv"

pytestmark = pytest.mark.django_db

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def data_lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def write(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_refused(*args: str) -> tuple[str, str]:
    """A command that must exit non-zero: its output and the error (why nothing was imported)."""
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(*args, stdout=out)
    return out.getvalue(), str(refused.value)


def counts_from_final_line(output: str) -> tuple[int, int, int]:
    last = output.strip().splitlines()[-1]
    parts = last.split()
    assert last == f"{parts[0]} rows imported, {parts[3]} bad rows, {parts[6]} duplicate rows"
    return int(parts[0]), int(parts[3]), int(parts[6])


def test_fixture_import_accounts_for_every_line_and_reports_bad_rows():
    # 12 of the 252 rows are bad: more than the default 1%, so the limit is raised to 5%.
    output = run_command("import_orders", "--format", "online-retail", str(ONLINE_RETAIL), "--max-bad-rows", "5%")
    imported, bad, duplicates = counts_from_final_line(output)
    assert bad == 12
    assert imported + bad + duplicates == data_lines(ONLINE_RETAIL) == 252
    assert OrderLine.objects.count() == imported
    # The hand-made rows at the end of the fixture, each with its line and reason.
    for line, reason in [
        (247, "unparsable Quantity 'many'"),
        (248, "negative UnitPrice '-2.95'"),
        (249, "empty StockCode"),
        (250, "unparsable InvoiceDate 'yesterday'"),
        (251, "CustomerID 'not-a-customer' is not a positive integer"),
        (252, "Quantity is 0"),
        (253, "expected 8 fields, got 9"),
    ]:
        assert f"bad row: line {line}: {reason}" in output
    # Real rows of the data set: negative quantities on ordinary invoices are bad rows too.
    assert "which is not a cancellation" in output
    assert duplicates >= 3  # three exact copies were appended, and the data has its own


def test_result_object_counts_and_bad_rows():
    result = import_online_retail_orders(path=ONLINE_RETAIL)
    assert result.imported + result.bad + result.duplicates == result.data_lines == 252
    assert [b.line for b in result.bad_rows] == sorted(b.line for b in result.bad_rows)
    assert {247, 248, 249, 250, 251, 252, 253} <= {b.line for b in result.bad_rows}
    assert result.summary_line() == f"{result.imported} rows imported, {result.bad} bad rows, {result.duplicates} duplicate rows"


def test_reimport_is_idempotent():
    first = import_online_retail_orders(path=ONLINE_RETAIL)
    snapshot = (Order.objects.count(), OrderLine.objects.count(), Event.objects.count(), Product.objects.count(), Customer.objects.count())
    second = import_online_retail_orders(path=ONLINE_RETAIL)
    assert second.imported == 0
    assert second.bad == first.bad
    assert second.duplicates == first.imported + first.duplicates
    assert snapshot == (Order.objects.count(), OrderLine.objects.count(), Event.objects.count(), Product.objects.count(), Customer.objects.count())


def test_gzipped_file_is_detected_by_magic_bytes(tmp_path):
    # A gzipped file without a .gz suffix.
    path = tmp_path / "orders.data"
    with open(ONLINE_RETAIL, "rb") as src, gzip.open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    from_gzip = import_online_retail_orders(path=path)
    assert from_gzip.imported > 0 and from_gzip.data_lines == 252
    again_plain = import_online_retail_orders(path=ONLINE_RETAIL)
    assert again_plain.imported == 0 and again_plain.bad == from_gzip.bad


def test_case_variant_skus_are_two_products():
    import_online_retail_orders(path=ONLINE_RETAIL)
    upper = Product.objects.get(sku="15056BL")
    lower = Product.objects.get(sku="15056bl")
    assert upper.pk != lower.pk
    assert OrderLine.objects.filter(product=lower).count() == 2
    assert set(OrderLine.objects.filter(product=lower).values_list("order__number", flat=True)) == {"536862", "536865"}


def test_case_variant_sku_in_database_is_not_matched(tmp_path):
    Product.objects.create(sku="abc1", name="lower case", price=Decimal("1"))
    path = write(tmp_path, HEADER + "600001,ABC1,UPPER,1,2011-01-01 10:00:00,2.00,12346.0,United Kingdom\n")
    import_online_retail_orders(path=path)
    assert Product.objects.filter(sku="ABC1").get().name == "UPPER"
    assert Product.objects.get(sku="abc1").name == "lower case"


def test_cancellation_invoices_are_cancelled_orders_with_positive_quantities_and_no_purchase_events():
    import_online_retail_orders(path=ONLINE_RETAIL)
    cancelled = Order.objects.filter(number__startswith="C")
    assert cancelled.exists()
    assert set(cancelled.values_list("status", flat=True)) == {Order.Status.CANCELLED}
    assert not OrderLine.objects.filter(order__in=cancelled, quantity__lte=0).exists()
    assert not Event.objects.filter(session_id__in=[f"order:{n}" for n in cancelled.values_list("number", flat=True)]).exists()
    assert set(Order.objects.exclude(number__startswith="C").values_list("status", flat=True)) == {Order.Status.COMPLETED}


def test_guest_orders_and_purchase_events(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "600001,A1,Thing,2,2011-01-01 10:00:00,2.50,17850.0,United Kingdom\n"
        + "600001,B1,Other,1,2011-01-01 10:00:00,1.00,17850.0,United Kingdom\n"
        + "600002,A1,Thing,3,2011-01-02 11:00:00,2.50,,France\n"
        + "C600003,A1,Thing,-1,2011-01-03 11:00:00,2.50,17850.0,United Kingdom\n",
    )
    result = import_online_retail_orders(path=path)
    assert (result.imported, result.bad, result.duplicates) == (4, 0, 0)
    guest = Order.objects.get(number="600002")
    assert guest.customer_id is None and guest.billing_country == "France"
    assert guest.total == Decimal("7.50")
    customer = Customer.objects.get(pk=17850)
    assert customer.country == "United Kingdom"
    order = Order.objects.get(number="600001")
    assert order.customer_id == 17850 and order.total == Decimal("6.00")
    assert order.created_at == datetime(2011, 1, 1, 10, 0, tzinfo=dt_timezone.utc)
    cancelled_line = OrderLine.objects.get(order__number="C600003")
    assert cancelled_line.quantity == 1
    events = Event.objects.filter(event_type=Event.Type.PURCHASE)
    assert events.count() == 3  # the cancellation makes none
    guest_event = events.get(session_id="order:600002")
    assert guest_event.customer_id is None and guest_event.product.sku == "A1"
    assert events.filter(customer_id=17850).count() == 2
    assert all(e.dedupe_key for e in events)


def test_rows_identical_to_earlier_rows_are_duplicates(tmp_path):
    row = "600001,A1,Thing,2,2011-01-01 10:00:00,2.50,17850.0,United Kingdom\n"
    path = write(tmp_path, HEADER + row + row + row.replace(",2,", ",3,"))
    result = import_online_retail_orders(path=path)
    assert (result.imported, result.bad, result.duplicates) == (2, 0, 1)
    assert Event.objects.count() == 2


def test_bad_row_rules(tmp_path):
    rows = [
        "600001,A1,Thing,2,2011-01-01 10:00:00,2.50,17850.0,United Kingdom",  # 2 good
        "600002,A1,Thing,-2,2011-01-01 10:00:00,2.50,17850.0,United Kingdom",  # 3 negative qty, not C
        "600003,A1,Thing,2.5,2011-01-01 10:00:00,2.50,17850.0,United Kingdom",  # 4 fractional qty
        "600004,A1,Thing,2,2011-01-01 10:00:00,0.001,17850.0,United Kingdom",  # 5 sub-penny
        "600005,A1,Thing,2,2011-01-01 10:00:00,abc,17850.0,United Kingdom",  # 6 price
        ",A1,Thing,2,2011-01-01 10:00:00,2.50,17850.0,United Kingdom",  # 7 no invoice
        "600001,B1,Thing,2,2011-01-01 10:00:00,2.50,12000.0,United Kingdom",  # 8 other customer, same invoice
        "600006,B1,Thing,2,2011-01-01 10:00:00,0,,United Kingdom",  # 9 free guest line: fine
        "600007,B1,Thing,2",  # 10 short row
    ]
    result = import_online_retail_orders(path=write(tmp_path, HEADER + "\n".join(rows) + "\n"))
    reasons = {b.line: b.reason for b in result.bad_rows}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 10]
    assert "negative Quantity" in reasons[3]
    assert "unparsable Quantity" in reasons[4]
    assert "more than 2 decimals" in reasons[5]
    assert "unparsable UnitPrice" in reasons[6]
    assert reasons[7] == "empty InvoiceNo"
    assert "customer differs" in reasons[8]
    assert reasons[10] == "expected 8 fields, got 4"
    assert result.imported == 2 and result.duplicates == 0


def test_until_is_strict(tmp_path):
    rows = [
        "600001,A1,Thing,1,2011-12-08 23:59:59,1.00,17850.0,United Kingdom",
        "600002,A1,Thing,1,2011-12-09 00:00:00,1.00,17850.0,United Kingdom",
        "600003,A1,Thing,1,2011-12-10 08:00:00,1.00,17850.0,United Kingdom",
        "600004,A1,Thing,1,bad date,1.00,17850.0,United Kingdom",
    ]
    path = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    output = run_command("import_orders", "--format", "online-retail", str(path), "--until", "2011-12-09", "--max-bad-rows", "1")
    assert list(Order.objects.values_list("number", flat=True)) == ["600001"]
    assert "2 rows on or after --until skipped" in output
    assert counts_from_final_line(output) == (1, 1, 0)
    # Later, the rest of the file: the first row is a duplicate now.
    output = run_command("import_orders", "--format", "online-retail", str(path), "--max-bad-rows", "1")
    assert counts_from_final_line(output) == (2, 1, 1)


def test_until_on_fixture_keeps_only_earlier_orders():
    result = import_online_retail_orders(path=ONLINE_RETAIL, until=date(2011, 12, 9))
    assert result.skipped > 0
    assert not Order.objects.filter(created_at__gte=datetime(2011, 12, 9, tzinfo=dt_timezone.utc)).exists()
    assert result.imported + result.bad + result.duplicates + result.skipped == 252


def test_failure_mid_file_leaves_nothing_behind(monkeypatch):
    real_insert = order_importers.insert_rows
    calls = []

    def failing_insert(model, columns, *, bar):
        calls.append(model)
        if model is Event:  # the order lines are written already when this fails
            raise RuntimeError("disk full")
        return real_insert(model, columns, bar=bar)

    monkeypatch.setattr(order_importers, "insert_rows", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        import_online_retail_orders(path=ONLINE_RETAIL)
    assert OrderLine in calls
    for model in (Order, OrderLine, Event, Product, Customer):
        assert not model.objects.exists(), model


def test_missing_column_is_an_error_before_anything_is_written(tmp_path):
    path = write(tmp_path, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,CustomerID,Country\n1,A,B,1,2011-01-01,1,UK\n")
    with pytest.raises(ImportFileError, match="UnitPrice"):
        import_online_retail_orders(path=path)
    with pytest.raises(CommandError, match="missing required column"):
        call_command("import_orders", "--format", "online-retail", str(path), stdout=StringIO())
    assert not Product.objects.exists()


def test_errors_file_gets_every_bad_row_and_console_the_first_20(tmp_path):
    rows = [f"6{i:05d},A1,Thing,-1,2011-01-01 10:00:00,1.00,17850.0,United Kingdom" for i in range(30)]
    rows.append("700000,A1,Thing,1,2011-01-01 10:00:00,1.00,17850.0,United Kingdom")
    path = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    errors = tmp_path / "errors.csv"
    output = run_command(
        "import_orders", "--format", "online-retail", str(path), "--errors", str(errors), "--max-bad-rows", "30"
    )
    assert output.count("bad row: line") == 20
    assert "10 more bad rows" in output
    with open(errors) as fh:
        written = list(csv.DictReader(fh))
    assert [int(r["line"]) for r in written] == list(range(2, 32))
    assert counts_from_final_line(output) == (1, 30, 0)


def test_a_file_of_bad_rows_exits_non_zero_and_prints_every_bad_row(tmp_path):
    rows = [f"6{i:05d},A1,Thing,-1,2011-01-01 10:00:00,1.00,17850.0,United Kingdom" for i in range(30)]
    path = write(tmp_path, HEADER + "\n".join(rows) + "\n")
    output, error = run_refused("import_orders", "--format", "online-retail", str(path), "--max-bad-rows", "100%")
    assert [f"bad row: line {n}: negative Quantity" in output for n in range(2, 32)] == [True] * 30
    assert counts_from_final_line(output) == (0, 30, 0)
    assert error.startswith("Nothing was imported: none of the 30 data rows is both valid and new (30 bad")
    assert not Product.objects.exists() and not Customer.objects.exists()


def test_bad_rows_over_the_limit_import_nothing(tmp_path):
    good = [f"6{i:05d},A{i},Thing,1,2011-01-01 10:00:00,1.00,{17000 + i}.0,United Kingdom" for i in range(10)]
    path = write(tmp_path, HEADER + "\n".join(good + ["700000,B1,Thing,1,2011-01-01 10:00:00,1.00,oops,France"]) + "\n")
    # 1 bad row of 11: more than the default 1% (0 rows) and more than 5% (0 rows).
    for limit in ([], ["--max-bad-rows", "5%"], ["--max-bad-rows", "0"]):
        output, error = run_refused("import_orders", "--format", "online-retail", str(path), *limit)
        assert "bad row: line 12: CustomerID 'oops' is not a positive integer" in output
        assert counts_from_final_line(output) == (0, 1, 0)
        assert "1 of 11 data rows are bad" in error and "the 10 good new rows were not imported either" in error
        for model in (Order, OrderLine, Event, Product, Customer):
            assert not model.objects.exists(), model
    assert "--max-bad-rows 1% allows (0)" in run_refused("import_orders", "--format", "online-retail", str(path))[1]
    # 10% of 11 rows allows 1; so does a count of 1.
    output = run_command("import_orders", "--format", "online-retail", str(path), "--max-bad-rows", "10%")
    assert counts_from_final_line(output) == (10, 1, 0)
    assert OrderLine.objects.count() == 10


def test_import_is_refused_by_the_service_too(tmp_path):
    path = write(tmp_path, HEADER + "600001,A1,Thing,1,2011-01-01 10:00:00,1.00,17850.0,UK\n600002,A1,Thing,x,2011-01-01,1,,UK\n")
    result = import_online_retail_orders(path=path, max_bad_rows=BadRowLimit.parse("0"))
    assert result.refused.startswith("Nothing was imported: 1 of 2 data rows are bad")
    assert (result.imported, result.bad, result.created) == (0, 1, {})
    assert not Order.objects.exists()
    assert import_online_retail_orders(path=path).imported == 1  # no limit given: the good row is kept


@pytest.mark.parametrize("value", ["-1", "abc", "150%", "1.5", "%", ""])
def test_max_bad_rows_must_be_a_count_or_a_percentage(tmp_path, value):
    path = write(tmp_path, HEADER + "600001,A1,Thing,1,2011-01-01 10:00:00,1.00,17850.0,UK\n")
    with pytest.raises(CommandError, match="--max-bad-rows must be a count like 50 or a percentage like 1%"):
        call_command("import_orders", "--format", "online-retail", str(path), "--max-bad-rows", value, stdout=StringIO())
    assert not Order.objects.exists()


def test_generic_orders_create_category_tree_and_brand(tmp_path):
    path = write(
        tmp_path,
        "order_id,customer_id,sku,quantity,unit_price,ordered_at,product_name,category,brand,country\n"
        "G1,501,PH-1,1,299.00,2024-03-01T10:00:00,Phone One,Electronics/Phones,Acme,Germany\n"
        "G1,501,CS-1,2,9.99,2024-03-01T10:00:00,Case,Electronics/Phones/Cases,Acme,Germany\n"
        "G2,,PH-1,1,299.00,2024-03-02,Phone One,Electronics/Phones,Acme,France\n"
        "G2,,PH-1,1,299.00,2024-03-02,Phone One,Electronics/Phones,Acme,France\n"
        "G3,502,PH-2,-1,10,2024-03-02,Bad,Electronics,Acme,France\n",
        name="generic.csv",
    )
    output = run_command("import_orders", "--format", "generic", str(path), "--max-bad-rows", "1")
    assert counts_from_final_line(output) == (3, 1, 1)
    assert "bad row: line 6: negative quantity '-1'" in output
    phones = Category.objects.get(path="Electronics/Phones")
    assert phones.parent.path == "Electronics" and phones.parent.parent is None
    cases = Category.objects.get(path="Electronics/Phones/Cases")
    assert cases.parent == phones and cases.name == "Cases"
    product = Product.objects.get(sku="PH-1")
    assert product.category == phones and product.brand.name == "Acme" and product.price == Decimal("299.00")
    assert Order.objects.get(number="G2").customer is None
    assert Customer.objects.get(pk=501).country == "Germany"
    assert Order.objects.get(number="G1").total == Decimal("318.98")
    # Importing it again imports nothing: the command says so and exits non-zero.
    output, error = run_refused("import_orders", "--format", "generic", str(path), "--max-bad-rows", "1")
    assert counts_from_final_line(output) == (0, 1, 4)
    assert error == "Nothing was imported: none of the 5 data rows is both valid and new (1 bad, 4 already imported, 0 on or after --until)."
    assert Category.objects.count() == 3


def test_generic_missing_required_column(tmp_path):
    path = write(tmp_path, "order_id,customer_id,sku,quantity,ordered_at\nG1,1,A,1,2024-01-01\n")
    with pytest.raises(CommandError, match="unit_price"):
        call_command("import_orders", "--format", "generic", str(path), stdout=StringIO())
    assert not Order.objects.exists()


def test_new_lines_for_an_existing_order_update_its_total(tmp_path):
    import_generic_orders(path=write(tmp_path, "order_id,customer_id,sku,quantity,unit_price,ordered_at\nG1,1,A,1,1.50,2024-01-01\n", "a.csv"))
    result = import_generic_orders(
        path=write(tmp_path, "order_id,customer_id,sku,quantity,unit_price,ordered_at\nG1,1,A,1,1.50,2024-01-01\nG1,1,B,2,2.00,2024-01-01\n", "b.csv")
    )
    assert (result.imported, result.duplicates) == (1, 1)
    assert Order.objects.get(number="G1").total == Decimal("5.50")
    # A different customer for an existing order is a bad row.
    result = import_generic_orders(
        path=write(tmp_path, "order_id,customer_id,sku,quantity,unit_price,ordered_at\nG1,2,C,1,1.00,2024-01-01\n", "c.csv")
    )
    assert result.bad == 1 and "existing order" in result.bad_rows[0].reason


def test_imported_customer_ids_do_not_break_later_customers(tmp_path):
    path = write(tmp_path, HEADER + "600001,A1,Thing,1,2011-01-01 10:00:00,1.00,17850.0,United Kingdom\n")
    import_online_retail_orders(path=path)
    assert Customer.objects.create(email="new@example.com").pk != 17850


GENERIC_IDENTITY_HEADER = (
    "order_id,customer_id,sku,quantity,unit_price,ordered_at,country,email,device_id,ip_address,card_fingerprint,"
    "billing_country,shipping_country,payment_method,card_bin\n"
)


def test_generic_orders_carry_the_identities_fraud_scoring_reads(tmp_path):
    path = write(tmp_path, GENERIC_IDENTITY_HEADER
                 + "A1,7,SKU1,1,10.00,2024-03-01T10:00:00,France,Sam@Example.com,T42,203.0.113.7,fp_1,Germany,France,card,411111\n"
                 + "A1,7,SKU2,1,5.00,2024-03-01T10:00:00,France,sam@example.com,T43,203.0.113.8,fp_2,Spain,Spain,paypal,\n"
                 + "A2,,SKU1,2,10.00,2024-03-02T09:00:00,Italy,,,2001:db8::1,,,,,\n")
    result = import_generic_orders(path=path)
    assert result.bad_rows == []
    first = Order.objects.get(number="A1")
    # An order takes its first row's identities; a billing or shipping country wins over ``country``.
    assert (first.email, first.device_id, first.ip_address, first.card_fingerprint) == (
        "Sam@Example.com", "T42", "203.0.113.7", "fp_1")
    assert (first.billing_country, first.shipping_country, first.payment_method, first.card_bin) == (
        "Germany", "France", "card", "411111")
    guest = Order.objects.get(number="A2")
    assert (guest.email, guest.device_id, guest.ip_address, guest.billing_country, guest.shipping_country) == (
        "", "", "2001:db8::1", "Italy", "Italy")
    # A new customer's account dates from their first order in the file, not from the import.
    assert Customer.objects.get(pk=7).created_at == datetime(2024, 3, 1, 10, tzinfo=dt_timezone.utc)


def test_bad_identities_are_bad_rows_with_their_line(tmp_path):
    path = write(tmp_path, GENERIC_IDENTITY_HEADER
                 + "B1,1,SKU1,1,10.00,2024-03-01T10:00:00,,not-an-email,,,,,,,\n"
                 + "B2,1,SKU1,1,10.00,2024-03-01T10:00:00,,,,300.1.2.3,,,,,\n"
                 + "B3,1,SKU1,1,10.00,2024-03-01T10:00:00,,,,,,,,,41x1\n"
                 + "B4,1,SKU1,1,10.00,2024-03-01T10:00:00,,,," + "," + "f" * 129 + ",,,,\n"
                 + "B5,1,SKU1,1,10.00,2024-03-01T10:00:00,,ok@example.com,D1,10.0.0.1,fp,,,,\n")
    result = import_generic_orders(path=path, max_bad_rows=BadRowLimit.parse("100%"))
    assert [(b.line, b.reason) for b in result.bad_rows] == [
        (2, "email 'not-an-email' is not an e-mail address"),
        (3, "ip_address '300.1.2.3' is not an IP address"),
        (4, "card_bin '41x1' is not 6 to 8 digits"),
        (5, "card_fingerprint longer than 128 characters"),
    ]
    assert list(Order.objects.values_list("number", "device_id")) == [("B5", "D1")]


def test_generic_orders_carry_the_payment_providers_checks(tmp_path):
    path = write(tmp_path, "order_id,customer_id,sku,quantity,unit_price,ordered_at,avs_result,cvc_result,three_ds_result\n"
                           "P1,1,SKU1,1,10.00,2024-03-01T10:00:00,No_Match,match,authenticated\n"
                           "P2,1,SKU1,1,10.00,2024-03-01T11:00:00,,,\n"
                           "P3,1,SKU1,1,10.00,2024-03-01T12:00:00,,,passed\n")
    result = import_generic_orders(path=path, max_bad_rows=BadRowLimit.parse("100%"))
    assert [(b.line, b.reason) for b in result.bad_rows] == [
        (4, "three_ds_result 'passed' is not one of authenticated, attempted, failed, not_enrolled")]
    assert list(Order.objects.order_by("number").values_list("number", "avs_result", "cvc_result", "three_ds_result")) == [
        ("P1", "no_match", "match", "authenticated"), ("P2", "", "", "")]
