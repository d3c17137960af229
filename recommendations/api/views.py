"""Thin views: parse input, call a selector, shape the answer. Reads never compute or train."""
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.authentication import PrefetchedCacheMixin
from electroshop.api.permissions import IsCustomerSelfOrStaff, IsStaffOrServiceToken
from electroshop.api.schema import (
    FORBIDDEN_OTHER_CUSTOMER,
    FORBIDDEN_STAFF,
    NOT_FOUND,
    THROTTLED,
    UNAUTHENTICATED,
    VALIDATION_ERROR,
)
from electroshop.api.throttling import WriteThrottle
from electroshop.seam import get_adapter, reads
from electroshop.api.visitors import visitor_session_id

from .. import answers, lists, merchandising, selectors
from ..models import MerchandisingRule
from . import serializers as s


JSON_CONTENT_TYPE = "application/json"

LIST_PARAMETERS = [
    OpenApiParameter("limit", int, description="how many items (default 10, at most 100)"),
    OpenApiParameter("category", int, description="only this category id and its subcategories"),
    OpenApiParameter("exclude", str, description="comma-separated SKUs never to return"),
]


def _parsed_options(request: Request) -> dict:
    if getattr(request, "list_options", None) is None:
        request.list_options = s.list_options(request.query_params)
    return request.list_options


def _options(request: Request) -> dict:
    options = _parsed_options(request)
    if options["category_id"] is not None and reads.category_subtree_ids(options["category_id"]) is None:
        raise ValidationError({"category": ["no category with this id"]})
    return options


def _body(result: selectors.RecommendationList, request: Request | None = None, **subject) -> dict:
    """The answer; a bucketed subject's says which experiment variant it saw. ``request``: tells the read
    statistics (``experiments.readstats``) which model version served it."""
    if request is not None:
        request._request.electroshop_served_version = result.model_version
        request._request.electroshop_answer_source = result.source  # counted by the service metrics
    body = {**subject, "model_version": result.model_version, "source": result.source, "items": result.items}
    if result.experiment is not None:
        body["experiment"] = result.experiment
    return body


def _customer_response(request: Request, customer_id: int) -> HttpResponse:
    """The customer's list; as JSON, the answer rendered for the same request earlier while nothing it
    depends on changed (see answers.CachedAnswer): its recommendation ids are those of that list."""
    if customer_id > s.MAX_ID:  # cannot exist: 404, not a database error
        raise Http404(f"no customer with id {customer_id}")
    options = _options(request)
    as_json = request.accepted_renderer.format == "json"
    cached = answers.cached_customer_answer(customer_id=customer_id, **options,
                                            prefetched=getattr(request, "cache_batch", None))
    if as_json and cached.body is not None:
        request._request.electroshop_served_version = cached.model_version
        request._request.electroshop_answer_source = cached.source
        return HttpResponse(cached.body, content_type=JSON_CONTENT_TYPE)
    result = selectors.recommendations_for_customer(customer_id=customer_id, **options, prefetched=cached.batch)
    if result is None:
        raise Http404(f"no customer with id {customer_id}")
    body = _body(result, request, customer_id=customer_id)
    if not as_json:
        return Response(body)
    rendered = JSONRenderer().render(body)
    answers.store_customer_answer(cached, rendered, model_version=result.model_version, source=result.source)
    return HttpResponse(rendered, content_type=JSON_CONTENT_TYPE)


class CustomerRecommendationsView(PrefetchedCacheMixin, APIView):
    """Personalised recommendations for one customer (service tokens: any; a customer: only their own).

    The hot read: the caller's token and the customer's cached keys come in one cache round trip.
    """

    permission_classes = [IsCustomerSelfOrStaff]

    def prefetch_cache_keys(self, request: Request, *, customer_id: int) -> list[str]:
        if customer_id > s.MAX_ID:
            return []
        try:
            options = _parsed_options(request)
        except ValidationError:
            return []  # answered with a 400 after authentication
        return selectors.customer_read_keys(customer_id, **options)

    @extend_schema(parameters=LIST_PARAMETERS, examples=[s.CUSTOMER_EXAMPLE, s.BUCKETED_EXAMPLE], responses={
        200: s.CustomerRecommendationsSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED,
        403: FORBIDDEN_OTHER_CUSTOMER, 404: NOT_FOUND})
    def get(self, request: Request, customer_id: int) -> Response:
        return _customer_response(request, customer_id)


