"""Merchant screens: rules (validated, with a 30-day preview), allow/block lists, thresholds, the
review queue (approve / reject as fraud / block), labels, sign-up risk, review moderation, the model."""
import json

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from electroshop.conf import electroshop_settings
from electroshop.admin_lists import BigTableAdmin
from electroshop.mlops.dashboard import ModelDashboardAdmin, metrics_over_versions, numeric_metric_names, version_rows
from electroshop.mlops.formatting import format_number
from electroshop.mlops.models import ModelVersion
from electroshop.mlops.selectors import versions_for
from electroshop.seam import get_adapter

from . import actions, labels, reviews, selectors, webhooks
from .charts import score_chart
from .models import (
    FraudDashboard,
    WebhookDelivery,
    FraudLabel,
    FraudRule,
    FraudSettings,
    HeldReview,
    ListEntry,
    ReviewAssessment,
    ReviewQueueItem,
    RiskAssessment,
    SignupAssessment,
)
from .rules import OPS

PREVIEW_DAYS = 30


@admin.display(description="score", ordering="score")
def score_shown(obj) -> str:
    return format_number(obj.score)


def _reasons_html(reasons):
    return format_html_join("", "<div>{} <small>({})</small></div>",
                            ((r.get("message", ""), r.get("code", "")) for r in (reasons or [])[:4]))


class FraudRuleForm(forms.ModelForm):
    class Meta:
        model = FraudRule
        fields = "__all__"
        widgets = {"conditions": forms.Textarea(attrs={"rows": 6, "cols": 90})}
        help_texts = {"conditions": (
            'A JSON list of clauses, all must hold, e.g. [{"feature": "amount", "op": ">=", "value": 500}, '
            '{"feature": "ip_country", "op": "not_in", "value": ["United Kingdom"]}]. Ops: ' + " ".join(OPS)
            + '. Features: amount, velocity counters such as card_fingerprint_nb_tx_1h or email_nb_tx_1d, '
              'entity risk such as device_id_nb_fraud_30d, ip_billing_mismatch, account_age_days, countries, '
              'email_domain, model_score (0-100, missing without a model), score.')}


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _quality(preview: selectors.RulePreview) -> str:
    return (f"precision {_percent(preview.precision)}, recall {_percent(preview.recall)} against "
            f"{preview.labelled} orders with a known outcome ({preview.frauds} fraud); "
            f"approval rate {_percent(preview.approval_rate)}")


@admin.register(FraudRule)
class FraudRuleAdmin(admin.ModelAdmin):
    form = FraudRuleForm
    list_display = ("priority", "name", "action", "is_active", "conditions_text", "updated_at")
    list_display_links = ("name",)
    list_editable = ("priority", "is_active")
    list_filter = ("action", "is_active")
    search_fields = ("name", "note")
    actions = ["preview_matches"]
    change_form_template = "admin/fraud/fraudrule/change_form.html"

    @admin.display(description="conditions")
    def conditions_text(self, obj: FraudRule) -> str:
        return json.dumps(obj.conditions)[:200]

    @admin.action(description=f"Preview: what would these rules have matched in the last {PREVIEW_DAYS} days?")
    def preview_matches(self, request: HttpRequest, queryset) -> None:
        for rule in queryset:
            preview = selectors.preview_rule(conditions=rule.conditions, action=rule.action, days=PREVIEW_DAYS)
            levels = ", ".join(f"{k}: {v}" for k, v in sorted(preview.by_current_level.items())) or "none"
            self.message_user(request, f"{rule.name}: would have matched {preview.matched} of {preview.total} orders "
                                       f"scored in the last {PREVIEW_DAYS} days (currently {levels}); "
                                       f"{_quality(preview)}.")

    def get_urls(self):
        return [path("<int:rule_id>/preview/", self.admin_site.admin_view(self.preview_view), name="fraud_rule_preview")
                ] + super().get_urls()

    def preview_view(self, request: HttpRequest, rule_id: int) -> HttpResponse:
        rule = get_object_or_404(FraudRule, pk=rule_id)
        context = {
            **self.admin_site.each_context(request), "title": f"Preview of rule {rule.name}", "opts": self.model._meta,
            "rule": rule, "days": PREVIEW_DAYS,
            "preview": selectors.preview_rule(conditions=rule.conditions, action=rule.action, days=PREVIEW_DAYS),
            "back_url": reverse("admin:fraud_fraudrule_change", args=[rule.pk]),
        }
        return TemplateResponse(request, "admin/fraud/rule_preview.html", context)


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    list_display = ("list_type", "kind", "value", "note", "created_by", "created_at")
    list_filter = ("list_type", "kind")
    search_fields = ("value", "note")

    def save_model(self, request, obj, form, change):
        if not obj.created_by:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)


