from .models import ModelCheck


def latest_reports(*, apps: list[str]) -> list[dict]:
    """The newest stored report of each of ``apps`` that has one, in ``apps`` order. One query per app."""
    reports = []
    for app in apps:
        report = ModelCheck.objects.filter(app=app).values_list("report", flat=True).first()
        if report is not None:
            reports.append(report)
    return reports