class MyRecommendationsView(APIView):
    """Personalised recommendations for the signed-in customer."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=LIST_PARAMETERS, examples=[s.CUSTOMER_EXAMPLE, s.BUCKETED_EXAMPLE], responses={
        200: s.CustomerRecommendationsSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 404: NOT_FOUND})
    def get(self, request: Request) -> Response:
        return _customer_response(request, _own_customer_id(request))


class SessionRecommendationsView(APIView):
    """Recommendations for the caller's own anonymous browser session (public)."""

    permission_classes = [AllowAny]
    authentication_classes = []  # the session cookie identifies the visitor; no account needed

    @extend_schema(parameters=LIST_PARAMETERS, examples=[s.SESSION_EXAMPLE], auth=[], responses={
        200: s.SessionRecommendationsSerializer, 400: VALIDATION_ERROR})
    def get(self, request: Request) -> Response:
        options = _options(request)
        session_id = visitor_session_id(request, create=False)
        result = selectors.recommendations_for_session(session_id=session_id, **options)
        return Response(_body(result, request))


def _product_id(sku: str) -> int:
    product_id = reads.product_id_for_sku(sku)
    if product_id is None:
        raise Http404(f"no product with sku {sku!r}")
    return product_id


def _viewer_customer_id(request: Request) -> int | None:
    user = request.user
    if user.is_authenticated and not user.is_staff:
        return get_adapter().customer_id_for_user(user.pk)
    return None


def _viewer(request: Request) -> dict:
    """The subject a product, cart or trending list is read for: the signed-in customer, else the
    browser session (a service token has neither: no experiment applies)."""
    customer_id = _viewer_customer_id(request)
    return {"customer_id": customer_id,
            "session_id": "" if customer_id is not None else visitor_session_id(request, create=False)}


class _ProductListView(APIView):
    """A product page's list; subclasses name the selector that reads it."""

    permission_classes = [IsAuthenticated]
    read_list = staticmethod(selectors.similar_products)

    @extend_schema(parameters=LIST_PARAMETERS[:1], examples=[s.PRODUCT_EXAMPLE], responses={
        200: s.ProductRecommendationsSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 404: NOT_FOUND})
    def get(self, request: Request, sku: str) -> Response:
        options = _options(request)
        result = self.read_list(product_id=_product_id(sku), limit=options["limit"],
                                **_viewer(request))
        return Response(_body(result, request, sku=sku))


class SimilarProductsView(_ProductListView):
    """Products similar to one product."""

    read_list = staticmethod(selectors.similar_products)


class BoughtTogetherView(_ProductListView):
    """Products frequently bought together with one product."""

    read_list = staticmethod(selectors.bought_together)


class CartComplementsView(APIView):
    """Complements for a cart: what is bought together with its products."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    @extend_schema(request=s.CartSerializer, examples=[s.CART_EXAMPLE, s.SESSION_EXAMPLE], responses={
        200: s.RecommendationListSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 429: THROTTLED})
    def post(self, request: Request) -> Response:
        body = s.CartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = get_adapter().product_ids_for_skus(body.validated_data["skus"])
        unknown = [sku for sku in body.validated_data["skus"] if sku not in ids]
        if unknown:
            raise ValidationError({"skus": [f"unknown sku: {sku}" for sku in unknown[:20]]})
        result = selectors.cart_complements(product_ids=list(ids.values()),
                                            limit=body.validated_data.get("limit", 10), **_viewer(request))
        return Response(_body(result, request))


class TrendingView(APIView):
    """Trending products, in the whole shop or in one category."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=LIST_PARAMETERS[:2], examples=[s.SESSION_EXAMPLE], responses={
        200: s.RecommendationListSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED})
    def get(self, request: Request) -> Response:
        options = _options(request)
        result = selectors.trending(category_id=options["category_id"], limit=options["limit"], **_viewer(request))
        return Response(_body(result, request))


# --- merchandising rules ---------------------------------------------------------------------------

def _rule_body(rule: MerchandisingRule) -> dict:
    return s.MerchandisingRuleSerializer(rule).data


