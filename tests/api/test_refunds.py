"""Refunds claw back exactly what was earned and give back what was redeemed."""
import pytest

from fidelis_api import assert_problem, line, unique


def basket(api, member_id, **kw):
    """2 x 12.50 + 1 x 9.99 = 34.99 EUR: 34 points."""
    return api.purchase(member_id, lines=[line("SHIRT", 2, 1250), line("SOCKS", 1, 999)], **kw)


def test_refunding_some_units_of_a_line_claws_back_their_share(api):
    member, _ = api.new_member()
    p = basket(api, member["id"])
    shirt = p["lines"][0]
    rf = api.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert rf["txn_id"] == p["txn_id"] and rf["member_id"] == member["id"]
    assert rf["amount"] == 1250
    assert rf["points_clawed_back"] == shirt["points"] * 1 // 2
    assert rf["points_returned"] == 0
    assert rf["balance"]["total"] == 34 - rf["points_clawed_back"]
    assert rf["messages"]
    got = api.purchase_get(p["txn_id"])
    assert got["lines"][0]["refunded_quantity"] == 1 and got["lines"][1]["refunded_quantity"] == 0
    assert got["refunded"] == 1250


def test_refunds_of_a_line_add_up_to_its_quantity_and_claw_back_exactly_its_points(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("PEN", 3, 333), line("PAD", 1, 1)])  # 10 points
    pen = p["lines"][0]["points"]
    clawed = [api.refund(p["txn_id"], [{"line": 1, "quantity": 1}])["points_clawed_back"]
              for _ in range(3)]
    assert clawed == [pen * k // 3 - pen * (k - 1) // 3 for k in (1, 2, 3)]
    assert sum(clawed) == pen
    assert api.balance(member["id"])["total"] == p["points_earned"] - pen
    r = api.post(f"/v1/purchases/{p['txn_id']}/refunds",
                 {"refund_id": unique("R-"), "lines": [{"line": 1, "quantity": 1}]})
    assert_problem(r, 409, "refund-exceeds-purchase")


def test_refunding_more_than_was_bought_is_409_and_changes_nothing(api):
    member, _ = api.new_member()
    p = basket(api, member["id"])
    api.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    before, purchase_before = api.totals(), api.purchase_get(p["txn_id"])
    for lines in ([{"line": 1, "quantity": 2}],
                  [{"line": 2, "quantity": 1}, {"line": 1, "quantity": 2}],
                  [{"line": 2, "quantity": 2}]):
        r = api.post(f"/v1/purchases/{p['txn_id']}/refunds",
                     {"refund_id": unique("R-"), "lines": lines})
        assert_problem(r, 409, "refund-exceeds-purchase")
    assert api.totals() == before
    assert api.purchase_get(p["txn_id"]) == purchase_before


def test_a_full_refund_claws_back_what_was_earned_and_returns_what_was_redeemed(api):
    member, _ = api.new_member()
    api.adjust(member["id"], 200, "opening balance")
    p = basket(api, member["id"], redeem_points=150)
    assert p["points_redeemed"] == 150 and p["points_earned"] == 33  # 33.49 paid
    assert api.balance(member["id"])["total"] == 200 - 150 + 33
    rf = api.refund(p["txn_id"])
    assert rf["amount"] == 3499
    assert rf["points_clawed_back"] == 33 and rf["points_returned"] == 150
    assert api.balance(member["id"])["total"] == 200
    got = api.purchase_get(p["txn_id"])
    assert got["points_clawed_back"] == 33 and got["points_returned"] == 150
    assert [l["refunded_quantity"] for l in got["lines"]] == [2, 1]
    kinds = sorted((e["kind"], e["points"]) for e in api.whole_ledger(member["id"])
                   if e["txn_id"] == p["txn_id"])
    assert kinds == [("clawback", -33), ("earn", 33), ("redeem", -150), ("restore", 150)]
    r = api.post(f"/v1/purchases/{p['txn_id']}/refunds", {"refund_id": unique("R-")})
    assert_problem(r, 409, "refund-exceeds-purchase")


def test_partial_refunds_return_redeemed_points_in_proportion(api):
    member, _ = api.new_member()
    api.adjust(member["id"], 100, "opening balance")
    p = api.purchase(member["id"], lines=[line("A", 4, 1000)], redeem_points=100)
    first = api.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert first["points_returned"] == 25
    rest = api.refund(p["txn_id"])
    assert first["points_returned"] + rest["points_returned"] == 100
    assert first["points_clawed_back"] + rest["points_clawed_back"] == p["points_earned"]
    assert api.balance(member["id"])["total"] == 100


def test_a_refund_after_the_points_were_spent_leaves_a_visible_negative_balance(api):
    member, _ = api.new_member()
    p = basket(api, member["id"])  # +34
    spend = api.purchase(member["id"], lines=[line("COFFEE", 1, 100)], redeem_points=30)
    assert spend["points_earned"] == 0
    assert api.balance(member["id"])["total"] == 4
    rf = api.refund(p["txn_id"])
    assert rf["points_clawed_back"] == 34
    assert rf["balance"]["total"] == -30
    b = api.balance(member["id"])
    assert b["total"] == -30 and b["available"] == -30
    assert api.member(member["id"])["balance"] == -30
    newest = api.ledger(member["id"], limit=1)["entries"][0]
    assert (newest["kind"], newest["points"], newest["txn_id"]) == ("clawback", -34, p["txn_id"])
    assert any("-30" in m for m in rf["messages"]), rf["messages"]


def test_a_later_purchase_pays_the_debt_first(api):
    member, _ = api.new_member()
    p = basket(api, member["id"])
    api.purchase(member["id"], lines=[line("COFFEE", 1, 100)], redeem_points=34)
    api.refund(p["txn_id"])
    assert api.balance(member["id"])["total"] == -34
    later = api.purchase(member["id"], lines=[line("BAG", 1, 5000)])  # +50
    assert later["points_earned"] == 50
    b = api.balance(member["id"])
    assert b["total"] == b["available"] == 16
    r = api.post("/v1/purchases", api.purchase_body(member["id"], redeem_points=17,
                                                    lines=[line(unit_price=5000)]))
    assert_problem(r, 409, "insufficient-points")


def test_a_member_in_debt_cannot_redeem(api):
    member, _ = api.new_member()
    p = basket(api, member["id"])
    api.purchase(member["id"], lines=[line("COFFEE", 1, 100)], redeem_points=34)
    api.refund(p["txn_id"])
    r = api.post("/v1/purchases", api.purchase_body(member["id"], redeem_points=1))
    assert_problem(r, 409, "insufficient-points")


def test_refund_replayed_with_the_same_refund_id_is_applied_once(api):
    member, _ = api.new_member()
    p = basket(api, member["id"])
    body = {"refund_id": unique("R-"), "lines": [{"line": 1, "quantity": 1}]}
    first = api.post(f"/v1/purchases/{p['txn_id']}/refunds", body)
    again = api.post(f"/v1/purchases/{p['txn_id']}/refunds", body)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert api.purchase_get(p["txn_id"])["lines"][0]["refunded_quantity"] == 1
    assert api.balance(member["id"])["total"] == 34 - first.json()["points_clawed_back"]


def test_refund_id_reused_with_another_body_or_purchase_is_409_idempotency_key_reused(api):
    member, _ = api.new_member()
    p, q = basket(api, member["id"]), basket(api, member["id"])
    body = {"refund_id": unique("R-"), "lines": [{"line": 1, "quantity": 1}]}
    assert api.post(f"/v1/purchases/{p['txn_id']}/refunds", body).status_code == 201
    before = api.totals()
    r = api.post(f"/v1/purchases/{p['txn_id']}/refunds",
                 dict(body, lines=[{"line": 2, "quantity": 1}]))
    assert_problem(r, 409, "idempotency-key-reused", "refund_id")
    r = api.post(f"/v1/purchases/{q['txn_id']}/refunds", body)
    assert_problem(r, 409, "idempotency-key-reused", "refund_id")
    assert api.totals() == before


def test_refund_of_an_unknown_purchase_is_404(api):
    before = api.totals()
    r = api.post(f"/v1/purchases/{unique('nope-')}/refunds", {"refund_id": unique("R-")})
    assert_problem(r, 404, "not-found")
    assert api.totals() == before


@pytest.mark.parametrize("lines,field", [
    ([{"line": 3, "quantity": 1}], "lines[0].line"),
    ([{"line": 1, "quantity": 1}, {"line": 1, "quantity": 1}], "lines[1].line"),
])
def test_refund_of_a_line_the_purchase_does_not_have_is_400(api, lines, field):
    member, _ = api.new_member()
    p = basket(api, member["id"])
    before = api.totals()
    r = api.post(f"/v1/purchases/{p['txn_id']}/refunds", {"refund_id": unique("R-"),
                                                           "lines": lines})
    assert_problem(r, 400, "invalid-request", field)
    assert api.totals() == before
