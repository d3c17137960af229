from django.contrib import admin
from django.urls import include, path

from electroshop.api import health
from electroshop.api.prometheus import MetricsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    path("api/v1/", include("electroshop.api.urls")),
    # The demo storefront stands in for the host shop's own pages.
    path("", include("electroshop.demo.urls")),
]

handler404 = "electroshop.api.exceptions.page_not_found"
handler500 = "electroshop.api.exceptions.server_error"