def _saved_rule(body: s.MerchandisingRuleSerializer, rule: MerchandisingRule | None = None) -> MerchandisingRule:
    """Create (``rule`` None) or update a rule from a valid body; its target checked through the seam."""
    data = {**({} if rule is None else _rule_body(rule)), **body.validated_data}
    try:
        target = merchandising.rule_target(action=data["action"], sku=data["sku"], category_id=data["category_id"],
                                           rule_id=None if rule is None else rule.pk)
    except merchandising.RuleError as exc:
        raise ValidationError({field: [message] for field, message in exc.errors.items()}) from None
    rule = rule or MerchandisingRule()
    rule.action, rule.boost, rule.note, rule.is_active = data["action"], data["boost"], data["note"], data["is_active"]
    rule.sku, rule.product_id, rule.category_id = target.sku, target.product_id, target.category_id
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # the same rule saved by a concurrent request
        raise ValidationError({"sku": ["a rule with this action and target already exists"]}) from None
    return rule


RULE_ERRORS = {400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF, 429: THROTTLED}


class MerchandisingRulesView(APIView):
    """The merchant's hide / pin / boost rules: list them, or add one by SKU or category (staff and
    service tokens). Every recommendation read obeys a change at once."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="recommendations_rules_list",
                   parameters=[OpenApiParameter("limit", int, description="how many (default 100, at most 500)"),
                               OpenApiParameter("offset", int, description="skip this many")],
                   examples=[s.RULE_LIST_EXAMPLE], responses={
                       200: s.MerchandisingRuleListSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED,
                       403: FORBIDDEN_STAFF})
    def get(self, request: Request) -> Response:
        options = s.rule_list_options(request.query_params)
        rules = MerchandisingRule.objects.order_by("pk")
        page = rules[options["offset"]: options["offset"] + options["limit"]]
        return Response({"count": rules.count(), "results": [_rule_body(rule) for rule in page]})

    @extend_schema(request=s.MerchandisingRuleSerializer,
                   examples=[s.RULE_SKU_REQUEST, s.RULE_CATEGORY_REQUEST, s.RULE_PIN_REQUEST, s.RULE_EXAMPLE,
                             s.RULE_UNKNOWN_SKU],
                   responses={201: s.MerchandisingRuleSerializer, **RULE_ERRORS})
    def post(self, request: Request) -> Response:
        body = s.MerchandisingRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(_rule_body(_saved_rule(body)), status=201)


class MerchandisingRuleView(APIView):
    """One merchandising rule: read, change (PUT: every field; PATCH: some) or delete it."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    def _rule(self, rule_id: int) -> MerchandisingRule:
        rule = MerchandisingRule.objects.filter(pk=rule_id).first() if rule_id <= s.MAX_ID else None
        if rule is None:
            raise Http404(f"no merchandising rule with id {rule_id}")
        return rule

    @extend_schema(examples=[s.RULE_EXAMPLE], responses={
        200: s.MerchandisingRuleSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF, 404: NOT_FOUND})
    def get(self, request: Request, rule_id: int) -> Response:
        return Response(_rule_body(self._rule(rule_id)))

    @extend_schema(request=s.MerchandisingRuleSerializer, examples=[s.RULE_SKU_REQUEST, s.RULE_EXAMPLE,
                                                                    s.RULE_UNKNOWN_SKU],
                   responses={200: s.MerchandisingRuleSerializer, 404: NOT_FOUND, **RULE_ERRORS})
    def put(self, request: Request, rule_id: int) -> Response:
        return self._change(request, rule_id, partial=False)

    @extend_schema(request=s.MerchandisingRuleSerializer,
                   examples=[OpenApiExample("switch off", value={"is_active": False}, request_only=True),
                             s.RULE_EXAMPLE, s.RULE_UNKNOWN_SKU],
                   responses={200: s.MerchandisingRuleSerializer, 404: NOT_FOUND, **RULE_ERRORS})
    def patch(self, request: Request, rule_id: int) -> Response:
        return self._change(request, rule_id, partial=True)

    def _change(self, request: Request, rule_id: int, *, partial: bool) -> Response:
        rule = self._rule(rule_id)
        body = s.MerchandisingRuleSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        return Response(_rule_body(_saved_rule(body, rule)))

    @extend_schema(examples=[s.RULE_EXAMPLE], responses={
        200: s.MerchandisingRuleSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF, 404: NOT_FOUND,
        429: THROTTLED})
    def delete(self, request: Request, rule_id: int) -> Response:
        """Deletes the rule and answers it as it was."""
        rule = self._rule(rule_id)
        body = _rule_body(rule)
        rule.delete()
        return Response(body)
