from electroshop.shop.importers import ORDER_FORMATS, ImportResult, import_orders

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import orders from a CSV file (online-retail or generic format) in one transaction."
    formats = ORDER_FORMATS

    def run_import(self, **kwargs) -> ImportResult:
        return import_orders(**kwargs)
