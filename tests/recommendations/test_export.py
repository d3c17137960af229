"""``export_recommendations``: the lists a newsletter tool receives."""
import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CustomerFactory


def export(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_recommendations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def agreed(shop):
    shop["customer"].marketing_consent = True
    shop["customer"].save()
    return shop["customer"]


def test_csv_has_each_customers_list_in_order_with_business_rules(shop, agreed, tmp_path):
    path = tmp_path / "out.csv"
    call_command("export_recommendations", "--format", "csv", "--limit", "3", "--output", str(path),
                 stderr=io.StringIO())
    rows = list(csv.DictReader(path.open()))
    assert [(int(r["customer_id"]), int(r["rank"]), r["sku"]) for r in rows] == [
        (agreed.pk, 1, "P0"), (agreed.pk, 2, "P1"), (agreed.pk, 3, "P2")]
    assert {r["source"] for r in rows} == {"personalized"} and all(r["reason"] and r["recommendation_id"] for r in rows)


def test_jsonl_for_the_customers_of_a_file(shop, agreed, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{agreed.pk}\n\n")
    out, err = export("--format", "jsonl", "--limit", "2", "--customers", str(ids))
    (line,) = out.splitlines()
    body = json.loads(line)
    assert body["customer_id"] == agreed.pk and body["source"] == "personalized"
    assert [item["sku"] for item in body["items"]] == ["P0", "P1"]
    assert "1 customers exported" in err


def test_a_bad_customer_file_line_is_named_and_nothing_is_written(shop, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("12\nabc\n")
    with pytest.raises(CommandError, match=r"ids.txt:2: 'abc' is not a customer id"):
        export("--customers", str(ids), "--output", str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()


def test_customers_without_marketing_consent_are_skipped_unless_asked(shop, agreed, tmp_path):
    silent = CustomerFactory(marketing_consent=False)
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{agreed.pk}\n{silent.pk}\n")
    out, err = export("--format", "jsonl", "--customers", str(ids))
    assert [json.loads(line)["customer_id"] for line in out.splitlines()] == [agreed.pk]
    assert "1 customers without marketing consent skipped" in err
    out, _ = export("--format", "jsonl", "--customers", str(ids), "--include-without-marketing-consent")
    assert [json.loads(line)["customer_id"] for line in out.splitlines()] == [agreed.pk, silent.pk]
