"""The merchant's experiments screen: create an A/B test or a bandit with its variants, start and stop
it, and read its results (lift, interval, decision, sample ratio) and a bandit's weights over time.

Variants are edited while the experiment is a draft; a running or stopped experiment is read-only (its
results would otherwise mix two designs). Canary rollouts are shown on the rollouts screen.
"""
from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.safestring import SafeString

from electroshop.mlops.charts import ChartData, Series, line_chart

from . import kpi_selectors, lifecycle, selectors
from .models import HOLDOUT, BanditWeights, Experiment, Metric, Variant


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = sorted((f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
                      key=lambda data: data.get("position") or 0)  # in position order: the first is the control
        specs = [lifecycle.VariantSpec(name=data.get("name", ""), weight=data.get("weight") or 0,
                                       strategy=data.get("strategy", ""), list_length=data.get("list_length"))
                 for data in kept]
        errors = lifecycle.validate_variants(specs, placement=self.instance.placement)
        parent = self.instance
        errors.update(lifecycle.design_errors(min_arm_weight=parent.min_arm_weight,
                                              minimum_detectable_effect=parent.minimum_detectable_effect,
                                              variant_count=len(specs)))
        errors.update(lifecycle.holdout_control_errors(primary_metric=parent.primary_metric,
                                                       variants=specs))
        if errors:
            raise forms.ValidationError([message for messages in errors.values() for message in messages])


class VariantInline(admin.TabularInline):
    model = Variant
    formset = VariantFormSet
    fields = ("position", "name", "weight", "strategy", "list_length", "serving_weight")
    readonly_fields = ("serving_weight",)
    extra = 2

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.status == Experiment.Status.DRAFT

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == Experiment.Status.DRAFT

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == Experiment.Status.DRAFT


class ExperimentForm(forms.ModelForm):
    guardrail_metrics = forms.MultipleChoiceField(choices=Metric.choices, required=False,
                                                  widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Experiment
        fields = ("name", "placement", "mode", "primary_metric", "guardrail_metrics", "min_arm_weight",
                  "minimum_detectable_effect")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "placement" in self.fields:
            self.fields["placement"].choices = [(p, p) for p in lifecycle.EXPERIMENT_PLACEMENTS]
        if "mode" in self.fields:
            self.fields["mode"].choices = [c for c in Experiment.Mode.choices if c[0] != Experiment.Mode.CANARY]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    form = ExperimentForm
    inlines = [VariantInline]
    list_display = ("name", "placement", "mode", "status", "primary_metric", "started_at", "decisions")
    list_filter = ("status", "placement", "mode")
    search_fields = ("name",)
    actions = ["start", "stop"]
    change_form_template = "admin/experiments/experiment/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(mode=Experiment.Mode.CANARY)

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.status == Experiment.Status.DRAFT:
            return ("status",)
        return ("name", "placement", "mode", "primary_metric", "guardrails", "min_arm_weight",
                "minimum_detectable_effect", "status", "started_at", "stopped_at", "stop_reason")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.status != Experiment.Status.DRAFT:  # read-only: the names, not the JSON
            fields = [f for f in fields if f != "guardrail_metrics"]
        return fields

    @admin.display(description="guardrail metrics")
    def guardrails(self, obj: Experiment) -> str:
        return ", ".join(Metric(m).label for m in obj.guardrail_metrics if m in Metric.values) or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.status == Experiment.Status.DRAFT:  # a running bandit keeps what it learned
            lifecycle.reset_serving_weights(experiment=form.instance)

    @admin.display(description="decisions")
    def decisions(self, obj: Experiment) -> str:
        variants = (obj.results or {}).get("variants") or []
        return ", ".join(f"{v['name']}: {v['decision']}" for v in variants if v.get("decision")) or "—"

    @admin.action(description="Start the selected draft experiments")
    def start(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, lambda e: lifecycle.start_experiment(experiment_id=e.pk), "started")

    @admin.action(description="Stop the selected running experiments")
    def stop(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, lambda e: lifecycle.stop_experiment(
            experiment_id=e.pk, reason=f"stopped in the admin by {request.user}"), "stopped")

    def _each(self, request: HttpRequest, queryset, change, done: str) -> None:
        for experiment in queryset:
            try:
                change(experiment)
            except lifecycle.ExperimentError as exc:
                self.message_user(request, f"{experiment.name}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{experiment.name}: {done}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        experiment = Experiment.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        extra = dict(extra_context or {})
        if experiment is not None:
            extra["results"] = selectors.stored_results(experiment)
            extra["weights_chart"] = bandit_weights_chart(experiment)
            extra["daily_chart"] = daily_metric_chart(experiment)
        return super().change_view(request, object_id, form_url, extra_context=extra)


def daily_metric_chart(experiment: Experiment) -> SafeString | None:
    """The primary metric per day and variant (each day's subjects), one line per variant; with a holdout,
    conversion and revenue count every order after exposure, as the results do."""
    variants = list(experiment.variants.all())
    rows = kpi_selectors.variant_days(experiment.pk, all_orders=any(v.strategy == HOLDOUT for v in variants))
    if not rows:
        return None
    days = sorted({row["day"] for row in rows})
    found = {(row["day"], row["variant"]): row for row in rows}
    metric = {"ctr": "ctr", "conversion": "conversion_rate"}.get(experiment.primary_metric, "revenue_per_subject")
    names = [v.name for v in variants]
    denominator = "impressions" if metric == "ctr" else "subjects"

    def value(day, name) -> float | None:  # a day without the metric's denominator has no point
        row = found.get((day, name))
        return row[metric] if row and row[denominator] else None

    return line_chart(ChartData(
        title=f"{experiment.primary_metric.replace('_', ' ')} per day and variant", percent=metric != "revenue_per_subject",
        labels=[f"{day:%d %b}" for day in days],
        series=[Series(name=name, values=[value(day, name) for day in days]) for name in names]))


def bandit_weights_chart(experiment: Experiment) -> SafeString | None:
    """A bandit's serving weights after each batch update, one line per arm."""
    history = list(BanditWeights.objects.filter(experiment=experiment).order_by("at")[:500])
    if experiment.mode != Experiment.Mode.BANDIT or not history:
        return None
    names = [v.name for v in experiment.variants.all()]
    return line_chart(ChartData(
        title=f"{experiment.name}: share of traffic per arm after each update", percent=True,
        labels=[f"{h.at:%d %b %H:%M}" for h in history],
        series=[Series(name=name, values=[h.weights.get(name) for h in history]) for name in names]))
