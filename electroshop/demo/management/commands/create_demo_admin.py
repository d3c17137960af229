"""``manage.py create_demo_admin``: logins to try the demo with (idempotent)."""
from django.core.management.base import BaseCommand, CommandParser

from electroshop.demo.accounts import ensure_demo_accounts


class Command(BaseCommand):
    help = ("Create (or update) a superuser, a staff service user with an API token, and a normal user linked "
            "to one demo customer. Safe to run again: nothing is duplicated and given passwords are re-set.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default=None, help="Superuser password (random and printed if omitted "
                                                            "when the user is new).")
        parser.add_argument("--service-username", default="electroshop-service")
        parser.add_argument("--customer-username", default="customer")
        parser.add_argument("--customer-password", default=None)
        parser.add_argument("--new-passwords", action="store_true",
                            help="Give the superuser and the customer new random passwords (printed) unless given; "
                                 "make demo uses it so every run prints logins that work.")

    def handle(self, *args, **opts) -> None:
        result = ensure_demo_accounts(
            admin_username=opts["username"], admin_password=opts["password"],
            service_username=opts["service_username"], customer_username=opts["customer_username"],
            customer_password=opts["customer_password"], new_passwords=opts["new_passwords"],
        )
        out = self.stdout
        for login in result.logins:
            password = login.password if login.password else "(unchanged)"
            state = "created" if login.created else "exists"
            out.write(f"{login.role:<9} {login.username:<22} password: {password:<24} [{state}]")
        out.write(f"API token for {result.service_username}: {result.token}")
        out.write(f"  curl -H 'Authorization: Token {result.token}' http://localhost:8000/api/v1/")
        if result.customer_id is None:
            out.write(self.style.WARNING("No demo customers yet: run seed_demo, then this command again, "
                                         "to link the customer login."))
        else:
            out.write(f"Customer login '{opts['customer_username']}' is demo customer #{result.customer_id}.")
