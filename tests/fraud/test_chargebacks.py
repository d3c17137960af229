"""import_chargebacks: every bad row reported with its line, one transaction, idempotent."""
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from fraud.models import FraudLabel

from .conftest import T0, make_order

pytestmark = pytest.mark.django_db


def _run(tmp_path, text):
    path = tmp_path / "chargebacks.csv"
    path.write_text(text)
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_chargebacks", str(path), stdout=out, stderr=err)
    return out.getvalue().strip().splitlines(), err.getvalue().strip().splitlines()


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_imported(tmp_path):
    a, b = make_order(), make_order(created_at=T0 + timedelta(days=3))
    text = (
        "order_number,chargeback_date,reason\n"
        f"{a.number},2026-03-20,stolen card\n"        # line 2: ok
        "NOPE,2026-03-20,x\n"                          # line 3: unknown order
        f"{b.number},someday,x\n"                      # line 4: bad date
        f"{b.number},2026-03-01,x\n"                   # line 5: before the order
        ",2026-03-20,x\n"                              # line 6: empty number
        f"{a.number},2026-03-21,again\n"               # line 7: duplicate in the file
    )
    out, err = _run(tmp_path, text)
    assert out[-1] == "1 rows imported, 4 bad rows, 1 duplicate rows"
    assert err[0].startswith("line 3:") and "NOPE" in err[0]
    assert err[1].startswith("line 4:") and "not a date" in err[1]
    assert err[2].startswith("line 5:") and "before the order" in err[2]
    assert err[3].startswith("line 6:") and "empty" in err[3]
    label = FraudLabel.objects.get()
    assert label.order_id == a.pk and label.is_fraud and label.source == "chargeback"
    assert label.known_at.date().isoformat() == "2026-03-20" and label.reason == "stolen card"


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    a = make_order()
    text = f"order_number,chargeback_date\n{a.number},2026-03-20\n"
    assert _run(tmp_path, text)[0][-1] == "1 rows imported, 0 bad rows, 0 duplicate rows"
    assert _run(tmp_path, text)[0][-1] == "0 rows imported, 0 bad rows, 1 duplicate rows"
    assert FraudLabel.objects.count() == 1


def test_a_file_without_the_needed_columns_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("number,date\n1,2026-01-01\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_chargebacks", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_chargebacks", str(tmp_path / "missing.csv"))


def test_the_import_is_one_transaction(tmp_path, monkeypatch):
    a, b = make_order(), make_order()
    from fraud import labels

    real = FraudLabel.objects.bulk_create

    def fail_midway(objs, **kwargs):
        real(objs[:1], **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(FraudLabel.objects, "bulk_create", fail_midway)
    path = tmp_path / "c.csv"
    path.write_text(f"order_number,chargeback_date\n{a.number},2026-03-20\n{b.number},2026-03-20\n")
    with pytest.raises(RuntimeError):
        with open(path) as stream:
            labels.import_chargebacks(stream=stream)
    assert not FraudLabel.objects.exists()


def test_a_chargeback_date_may_be_a_date_time(tmp_path):
    a, b = make_order(), make_order()
    out, err = _run(tmp_path, "order_number,chargeback_date\n"
                              f"{a.number},2026-03-09T12:00:00+00:00\n"
                              f"{b.number},2026-03-02 11:00:00+00:00\n")  # an hour before its order
    assert out[-1] == "1 rows imported, 1 bad rows, 0 duplicate rows"
    assert err == ["line 3: chargeback_date 2026-03-02T11:00:00+00:00 is before the order (2026-03-02 12:00)"]
    assert FraudLabel.objects.get().known_at == T0 + timedelta(days=7)
