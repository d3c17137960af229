"""Rollout policies and canary rollouts in the admin.

A ``RolloutPolicy`` row per app overrides the ``ROLLOUT_*`` settings (the form refuses what could not
work, such as a canary for forecasting or fraud); rollouts are read-only (written by
``experiments.rollout``), listed with their state and shown with their audit records and a chart of
the candidate's share; "Roll back now" stops a running one (``rollback_rollout``).
"""
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from electroshop.mlops.charts import ChartData, Series, line_chart
from electroshop.mlops.dashboard import can_manage_models
from electroshop.mlops.formatting import format_percent
from electroshop.mlops.registry import KNOWN_APPS

from .ml.canary import policy_problems
from .models import Rollout, RolloutPolicy, RolloutStep
from .policy import app_policy_problem, settings_policy, window_problem
from .rollout import rollback_rollout

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


def _check_text(name: str, check: dict[str, Any]) -> str:
    mark = {True: "✓", False: "✗", None: "–"}[check.get("passed")]
    return f"{mark} {check.get('note') or name}"


@admin.register(Rollout)
class RolloutAdmin(admin.ModelAdmin):
    list_display = ("label", "status", "share_percent", "candidate", "control", "started_at", "step_started_at",
                    "ended_at", "latest")
    list_filter = ("status", "app")
    list_select_related = ("candidate_version", "control_version")
    actions = ["roll_back_now"]
    fields = ("label", "status", "share_percent", "candidate", "control", "experiment", "started_at",
              "step_started_at", "ended_at", "reason", "share_chart", "audit")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        latest = RolloutStep.objects.filter(rollout=OuterRef("pk")).order_by("-at", "-pk").values("message")[:1]
        return super().get_queryset(request).annotate(latest_message=Subquery(latest))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Rolling back: for those allowed to change model versions."""
        return can_manage_models(request)

    @admin.display(description="rollout")
    def label(self, obj: Rollout) -> str:
        return f"{obj.app} v{obj.candidate_version.version}"

    @admin.display(description="candidate's share", ordering="share")
    def share_percent(self, obj: Rollout) -> str:
        return format_percent(obj.share, decimals=0)

    @admin.display(description="candidate")
    def candidate(self, obj: Rollout) -> str:
        return obj.candidate_version.label

    @admin.display(description="control")
    def control(self, obj: Rollout) -> str:
        return obj.control_version.label if obj.control_version else "—"

    @admin.display(description="latest")
    def latest(self, obj: Rollout) -> str:
        return obj.reason or getattr(obj, "latest_message", None) or "—"

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
        for rollout in queryset.select_related("candidate_version"):
            record = rollback_rollout(rollout=rollout, reason=f"{user} rolled it back from the admin")
            if record is None:
                self.message_user(request, f"{self.label(rollout)} was not running.", messages.WARNING)
            else:
                self.message_user(request, f"{self.label(rollout)} rolled back: the active version serves everyone.",
                                  messages.SUCCESS)
