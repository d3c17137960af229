"""Date layouts of imported files: ISO 8601, the UCI export's M/D/YYYY H:MM, --date-format, and the
day/month order settled on the whole file (ambiguous files are refused)."""
from datetime import datetime, timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from electroshop.shop.models import Event, Order, Product

pytestmark = pytest.mark.django_db

ONLINE_RETAIL_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
EVENT_HEADER = "event_time,event_type,sku,customer_id,session_id\n"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=dt_timezone.utc)


def import_invoices(tmp_path, dates: list[str], *options: str) -> str:
    rows = [f"6000{i:02d},A1,Thing,1,{d},1.00,17850.0,United Kingdom" for i, d in enumerate(dates)]
    path = tmp_path / "orders.csv"
    path.write_text(ONLINE_RETAIL_HEADER + "\n".join(rows) + "\n")
    out = StringIO()
    call_command("import_orders", "--format", "online-retail", str(path), *options, stdout=out)
    return out.getvalue()


def order_times() -> list[datetime]:
    return list(Order.objects.order_by("number").values_list("created_at", flat=True))


def test_the_uci_export_layout_is_month_first(tmp_path):
    output = import_invoices(tmp_path, ["12/1/2010 8:26", "12/1/2010 8:28", "1/4/2011 10:00"])
    assert output.strip().splitlines()[-1] == "3 rows imported, 0 bad rows, 0 duplicate rows"
    assert order_times() == [utc(2010, 12, 1, 8, 26), utc(2010, 12, 1, 8, 28), utc(2011, 1, 4, 10, 0)]


def test_iso_dates_still_read(tmp_path):
    import_invoices(tmp_path, ["2010-12-01 08:26:00", "2010-12-01T08:28:00+01:00"])
    assert order_times() == [utc(2010, 12, 1, 8, 26), utc(2010, 12, 1, 7, 28)]


def test_a_day_over_12_anywhere_makes_the_whole_file_month_first(tmp_path):
    import_invoices(tmp_path, ["03/04/2011 10:00", "03/14/2011 10:00"])
    assert order_times() == [utc(2011, 3, 4, 10, 0), utc(2011, 3, 14, 10, 0)]


def test_a_first_number_over_12_anywhere_makes_the_whole_file_day_first(tmp_path):
    import_invoices(tmp_path, ["3/4/2011 10:00", "13/4/2011 10:00", "1/5/2011"])
    assert order_times() == [utc(2011, 4, 3, 10, 0), utc(2011, 4, 13, 10, 0), utc(2011, 5, 1)]


def test_ambiguous_zero_padded_dates_are_refused_naming_date_format(tmp_path):
    with pytest.raises(CommandError) as refused:
        import_invoices(tmp_path, ["03/04/2011 10:00", "04/03/2011 11:00"])
    message = str(refused.value)
    assert "'03/04/2011 10:00' read both as day/month and as month/day" in message
    assert "--date-format '%d/%m/%Y %H:%M'" in message and "Nothing was imported" in message
    assert not Order.objects.exists() and not Product.objects.exists()


def test_a_file_mixing_day_first_and_month_first_is_refused(tmp_path):
    with pytest.raises(CommandError, match="mixes day-first dates such as '13/1/2011 10:00' with month-first .*--date-format"):
        import_invoices(tmp_path, ["13/1/2011 10:00", "1/13/2011 10:00"])
    assert not Order.objects.exists()


def test_date_format_names_any_other_layout(tmp_path):
    # The layout settles even zero-padded D/M dates; a value it does not fit is a bad row.
    output = import_invoices(
        tmp_path, ["03/04/2011 10:00", "04/03/2011 11:00", "2011-04-03"], "--date-format", "%d/%m/%Y %H:%M", "--max-bad-rows", "1"
    )
    assert "bad row: line 4: unparsable InvoiceDate '2011-04-03'" in output
    assert order_times() == [utc(2011, 4, 3, 10, 0), utc(2011, 3, 4, 11, 0)]


def test_date_format_with_a_zone(tmp_path):
    import_invoices(tmp_path, ["01.02.2011 10:00 +0100", "01.02.2011 10:00 +0000"], "--date-format", "%d.%m.%Y %H:%M %z")
    assert order_times() == [utc(2011, 2, 1, 9, 0), utc(2011, 2, 1, 10, 0)]


def test_a_date_format_that_is_no_layout_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="--date-format '%Q' is not a strptime layout"):
        import_invoices(tmp_path, ["1/2/2011"], "--date-format", "%Q")


def test_impossible_slash_dates_are_bad_rows(tmp_path):
    output = import_invoices(tmp_path, ["2/30/2011 10:00", "2/13/2011 25:00", "2/13/2011 10:00"], "--max-bad-rows", "2")
    assert "bad row: line 2: unparsable InvoiceDate '2/30/2011 10:00'" in output
    assert "bad row: line 3: unparsable InvoiceDate '2/13/2011 25:00'" in output
    assert order_times() == [utc(2011, 2, 13, 10, 0)]


def test_event_files_use_the_same_date_rules(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENT_HEADER + "12/1/2010 8:26,view,A1,7,s1\n12/2/2010 9:00,view,A1,7,s1\n")
    call_command("import_events", "--format", "generic", str(path), stdout=StringIO())
    assert sorted(Event.objects.values_list("occurred_at", flat=True)) == [utc(2010, 12, 1, 8, 26), utc(2010, 12, 2, 9, 0)]
    path.write_text(EVENT_HEADER + "03/04/2011 10:00,view,A1,7,s2\n")
    with pytest.raises(CommandError, match="--date-format"):
        call_command("import_events", "--format", "generic", str(path), stdout=StringIO())
    call_command("import_events", "--format", "generic", str(path), "--date-format", "%d/%m/%Y %H:%M", stdout=StringIO())
    assert Event.objects.get(session_id="s2").occurred_at == utc(2011, 4, 3, 10, 0)
