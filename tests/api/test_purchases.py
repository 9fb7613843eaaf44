"""Purchases: the server computes points; redemption; refusals that change nothing."""
import datetime as dt
import urllib.parse

import pytest

from fidelis_api import (MAX_QUANTITY, MAX_UNIT_PRICE, assert_problem, line, rfc3339, unique)


def test_points_are_computed_by_the_server_one_per_whole_euro_rounding_down(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("SHIRT", 2, 1250, category="clothes"),
                                          line("SOCKS", 1, 999)])
    assert p["total"] == 3499
    assert p["points_earned"] == 34
    assert p["discount"] == 0 and p["points_redeemed"] == 0
    assert p["member_id"] == member["id"] and p["currency"] == "EUR"
    assert [(l["line"], l["sku"], l["quantity"], l["unit_price"], l["amount"])
            for l in p["lines"]] == [(1, "SHIRT", 2, 1250, 2500), (2, "SOCKS", 1, 999, 999)]
    assert p["lines"][0]["category"] == "clothes" and p["lines"][1]["category"] is None
    assert sum(l["points"] for l in p["lines"]) == p["points_earned"]
    assert all(l["points"] >= 0 and l["refunded_quantity"] == 0 for l in p["lines"])
    assert p["balance"]["total"] == 34 and p["balance"]["available"] == 34
    assert p["messages"] and all(isinstance(m, str) and m for m in p["messages"])
    assert any("34" in m for m in p["messages"]), p["messages"]
    assert api.balance(member["id"])["total"] == 34


@pytest.mark.parametrize("amounts,points", [
    ([99], 0), ([100], 1), ([199], 1), ([0], 0), ([1999, 1], 20), ([333, 333, 334], 10),
])
def test_points_round_down_on_the_basket_total(api, amounts, points):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line(f"S{i}", 1, a) for i, a in enumerate(amounts)])
    assert p["points_earned"] == points
    assert sum(l["points"] for l in p["lines"]) == points


def test_line_points_are_allocated_in_proportion_to_amounts(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("A", 1, 10000), line("B", 1, 30000)])
    assert [l["points"] for l in p["lines"]] == [100, 300]


def test_a_recorded_purchase_can_be_read_back(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("A", 3, 700)], store="BCN-01", channel="web")
    got = api.purchase_get(p["txn_id"])
    for k in ("txn_id", "member_id", "total", "points_earned", "lines", "store", "channel"):
        assert got[k] == p[k], k
    assert got["store"] == "BCN-01" and got["channel"] == "web"


def test_reading_an_unknown_purchase_is_404(api):
    assert_problem(api.get(f"/v1/purchases/{unique('nope-')}"), 404, "not-found")


def test_purchase_by_card(api):
    member, card = api.new_member()
    p = api.purchase(card=card["display"], lines=[line(unit_price=1500)])
    assert p["member_id"] == member["id"] and p["points_earned"] == 15
    assert api.balance(member["id"])["total"] == 15


def test_purchase_with_a_past_time_keeps_it(api):
    member, _ = api.new_member()
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=3)
    p = api.purchase(member["id"], time=rfc3339(when))
    assert p["time"] == rfc3339(when)


def test_purchase_in_another_currency_without_a_rate_changes_nothing(api):
    """With no rate in force for it (test_currencies.py converts with rates)."""
    member, _ = api.new_member()
    before = api.totals()
    r = api.post("/v1/purchases", api.purchase_body(member["id"], currency="BRL"))
    assert_problem(r, 409, "conflict", "currency")
    r = api.post("/v1/purchases", api.purchase_body(member["id"], currency="XYZ"))
    assert_problem(r, 400, "invalid-request", "currency")
    assert api.totals() == before


def test_purchase_for_a_member_that_does_not_exist_is_404(api):
    before = api.totals()
    r = api.post("/v1/purchases", api.purchase_body(999999999))
    assert_problem(r, 404, "not-found", "member_id")
    assert api.totals() == before


def test_purchase_far_in_the_future_is_400_naming_time(api):
    member, _ = api.new_member()
    before = api.totals()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    r = api.post("/v1/purchases", api.purchase_body(member["id"], time=rfc3339(later)))
    assert_problem(r, 400, "out-of-range", "time")
    assert api.totals() == before


@pytest.mark.parametrize("ids", ["both", "neither"])
def test_purchase_needs_exactly_one_of_card_or_member_id(api, ids):
    member, card = api.new_member()
    body = api.purchase_body(member["id"])
    if ids == "both":
        body["card"] = card["number"]
    else:
        del body["member_id"]
    assert_problem(api.post("/v1/purchases", body), 400, "invalid-request")


def test_purchase_channel_must_be_till_web_or_app(api):
    member, _ = api.new_member()
    r = api.post("/v1/purchases", api.purchase_body(member["id"], channel="fax"))
    assert_problem(r, 400, "invalid-request", "channel")


# ---- redemption ----

def member_with(api, points):
    member, card = api.new_member()
    if points:
        api.adjust(member["id"], points, "opening balance")
    return member, card


