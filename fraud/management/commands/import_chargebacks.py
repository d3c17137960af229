"""``manage.py import_chargebacks CSV``: chargebacks (order_number,chargeback_date[,reason]) become fraud labels.

Every bad row is reported with its line and reason; good rows are imported in one transaction; a
chargeback already recorded for an order is a duplicate (re-importing a file changes nothing).
"""
from django.core.management.base import BaseCommand, CommandError

from fraud import labels


class Command(BaseCommand):
    help = "Import chargebacks as fraud labels (columns order_number,chargeback_date[,reason])."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file with a header row")

    def handle(self, *args, **options):
        try:
            with open(options["path"], newline="", encoding="utf-8-sig") as stream:
                report = labels.import_chargebacks(stream=stream, recorded_by="import_chargebacks")
        except FileNotFoundError:
            raise CommandError(f"no such file: {options['path']}") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{options['path']} is not UTF-8 text: {exc}") from None
        except labels.ChargebackFileError as exc:
            raise CommandError(str(exc)) from None
        for line, reason in report.bad:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(f"{report.imported} rows imported, {len(report.bad)} bad rows, "
                          f"{report.duplicates} duplicate rows")
