"""Demo logins: a superuser, a staff service user with a DRF token, a customer's own login."""
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from electroshop.shop.models import Customer


@dataclass
class Login:
    role: str
    username: str
    password: str | None  # None: existing user, password left as it was
    created: bool


@dataclass
class DemoAccounts:
    logins: list[Login] = field(default_factory=list)
    service_username: str = ""
    token: str = ""
    customer_id: int | None = None


def _ensure_user(*, username: str, password: str | None, role: str, is_staff: bool, is_superuser: bool,
                 new_password: bool = False) -> tuple:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": is_staff,
                                                                           "is_superuser": is_superuser})
    changed = created
    if (user.is_staff, user.is_superuser) != (is_staff, is_superuser):
        user.is_staff, user.is_superuser, changed = is_staff, is_superuser, True
    if password is None and (created or new_password):
        password = secrets.token_urlsafe(12)
    if password is not None:
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    return user, Login(role, username, password, created)


def _demo_customer() -> Customer | None:
    """A believable regular: the earliest customer with several completed orders, else any customer."""
    free = Customer.objects.filter(user__isnull=True)
    regular = free.filter(orders__status="completed", marketing_consent=True).order_by("id").distinct()
    for customer in regular[:50]:
        if customer.orders.filter(status="completed").count() >= 3:
            return customer
    return regular.first() or free.order_by("id").first()


@transaction.atomic
def ensure_demo_accounts(*, admin_username: str = "admin", admin_password: str | None = None,
                         service_username: str = "electroshop-service", customer_username: str = "customer",
                         customer_password: str | None = None, new_passwords: bool = False) -> DemoAccounts:
    """``new_passwords``: give the superuser and the customer fresh random passwords (printed) unless
    given, so a re-run of ``make demo`` always prints logins that work."""
    result = DemoAccounts(service_username=service_username)
    _admin, login = _ensure_user(username=admin_username, password=admin_password, role="superuser",
                                 is_staff=True, is_superuser=True, new_password=new_passwords)
    result.logins.append(login)
    # The service user authenticates with its token only; it gets no usable password.
    User = get_user_model()
    service, created = User.objects.get_or_create(username=service_username, defaults={"is_staff": True})
    if created:
        service.set_unusable_password()
        service.save()
    elif not service.is_staff:
        service.is_staff = True
        service.save(update_fields=["is_staff"])
    result.logins.append(Login("service", service_username, None if not created else "(token only)", created))
    result.token = Token.objects.get_or_create(user=service)[0].key
    user, login = _ensure_user(username=customer_username, password=customer_password, role="customer",
                               is_staff=False, is_superuser=False, new_password=new_passwords)
    result.logins.append(login)
    linked = Customer.objects.filter(user=user).first()
    if linked is None:
        linked = _demo_customer()
        if linked is not None:
            Customer.objects.filter(pk=linked.pk).update(user=user)
            if not user.email:
                user.email = linked.email
                user.save(update_fields=["email"])
    result.customer_id = linked.pk if linked else None
    return result
