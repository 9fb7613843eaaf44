"""Coupons: generic and single-use codes, each effect, the campaign's window,
minimum basket, limits per member and in all, stacking; points earned on what
was paid; refunds net of the coupon; races for one code; invented and
mistyped codes; the throttle on bad guesses; hostile input on every endpoint
and key. Each test that makes failed guesses uses an API key of its own, since
the throttle counts per key."""
import datetime as dt
import random
import re
import threading

import pytest

from conftest import program_server
from fidelis_api import assert_problem, line, unique

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_FAILURES = 10  # FDL_COUPON_MAX_FAILURES
WINDOW_S = 600  # FDL_COUPON_FAILURE_WINDOW_S

PROGRAM = """
program:
  name: Coupon shop
  currency: EUR
  time_zone: Europe/Madrid
tiers:
  basis: spend
  levels:
    - {name: basic, min: 0}
    - {name: gold, min: 5000}
earn:
  - id: base
    rate: 1
  - id: gross-bonus
    rate: 1
    on: gross
    categories: [gross]
coupons:
  - id: summer10
    name: Summer 10 %
    code: SUMMER10
    effect: {percent: 10}
    valid_from: 2026-06-01
    valid_until: 2026-08-31
    min_basket: 20.00
    per_member: 1
    categories: [summer]
  - id: five-off
    code: FIVE-OFF
    effect: {amount: 5.00}
    stacking: stackable
  - id: extra2
    code: EXTRA2
    effect: {amount: 2.00}
    stacking: stackable
  - id: three-only
    code: THREE-ONLY
    effect: {amount: 1.00}
    limit: 3
  - id: goldonly
    code: GOLD20
    effect: {percent: 20}
    tiers: [gold]
  - id: welcome
    name: Welcome 5 EUR
    single_use: true
    effect: {amount: 5.00}
  - id: treat
    single_use: true
    effect: {free_item: [croissant]}
    stacking: stackable
"""

