"""Throttles for the write endpoints. Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].

DRF reads the rates once, at import; these read them per request so ``override_settings`` and
settings reloads take effect.
"""
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _LiveRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class WriteThrottle(_LiveRateThrottle):
    """Per user (service token or staff session); reads are not throttled."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FraudScoreThrottle(WriteThrottle):
    """The fraud score endpoint's own rate (``THROTTLE_FRAUD_SCORE``): service clients score in bulk."""

    scope = "fraud_score"


class CollectThrottle(_LiveRateThrottle):
    """Per client IP address for the public browser collector (one browser cannot flood it)."""

    scope = "collect"

    def get_cache_key(self, request, view):
        # X-Forwarded-For is client-controlled: trust it only when NUM_PROXIES says how many proxies
        # sit in front; otherwise a client could dodge the throttle by inventing addresses.
        if api_settings.NUM_PROXIES is None:
            ident = request.META.get("REMOTE_ADDR") or "unknown"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
