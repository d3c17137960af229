from django.urls import path

from . import views

urlpatterns = [
    path("customers/<int:customer_id>/", views.CustomerRecommendationsView.as_view(), name="recs-customer"),
    path("me/", views.MyRecommendationsView.as_view(), name="recs-me"),
    path("session/", views.SessionRecommendationsView.as_view(), name="recs-session"),
    path("products/<path:sku>/similar/", views.SimilarProductsView.as_view(), name="recs-similar"),
    path("products/<path:sku>/bought-together/", views.BoughtTogetherView.as_view(), name="recs-bought-together"),
    path("cart/", views.CartComplementsView.as_view(), name="recs-cart"),
    path("trending/", views.TrendingView.as_view(), name="recs-trending"),
    path("rules/", views.MerchandisingRulesView.as_view(), name="recs-rules"),
    path("rules/<int:rule_id>/", views.MerchandisingRuleView.as_view(), name="recs-rule"),
    path("new/", views.NewInView.as_view(), name="recs-new-in"),
    path("customers/<int:customer_id>/buy-again/", views.CustomerBuyAgainView.as_view(),
         name="recs-customer-buy-again"),
    path("me/buy-again/", views.MyBuyAgainView.as_view(), name="recs-me-buy-again"),
    path("customers/<int:customer_id>/recently-viewed/", views.CustomerRecentlyViewedView.as_view(),
         name="recs-customer-recently-viewed"),
    path("me/recently-viewed/", views.MyRecentlyViewedView.as_view(), name="recs-me-recently-viewed"),
    path("session/recently-viewed/", views.SessionRecentlyViewedView.as_view(), name="recs-session-recently-viewed"),
]
