"""The models and their migrations agree (the fraud 0001 edit and every later change included)."""
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # SystemExit(1) when one is missing
    assert "No changes detected" in out.getvalue()
