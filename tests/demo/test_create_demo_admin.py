"""create_demo_admin is idempotent and prints working logins."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from electroshop.shop.models import Customer, Order

pytestmark = pytest.mark.django_db


def _run(capsys, *args):
    call_command("create_demo_admin", *args)
    return capsys.readouterr().out


def test_creates_logins_once_and_links_a_customer(capsys):
    regular = Customer.objects.create(email="ann@example.com", marketing_consent=True)
    for n in range(3):
        Order.objects.create(number=f"N{n}", customer=regular, status="completed")
    out = _run(capsys, "--password", "s3cret-Admin")
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("s3cret-Admin")
    service = User.objects.get(username="electroshop-service")
    assert service.is_staff and not service.is_superuser and not service.has_usable_password()
    token = Token.objects.get(user=service).key
    assert token in out
    customer_user = User.objects.get(username="customer")
    assert not customer_user.is_staff
    regular.refresh_from_db()
    assert regular.user == customer_user

    out_again = _run(capsys)
    assert User.objects.count() == 3
    assert Token.objects.get(user=service).key == token and token in out_again
    assert User.objects.get(username="admin").check_password("s3cret-Admin")  # unchanged when not given
    assert Customer.objects.filter(user__isnull=False).count() == 1


def test_prints_a_random_password_for_a_new_superuser(capsys):
    out = _run(capsys, "--username", "boss")
    line = next(ln for ln in out.splitlines() if ln.startswith("superuser"))
    password = line.split("password:")[1].split()[0]
    assert get_user_model().objects.get(username="boss").check_password(password)
    assert "run seed_demo" in out  # no customers yet


def test_new_passwords_are_printed_and_work_on_every_run(capsys):
    Customer.objects.create(email="bo@example.com")
    User = get_user_model()
    for _ in range(2):
        out = _run(capsys, "--new-passwords")
        for role, username in (("superuser", "admin"), ("customer", "customer")):
            line = next(ln for ln in out.splitlines() if ln.startswith(role))
            password = line.split("password:")[1].split()[0]
            assert User.objects.get(username=username).check_password(password), role
    service = User.objects.get(username="electroshop-service")
    assert not service.has_usable_password()
