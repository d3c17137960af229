"""Mounted at /api/v1/inventory/ (see electroshop/api/urls.py)."""
from django.urls import path

from . import purchasing, views

urlpatterns = [
    path("reorder-suggestions/", views.ReorderSuggestionsView.as_view(), name="inventory-reorder-suggestions"),
    path("stockout-risks/", views.StockoutRisksView.as_view(), name="inventory-stockout-risks"),
    path("lost-sales/", views.LostSalesView.as_view(), name="inventory-lost-sales"),
    path("purchase-orders/", purchasing.PurchaseOrdersView.as_view(), name="inventory-purchase-orders"),
    path("purchase-orders/<int:order_id>/", purchasing.PurchaseOrderView.as_view(), name="inventory-purchase-order"),
    path("purchase-orders/<int:order_id>/send/", purchasing.SendPurchaseOrderView.as_view(),
         name="inventory-purchase-order-send"),
    path("purchase-orders/<int:order_id>/receive/", purchasing.ReceivePurchaseOrderView.as_view(),
         name="inventory-purchase-order-receive"),
    path("purchase-orders/<int:order_id>/cancel/", purchasing.CancelPurchaseOrderView.as_view(),
         name="inventory-purchase-order-cancel"),
    path("suppliers/", purchasing.SuppliersView.as_view(), name="inventory-suppliers"),
]
