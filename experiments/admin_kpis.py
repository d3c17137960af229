"""The admin's KPI page (the DailyKpi changelist, read-only): daily CTR and revenue per subject per
placement as charts, and a table per placement, strategy, model version and variant over the chosen days."""
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from electroshop.mlops.charts import ChartData, Series, line_chart
from electroshop.mlops.dashboard import ReadOnlyAdminMixin

from . import kpi_selectors
from .kpi_selectors import KpiFilter
from .models import DailyKpi


class KpiFilterForm(forms.Form):
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    placement = forms.ChoiceField(required=False, label="Placement")

    def __init__(self, *args, placements: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placement"].choices = [("", "all placements")] + [(p, p) for p in placements]

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            data["start"], data["end"] = kpi_selectors.date_range(data.get("start"), data.get("end"))
            problem = kpi_selectors.range_problem(data["start"], data["end"])
            if problem:
                self.add_error("start", problem)
        return data

    def kpi_filter(self) -> KpiFilter:
        """The filter asked for; the last DEFAULT_DAYS days of every placement when the form is not valid."""
        if self.is_valid():
            data = self.cleaned_data
            return KpiFilter(start=data["start"], end=data["end"], placement=data.get("placement") or None)
        start, end = kpi_selectors.date_range(None, None)
        return KpiFilter(start=start, end=end)


def kpi_charts(kpi_filter: KpiFilter) -> tuple:
    """Daily CTR and revenue per subject, one line per placement (a gap on a day without activity)."""
    days = [kpi_filter.start + timedelta(days=n) for n in range((kpi_filter.end - kpi_filter.start).days + 1)]
    per_placement: dict[str, dict] = {}
    for row in kpi_selectors.placement_days(kpi_filter):
        per_placement.setdefault(row["placement"], {})[row["day"]] = row
    labels = [day.strftime("%m-%d") for day in days]

    def value(rows: dict, day, metric: str) -> float | None:
        row = rows.get(day)
        return None if row is None or (metric == "ctr" and not row["impressions"]) else row[metric]

    def chart(title: str, metric: str, *, percent: bool):
        series = [Series(name=placement, values=[value(rows, day, metric) for day in days])
                  for placement, rows in sorted(per_placement.items())]
        return line_chart(ChartData(title=title, labels=labels, series=series, percent=percent))

    return (chart("Click-through rate per day", "ctr", percent=True),
            chart("Revenue per subject per day", "revenue_per_subject", percent=False))


@admin.register(DailyKpi)
class DailyKpiAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        form = KpiFilterForm(request.GET or None, placements=kpi_selectors.placements())
        kpi_filter = form.kpi_filter()
        groups = kpi_selectors.group_totals(kpi_filter)
        names = kpi_selectors.experiment_names(row["experiment_id"] for row in groups)
        for row in groups:
            row["experiment_name"] = names.get(row["experiment_id"], "")
        ctr_chart, revenue_chart = kpi_charts(kpi_filter)
        context = {
            **self.admin_site.each_context(request),
            "title": "Recommendation KPIs",
            "opts": self.model._meta,
            "form": form,
            "kpi_filter": kpi_filter,
            "ctr_chart": ctr_chart,
            "revenue_chart": revenue_chart,
            "groups": groups,
            "totals": kpi_selectors.totals(kpi_filter),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/experiments/kpis.html", context)
