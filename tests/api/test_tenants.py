"""Programs are tenants: a key of one program never reaches another program's data.

The session server has two programs (`fidelis init --program 2`); `api` holds
program 1's keys and `other` program 2's.
"""
import urllib.parse

import pytest

from fidelis_api import assert_problem, line, unique, unique_email, unique_phone


@pytest.fixture
def other(api):
    return api.tenant(2)


@pytest.fixture
def ours(api):
    """A member of program 1 with a card, a purchase and some points."""
    member, card = api.new_member()
    purchase = api.purchase(member["id"], lines=[line(unit_price=2500)])
    return member, card, purchase


def test_each_key_sees_its_own_program(api, other):
    assert api.get("/v1/program").json()["id"] == 1
    assert other.get("/v1/program").json()["id"] == 2


def test_another_programs_member_ids_are_404_for_every_member_route(api, other, ours):
    member, _, _ = ours
    mid = member["id"]
    before = api.totals()
    for r in (other.get(f"/v1/members/{mid}"),
              other.get(f"/v1/members/{mid}/balance"),
              other.get(f"/v1/members/{mid}/ledger"),
              other.post(f"/v1/members/{mid}/cards", None),
              other.post(f"/v1/members/{mid}/adjustments", {"points": 1, "reason": "x"},
                         key="admin"),
              other.post("/v1/purchases", other.purchase_body(mid))):
        assert_problem(r, 404, "not-found")
    assert api.totals() == before
    assert len(api.member(mid)["cards"]) == 1


def test_another_programs_card_is_not_a_card_of_ours(api, other, ours):
    _, card, _ = ours
    before = api.totals()
    for r in (other.get("/v1/members", params={"card": card["number"]}),
              other.get(f"/v1/cards/{card['number']}"),
              other.post("/v1/purchases", other.purchase_body(card=card["number"])),
              other.post(f"/v1/cards/{card['number']}/block", {"reason": "stolen"})):
        body = assert_problem(r, 400, "invalid-card-number")
        assert "not a card number issued" in body.get("detail", ""), body
    assert api.totals() == before
    assert api.get(f"/v1/cards/{card['number']}").json()["status"] == "active"


def test_another_programs_purchases_cannot_be_read_or_refunded(api, other, ours):
    member, _, purchase = ours
    txn = urllib.parse.quote(purchase["txn_id"], safe="")
    assert_problem(other.get(f"/v1/purchases/{txn}"), 404, "not-found")
    r = other.post(f"/v1/purchases/{txn}/refunds", {"refund_id": unique("R-")})
    assert_problem(r, 404, "not-found")
    assert api.balance(member["id"])["total"] == 25


def test_another_programs_members_cannot_be_found_by_contact_or_name(api, other):
    token = unique("t")
    email, phone = unique_email(), unique_phone()
    api.new_member(name=f"Tenant Person {token}", email=email, phone=phone)
    assert_problem(other.get("/v1/members", params={"email": email}), 404, "not-found")
    assert_problem(other.get("/v1/members", params={"phone": phone}), 404, "not-found")
    r = other.get("/v1/members", params={"q": token})
    assert r.status_code == 200 and r.json()["members"] == []


def test_the_same_email_phone_and_txn_id_live_independently_in_each_program(api, other):
    """Uniqueness is per program; a 409 here would tell one tenant about another's customers."""
    email, phone = unique_email(), unique_phone()
    mine, _ = api.new_member(email=email, phone=phone)
    theirs, _ = other.new_member(email=email, phone=phone)
    assert [m["id"] for m in api.get("/v1/members", params={"email": email}).json()["members"]] \
        == [mine["id"]]
    assert [m["id"] for m in other.get("/v1/members", params={"email": email}).json()["members"]] \
        == [theirs["id"]]
    txn = unique("T-")
    a = api.purchase(mine["id"], txn_id=txn, lines=[line(unit_price=1000)])
    b = other.purchase(theirs["id"], txn_id=txn, lines=[line(unit_price=3000)])
    assert (a["member_id"], a["points_earned"]) == (mine["id"], 10)
    assert (b["member_id"], b["points_earned"]) == (theirs["id"], 30)
    rid = unique("R-")
    assert api.refund(txn, refund_id=rid)["points_clawed_back"] == 10
    assert other.refund(txn, refund_id=rid)["points_clawed_back"] == 30


def test_an_idempotency_key_of_one_program_does_not_replay_in_another(api, other):
    key = unique("idem-")
    a = api.post("/v1/members", {"name": "Same Key"}, idempotency_key=key)
    b = other.post("/v1/members", {"name": "Same Key"}, idempotency_key=key)
    assert a.status_code == b.status_code == 201
    assert b.headers.get("Idempotent-Replayed") is None
    assert api.member(a.json()["member"]["id"])["name"] == "Same Key"
    assert other.member(b.json()["member"]["id"])["name"] == "Same Key"


def test_a_key_of_another_program_cannot_read_keys_or_adjust_ours(api, other, ours):
    member, _, _ = ours
    r = other.post(f"/v1/members/{member['id']}/adjustments", {"points": -25, "reason": "x"},
                   key="admin")
    assert_problem(r, 404, "not-found")
    assert api.balance(member["id"])["total"] == 25
