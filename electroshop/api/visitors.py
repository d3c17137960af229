"""Who a browser is: one definition for event collection, session recommendations and widgets.

A browser's anonymous events are kept under its session id. Django gives the session a new key at
sign-in, so the id an anonymous visitor's events were stored under is remembered in the session's
data; ``join_visitor_events`` (connected to ``user_logged_in``) then gives those events to the
customer who signed in.
"""
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest

from electroshop.seam import get_adapter
from electroshop.seam.events import EventBatchResult, attach_session_events, record_session_events, session_event_key

# The session data key holding the id the session's anonymous events were stored under.
VISITOR_SESSION_KEY = "electroshop_visitor"


def visitor_session_id(request: HttpRequest, *, create: bool) -> str:
    """The browser's session as stored in ``Event.session_id``.

    Its Django session (a keyed hash of the key, never the key itself), else the shop's own
    ``session_id`` cookie; with ``create`` a Django session is started when there is neither,
    otherwise "" (a reader must not create sessions).
    """
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return session_event_key(session.session_key)
    cookie = request.COOKIES.get("session_id", "")
    if cookie and len(cookie) <= 128 and cookie.isprintable():
        return cookie
    if not create or session is None:
        return ""
    session[VISITOR_SESSION_KEY] = ""  # a non-empty, modified session gets its cookie set on the response
    session.save()
    return session_event_key(session.session_key)


def visitor_customer_id(request: HttpRequest) -> int | None:
    """The signed-in user's customer id; None for anonymous visitors and users without a customer."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return get_adapter().customer_id_for_user(user.pk)


def record_visitor_events(request: HttpRequest, rows: Sequence[Mapping[str, Any]]) -> EventBatchResult:
    """Store a browser's own events under its session (and its customer when signed in).

    Raises ``EventBatchError`` like ``record_session_events``.
    """
    customer_id = visitor_customer_id(request)
    session_id = visitor_session_id(request, create=True)
    result = record_session_events(rows=rows, session_id=session_id, customer_id=customer_id)
    session = getattr(request, "session", None)
    if customer_id is None and session is not None and session.get(VISITOR_SESSION_KEY) != session_id:
        session[VISITOR_SESSION_KEY] = session_id
    return result


def join_visitor_events(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the session's anonymous events join the signed-in customer."""
    session = getattr(request, "session", None)
    session_id = session.pop(VISITOR_SESSION_KEY, "") if session is not None else ""
    customer_id = get_adapter().customer_id_for_user(user.pk) if session_id else None
    if customer_id is not None:
        attach_session_events(session_id=session_id, customer_id=customer_id)