SUMMER_DAY = dt.datetime(2026, 7, 1, 10, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def capi(tmp_path_factory, fidelis_bin, openapi):
    with program_server(tmp_path_factory, fidelis_bin, openapi, "coupons", PROGRAM, clock=SUMMER_DAY) as api:
        yield api


@pytest.fixture(autouse=True)
def summer(capi):
    capi.set_clock(SUMMER_DAY)


def own_key(api):
    """A fresh POS key, so this test's failed guesses throttle nobody else."""
    r = api.post("/v1/keys", {"name": unique("till-"), "scopes": "pos"}, key="admin")
    assert r.status_code == 201, r.text
    return r.json()["key"]


def make_codes(api, campaign, count, member_id=None, **kw):
    body = {"count": count}
    if member_id is not None:
        body["member_id"] = member_id
    r = api.post(f"/v1/coupons/{campaign}/codes", body, key="admin", **kw)
    assert r.status_code == 201, r.text
    return r.json()


def buy(api, member_id, lines, coupons, expect=201, **kw):
    return api.purchase(member_id, lines=lines, coupons=coupons, expect=expect, **kw)


def try_buy(api, member_id, lines, coupons, key="pos", **kw):
    return api.post("/v1/purchases",
                    api.purchase_body(member_id, lines=lines, coupons=coupons, **kw),
                    key=key)


def state(api, member_id):
    return api.balance(member_id)["total"], len(api.whole_ledger(member_id))


def assert_nothing_recorded(api, member_id, before, txn_id=None):
    assert state(api, member_id) == before
    if txn_id:
        r = api.get(f"/v1/purchases/{txn_id}")
        assert_problem(r, 404, "not-found")


def check(api, code, member_id, total, key="pos"):
    return api.get(f"/v1/coupons/{code}/check",
                   params={"member_id": member_id, "total": total}, key=key)


# ---- generic codes, effects, points ----

def test_percent_code_takes_10_percent_of_the_matching_lines_and_points_follow_the_payment(capi):
    m, _ = capi.new_member()
    p = buy(capi, m["id"], [line("TOWEL", 1, 3000, category="summer"),
                            line("BREAD", 1, 1000, category="bakery")], [" summer-10 "])
    assert p["total"] == 4000 and p["coupon_discount"] == 300
    assert [ln["coupon_discount"] for ln in p["lines"]] == [300, 0]
    assert p["coupons"] == [{"code": "****ER10", "campaign": "summer10", "kind": "generic",
                             "discount": 300}]
    assert p["points_earned"] == 37  # 1 a euro on 37.00 paid
    assert "1 coupon: €3.00 off." in p["messages"]
    again = capi.purchase_get(p["txn_id"])
    assert again["coupon_discount"] == 300 and again["coupons"] == p["coupons"]
    assert [ln["coupon_discount"] for ln in again["lines"]] == [300, 0]


def test_gross_rules_see_the_price_and_net_rules_what_was_paid(capi):
    m, _ = capi.new_member()
    p = buy(capi, m["id"], [line("SUNSCREEN", 1, 2000, category="gross")], ["FIVE-OFF"])
    # base (net): 15 points on 15.00 paid; gross-bonus: 20 on the 20.00 price
    detail = {a["rule"]: a["points"] for a in p["points_detail"]}
    assert detail == {"base": 15, "gross-bonus": 20}
    assert p["points_earned"] == 35


def test_amount_is_capped_by_the_basket_and_nothing_is_earned_on_a_free_basket(capi):
    m, _ = capi.new_member()
    p = buy(capi, m["id"], [line("GUM", 1, 300)], ["five-off"])
    assert p["coupon_discount"] == 300 and p["points_earned"] == 0


def test_free_item_is_one_unit_of_the_cheapest_matching_line(capi):
    m, _ = capi.new_member()
    code = make_codes(capi, "treat", 1)["codes"][0]
    p = buy(capi, m["id"], [line("coffee", 2, 250), line("croissant", 2, 180)],
            [code.lower()])
    assert p["coupon_discount"] == 180
    assert [ln["coupon_discount"] for ln in p["lines"]] == [0, 180]
    assert p["coupons"][0]["kind"] == "single_use"
    assert p["coupons"][0]["code"] == "*" * 12 + code.replace("-", "")[-4:]
    r = try_buy(capi, m["id"], [line("coffee", 1, 250)], [make_codes(capi, "treat", 1)["codes"][0]])
    assert_problem(r, 409, "conflict", "coupons[0]")


def test_redeemed_points_pay_at_most_what_the_coupon_left(capi):
    m, _ = capi.new_member()
    capi.adjust(m["id"], 5000)
    p = buy(capi, m["id"], [line("X", 1, 1000)], ["FIVE-OFF"], redeem_points=5000)
    assert p["coupon_discount"] == 500
    assert p["points_redeemed"] == 500 and p["discount"] == 500
    assert p["points_earned"] == 0
    assert capi.balance(m["id"])["total"] == 4500


# ---- window, tier, minimum, limits, stacking ----

def test_the_window_is_the_program_time_zone_local_dates(capi):
    m, _ = capi.new_member()
    before = state(capi, m["id"])
    basket = [line("TOWEL", 1, 3000, category="summer")]
    for when in (dt.datetime(2026, 5, 31, 21, 59, tzinfo=dt.timezone.utc),  # 23:59 Madrid
                 dt.datetime(2026, 8, 31, 22, 0, tzinfo=dt.timezone.utc)):  # 1 Sep 00:00
        capi.set_clock(when)
        txn = unique("T-")
        r = try_buy(capi, m["id"], basket, ["SUMMER10"], txn_id=txn)
        body = assert_problem(r, 409, "conflict", "coupons[0]")
        assert "campaign" in body["detail"]
        assert_nothing_recorded(capi, m["id"], before, txn)
    capi.set_clock(dt.datetime(2026, 8, 31, 21, 59, tzinfo=dt.timezone.utc))  # 23:59
    assert buy(capi, m["id"], basket, ["SUMMER10"])["coupon_discount"] == 300


def test_minimum_basket_and_lines_it_applies_to(capi):
    m, _ = capi.new_member()
    before = state(capi, m["id"])
    r = try_buy(capi, m["id"], [line("TOWEL", 1, 1999, category="summer")], ["SUMMER10"])
    assert_problem(r, 409, "conflict", "coupons[0]")
    r = try_buy(capi, m["id"], [line("COAT", 1, 5000, category="winter")], ["SUMMER10"])
    body = assert_problem(r, 409, "conflict", "coupons[0]")
    assert "none of the basket" in body["detail"]
    assert_nothing_recorded(capi, m["id"], before)


def test_tier_limited_coupon(capi):
    m, _ = capi.new_member()
    r = try_buy(capi, m["id"], [line("X", 1, 1000)], ["GOLD20"])
    assert_problem(r, 409, "conflict", "coupons[0]")
    buy(capi, m["id"], [line("BIG", 1, 1000000)], [])  # becomes gold
    assert buy(capi, m["id"], [line("X", 1, 1000)], ["GOLD20"])["coupon_discount"] == 200


def test_per_member_limit(capi):
    m, _ = capi.new_member()
    other, _ = capi.new_member()
    basket = [line("TOWEL", 1, 3000, category="summer")]
    buy(capi, m["id"], basket, ["SUMMER10"])
    before = state(capi, m["id"])
    r = try_buy(capi, m["id"], basket, ["SUMMER10"])
    assert_problem(r, 409, "conflict", "coupons[0]")
    assert_nothing_recorded(capi, m["id"], before)
    assert buy(capi, other["id"], basket, ["SUMMER10"])["coupon_discount"] == 300


def test_stacking(capi):
    m, _ = capi.new_member()
    p = buy(capi, m["id"], [line("X", 1, 3000)], ["FIVE-OFF", "EXTRA2"])
    assert p["coupon_discount"] == 700 and p["points_earned"] == 23
    assert [c["discount"] for c in p["coupons"]] == [500, 200]
    assert "2 coupons: €7.00 off." in p["messages"]
    before = state(capi, m["id"])
    r = try_buy(capi, m["id"], [line("TOWEL", 1, 3000, category="summer")],
                ["FIVE-OFF", "SUMMER10"])
    assert_problem(r, 409, "conflict", "coupons")
    r = try_buy(capi, m["id"], [line("X", 1, 3000)], ["FIVE-OFF", "five off"])
    assert_problem(r, 400, "invalid-request", "coupons[1]")
    assert_nothing_recorded(capi, m["id"], before)


# ---- single-use codes ----

def test_single_use_codes_are_shown_once_and_used_once(capi):
    key = unique("K-")
    made = make_codes(capi, "welcome", 3, idempotency_key=key)
    assert made["shown"] and made["count"] == 3 and made["member_id"] is None
    codes = made["codes"]
    assert len(set(codes)) == 3 and all(CODE_RE.match(c) for c in codes)
    replay = capi.post("/v1/coupons/welcome/codes", {"count": 3}, key="admin",
                       idempotency_key=key)
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["codes"] is None and replay.json()["shown"] is False
    m, _ = capi.new_member()
    p = buy(capi, m["id"], [line("X", 1, 2000)], [codes[0]])
    assert p["coupon_discount"] == 500 and p["coupons"][0]["campaign"] == "welcome"
    before = state(capi, m["id"])
    r = try_buy(capi, m["id"], [line("X", 1, 2000)], [codes[0]])
    body = assert_problem(r, 409, "conflict", "coupons[0]")
    assert "already been used" in body["detail"]
    assert_nothing_recorded(capi, m["id"], before)
    ok = check(capi, codes[1].replace("-", " ").lower(), m["id"], 2000)
    assert ok.status_code == 200
    assert ok.json()["valid"] and ok.json()["discount"] == 500
    used = check(capi, codes[0], m["id"], 2000).json()
    assert not used["valid"] and "already" in used["reason"]
    assert used["campaign"] == "welcome" and used["kind"] == "single_use"


def test_codes_bound_to_a_member_serve_only_them(capi):
    m, _ = capi.new_member()
    other, _ = capi.new_member()
    made = make_codes(capi, "welcome", 2, member_id=m["id"])
    assert made["member_id"] == m["id"]
    before = state(capi, other["id"])
    r = try_buy(capi, other["id"], [line("X", 1, 2000)], [made["codes"][0]])
    assert_problem(r, 409, "conflict", "coupons[0]")
    assert_nothing_recorded(capi, other["id"], before)
    assert not check(capi, made["codes"][0], other["id"], 2000).json()["valid"]
    assert buy(capi, m["id"], [line("X", 1, 2000)], [made["codes"][0]])["coupon_discount"] == 500


def test_dry_run_shows_the_discount_and_keeps_the_code(capi):
    m, _ = capi.new_member()
    code = make_codes(capi, "welcome", 1)["codes"][0]
    r = capi.post("/v1/purchases/dry-run",
                  capi.purchase_body(m["id"], lines=[line("X", 1, 2000)], coupons=[code]))
    assert r.status_code == 200, r.text
    assert r.json()["coupon_discount"] == 500
    assert buy(capi, m["id"], [line("X", 1, 2000)], [code])["coupon_discount"] == 500


def test_refund_is_net_of_the_coupon_and_a_full_refund_gives_the_code_back(capi):
    m, _ = capi.new_member()
    code = make_codes(capi, "welcome", 1)["codes"][0]
    p = buy(capi, m["id"], [line("A", 1, 1000), line("B", 1, 1000)], [code])
    assert [ln["coupon_discount"] for ln in p["lines"]] == [250, 250]
    assert p["points_earned"] == 15
    first = capi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert first["amount"] == 750
    assert not check(capi, code, m["id"], 2000).json()["valid"]
    rest = capi.refund(p["txn_id"])
    assert rest["amount"] == 750
    assert first["points_clawed_back"] + rest["points_clawed_back"] == 15
    assert check(capi, code, m["id"], 2000).json()["valid"]
    assert buy(capi, m["id"], [line("A", 1, 1000)], [code])["coupon_discount"] == 500


def test_refund_of_some_units_gives_back_their_share_exactly(capi):
    m, _ = capi.new_member()
    p = buy(capi, m["id"], [line("A", 3, 1000)], ["FIVE-OFF"])
    amounts = [capi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])["amount"]
               for _ in range(3)]
    assert sum(amounts) == 3000 - 500 and all(a in (833, 834) for a in amounts)
    assert capi.purchase_get(p["txn_id"])["refunded"] == 2500


