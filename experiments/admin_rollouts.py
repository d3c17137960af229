"""Rollout policies and canary rollouts in the admin.

A ``RolloutPolicy`` row per app overrides the ``ROLLOUT_*`` settings (the form refuses what could not
work, such as a canary for forecasting or fraud); rollouts are read-only (written by
``experiments.rollout``), listed with their state and shown with the candidate's reads in the current
step (a warning while they are fewer than the guardrails need), the canary's results (per variant, and
the candidate's lift over control), their audit records and a chart of the candidate's share; "Roll
back now" stops a running one (``rollback_rollout``). A version deleted since (pruning) is named by
its number.
"""
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from electroshop.mlops.charts import ChartData, Series, line_chart
from electroshop.mlops.admin import ReadOnlyAdmin
from electroshop.mlops.formatting import format_percent
from electroshop.mlops.registry import KNOWN_APPS

from .ml.canary import policy_problems
from .models import Rollout, RolloutPolicy, RolloutStep
from .policy import app_policy_problem, rollout_policy, settings_policy, window_problem
from .rollout import candidate_reads, rollback_rollout
from .selectors import stored_results
from .templatetags.experiments_admin import pct, when

POLICY_FIELDS = ("app", "policy", "steps", "window_hours", "max_error_rate", "max_p95_ms", "kpi_tolerance",
                 "primary_metric")


