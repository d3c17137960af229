"""Thin views of the experiments API: parse, call ``lifecycle`` or read stored results, answer."""
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.permissions import IsStaffOrServiceToken
from electroshop.api.schema import FORBIDDEN_STAFF, NOT_FOUND, THROTTLED, UNAUTHENTICATED, VALIDATION_ERROR
from electroshop.api.throttling import WriteThrottle

from .. import lifecycle, selectors
from ..models import Experiment
from . import experiment_serializers as s

MAX_ID = 2 ** 63 - 1
ERRORS = {400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF}


def _experiment(experiment_id: int) -> Experiment:
    found = Experiment.objects.filter(pk=experiment_id).prefetch_related("variants").first() \
        if experiment_id <= MAX_ID else None
    if found is None:
        raise Http404(f"no experiment with id {experiment_id}")
    return found


def _refused(exc: lifecycle.ExperimentError) -> ValidationError:
    return ValidationError(exc.errors)


class ExperimentsView(APIView):
    """Experiments on recommendation placements: list them, or create one (a draft; start it next).
    Staff or service tokens."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="experiments_list", description="The newest 500 (``count``: how many in all).",
                   parameters=[
        OpenApiParameter("status", str, enum=["draft", "running", "stopped"], description="only these")],
        examples=[s.EXPERIMENT_EXAMPLE], responses={200: s.ExperimentListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        experiments = Experiment.objects.exclude(mode=Experiment.Mode.CANARY).prefetch_related("variants")
        status = request.query_params.get("status")
        if status is not None:
            if status not in Experiment.Status.values:
                raise ValidationError({"status": [f"must be one of: {', '.join(Experiment.Status.values)}"]})
            experiments = experiments.filter(status=status)
        found = [lifecycle.experiment_summary(e) for e in experiments[:500]]
        return Response({"count": experiments.count(), "results": found})

    @extend_schema(request=s.ExperimentInSerializer,
                   examples=[s.CREATE_EXAMPLE, s.BANDIT_EXAMPLE, s.EXPERIMENT_EXAMPLE, s.BAD_STRATEGY_EXAMPLE],
                   responses={201: s.ExperimentOutSerializer, **ERRORS, 429: THROTTLED})
    def post(self, request: Request) -> Response:
        body = s.ExperimentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        variants = [lifecycle.VariantSpec(name=v["name"], weight=v["weight"], strategy=v["strategy"],
                                          list_length=v.get("list_length")) for v in data["variants"]]
        try:
            experiment = lifecycle.create_experiment(
                name=data["name"], placement=data["placement"], mode=data["mode"],
                primary_metric=data["primary_metric"], variants=variants,
                guardrail_metrics=data.get("guardrail_metrics"), min_arm_weight=data.get("min_arm_weight", 0.01),
                minimum_detectable_effect=data.get("minimum_detectable_effect", 0.10))
        except lifecycle.ExperimentError as exc:
            raise _refused(exc) from None
        return Response(lifecycle.experiment_summary(_experiment(experiment.pk)), status=201)


class ExperimentView(APIView):
    """One experiment."""

    permission_classes = [IsStaffOrServiceToken]

    @extend_schema(examples=[s.EXPERIMENT_EXAMPLE], responses={200: s.ExperimentOutSerializer, 404: NOT_FOUND,
                                                                **ERRORS})
    def get(self, request: Request, experiment_id: int) -> Response:
        return Response(lifecycle.experiment_summary(_experiment(experiment_id)))


class StartExperimentView(APIView):
    """Start a draft experiment: from now on its placement's subjects are bucketed into its variants."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]

    @extend_schema(request={"application/json": OpenApiTypes.OBJECT}, examples=[s.START_EXAMPLE, s.EXPERIMENT_EXAMPLE], responses={
        200: s.ExperimentOutSerializer, 404: NOT_FOUND, **ERRORS, 429: THROTTLED})
    def post(self, request: Request, experiment_id: int) -> Response:
        _experiment(experiment_id)
        try:
            lifecycle.start_experiment(experiment_id=experiment_id)
        except lifecycle.ExperimentError as exc:
            raise _refused(exc) from None
        return Response(lifecycle.experiment_summary(_experiment(experiment_id)))


class StopExperimentView(APIView):
    """Stop a running experiment: its placement serves the active model again; results stay readable."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    @extend_schema(request=s.StopSerializer, examples=[s.STOP_EXAMPLE, s.EXPERIMENT_EXAMPLE], responses={
        200: s.ExperimentOutSerializer, 404: NOT_FOUND, **ERRORS, 429: THROTTLED})
    def post(self, request: Request, experiment_id: int) -> Response:
        _experiment(experiment_id)
        body = s.StopSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        try:
            lifecycle.stop_experiment(experiment_id=experiment_id, reason=body.validated_data.get("reason", ""))
        except lifecycle.ExperimentError as exc:
            raise _refused(exc) from None
        return Response(lifecycle.experiment_summary(_experiment(experiment_id)))


class ExperimentResultsView(APIView):
    """An experiment's results as ``update_experiments`` last computed them (every few minutes)."""

    permission_classes = [IsStaffOrServiceToken]

    @extend_schema(examples=[s.RESULTS_EXAMPLE, s.HOLDOUT_RESULTS_EXAMPLE],
                   responses={200: s.ResultsSerializer, 404: NOT_FOUND, **ERRORS})
    def get(self, request: Request, experiment_id: int) -> Response:
        return Response(selectors.stored_results(_experiment(experiment_id)))
