from electroshop.shop.importers import EVENT_FORMATS, ImportResult, import_events

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import browsing events from a CSV file (rees46 or generic format) in one transaction."
    formats = EVENT_FORMATS

    def run_import(self, **kwargs) -> ImportResult:
        return import_events(**kwargs)