@admin.register(FraudSettings)
class FraudSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "review_threshold", "block_threshold", "label_delay_days", "review_hold_threshold",
                    "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FraudSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class _ReadOnlyBigTable(_ReadOnly, BigTableAdmin):
    """A read-only list over a table that grows with every order, customer or review (capped count)."""


@admin.display(description="case")
def case_link(obj) -> str:
    return format_html('<a href="{}">case</a>', reverse("admin:fraud_case", args=[obj.pk]))


class CaseNoteForm(forms.Form):
    note = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(_ReadOnlyBigTable):
    list_display = ("id", "order_number", score_shown, "level", "decision", "model_version", "source", "created_at",
                    case_link)
    list_filter = ("level", "decision", "source", "created_at")
    list_select_related = ("model_version",)
    search_fields = ("=order_number",)

    def get_urls(self):
        return [path("<int:assessment_id>/case/", self.admin_site.admin_view(self.case_view), name="fraud_case")
                ] + super().get_urls()

    def case_view(self, request: HttpRequest, assessment_id: int) -> HttpResponse:
        """The case page: the order, its customer's and linked orders, the reasons, notes, decisions."""
        get_object_or_404(RiskAssessment, pk=assessment_id)
        note_form = CaseNoteForm()
        if not request.user.has_perm("fraud.view_riskassessment"):
            return HttpResponse(status=403)
        if request.method == "POST":
            if not request.user.has_perm("fraud.change_riskassessment"):  # deciding cancels or releases orders
                return HttpResponse(status=403)
            user = request.user.get_username()
            if request.POST.get("decision") in actions.DECISIONS:
                actions.decide(assessment_id=assessment_id, decision=request.POST["decision"], decided_by=user,
                               note=request.POST.get("note", "")[:500])
                self.message_user(request, f"{request.POST['decision'].capitalize()}d.")
                return HttpResponseRedirect(request.path)
            note_form = CaseNoteForm(request.POST)
            if note_form.is_valid():
                actions.add_note(assessment_id=assessment_id, text=note_form.cleaned_data["note"], by=user)
                return HttpResponseRedirect(request.path)
        found = selectors.case(assessment_id)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "case": found,
            "title": f"Case {found.assessment.order_number or found.assessment.pk}: score {found.assessment.score:.1f}, "
                     f"{found.assessment.level}", "note_form": note_form,
            "order_status": get_adapter().order_status(found.assessment.order_id) if found.assessment.order_id else None,
        }
        return TemplateResponse(request, "admin/fraud/case.html", context)