# ---- races ----

def race(api, n, make_body):
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        client = api.clone()
        body = make_body(i)
        barrier.wait()
        results[i] = client.post("/v1/purchases", body)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_sixteen_purchases_racing_for_one_single_use_code_exactly_one_wins(capi):
    code = make_codes(capi, "welcome", 1)["codes"][0]
    members = [capi.new_member()[0]["id"] for _ in range(16)]
    results = race(capi, 16, lambda i: capi.purchase_body(
        members[i], lines=[line("X", 1, 2000)], coupons=[code]))
    won = [r for r in results if r.status_code == 201]
    lost = [r for r in results if r.status_code != 201]
    assert len(won) == 1, [r.text for r in results]
    for r in lost:
        assert_problem(r, 409, "conflict", "coupons[0]")
    winner = won[0].json()["member_id"]
    for mid in members:
        assert capi.balance(mid)["total"] == (15 if mid == winner else 0)


def test_a_code_limited_to_3_uses_under_10_concurrent_purchases_is_used_3_times(capi):
    members = [capi.new_member()[0]["id"] for _ in range(10)]
    results = race(capi, 10, lambda i: capi.purchase_body(
        members[i], lines=[line("X", 1, 2000)], coupons=["THREE-ONLY"]))
    assert sorted(r.status_code for r in results) == [201] * 3 + [409] * 7
    for r in results:
        if r.status_code == 409:
            assert "limit of 3" in r.json()["detail"]
    r = try_buy(capi, capi.new_member()[0]["id"], [line("X", 1, 2000)], ["THREE-ONLY"])
    assert_problem(r, 409, "conflict", "coupons[0]")


