"""Who may call what.

* Service tokens are DRF tokens (``manage.py drf_create_token <user>``) of *staff* users: the shop's
  back end, the e-mail tool. Merchant endpoints accept them and staff sessions alike.
* A customer's session (or token) reads only that customer's data.
"""
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from electroshop.seam import get_adapter


class IsStaffOrServiceToken(BasePermission):
    """Merchant endpoints: an active staff user, by session or by (service) token."""

    message = "This endpoint needs a staff account or a service token."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class IsCustomerSelfOrStaff(BasePermission):
    """Customer data: staff see every customer, a customer sees only their own.

    The customer is taken from the URL keyword ``customer_id`` (or ``view.customer_url_kwarg``) and,
    for object views, from the object itself (a ``Customer`` or anything with ``customer_id``).
    """

    message = "You can only see your own customer data."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.is_staff:
            return True
        kwarg = getattr(view, "customer_url_kwarg", "customer_id")
        wanted = getattr(view, "kwargs", {}).get(kwarg)
        if wanted is None:
            return True  # no customer in the URL: the object check (or the view's own filter) decides
        own = get_adapter().customer_id_of_user(user)
        return own is not None and str(own) == str(wanted)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        user = request.user
        if user.is_staff:
            return True
        own = get_adapter().customer_id_of_user(user)
        if own is None:
            return False
        if get_adapter().is_customer(obj):
            return obj.pk == own
        return getattr(obj, "customer_id", None) == own