def _decide(admin_obj, request, queryset, decision: str, verb: str) -> None:
    """The API's decision for each selected assessment: label, release or cancel, case event, webhook."""
    user = request.user.get_username()
    decided = [actions.decide(assessment_id=pk, decision=decision, decided_by=user)
               for pk in list(queryset.values_list("pk", flat=True))]
    labelled = sum(1 for a in decided if a.order_id is not None)
    admin_obj.message_user(request, f"{verb} {len(decided)} order(s); {labelled} training label(s) recorded.")


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(_ReadOnlyBigTable):
    """Orders at ``review`` waiting for a decision, highest score first."""

    list_display = ("order_number", score_shown, "reasons_list", "customer_id", "order_created_at", "model_version",
                    case_link)
    list_display_links = None
    actions = ["approve", "reject_as_fraud", "block_identities"]

    def get_queryset(self, request):
        return selectors.review_queue().select_related("model_version")


    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff  # actions need it; no edit form is linked

    @admin.display(description="reasons")
    def reasons_list(self, obj):
        return _reasons_html(obj.reasons)

    @admin.action(description="Approve (genuine)")
    def approve(self, request, queryset):
        _decide(self, request, queryset, "approve", "Approved")

    @admin.action(description="Reject as fraud")
    def reject_as_fraud(self, request, queryset):
        _decide(self, request, queryset, "reject", "Rejected")

    @admin.action(description="Reject as fraud and block its e-mail, device, IP and payment fingerprint")
    def block_identities(self, request, queryset):
        added = 0
        for pk in list(queryset.values_list("pk", flat=True)):
            added += len(labels.block_identities_of_assessment(assessment_id=pk,
                                                                 created_by=request.user.get_username()))
        _decide(self, request, queryset, "reject", "Rejected")
        self.message_user(request, f"{added} block-list entr{'y' if added == 1 else 'ies'} added.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnlyBigTable):
    """The delivery log of the shop's webhook: every message, its attempts and the last answer."""

    list_display = ("id", "event", "status", "attempts", "response_status", "last_error", "created_at", "delivered_at",
                    "next_attempt_at")
    list_filter = ("status", "event")
    actions = ["send_again"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("fraud.change_webhookdelivery")  # the action needs it; no edit form is linked

    @admin.action(description="Send again now (failed or waiting messages)")
    def send_again(self, request, queryset):
        again = list(queryset.exclude(status=WebhookDelivery.Status.DELIVERED).values_list("pk", flat=True))
        queryset.filter(pk__in=again).update(status=WebhookDelivery.Status.PENDING)
        delivered = 0
        for pk in again:
            webhooks.attempt_delivery(pk)
            delivered += WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.DELIVERED).exists()
        self.message_user(request, f"{delivered} of {len(again)} message(s) delivered.")


@admin.register(FraudLabel)
class FraudLabelAdmin(BigTableAdmin):
    list_display = ("order_number", "order_id", "is_fraud", "source", "known_at", "reason", "recorded_by")
    list_filter = ("source", "is_fraud")
    search_fields = ("order_number",)


@admin.register(SignupAssessment)
class SignupAssessmentAdmin(_ReadOnlyBigTable):
    list_display = ("customer_id", score_shown, "level", "reasons_list", "scored_by", "updated_at")
    list_filter = ("level",)
    search_fields = ("customer_id",)

    @admin.display(description="scored by")
    def scored_by(self, obj):
        return (obj.features or {}).get("scored_by", "")

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        from electroshop.mlops.selectors import active_version_id, version_number

        version_id = active_version_id(app=selectors.APP, kind=selectors.SIGNUP_KIND)
        active = (f"the trained sign-up model v{version_number(version_id)} scores sign-ups at their first purchase"
                  if version_id else "the points table scores sign-ups (cold start: the sign-up model trains once "
                                     "enough sign-ups are labelled by decisions and chargebacks)")
        return super().changelist_view(request, {**(extra_context or {}), "title": f"Sign-up risk: {active}"})

    @admin.display(description="reasons")
    def reasons_list(self, obj):
        return _reasons_html(obj.reasons)


class _HeldReviewChangeList(ChangeList):
    """Reads the page's reviews from the shop adapter, in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        cards = get_adapter().review_cards([held.review_id for held in self.result_list])
        for held in self.result_list:
            held.review = cards.get(held.review_id, {})


@admin.register(HeldReview)
class HeldReviewAdmin(_ReadOnlyBigTable):
    """Reviews held as possibly fake: approve publishes, reject hides; both train the review model."""

    list_display = ("review_id", "product", "rating", "title", "text_start", "authenticity", "written_at")
    list_display_links = None
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        return selectors.held_reviews()

    def get_changelist(self, request: HttpRequest, **kwargs):
        return _HeldReviewChangeList

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.display(description="product")
    def product(self, obj):
        return obj.review.get("product", "")

    @admin.display(description="rating")
    def rating(self, obj):
        return obj.review.get("rating", "")

    @admin.display(description="title")
    def title(self, obj):
        return obj.review.get("title", "")

    @admin.display(description="text")
    def text_start(self, obj):
        return (obj.review.get("text") or "")[:120]

    @admin.display(description="written")
    def written_at(self, obj):
        return obj.review.get("created_at", "")

    @admin.display(description="why held")
    def authenticity(self, obj):
        return _reasons_html([{"message": f"score {obj.score:.0f}", "code": "SCORE"}, *obj.reasons])

    @admin.action(description="Approve (publish)")
    def approve(self, request, queryset):
        for review_id in list(queryset.values_list("review_id", flat=True)):
            reviews.moderate_review(review_id=review_id, approve=True, moderated_by=request.user.get_username())
        self.message_user(request, "Published.")

    @admin.action(description="Reject (fake)")
    def reject(self, request, queryset):
        for review_id in list(queryset.values_list("review_id", flat=True)):
            reviews.moderate_review(review_id=review_id, approve=False, moderated_by=request.user.get_username())
        self.message_user(request, "Rejected.")


@admin.register(ReviewAssessment)
class ReviewAssessmentAdmin(_ReadOnlyBigTable):
    list_display = ("review_id", score_shown, "held", "moderation", "moderated_by", "created_at")
    list_filter = ("held", "moderation")


class ThresholdSimulatorForm(forms.Form):
    review = forms.FloatField(min_value=0, max_value=100, label="review from")
    block = forms.FloatField(min_value=0, max_value=100, label="block from")

    def clean(self):
        data = super().clean()
        if "review" in data and "block" in data and data["review"] > data["block"]:
            self.add_error("block", "must be at least the review threshold")
        return data


CHART_METRICS = ("holdout_auc_roc", "holdout_average_precision")
@admin.register(FraudDashboard)
class FraudDashboardAdmin(ModelDashboardAdmin):
    """The order-risk model: versions, holdout metrics with a chart, the score distribution, "retrain now"."""

    app = "fraud"

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        versions = versions_for(app=selectors.APP, kind=selectors.KIND)
        limits = selectors.active_thresholds()
        simulator = ThresholdSimulatorForm(request.GET or {"review": round(limits.review, 2), "block": round(limits.block, 2)})
        simulation = (selectors.simulate_thresholds(review=simulator.cleaned_data["review"], block=simulator.cleaned_data["block"],
                                                    days=PREVIEW_DAYS) if simulator.is_valid() else None)
        names = numeric_metric_names(versions)
        context = {
            **self.admin_site.each_context(request), "title": "Fraud model", "opts": self.model._meta,
            "active": next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None),
            "version_rows": version_rows(versions, names), "metric_names": names,
            "chart": metrics_over_versions(versions, CHART_METRICS, title="Time hold-out metrics by version"),
            "score_chart": score_chart(), "retrain_url": self.retrain_url(request),
            "limits": limits, "load": selectors.expected_daily_load(), "simulator": simulator, "simulation": simulation,
            "days": PREVIEW_DAYS,
            "review_share": f"{100 * electroshop_settings.FRAUD_REVIEW_SHARE:g}",
            "block_share": f"{100 * electroshop_settings.FRAUD_BLOCK_SHARE:g}",
        }
        return TemplateResponse(request, "admin/fraud/dashboard.html", context)
