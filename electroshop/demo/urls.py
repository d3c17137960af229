"""Storefront URLs of the demo shop; the project includes them at the site root."""
from django.urls import path

from electroshop.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.home, name="home"),
    path("category/<int:category_id>/", views.category, name="category"),
    # SKUs may contain "/" (colour variants such as "PH-APP00012/BLK"), hence <path:>.
    path("product/<path:sku>/", views.product, name="product"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
]