# ---- invented and mistyped codes, and the throttle ----

def random_code(rng):
    raw = "".join(rng.choice(CROCKFORD) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def test_invented_and_mistyped_codes_are_refused(capi):
    key = own_key(capi)
    m, _ = capi.new_member()
    before = state(capi, m["id"])
    rng = random.Random(7)
    code = make_codes(capi, "welcome", 1)["codes"][0]
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    for bad in (random_code(rng), typo, "NOPE1234"):
        r = try_buy(capi, m["id"], [line("X", 1, 2000)], [bad], key=key)
        assert_problem(r, 400, "invalid-request", "coupons[0]")
    r = check(capi, typo, m["id"], 2000, key=key)
    body = assert_problem(r, 404, "not-found", "code")
    assert "typing" in body["detail"]
    assert_nothing_recorded(capi, m["id"], before)
    # the real code still works
    assert buy(capi, m["id"], [line("X", 1, 2000)], [code])["coupon_discount"] == 500


def test_repeated_bad_guesses_are_throttled_per_key_and_per_member(capi):
    key = own_key(capi)
    m, _ = capi.new_member()
    rng = random.Random(11)
    for _ in range(MAX_FAILURES):
        assert_problem(check(capi, random_code(rng), m["id"], 100, key=key), 404, "not-found")
    r = check(capi, "SUMMER10", m["id"], 3000, key=key)
    assert_problem(r, 429, "too-many-attempts")
    assert int(r.headers["Retry-After"]) >= 1
    r = try_buy(capi, m["id"], [line("X", 1, 2000)], ["FIVE-OFF"], key=key)
    assert_problem(r, 429, "too-many-attempts")
    # the member is throttled with any key; another member with another key is not
    r = check(capi, "FIVE-OFF", m["id"], 3000, key=own_key(capi))
    assert_problem(r, 429, "too-many-attempts")
    other, _ = capi.new_member()
    assert check(capi, "FIVE-OFF", other["id"], 3000, key=own_key(capi)).status_code == 200
    # purchases without coupons are never throttled
    capi.purchase(m["id"], lines=[line("X", 1, 100)])
    capi.set_clock(SUMMER_DAY + dt.timedelta(seconds=WINDOW_S + 1))
    ok = check(capi, "FIVE-OFF", m["id"], 3000, key=key)
    assert ok.status_code == 200 and ok.json()["valid"] and ok.json()["discount"] == 500


def test_bad_guesses_in_purchases_count_too(capi):
    key = own_key(capi)
    m, _ = capi.new_member()
    rng = random.Random(5)
    for _ in range(MAX_FAILURES):
        r = try_buy(capi, m["id"], [line("X", 1, 100)], [random_code(rng)], key=key)
        assert_problem(r, 400, "invalid-request", "coupons[0]")
    r = try_buy(capi, m["id"], [line("X", 1, 100)], ["FIVE-OFF"], key=key)
    assert_problem(r, 429, "too-many-attempts")


# ---- the check endpoint ----

def test_check_tells_what_a_code_would_give_without_using_it(capi):
    m, _ = capi.new_member()
    r = check(capi, "summer10", m["id"], 3000)
    assert r.status_code == 200
    out = r.json()
    assert out["valid"] and out["campaign"] == "summer10" and out["code"] == "****ER10"
    assert out["effect"] == "percent" and out["discount"] is None  # depends on the lines
    low = check(capi, "SUMMER10", m["id"], 1000).json()
    assert not low["valid"] and "minimum" in low["reason"]
    assert check(capi, "FIVE-OFF", m["id"], 300).json()["discount"] == 300
    # checking used nothing up
    assert buy(capi, m["id"], [line("T", 1, 3000, category="summer")],
               ["SUMMER10"])["coupon_discount"] == 300


# ---- hostile input ----

@pytest.mark.parametrize("coupons,status,slug,field", [
    ("SUMMER10", 400, "wrong-type", "coupons"),
    ([1], 400, "wrong-type", "coupons[0]"),
    ([None], 400, "wrong-type", "coupons[0]"),
    ([["SUMMER10"]], 400, "wrong-type", "coupons[0]"),
    ([""], 400, "wrong-type", "coupons[0]"),
    (["A" * 65], 400, "wrong-type", "coupons[0]"),
    (["FIVE-OFF"] * 6, 400, "out-of-range", "coupons"),
    (["'; DROP TABLE coupon_uses; --"], 400, "invalid-request", "coupons[0]"),
    (["SUMMER10\u202e"], 400, "invalid-request", "coupons[0]"),
    (["A" * 33], 400, "invalid-request", "coupons[0]"),
    (["../../etc/passwd"], 400, "invalid-request", "coupons[0]"),
])
def test_hostile_coupon_lists_change_nothing(capi, coupons, status, slug, field):
    key = own_key(capi)
    m, _ = capi.new_member()
    before = state(capi, m["id"])
    txn = unique("T-")
    r = try_buy(capi, m["id"], [line("X", 1, 2000)], coupons, key=key, txn_id=txn)
    assert_problem(r, status, slug, field)
    assert_nothing_recorded(capi, m["id"], before, txn)


@pytest.mark.parametrize("body,status,slug,field", [
    ({}, 400, "missing-field", "count"),
    ({"count": 0}, 400, "out-of-range", "count"),
    ({"count": 1001}, 400, "out-of-range", "count"),
    ({"count": "5"}, 400, "wrong-type", "count"),
    ({"count": 1.5}, 400, "wrong-type", "count"),
    ({"count": 1, "member_id": 0}, 400, "out-of-range", "member_id"),
    ({"count": 1, "member_id": 99999999}, 404, "not-found", "member_id"),
    ({"count": 1, "colour": "red"}, 400, "unknown-field", "colour"),
    ({"count": 2 ** 70}, 400, "out-of-range", "count"),
])
def test_hostile_code_requests_change_nothing(capi, body, status, slug, field):
    r = capi.post("/v1/coupons/welcome/codes", body, key="admin")
    assert_problem(r, status, slug, field)


def test_code_requests_for_unknown_or_generic_campaigns_or_without_admin(capi):
    assert_problem(capi.post("/v1/coupons/nope/codes", {"count": 1}, key="admin"),
                   404, "not-found", "campaign")
    assert_problem(capi.post("/v1/coupons/" + "x" * 70 + "/codes", {"count": 1},
                             key="admin"), 404, "not-found")
    assert_problem(capi.post("/v1/coupons/summer10/codes", {"count": 1}, key="admin"),
                   400, "invalid-request", "campaign")
    assert_problem(capi.post("/v1/coupons/welcome/codes", {"count": 1}), 403, "forbidden")
    r = capi.post("/v1/coupons/welcome/codes", {"count": 1}, key="admin",
                  idempotency_key=None)
    assert_problem(r, 400, "missing-field", "Idempotency-Key")
    r = capi.request("POST", "/v1/coupons/welcome/codes", key="admin",
                     data=b'{"count": 1, "count": 2}')
    assert_problem(r, 400, "malformed-json")
    r = capi.request("POST", "/v1/coupons/welcome/codes", key="admin",
                     data=b"{" + b" " * 9000 + b"}")
    assert_problem(r, 413, "body-too-large")


def test_the_biggest_batch_is_made_and_unique(capi):
    made = make_codes(capi, "welcome", 1000)
    assert len(set(made["codes"])) == 1000


@pytest.mark.parametrize("params,status,slug,field", [
    ({"total": 100}, 400, "missing-field", "member_id"),
    ({"member_id": 1}, 400, "missing-field", "total"),
    ({"member_id": "x", "total": 1}, 400, "out-of-range", "member_id"),
    ({"member_id": 1, "total": -1}, 400, "out-of-range", "total"),
    ({"member_id": 1, "total": 10 ** 12}, 400, "out-of-range", "total"),
    ({"member_id": 1, "total": "1e3"}, 400, "out-of-range", "total"),
    ({"member_id": 99999999, "total": 1}, 404, "not-found", "member_id"),
])
def test_hostile_checks(capi, params, status, slug, field):
    r = capi.get("/v1/coupons/FIVE-OFF/check", params=params)
    assert_problem(r, status, slug, field)


def test_hostile_codes_in_the_check_path(capi):
    key = own_key(capi)
    m, _ = capi.new_member()
    for code in ("%00", "A" * 70, "%27%20OR%201%3D1", "..%2F..%2Fx", "%E2%80%AE"):
        r = capi.get(f"/v1/coupons/{code}/check",
                     params={"member_id": m["id"], "total": 1}, key=key)
        assert_problem(r, 404, "not-found")


@pytest.mark.parametrize("section,field", [
    ("  - id: a\n    code: ABCD\n", "coupons[0].effect"),
    ("  - id: a\n    code: ABCD\n    effect: {percent: 101}\n", "coupons[0].effect.percent"),
    ("  - id: a\n    code: AB\n    effect: {percent: 5}\n", "coupons[0].code"),
    ("  - id: a\n    code: ABCD\n    effect: {amount: 1.001}\n", "coupons[0].effect.amount"),
    ("  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    tiers: [platinum]\n",
     "coupons[0].tiers[0]"),
    ("  - id: a\n    single_use: true\n    code: ABCD\n    effect: {percent: 5}\n",
     "coupons[0].code"),
    ("  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    limit: 0\n",
     "coupons[0].limit"),
    ("  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    stacking: sometimes\n",
     "coupons[0].stacking"),
    ("  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    surprise: 1\n",
     "coupons[0].surprise"),
    ("  " + "x" * 10 + "\n", "coupons"),
])
def test_bad_program_file_sections_are_refused_and_change_nothing(capi, section, field):
    versions = capi.get("/v1/program/versions").json()["versions"]
    source = PROGRAM.split("coupons:")[0] + "coupons:\n" + section
    r = capi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json().get("field") == field, r.text
    assert capi.get("/v1/program/versions").json()["versions"] == versions


def test_explain_lists_the_campaigns_in_four_languages(capi):
    heads = {"en": "## Coupons", "es": "## Cupones", "ca": "## Cupons", "ru": "## Купоны"}
    for lang, head in heads.items():
        r = capi.get("/v1/program/explain", params={"lang": lang})
        assert r.status_code == 200
        assert head in r.text and "SUMMER10" in r.text


def test_without_a_program_file_every_code_is_unknown(api):
    m, _ = api.new_member()
    key = own_key(api)
    r = try_buy(api, m["id"], [line("X", 1, 2000)], ["SUMMER10"], key=key)
    assert_problem(r, 400, "invalid-request", "coupons[0]")
    assert_problem(api.post("/v1/coupons/welcome/codes", {"count": 1}, key="admin"),
                   404, "not-found", "campaign")


def test_the_database_keeps_only_hashes_of_single_use_codes(capi):
    key = unique("K-")
    codes = make_codes(capi, "welcome", 5, idempotency_key=key)["codes"]
    m, _ = capi.new_member()
    buy(capi, m["id"], [line("X", 1, 2000)], [codes[0]])
    hashes = [row[0] for row in capi.server.sql("SELECT hash FROM coupon_codes")]
    assert hashes and all(isinstance(h, bytes) and len(h) == 32 for h in hashes)
    dump = capi.server.dump()
    for code in codes:
        bare = code.replace("-", "")
        assert code not in dump and bare not in dump and bare.lower() not in dump
