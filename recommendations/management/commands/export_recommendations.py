"""Export each customer's current recommendations for a newsletter or e-mail tool."""
import csv
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from electroshop.seam import get_adapter
from recommendations import selectors


class Command(BaseCommand):
    help = "Export customers' recommendations (business rules applied) as CSV or JSON lines."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        parser.add_argument("--limit", type=int, default=10, help="items per customer (1-100)")
        parser.add_argument("--customers", help="file with one customer id per line (default: every customer "
                                                "with a personalised list in the active version)")
        parser.add_argument("--output", help="write here instead of standard output")
        parser.add_argument("--include-without-marketing-consent", action="store_true",
                            help="also customers who have not agreed to marketing (transactional e-mail only); "
                                 "by default they are skipped and counted")

    def handle(self, *args, **options):
        limit = options["limit"]
        if not 1 <= limit <= 100:
            raise CommandError("--limit must be between 1 and 100")
        customer_ids = self._customer_ids(options["customers"])
        if not options["include_without_marketing_consent"]:
            no_consent = get_adapter().customers_without_consent("marketing")
            skipped = sum(customer_id in no_consent for customer_id in customer_ids)
            customer_ids = [customer_id for customer_id in customer_ids if customer_id not in no_consent]
            if skipped:
                self.stderr.write(f"{skipped} customers without marketing consent skipped")
        out = open(options["output"], "w", newline="") if options["output"] else self.stdout  # noqa: SIM115
        try:
            writer = csv.writer(out) if options["format"] == "csv" else None
            if writer:
                writer.writerow(["customer_id", "rank", "sku", "name", "price", "score", "reason", "source",
                                 "model_version", "recommendation_id"])
            exported = 0
            for customer_id in tqdm(customer_ids, desc="customers", unit="customer", disable=None, file=sys.stderr):
                result = selectors.recommendations_for_customer(customer_id=customer_id, limit=limit,
                                                                placement="email")
                if result is None:
                    self.stderr.write(f"customer {customer_id}: no such customer, skipped")
                    continue
                if writer:
                    for rank, item in enumerate(result.items, start=1):
                        writer.writerow([customer_id, rank, item["sku"], item["name"], item["price"], item["score"],
                                         item["reason"], result.source, result.model_version or "",
                                         item["recommendation_id"]])
                else:
                    out.write(json.dumps({"customer_id": customer_id, "model_version": result.model_version,
                                          "source": result.source, "items": result.items}) + "\n")
                exported += 1
        finally:
            if out is not self.stdout:
                out.close()
        self.stderr.write(f"{exported} customers exported")

    def _customer_ids(self, path: str | None) -> list[int]:
        if path is None:
            return selectors.customers_with_recommendations()
        ids = []
        for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            if not line.isdigit():
                raise CommandError(f"{path}:{number}: {line!r} is not a customer id")
            ids.append(int(line))
        return ids
