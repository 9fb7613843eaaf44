"""Paid membership with cashback (the seeds' Costco Executive): a year is
recorded at the till; purchases in it accrue cashback on what was paid,
capped per year, on the money ledger; refunds take back the cashback of
what was refunded; at the end of the year the periodic batch pays the
cashback as a reward certificate, spendable like a gift card, and the
membership lapses. Non-members hear from the advisor when it would have paid
for itself. Every test runs on a server of its own clock."""
import datetime as dt

import pytest

from conftest import _start, _stop, program_server
from fidelis_api import Api, assert_problem, line, unique

GROCER = """
program:
  name: Grocer
  currency: EUR
  time_zone: Europe/Madrid
  rounding: half-up
earn:
  - id: base
    rate: 1
membership:
  name: Executive
  fee: 60.00
  cashback_percent: 2
  cashback_cap: 100.00
  advisor: true
"""

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def mapi(tmp_path_factory, fidelis_bin, openapi):
    with program_server(tmp_path_factory, fidelis_bin, openapi, "membership", GROCER, clock=T0 - dt.timedelta(days=800)) as api:
        yield api


def join(api, member_id, txn_id=None, expect=201):
    r = api.post(f"/v1/members/{member_id}/membership", {"txn_id": txn_id or unique("FEE-")},
                 idempotency_key=None)
    assert r.status_code == expect, r.text
    return r.json()


def status(api, member_id):
    r = api.get(f"/v1/members/{member_id}/membership")
    assert r.status_code == 200, r.text
    return r.json()


def buy(api, member_id, cents, **kw):
    return api.purchase(member_id, lines=[line("FOOD", 1, cents)], **kw)


def expire(api):
    r = api.post("/v1/admin/expire", None, key="admin", idempotency_key=None)
    assert r.status_code == 200, r.text
    return r.json()


def money_rows(server):
    """Row counts of the membership and money tables (on either backend)."""
    return tuple(server.sql(f"SELECT count(*) FROM {t}")[0][0]
                 for t in ("memberships", "sv_entries", "sv_cards", "membership_cashback"))


