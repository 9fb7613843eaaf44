"""Health, metrics, the OpenAPI document, pages, and answers for routes that do not exist."""

import pytest

from fidelis_api import assert_problem


def test_healthz_answers_200_ok(api):
    r = api.get("/healthz", key=None)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_metrics_count_requests_and_show_ledger_totals(api):
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[{"sku": "A", "quantity": 1, "unit_price": 500}])
    text = api.metrics()
    assert "fidelis_http_requests_total{" in text
    assert 'route="purchase_create",code="2xx"' in text
    totals = api.totals()
    assert totals['fidelis_points{program="1",account="outstanding"}'] >= 5
    assert totals['fidelis_members{program="1"}'] >= 1
    assert totals['fidelis_purchases{program="1"}'] >= 1


def test_metrics_points_gauges_follow_the_ledger(api):
    before = api.totals()
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[{"sku": "A", "quantity": 3, "unit_price": 1000}])
    after = api.totals()
    key = 'fidelis_points{program="1",account="outstanding"}'
    assert after[key] - before[key] == 30
    assert after['fidelis_purchases{program="1"}'] - before['fidelis_purchases{program="1"}'] == 1
    assert after['fidelis_members{program="1"}'] - before['fidelis_members{program="1"}'] == 1


def test_openapi_json_is_served_as_an_openapi_3_document(api):
    r = api.get("/openapi.json", key=None)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    assert str(doc.get("openapi", "")).startswith("3."), doc.get("openapi")
    assert "/v1/purchases" in doc.get("paths", {})


@pytest.mark.parametrize("path", ["/", "/till", "/admin"])
def test_pages_are_served_as_html(api, path):
    r = api.get(path, key=None)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert b"<html" in r.content.lower()


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/nothing-here"),
    ("GET", "/v1/members/1/nothing"),
    ("POST", "/v2/purchases"),
    ("GET", "/v1/purchases/"),
    ("GET", "/web/../docs/architecture.md"),
    ("GET", "/web/secret.txt"),
])
def test_unknown_route_is_a_404_problem(api, method, path):
    r = api.request(method, path, data=b"{}" if method == "POST" else None)
    assert_problem(r, 404, "not-found")


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/healthz", {"GET"}),
    ("POST", "/v1/program", {"GET"}),
    ("DELETE", "/v1/members", {"GET", "POST"}),
    ("PUT", "/v1/members/1", {"GET"}),
    ("GET", "/v1/purchases", {"POST"}),
    ("DELETE", "/v1/purchases/T-1/refunds", {"POST"}),
    ("GET", "/v1/keys", {"POST"}),
])
def test_wrong_method_is_a_405_problem_whose_allow_lists_the_resource_methods(
        api, method, path, allowed):
    r = api.request(method, path, data=b"{}" if method in ("POST", "PUT") else None)
    assert_problem(r, 405, "method-not-allowed")
    # RFC 9110 15.5.6: Allow lists the methods the target resource supports.
    got = {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert got == allowed, f"Allow: {r.headers.get('Allow')!r}"


def test_program_settings_are_readable_with_a_pos_key(api):
    r = api.get("/v1/program")
    assert r.status_code == 200, r.text
    program = r.json()
    assert program["id"] == 1
    assert program["currency"] == "EUR"


@pytest.mark.parametrize("path", ["/v1/program", "/healthz"])
def test_a_read_with_a_body_is_400(api, path):
    r = api.request("GET", path, data=b'{"sneaky": true}')
    assert_problem(r, 400, "invalid-request")