class RolloutPolicyForm(forms.ModelForm):
    app = forms.ChoiceField(choices=[(app, app) for app in KNOWN_APPS])

    class Meta:
        model = RolloutPolicy
        fields = POLICY_FIELDS
        help_texts = {"steps": "the candidate's share of subjects at each step, in percent, ending at 100; "
                               "empty: the ROLLOUT_CANARY_STEPS setting"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:  # a new row starts from the settings
            defaults = settings_policy(app=KNOWN_APPS[0])
            for field in POLICY_FIELDS[2:]:
                self.initial.setdefault(field, getattr(defaults, field))

    def clean_steps(self) -> list:
        return self.cleaned_data.get("steps") or []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "app" in data and "policy" in data:
            problem = app_policy_problem(app=data["app"], policy=data["policy"])
            if problem:
                self.add_error("policy", problem)
        numbers = [data.get(field) for field in POLICY_FIELDS[3:7]]
        if None not in numbers and "steps" in data:
            defaults = settings_policy(app=data.get("app", KNOWN_APPS[0]))
            problems = policy_problems(steps=data["steps"] or defaults.steps, window_hours=numbers[0],
                                       max_error_rate=numbers[1], max_p95_ms=numbers[2], kpi_tolerance=numbers[3],
                                       min_reads=defaults.min_reads)
            if "window_hours" not in problems and (problem := window_problem(window_hours=numbers[0])):
                problems["window_hours"] = problem
            for field, problem in problems.items():
                if field in self.fields:
                    self.add_error(field, problem)
        return data


@admin.register(RolloutPolicy)
class RolloutPolicyAdmin(admin.ModelAdmin):
    form = RolloutPolicyForm
    list_display = ("app", "policy", "steps_text", "window_hours", "max_error_rate", "max_p95_ms", "kpi_tolerance",
                    "primary_metric")

    @admin.display(description="steps")
    def steps_text(self, obj: RolloutPolicy) -> str:
        steps = obj.steps or settings_policy(app=obj.app).steps
        return " → ".join(f"{step:g}%" for step in steps)


def _version_label(rollout: Rollout, version: Any, number: int) -> str:
    """The version's label; the number it had once it is deleted."""
    return version.label if version is not None else f"{rollout.app}.{rollout.kind}.v{number} (deleted)"


def _check_text(name: str, check: dict[str, Any]) -> str:
    mark = {True: "✓", False: "✗", None: "–"}[check.get("passed")]
    return f"{mark} {check.get('note') or name}"


@admin.register(Rollout)
class RolloutAdmin(ReadOnlyAdmin):
    list_display = ("label", "status", "share_percent", "candidate", "control", "started_at", "step_started_at",
                    "ended_at", "latest")
    list_filter = ("status", "app")
    list_select_related = ("candidate_version", "control_version")
    actions = ["roll_back_now"]
    fields = ("label", "status", "share_percent", "candidate", "control", "started_at", "step_started_at",
              "ended_at", "reason", "step_reads", "canary_results", "share_chart", "audit")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        latest = RolloutStep.objects.filter(rollout=OuterRef("pk")).order_by("-at", "-pk").values("message")[:1]
        return super().get_queryset(request).annotate(latest_message=Subquery(latest))

    @admin.display(description="rollout")
    def label(self, obj: Rollout) -> str:
        return f"{obj.app} v{obj.candidate_number}"

    @admin.display(description="candidate's share", ordering="share")
    def share_percent(self, obj: Rollout) -> str:
        return format_percent(obj.share, decimals=0)

    @admin.display(description="candidate")
    def candidate(self, obj: Rollout) -> str:
        return _version_label(obj, obj.candidate_version, obj.candidate_number)

    @admin.display(description="control")
    def control(self, obj: Rollout) -> str:
        return _version_label(obj, obj.control_version, obj.control_number)

    @admin.display(description="latest")
    def latest(self, obj: Rollout) -> str:
        return obj.reason or getattr(obj, "latest_message", None) or "—"

    @admin.display(description="candidate's reads in this step")
    def step_reads(self, obj: Rollout) -> str:
        if obj.status != Rollout.Status.RUNNING:
            return "—"
        reads = candidate_reads(rollout=obj, now=timezone.now()).reads
        needed = rollout_policy(app=obj.app).min_reads
        counted = (f"{reads:,} of the {needed:,} reads the guardrails need, counted since the step started "
                   f"({obj.step_started_at:%Y-%m-%d %H:%M} UTC)")
        if reads >= needed:
            return counted
        return format_html(
            '<strong style="color:#b45309">Waiting for reads: {}.</strong> Until then the candidate\'s error rate '
            "and p95 latency are not judged and the step does not advance, whatever its window. Reads count from "
            "the recommendation API (ReadStatsMiddleware) and the storefront widgets, but not from session "
            "lists, which the canary leaves to the active version.", counted)

    @admin.display(description="canary results")
    def canary_results(self, obj: Rollout) -> str:
        results = stored_results(obj.experiment)
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                                    "<td>{}</td><td>{}</td></tr>", (
            (v["name"], f"{v.get('subjects', 0):,}", f"{v.get('impressions', 0):,}", f"{v.get('clicks', 0):,}",
             pct(v.get("ctr")), "control" if v.get("lift") is None else pct(v["lift"]),
             f"{pct(v['lift_ci'][0])} to {pct(v['lift_ci'][1])}" if v.get("lift_ci") else "",
             v.get("decision") or "") for v in results.get("variants", ())))
        computed = (f"computed {when(results['computed_at'])}" if results.get("computed_at")
                    else "not computed yet (update_experiments runs every few minutes)")
        return format_html("<p>Primary metric {}, {}.</p><table><tr><th>variant</th><th>subjects</th>"
                           "<th>impressions</th><th>clicks</th><th>CTR</th><th>lift</th><th>95% interval</th>"
                           "<th>decision</th></tr>{}</table>", results.get("primary_metric", ""), computed, rows)

    @admin.display(description="share over time")
    def share_chart(self, obj: Rollout) -> str:
        steps = list(obj.steps.all())
        return line_chart(ChartData(title="The candidate's share of subjects",
                                    labels=[step.at.strftime("%m-%d %H:%M") for step in steps],
                                    series=[Series("candidate", [step.share for step in steps])], percent=True),
                          height=220)

    @admin.display(description="audit")
    def audit(self, obj: Rollout) -> str:
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((step.at.strftime("%Y-%m-%d %H:%M"), step.action, format_percent(step.share, decimals=0), step.message,
              format_html_join(mark_safe("<br>"), "{}", ((_check_text(name, check),)
                                                         for name, check in step.checks.items())))
             for step in obj.steps.all()))
        return format_html("<table><tr><th>at</th><th>action</th><th>share</th><th>decision</th><th>checks</th></tr>"
                           "{}</table>", rows)

    @admin.action(description="Roll back now (the active version serves everyone)", permissions=["manage"])
    def roll_back_now(self, request: HttpRequest, queryset) -> None:
        user = request.user.get_username() or "a merchant"
        for rollout in queryset:
            record = rollback_rollout(rollout=rollout, reason=f"{user} rolled it back from the admin")
            if record is None:
                self.message_user(request, f"{self.label(rollout)} was not running.", messages.WARNING)
                continue
            following = Rollout.objects.filter(app=rollout.app, status=Rollout.Status.RUNNING).first()
            then = "the active version serves everyone"
            if following is not None:
                then = (f"v{following.candidate_number}, which waited for it, rolls out now at "
                        f"{format_percent(following.share, decimals=0)}")
            self.message_user(request, f"{self.label(rollout)} rolled back: {then}.", messages.SUCCESS)
