"""Every fraud admin screen renders; settings are validated; the rule form links its preview."""
import pytest
from django.core.exceptions import ValidationError

from fraud import services
from fraud.models import FraudRule, FraudSettings

from .conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["fraudrule", "listentry", "fraudsettings", "riskassessment", "reviewqueueitem",
                                   "fraudlabel", "signupassessment", "heldreview", "reviewassessment",
                                   "frauddashboard"])
def test_every_screen_renders(admin_client_fraud, model):
    services.score_order(order_id=make_order(ip_country="Nigeria").pk)
    assert admin_client_fraud.get(f"/admin/fraud/{model}/").status_code == 200


def test_the_rule_change_form_links_the_30_day_preview(admin_client_fraud):
    rule = FraudRule.objects.create(name="r", action="review", conditions=[{"feature": "amount", "op": ">", "value": 1}])
    page = admin_client_fraud.get(f"/admin/fraud/fraudrule/{rule.pk}/change/").content.decode()
    assert f"/admin/fraud/fraudrule/{rule.pk}/preview/" in page


def test_thresholds_are_validated():
    with pytest.raises(ValidationError, match="at least the review threshold"):
        FraudSettings(review_threshold=80, block_threshold=60).full_clean()
    with pytest.raises(ValidationError, match="between 0 and 100"):
        FraudSettings(review_threshold=-1).full_clean()


def test_a_bad_list_value_is_refused_with_a_message():
    from fraud.models import ListEntry

    with pytest.raises(ValidationError, match="not an IP address"):
        ListEntry(list_type="block", kind="ip", value="999.0.0.1").full_clean()
    with pytest.raises(ValidationError, match="domain like"):
        ListEntry(list_type="block", kind="email_domain", value="nodot").full_clean()