def test_cashback_accrues_per_purchase_up_to_the_yearly_cap(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    year = join(mapi, member["id"], "FEE-CAP")
    assert year["fee"] == 6000 and year["status"] == "open"
    assert year["starts_at"] == "2026-03-01T10:00:00Z"
    assert year["ends_at"] == "2027-03-01T10:00:00Z"
    first = buy(mapi, member["id"], 10025)  # 2 % of 100.25 = 2.005 -> half-up 2.01
    assert first["membership"] == {"name": "Executive", "cashback": 201, "accrued": 201,
                                   "cap_left": 9799, "ends_at": "2027-03-01T10:00:00Z"}
    assert "advisor" not in first
    assert any("cashback so far" in m and "2.01" in m for m in first["messages"]), \
        first["messages"]
    second = buy(mapi, member["id"], 600000)  # 120.00 would pass the cap: 97.99
    assert second["membership"]["cashback"] == 9799
    assert second["membership"]["accrued"] == 10000 and second["membership"]["cap_left"] == 0
    third = buy(mapi, member["id"], 5000)
    assert third["membership"]["cashback"] == 0 and third["membership"]["accrued"] == 10000
    s = status(mapi, member["id"])
    assert s["status"] == "active" and s["cap_left"] == 0
    assert s["year"]["cashback_accrued"] == 10000 and s["certificate"] is None
    assert s["program"] == {"name": "Executive", "fee": 6000, "cashback_basis_points": 200,
                            "cashback_cap": 10000, "advisor": True}
    # points are earned as ever, on their own ledger
    assert third["points_earned"] == 50


def test_cashback_is_on_what_was_paid_after_points_discounts(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    mapi.adjust(member["id"], 1000, "opening")
    join(mapi, member["id"])
    p = buy(mapi, member["id"], 10000, redeem_points=1000)  # 10.00 off: 90.00 paid
    assert p["discount"] == 1000 and p["membership"]["cashback"] == 180


def test_refunds_take_back_the_cashback_of_what_was_refunded(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    join(mapi, member["id"])
    p = mapi.purchase(member["id"], lines=[line("A", 3, 1000)])  # 30.00: 0.60 back
    assert p["membership"]["cashback"] == 60
    mapi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert status(mapi, member["id"])["year"]["cashback_accrued"] == 40
    mapi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert status(mapi, member["id"])["year"]["cashback_accrued"] == 20
    mapi.refund(p["txn_id"])  # the rest: everything back, whatever the rounding
    s = status(mapi, member["id"])
    assert s["year"]["cashback_accrued"] == 0 and s["cap_left"] == 10000


def test_the_year_ends_with_a_certificate_that_is_spent_at_the_till(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    join(mapi, member["id"])
    buy(mapi, member["id"], 421000)  # 84.20 back
    # not yet: the batch leaves open years alone
    mapi.set_clock(T0 + dt.timedelta(days=364))
    expire(mapi)
    assert status(mapi, member["id"])["status"] == "active"
    mapi.set_clock(T0 + dt.timedelta(days=365, seconds=1))
    expire(mapi)
    s = status(mapi, member["id"])
    assert s["status"] == "lapsed" and s["cap_left"] is None
    assert s["year"]["status"] == "closed" and s["year"]["cashback_paid"] == 8420
    cert = s["certificate"]
    assert cert["kind"] == "certificate" and cert["member_id"] == member["id"]
    assert cert["balance"] == 8420 and cert["number"].startswith("6")
    # a second run pays nothing twice
    expire(mapi)
    assert status(mapi, member["id"])["certificate"]["balance"] == 8420
    # lapsed: no cashback on new purchases
    p = buy(mapi, member["id"], 1000)
    assert "membership" not in p
    # the certificate pays at the till like a gift card
    r = mapi.post(f"/v1/gift-cards/{cert['number']}/redemptions",
                  {"amount": 8421, "txn_id": "CERT-1"})
    assert_problem(r, 409, "insufficient-funds", "amount")
    r = mapi.post(f"/v1/gift-cards/{cert['number']}/redemptions",
                  {"amount": 8000, "txn_id": "CERT-1"})
    assert r.status_code == 201 and r.json()["card"]["balance"] == 420, r.text
    hist = mapi.get(f"/v1/gift-cards/{cert['number']}").json()["history"]
    assert [(h["kind"], h["amount"]) for h in hist] == [("redeem", -8000),
                                                        ("certificate", 8420)]


def test_a_refund_after_the_year_was_paid_leaves_the_certificate_alone(mapi):
    """Cashback paid out on a certificate stays paid (docs/program.md)."""
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    join(mapi, member["id"])
    p = buy(mapi, member["id"], 50000)  # 10.00 back
    mapi.set_clock(T0 + dt.timedelta(days=366))
    expire(mapi)
    cert = status(mapi, member["id"])["certificate"]
    assert cert["balance"] == 1000
    r = mapi.refund(p["txn_id"])
    assert r["amount"] == 50000
    s = status(mapi, member["id"])
    assert s["certificate"]["balance"] == 1000 and s["year"]["cashback_paid"] == 1000


def test_an_empty_year_lapses_without_a_certificate(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    join(mapi, member["id"])
    mapi.set_clock(T0 + dt.timedelta(days=366))
    expire(mapi)
    s = status(mapi, member["id"])
    assert s["status"] == "lapsed" and s["certificate"] is None
    assert s["year"]["cashback_paid"] == 0


def test_renewal_starts_where_the_year_ends_and_only_one_ahead(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    first = join(mapi, member["id"])
    second = join(mapi, member["id"])
    assert second["starts_at"] == first["ends_at"]
    r = mapi.post(f"/v1/members/{member['id']}/membership", {"txn_id": unique("FEE-")},
                  idempotency_key=None)
    assert_problem(r, 409, "conflict", "member_id")
    # the first year's cashback is paid at its end; the renewal goes on
    buy(mapi, member["id"], 10000)
    mapi.set_clock(T0 + dt.timedelta(days=366))
    expire(mapi)
    s = status(mapi, member["id"])
    assert s["status"] == "active" and s["year"]["starts_at"] == first["ends_at"]
    assert s["certificate"] is None  # the open year has not paid yet
    p = buy(mapi, member["id"], 10000)
    assert p["membership"]["accrued"] == 200


def test_joining_is_idempotent_by_txn_id(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    a = mapi.post(f"/v1/members/{member['id']}/membership", {"txn_id": "FEE-IDEM"},
                  idempotency_key=None)
    b = mapi.post(f"/v1/members/{member['id']}/membership", {"txn_id": "FEE-IDEM"},
                  idempotency_key=None)
    assert a.status_code == b.status_code == 201 and a.content == b.content
    assert b.headers.get("Idempotent-Replayed") == "true"
    other, _ = mapi.new_member()
    r = mapi.post(f"/v1/members/{other['id']}/membership", {"txn_id": "FEE-IDEM"},
                  idempotency_key=None)
    assert_problem(r, 409, "idempotency-key-reused", "txn_id")
    assert status(mapi, other["id"])["status"] == "none"


def test_advisor_figures_on_a_known_history(mapi):
    mapi.set_clock(T0 - dt.timedelta(days=400))
    member, _ = mapi.new_member()
    buy(mapi, member["id"], 500000)  # more than a year ago: does not count
    mapi.set_clock(T0 - dt.timedelta(days=200))
    buy(mapi, member["id"], 300000)
    mapi.set_clock(T0 - dt.timedelta(days=20))
    p = mapi.purchase(member["id"], lines=[line("A", 1, 121000), line("B", 1, 5000)])
    mapi.refund(p["txn_id"], [{"line": 2, "quantity": 1}])  # net of refunds
    mapi.set_clock(T0)
    r = mapi.get(f"/v1/members/{member['id']}/membership/advice")
    assert r.status_code == 200, r.text
    a = r.json()
    assert (a["spend"], a["cashback"], a["fee"], a["difference"], a["pays_for_itself"]) == \
        (421000, 8420, 6000, 2420, True)
    assert a["name"] == "Executive" and a["to"] == "2026-03-01T10:00:00Z"


def test_the_till_tells_a_non_member_when_it_would_have_paid(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    small = buy(mapi, member["id"], 200000)  # 40.00 back < 60.00 fee: nothing said
    assert "advisor" not in small
    assert not any("membership" in m for m in small["messages"])
    p = buy(mapi, member["id"], 221000)  # 4,210.00 in the year: 84.20 back
    assert p["advisor"] == {"name": "Executive", "spend": 421000, "cashback": 8420,
                            "fee": 6000, "difference": 2420}
    said = " ".join(p["messages"])
    assert "12 months" in said and "84.20" in said and "24.20" in said, p["messages"]
    # a dry run says the same and keeps nothing
    r = mapi.post("/v1/purchases/dry-run", mapi.purchase_body(
        member["id"], lines=[line("FOOD", 1, 100)]))
    assert r.status_code == 200 and r.json()["advisor"]["cashback"] == 8422, r.text


def test_advisor_is_quiet_for_members(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    join(mapi, member["id"])
    p = buy(mapi, member["id"], 500000)
    assert "advisor" not in p and p["membership"]["cashback"] == 10000


def test_advice_capped(mapi):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    buy(mapi, member["id"], 1000000)  # 10,000.00: 200.00 capped at 100.00
    a = mapi.get(f"/v1/members/{member['id']}/membership/advice").json()
    assert a["cashback"] == 10000 and a["difference"] == 4000


def test_the_program_explains_the_membership_in_four_languages(mapi):
    for lang, words in (("en", "Paid membership: Executive"), ("es", "Socio de pago"),
                        ("ca", "Soci de pagament"), ("ru", "Платное членство")):
        r = mapi.get("/v1/program/explain", params={"lang": lang})
        assert r.status_code == 200 and words in r.text, r.text


def test_without_a_membership_section_the_endpoints_say_so(api):
    member, _ = api.new_member()
    r = api.post(f"/v1/members/{member['id']}/membership", {"txn_id": unique("F-")},
                 idempotency_key=None)
    assert_problem(r, 409, "conflict", "membership")
    assert_problem(api.get(f"/v1/members/{member['id']}/membership/advice"), 409, "conflict",
                   "membership")
    s = api.get(f"/v1/members/{member['id']}/membership").json()
    assert s["status"] == "none" and s["program"] is None and s["year"] is None


@pytest.mark.parametrize("body,field,slug", [
    ({}, "txn_id", "missing-field"),
    ({"txn_id": ""}, "txn_id", "out-of-range"),
    ({"txn_id": 5}, "txn_id", "wrong-type"),
    ({"txn_id": "a/b"}, "txn_id", "any"),
    ({"txn_id": "x" * 65}, "txn_id", "out-of-range"),
    ({"txn_id": "T", "fee": 1}, "fee", "unknown-field"),
])
def test_hostile_membership_bodies_change_nothing(mapi, body, field, slug):
    mapi.set_clock(T0)
    member, _ = mapi.new_member()
    before = money_rows(mapi.server)
    r = mapi.post(f"/v1/members/{member['id']}/membership", body, idempotency_key=None)
    assert r.status_code == 400 and r.json().get("field") == field, r.text
    if slug != "any":
        assert_problem(r, 400, slug, field)
    assert money_rows(mapi.server) == before


@pytest.mark.parametrize("member_id", ["0", "-1", "abc", "99999999999", "1e3", "+1",
                                       "99999999999999999999999"])
def test_hostile_member_ids(mapi, member_id):
    before = money_rows(mapi.server)
    for method, path in (("POST", ""), ("GET", ""), ("GET", "/advice")):
        r = mapi.request(method, f"/v1/members/{member_id}/membership{path}",
                         json_body={"txn_id": unique("F-")} if method == "POST" else None,
                         idempotency_key=None)
        assert_problem(r, 404, "not-found", "member_id")
    assert money_rows(mapi.server) == before


def test_malformed_and_oversized_membership_bodies(mapi):
    member, _ = mapi.new_member()
    path = f"/v1/members/{member['id']}/membership"
    before = money_rows(mapi.server)
    assert_problem(mapi.post(path, data=b"{", idempotency_key=None), 400, "malformed-json")
    assert_problem(mapi.post(path, data=b'{"txn_id": "' + b"x" * 9000 + b'"}',
                             idempotency_key=None), 413, "body-too-large")
    assert_problem(mapi.post(path, {"txn_id": "T"}, content_type="text/plain",
                             idempotency_key=None), 415, "unsupported-media-type")
    assert money_rows(mapi.server) == before


@pytest.mark.parametrize("section,field", [
    ("membership: {cashback_percent: 2, cashback_cap: 10}", "membership.fee"),
    ("membership: {fee: 60, cashback_percent: 2.005, cashback_cap: 10}",
     "membership.cashback_percent"),
    ("membership: {fee: 60, cashback_percent: 2, cashback_cap: 0}", "membership.cashback_cap"),
    ("membership: {fee: 60, cashback_percent: 2, cashback_cap: 99999999}",
     "membership.cashback_cap"),
    ("membership: {fee: -1, cashback_percent: 2, cashback_cap: 10}", "membership.fee"),
    ("membership: {fee: 60, cashback_percent: 2, cashback_cap: 10, advisor: maybe}",
     "membership.advisor"),
    ("membership: {fee: 60, cashback_percent: 2, cashback_cap: 10, tier: gold}",
     "membership.tier"),
    ("membership: yes", "membership"),
])
def test_bad_membership_sections_are_refused_naming_the_key(mapi, section, field):
    source = "program: {name: G, currency: EUR, time_zone: Europe/Madrid}\n" + section + "\n"
    r = mapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400 and r.json().get("field") == field, r.text
    assert "line 2" in r.json().get("detail", ""), r.text
    assert mapi.get("/v1/program/explain").text.count("Executive") >= 1


COUPONED = GROCER + """
coupons:
  - id: five-off
    name: Five off
    code: FIVEOFF
    effect: {amount: 5.00}
"""


def test_cashback_is_on_what_was_paid_after_a_coupon_and_a_refund_takes_it_all_back(
        tmp_path_factory, fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "membership-coupons")
    try:
        api = Api(s, openapi)
        api.set_clock(T0)
        r = api.post("/v1/program/versions", {"source": COUPONED,
                                              "effective_from": "2020-01-01T00:00:00Z"},
                     key="admin")
        assert r.status_code == 201, r.text
        member, _ = api.new_member()
        join(api, member["id"])
        p = buy(api, member["id"], 10000, coupons=["FIVEOFF"])
        assert p["coupon_discount"] == 500
        assert p["membership"]["cashback"] == 190  # 2 % of the 95.00 paid
        api.refund(p["txn_id"])
        assert status(api, member["id"])["year"]["cashback_accrued"] == 0
    finally:
        _stop(s)
