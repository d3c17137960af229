"""The demo storefront: thin views over plain ORM reads of the shop tables (this is the host shop)."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from electroshop.demo.cart import MAX_QUANTITY, add_to_cart, cart_lines, cart_quantities, remove_from_cart
from electroshop.shop.models import Category, Product

PRODUCTS_PER_PAGE = 24


def _nav_categories():
    return Category.objects.filter(parent__isnull=True).prefetch_related("children")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    featured = (Product.objects.filter(is_active=True, stock__on_hand__gt=0)
                .select_related("brand", "category").order_by("-created_at")[:12])
    return render(request, "demo/home.html", {"nav_categories": _nav_categories(), "featured": featured})


@require_GET
def category(request: HttpRequest, category_id: int) -> HttpResponse:
    cat = get_object_or_404(Category, pk=category_id)
    # A parent category lists the products of its whole subtree.
    products = (Product.objects.filter(Q(category=cat) | Q(category__path__startswith=f"{cat.path}/"), is_active=True)
                .select_related("brand", "stock").order_by("name"))
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "demo/category.html", {
        "nav_categories": _nav_categories(), "category": cat, "subcategories": cat.children.all(), "page": page,
    })


@require_GET
def product(request: HttpRequest, sku: str) -> HttpResponse:
    item = get_object_or_404(Product.objects.select_related("brand", "category", "stock"), sku=sku, is_active=True)
    published = item.reviews.filter(status="published")
    rating = published.aggregate(average=Avg("rating"), count=Count("id"))
    specs = [(key.replace("_", " ").capitalize(), _display(value)) for key, value in item.attributes.items()]
    return render(request, "demo/product.html", {
        "nav_categories": _nav_categories(), "product": item, "rating": rating, "specs": specs,
        "reviews": published.select_related("customer")[:5], "max_quantity": MAX_QUANTITY,
    })


def _display(value: object) -> object:
    return {True: "Yes", False: "No"}.get(value, value) if isinstance(value, bool) else value


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    lines = cart_lines(session=request.session)
    total = sum((line.subtotal for line in lines), start=0)
    return render(request, "demo/cart.html", {"nav_categories": _nav_categories(), "lines": lines, "total": total,
                                              "cart_products": [line.product for line in lines]})


def _quantity(raw: str | None) -> int | None:
    try:
        value = int(raw or "1")
    except ValueError:
        return None
    return value if 1 <= value <= MAX_QUANTITY else None


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    sku = request.POST.get("sku", "")
    quantity = _quantity(request.POST.get("quantity"))
    item = Product.objects.filter(sku=sku, is_active=True).first()
    if item is None or quantity is None:
        messages.error(request, "That product or quantity is not available.")
        return redirect("demo:cart")
    add_to_cart(session=request.session, sku=sku, quantity=quantity)
    messages.success(request, f"Added {item.name} to your cart.")
    return redirect("demo:cart")


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    sku = request.POST.get("sku", "")
    if sku in cart_quantities(request.session):
        remove_from_cart(session=request.session, sku=sku)
        messages.success(request, "Removed the item from your cart.")
    return redirect("demo:cart")