def test_redeeming_within_the_balance_gives_one_cent_per_point_and_earns_on_the_rest(api):
    member, _ = member_with(api, 500)
    p = api.purchase(member["id"], lines=[line("A", 2, 1250), line("B", 1, 999)],
                     redeem_points=300)
    assert p["total"] == 3499
    assert p["points_redeemed"] == 300 and p["discount"] == 300
    assert p["points_earned"] == 31  # 31.99 paid
    assert sum(l["redeemed_points"] for l in p["lines"]) == 300
    assert sum(l["points"] for l in p["lines"]) == 31
    assert p["balance"]["total"] == 500 - 300 + 31
    assert any("300" in m for m in p["messages"]), p["messages"]
    entries = api.whole_ledger(member["id"])
    kinds = [(e["kind"], e["points"]) for e in entries if e["txn_id"] == p["txn_id"]]
    assert sorted(kinds) == [("earn", 31), ("redeem", -300)]


def test_redeeming_more_than_available_is_409_insufficient_points_and_changes_nothing(api):
    member, _ = member_with(api, 100)
    before = api.totals()
    body = api.purchase_body(member["id"], lines=[line(unit_price=5000)], redeem_points=101)
    r = api.post("/v1/purchases", body)
    assert_problem(r, 409, "insufficient-points", "redeem_points")
    assert api.totals() == before
    assert api.balance(member["id"])["total"] == 100
    assert_problem(api.get(f"/v1/purchases/{body['txn_id']}"), 404, "not-found")


def test_redeeming_more_than_the_basket_is_capped_at_the_basket_total(api):
    member, _ = member_with(api, 5000)
    p = api.purchase(member["id"], lines=[line("A", 1, 1234)], redeem_points=4000)
    assert p["points_redeemed"] == 1234 and p["discount"] == 1234 == p["total"]
    assert p["points_earned"] == 0
    assert api.balance(member["id"])["total"] == 5000 - 1234


def test_redeeming_on_an_empty_basket_takes_nothing(api):
    member, _ = member_with(api, 50)
    p = api.purchase(member["id"], lines=[line("FREE", 1, 0)], redeem_points=20)
    assert p["points_redeemed"] == 0 and p["discount"] == 0 and p["points_earned"] == 0
    assert api.balance(member["id"])["total"] == 50


# ---- limits of a basket ----

def test_quantity_at_its_limit_is_accepted(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("BOLT", MAX_QUANTITY, 1)])
    assert p["lines"][0]["quantity"] == MAX_QUANTITY
    assert p["points_earned"] == MAX_QUANTITY // 100


def test_unit_price_at_its_limit_is_accepted(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("CAR", 1, MAX_UNIT_PRICE)])
    assert p["points_earned"] == MAX_UNIT_PRICE // 100


def test_a_basket_with_every_value_at_its_limit_is_answered_not_a_server_error(api):
    """Quantity and price both at their limits are each valid; together they
    are worth more points than one ledger movement may hold. The answer must
    be a client error (or a purchase), never a 5xx, and a refusal changes nothing."""
    member, _ = api.new_member()
    before = api.totals()
    body = api.purchase_body(member["id"], lines=[line("YACHT", MAX_QUANTITY, MAX_UNIT_PRICE)])
    r = api.post("/v1/purchases", body)
    assert r.status_code in (201, 400, 409, 422), r.text
    if r.status_code != 201:
        assert r.json()["type"].endswith("/out-of-range"), r.text
        assert api.totals() == before


@pytest.mark.parametrize("offset_time", ["+02:00", "-05:30"])
def test_purchase_time_with_a_utc_offset_is_stored_as_utc(api, offset_time):
    member, _ = api.new_member()
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=2)
    sign = 1 if offset_time[0] == "+" else -1
    hours, minutes = map(int, offset_time[1:].split(":"))
    local = when.astimezone(dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))
    p = api.purchase(member["id"], time=local.isoformat())
    assert p["time"] == rfc3339(when)


@pytest.mark.parametrize("txn_id", ["POS1/000123", "T 1", "T?1", "T#1", "T%1", "Tñ-1", "T+1"])
def test_every_txn_id_the_api_accepts_can_be_read_back_and_refunded(api, txn_id):
    """A till's id may hold any character; what is accepted must stay reachable."""
    member, _ = api.new_member()
    txn_id = f"{txn_id}-{unique()}"
    r = api.post("/v1/purchases", api.purchase_body(member["id"], txn_id=txn_id,
                                                    lines=[line(unit_price=1000)]))
    if r.status_code == 400:  # refusing such ids up front is fine too
        assert r.json().get("field") == "txn_id", r.text
        return
    assert r.status_code == 201, r.text
    quoted = urllib.parse.quote(txn_id, safe="")
    got = api.get(f"/v1/purchases/{quoted}")
    assert got.status_code == 200, f"GET /v1/purchases/{quoted}: {got.text}"
    assert got.json()["txn_id"] == txn_id
    rf = api.post(f"/v1/purchases/{quoted}/refunds", {"refund_id": unique("R-")})
    assert rf.status_code == 201, rf.text
    assert api.balance(member["id"])["total"] == 0


def test_a_refused_purchase_leaves_its_txn_id_free_for_the_corrected_retry(api):
    member, _ = api.new_member()
    body = api.purchase_body(member["id"], lines=[line(unit_price=1000)], redeem_points=50)
    assert_problem(api.post("/v1/purchases", body), 409, "insufficient-points")
    del body["redeem_points"]
    r = api.post("/v1/purchases", body)
    assert r.status_code == 201, r.text
    assert r.headers.get("Idempotent-Replayed") is None
    assert api.balance(member["id"])["total"] == 10
