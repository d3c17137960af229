"""Static files as production serves them: collected with the manifest storage, answered by WhiteNoise.

Mirrors the first-hour acceptance check: the storefront, the admin login, both API docs pages and
the browsable API reference no other host, and every css/js file they reference answers 200 through the WSGI app.
"""
import re
from urllib.parse import urljoin, urlparse

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings

MANIFEST_STORAGES = {
    **django_settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
PAGES = ("/", "/admin/login/", "/api/v1/docs/", "/api/v1/redoc/", "/api/v1/")  # the last: DRF's browsable API
REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']""")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def collected_root(tmp_path_factory):
    """One ``collectstatic`` for the module (it hashes and compresses every file: seconds)."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=MANIFEST_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static(settings, collected_root):
    settings.STORAGES = MANIFEST_STORAGES
    settings.STATIC_ROOT = collected_root
    return collected_root


def references(html: str) -> list[str]:
    return REFERENCE.findall(html)


@pytest.mark.parametrize(
    "name",
    [
        "admin/css/base.css",
        "demo/shop.css",
        "recommendations/widgets.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ],
)
def test_collected_files_answer_200_under_their_hashed_name(production_static, name):
    from django.templatetags.static import static

    url = static(name)
    assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), url  # hashed: browsers may cache it forever
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"  # the compressed copy collectstatic wrote
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize("path", PAGES)
def test_page_references_no_other_host_and_its_css_js_answer_200(production_static, path):
    client = Client()
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    refs = references(response.content.decode())
    other_hosts = [ref for ref in refs if urlparse(ref).netloc not in ("", "testserver")]  # the API links itself
    assert other_hosts == []
    assets = [urljoin(path, ref) for ref in refs if re.search(r"\.(css|js)(\?|$)", ref)]
    assert assets, f"{path} references no css or js"
    not_served = [url for url in assets if client.get(url).status_code != 200]
    assert not_served == []


def test_redoc_page_loads_no_fonts_from_another_host(production_static):
    html = Client().get("/api/v1/redoc/").content.decode()
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    assert "redoc.standalone" in html


def test_browsable_api_is_branded_without_a_link_to_drf(production_static):
    html = Client().get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    assert "ElectroShop AI API" in html and "django-rest-framework.org" not in html


def test_swagger_ui_fetches_no_validator_badge(production_static):
    html = Client().get("/api/v1/docs/").content.decode()
    assert '"validatorUrl": null' in html
