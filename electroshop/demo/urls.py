"""Storefront URLs of the demo shop; the project includes them at the site root."""
from django.contrib.auth import views as auth_views
from django.urls import path

from electroshop.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.home, name="home"),
    path("category/<int:category_id>/", views.category, name="category"),
    # SKUs may contain "/" (colour variants such as "PH-APP00012/BLK"), hence <path:>.
    path("product/<path:sku>/", views.product, name="product"),
    path("product-images/<path:sku>.svg", views.product_image, name="product_image"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_history, name="order_history"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    # The storefront's own sign-in (customers; staff too). The admin keeps /admin/login/.
    path("accounts/login/", auth_views.LoginView.as_view(template_name="demo/login.html",
                                                         redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