class NewInView(APIView):
    """The newest products (created in the last RECOMMENDATIONS_NEW_IN_DAYS days), newest first, in the whole
    shop or one category and its subcategories."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=LIST_PARAMETERS, examples=[s.NEW_IN_EXAMPLE], responses={
        200: s.RecommendationListSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED})
    def get(self, request: Request) -> Response:
        options = _options(request)
        result = lists.new_in(**options, customer_id=_viewer_customer_id(request))
        return Response(_body(result))


def _own_customer_id(request: Request) -> int:
    customer_id = get_adapter().customer_id_for_user(request.user.pk)
    if customer_id is None:
        raise Http404("this account is not linked to a customer")
    return customer_id


def _buy_again_body(request: Request, customer_id: int) -> dict:
    options = _options(request)
    result = lists.buy_again(customer_id=customer_id, limit=options["limit"]) if customer_id <= s.MAX_ID else None
    if result is None:
        raise Http404(f"no customer with id {customer_id}")
    return _body(result, customer_id=customer_id)


def _recently_viewed_body(request: Request, customer_id: int) -> dict:
    if customer_id > s.MAX_ID or not get_adapter().customer_exists(customer_id):
        raise Http404(f"no customer with id {customer_id}")
    options = _options(request)
    result = lists.recently_viewed(customer_id=customer_id, limit=options["limit"],
                                   exclude_skus=options["exclude_skus"])
    return _body(result, customer_id=customer_id)


BUY_AGAIN_RESPONSES = {200: s.CustomerRecommendationsSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED,
                       403: FORBIDDEN_OTHER_CUSTOMER, 404: NOT_FOUND}
HISTORY_PARAMETERS = [LIST_PARAMETERS[0], LIST_PARAMETERS[2]]


class CustomerBuyAgainView(APIView):
    """Buy it again: the customer's products in repeat-purchase categories, the most due first (service tokens:
    any customer; a customer: only their own)."""

    permission_classes = [IsCustomerSelfOrStaff]

    @extend_schema(parameters=LIST_PARAMETERS[:1], examples=[s.BUY_AGAIN_EXAMPLE], responses=BUY_AGAIN_RESPONSES)
    def get(self, request: Request, customer_id: int) -> Response:
        return Response(_buy_again_body(request, customer_id))


class MyBuyAgainView(APIView):
    """Buy it again, for the signed-in customer."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=LIST_PARAMETERS[:1], examples=[s.BUY_AGAIN_EXAMPLE], responses=BUY_AGAIN_RESPONSES)
    def get(self, request: Request) -> Response:
        return Response(_buy_again_body(request, _own_customer_id(request)))


class CustomerRecentlyViewedView(APIView):
    """The customer's last viewed products, most recent first (service tokens: any; a customer: only their own)."""

    permission_classes = [IsCustomerSelfOrStaff]

    @extend_schema(parameters=HISTORY_PARAMETERS, examples=[s.RECENTLY_VIEWED_EXAMPLE], responses=BUY_AGAIN_RESPONSES)
    def get(self, request: Request, customer_id: int) -> Response:
        return Response(_recently_viewed_body(request, customer_id))


class MyRecentlyViewedView(APIView):
    """The signed-in customer's last viewed products, most recent first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=HISTORY_PARAMETERS, examples=[s.RECENTLY_VIEWED_EXAMPLE], responses=BUY_AGAIN_RESPONSES)
    def get(self, request: Request) -> Response:
        return Response(_recently_viewed_body(request, _own_customer_id(request)))


class SessionRecentlyViewedView(APIView):
    """The caller's own browser session's last viewed products, most recent first (public)."""

    permission_classes = [AllowAny]
    authentication_classes = []  # the session cookie identifies the visitor; no account needed

    @extend_schema(parameters=HISTORY_PARAMETERS, examples=[s.SESSION_RECENTLY_VIEWED_EXAMPLE], auth=[], responses={
        200: s.SessionRecommendationsSerializer, 400: VALIDATION_ERROR})
    def get(self, request: Request) -> Response:
        options = _options(request)
        session_id = visitor_session_id(request, create=False)
        result = lists.recently_viewed(session_id=session_id, limit=options["limit"],
                                       exclude_skus=options["exclude_skus"])
        return Response(_body(result))
