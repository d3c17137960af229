"""Every API error is JSON that names what went wrong; nothing a client sends becomes a 500."""
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("electroshop.api")


def json_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, RecursionError):
        # json.loads recurses per nesting level: a body like "[[[[...]]]]" must be a 400, not a 500.
        return Response({"detail": "JSON parse error - the body is nested too deeply."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (ValueError, TypeError, OverflowError)):
        # Input that slipped past validation (e.g. a number too large for the database).
        logger.warning("bad input reached %s: %s", context.get("view"), exc)
        return Response({"detail": f"invalid input: {exc}"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError):
        # The database refused a value (a NUL character, a number out of range): the client's input.
        logger.warning("database refused input in %s: %s", context.get("view"), exc)
        return Response({"detail": "invalid input: a value could not be stored or looked up (out of range or "
                                   "containing NUL characters)"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DatabaseError):
        logger.exception("database error in %s", context.get("view"))
        return Response({"detail": "service temporarily unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return None


# --- Django's handlers: a URL no API route matches, or an error outside DRF's handling ---------------

def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    """``handler404``: under /api/ a JSON body naming the path (a REST client cannot read Django's
    HTML page); elsewhere Django's page."""
    if _is_api(request):
        from django.http import JsonResponse

        return JsonResponse({"detail": f"no API endpoint at {request.path}"}, status=404)
    from django.views.defaults import page_not_found as django_page_not_found

    return django_page_not_found(request, exception)


def server_error(request):
    """``handler500``: under /api/ a JSON body; elsewhere Django's page."""
    if _is_api(request):
        from django.http import JsonResponse

        return JsonResponse({"detail": "internal error"}, status=500)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
