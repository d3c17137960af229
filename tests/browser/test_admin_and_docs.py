"""The merchant's screens and the API docs in a real browser."""
from tests.browser.conftest import ADMIN_PASSWORD, sign_in

DASHBOARDS = ["/admin/recommendations/recommendationdashboard/", "/admin/forecasting/forecastingdashboard/",
              "/admin/fraud/frauddashboard/"]
CHART = "svg[role=img]"  # the server-drawn charts (icons are svg too)


def test_a_merchant_opens_the_overview_and_the_three_model_dashboards_and_sees_charts(page, demo_server):
    """Signed in as the superuser: every screen answers, and each shows a drawn chart of visible size."""
    sign_in(page, demo_server.url, path="/admin/login/", username=demo_server.admin_username,
            password=ADMIN_PASSWORD)
    page.goto(demo_server.url + "/admin/")
    assert "ElectroShop AI" in page.title()
    overview = page.locator("#content").inner_text()
    for line in ("Recommendations", "Demand forecast", "Fraud", "Orders waiting for a fraud review"):
        assert line in overview, line
    for screen in ["/admin/", *DASHBOARDS]:
        response = page.goto(demo_server.url + screen)
        assert response.status == 200, screen
        charts = page.locator(CHART)
        assert charts.count() >= 1, f"no chart on {screen}"
        box = charts.first.bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 20, screen


def test_the_api_docs_page_lists_operations(page, demo_server):
    page.goto(demo_server.url + "/api/v1/docs/")
    operations = page.locator(".opblock")
    operations.first.wait_for(timeout=15_000)
    assert operations.count() >= 10
    assert page.locator(".opblock-summary-path", has_text="/api/v1/recommendations/me/").count() >= 1
