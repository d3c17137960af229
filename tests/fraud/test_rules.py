"""The rule language: validation with clear messages, evaluation, first match wins."""
import pytest
from django.core.exceptions import ValidationError

from fraud.models import FraudRule
from fraud.rules import CompiledRule, RuleError, conditions_hold, first_matching_rule, validate_conditions


@pytest.mark.parametrize(("conditions", "message"), [
    ([], "non-empty JSON list"),
    ("amount > 5", "non-empty JSON list"),
    ([{"feature": "amount", "op": ">"}], 'exactly the keys'),
    ([{"feature": "__class__", "op": ">", "value": 1}], "unknown feature '__class__'"),
    ([{"feature": "amount", "op": "=~", "value": 1}], "unknown op '=~'"),
    ([{"feature": "amount", "op": ">", "value": "a lot"}], "needs a number"),
    ([{"feature": "ip_country", "op": "in", "value": "UK"}], "needs a non-empty list"),
    ([{"feature": "amount", "op": ">", "value": 1}, "junk"], "clause 2"),
])
def test_bad_conditions_are_refused_with_a_clear_message(conditions, message):
    with pytest.raises(RuleError, match=message):
        validate_conditions(conditions)


def test_clauses_are_anded_and_compare_case_insensitively():
    conditions = [{"feature": "amount", "op": ">=", "value": 500},
                  {"feature": "ip_country", "op": "not_in", "value": ["United Kingdom", "Ireland"]}]
    assert conditions_hold(conditions, {"amount": 600, "ip_country": "Nigeria"})
    assert not conditions_hold(conditions, {"amount": 600, "ip_country": "united kingdom"})
    assert not conditions_hold(conditions, {"amount": 499.99, "ip_country": "Nigeria"})
    # a missing value (no model: model_score is None) never satisfies a clause
    assert not conditions_hold([{"feature": "model_score", "op": "<", "value": 50}], {"model_score": None})


def test_rules_are_evaluated_by_priority_and_the_first_match_wins():
    rules = [
        CompiledRule(1, "big", "review", 20, [{"feature": "amount", "op": ">", "value": 100}]),
        CompiledRule(2, "huge", "block", 10, [{"feature": "amount", "op": ">", "value": 1000}]),
        CompiledRule(3, "vip", "allow", 30, [{"feature": "amount", "op": ">", "value": 0}]),
    ]
    assert first_matching_rule(rules, {"amount": 5000}).name == "huge"
    assert first_matching_rule(rules, {"amount": 500}).name == "big"
    assert first_matching_rule(rules, {"amount": 5}).name == "vip"
    assert first_matching_rule(rules, {"amount": 0}) is None


@pytest.mark.django_db
def test_model_clean_refuses_a_bad_rule():
    rule = FraudRule(name="bad", action="block", conditions=[{"feature": "nope", "op": ">", "value": 1}])
    with pytest.raises(ValidationError) as info:
        rule.full_clean()
    assert "unknown feature 'nope'" in str(info.value.message_dict["conditions"])


@pytest.mark.django_db
def test_admin_form_shows_why_a_rule_is_refused(admin_client_fraud):
    response = admin_client_fraud.post("/admin/fraud/fraudrule/add/", {
        "name": "bad", "action": "block", "priority": 1, "is_active": "on", "note": "",
        "conditions": '[{"feature": "amount", "op": ">", "value": "lots"}]',
        "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
    })
    assert response.status_code == 200
    assert "needs a number" in response.content.decode()
    assert not FraudRule.objects.exists()
    ok = admin_client_fraud.post("/admin/fraud/fraudrule/add/", {
        "name": "good", "action": "block", "priority": 1, "is_active": "on", "note": "",
        "conditions": '[{"feature": "amount", "op": ">", "value": 100}]',
        "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
    })
    assert ok.status_code == 302
    assert FraudRule.objects.get().conditions == [{"feature": "amount", "op": ">", "value": 100}]
