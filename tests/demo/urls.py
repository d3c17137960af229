"""The site as the project wires it: admin, the API and the demo storefront at the root."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("electroshop.api.urls")),
    path("", include("electroshop.demo.urls")),
]
