"""Who an anonymous browser is: one definition for event collection, session recommendations and widgets."""
from django.http import HttpRequest

from electroshop.shop.events import session_event_key


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
    session["electroshop_visitor"] = True  # a non-empty, modified session gets its cookie set on the response
    session.save()
    return session_event_key(session.session_key)
