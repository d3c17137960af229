"""The demo storefront: thin views over the storefront's reads (``selectors``) of the shop tables (this is the host shop).

What a host shop does for the plugin is visible here: product views are recorded as browsing events
for the visitor (``record_visitor_events``), pages place the recommendation widgets (templates),
and checkout writes orders through the shop's models (``checkout.place_order``), which the fraud
app scores on commit.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from electroshop.conf import electroshop_settings
from electroshop.api.visitors import record_visitor_events, visitor_customer_id, visitor_session_id
from electroshop.demo.cart import MAX_QUANTITY, add_to_cart, cart_lines, cart_quantities, clear_cart, remove_from_cart
from electroshop.demo.checkout import Browser, CheckoutError, place_order
from electroshop.demo.forms import CheckoutForm
from electroshop.demo import selectors
from electroshop.demo.placeholders import placeholder_svg
from electroshop.shop.models import Category, Product

PRODUCTS_PER_PAGE = 24
ORDERS_PER_PAGE = 20


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/home.html", {"featured": selectors.new_in()})


@require_GET
def category(request: HttpRequest, category_id: int) -> HttpResponse:
    cat = get_object_or_404(Category.objects.select_related("parent"), pk=category_id)
    page = Paginator(selectors.category_products(cat), PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "demo/category.html", {"category": cat, "subcategories": cat.children.all(), "page": page})


@require_GET
def product(request: HttpRequest, sku: str) -> HttpResponse:
    item = get_object_or_404(Product.objects.select_related("brand", "category__parent", "stock"), sku=sku,
                             is_active=True)
    # The view is recorded before the page renders, so its own "inspired by your browsing" list
    # already takes this product into account.
    record_visitor_events(request, [{"event_type": "view", "sku": item.sku}])
    page = selectors.product_page(item)
    return render(request, "demo/product.html", {
        "product": item, "rating": page.rating, "specs": page.specs, "reviews": page.reviews,
        "max_quantity": MAX_QUANTITY,
    })


@require_GET
@cache_control(max_age=86400, public=True)
def product_image(request: HttpRequest, sku: str) -> HttpResponse:
    item = get_object_or_404(Product.objects.select_related("category"), sku=sku)
    svg = placeholder_svg(name=item.name, category_path=item.category.path if item.category else "")
    return HttpResponse(svg, content_type="image/svg+xml")


# --- cart and checkout -----------------------------------------------------------------------------

@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    lines = cart_lines(session=request.session)
    total = sum((line.subtotal for line in lines), start=0)
    return render(request, "demo/cart.html", {"lines": lines, "total": total,
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
    item = Product.objects.filter(sku=sku, is_active=True, stock__on_hand__gt=0).first()
    if item is None or quantity is None:
        messages.error(request, "That product or quantity is not available.")
        return redirect("demo:cart")
    add_to_cart(session=request.session, sku=sku, quantity=quantity)
    # the add-to-cart event, with the recommendation list the visitor followed to this product if any
    clicked = selectors.last_recommendation_click(
        customer_id=visitor_customer_id(request), session_id=visitor_session_id(request, create=False), sku=sku,
        days=electroshop_settings.EXPERIMENTS_ATTRIBUTION_DAYS)
    record_visitor_events(request, [{"event_type": "cart", "sku": sku, "recommendation_id": clicked}])
    messages.success(request, f"Added {item.name} to your cart.")
    return redirect("demo:cart")


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    sku = request.POST.get("sku", "")
    if sku in cart_quantities(request.session):
        remove_from_cart(session=request.session, sku=sku)
        messages.success(request, "Removed the item from your cart.")
    return redirect("demo:cart")


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    customer = selectors.customer_of(request.user)
    lines = cart_lines(session=request.session)
    if customer is None:
        messages.error(request, "This account has no customer profile: sign in as a customer to check out.")
        return redirect("demo:cart")
    if not lines:
        return redirect("demo:cart")
    form = CheckoutForm(request.POST or None, initial={"full_name": customer.name})
    if request.method == "POST" and form.is_valid():
        browser = Browser(ip_address=request.META.get("REMOTE_ADDR"),
                          user_agent=request.META.get("HTTP_USER_AGENT", ""))
        try:
            order = place_order(customer=customer, lines=lines, delivery=form.delivery(), browser=browser)
        except CheckoutError as exc:
            messages.error(request, str(exc))
            return redirect("demo:cart")
        clear_cart(request.session)
        return redirect("demo:order", number=order.number)
    total = sum((line.subtotal for line in lines), start=0)
    return render(request, "demo/checkout.html", {"form": form, "lines": lines, "total": total})


@login_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.orders_of(request.user).filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    lines = order.lines.select_related("product__brand", "product__category")
    return render(request, "demo/order.html", {"order": order, "lines": lines})


@login_required
@require_GET
def order_history(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.orders_of(request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "demo/order_history.html", {"page": page,
                                                       "has_customer": selectors.customer_of(request.user) is not None})

