"""API clients the app test suites share."""
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def service_token_client(*, username: str) -> APIClient:
    """A client authenticated with the token of a new staff user: what the shop's back end uses."""
    user = get_user_model().objects.create_user(username, f"{username}@example.com", None, is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client
