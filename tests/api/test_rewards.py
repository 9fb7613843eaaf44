"""Reward catalogue: reserve, commit, cancel; holds that expire; a till that
retries; stock and per-member limits under concurrent reservations; tiers,
windows, points; hostile input on every endpoint and program-file key. The
ledger stays exact throughout (conftest audits after every test)."""
import datetime as dt

import pytest

from conftest import _start, _stop, program_server
from fidelis_api import Api, assert_problem, line, unique
from test_concurrency import run_together

PROGRAM = """
program:
  name: Rewards shop
  currency: EUR
  time_zone: Europe/Madrid
points:
  expiry_months: 1
tiers:
  basis: spend
  levels:
    - { name: bronze, min: 0 }
    - { name: silver, min: 500 }
    - { name: gold, min: 2000 }
earn:
  - id: base
    rate: 1
rewards:
  hold_minutes: 15
  items:
    - { id: coffee-free, name: Free coffee, kind: product, cost: 150, sku: espresso }
    - { id: five-off, name: 5 EUR off, kind: discount, cost: 500, value: 5.00 }
    - { id: tote-bag, name: Tote bag, kind: merchandise, cost: 100, stock: 5 }
    - { id: pin, name: Pin, kind: merchandise, cost: 100 }
    - id: mug
      name: Mug
      kind: merchandise
      cost: 10
      per_member: 2
      per_member_period: month
    - { id: gold-gift, name: Gold gift, kind: merchandise, cost: 10, tiers: [gold] }
    - id: summer
      name: Summer hat
      kind: merchandise
      cost: 10
      valid_from: 2026-07-01
      valid_until: 2026-08-31
"""

START = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def rapi(tmp_path_factory, fidelis_bin, openapi):
    with program_server(tmp_path_factory, fidelis_bin, openapi, "rewards", PROGRAM, clock=START, programs=(1, 2)) as api:
        yield api


@pytest.fixture(autouse=True)
def at_start(rapi):
    rapi.set_clock(START)


def member_with(api, points):
    member, _ = api.new_member()
    if points:
        api.adjust(member["id"], points)
    return member["id"]


def reserve(api, member_id, reward_id, quantity=None, **kw):
    body = {"reward_id": reward_id}
    if quantity is not None:
        body["quantity"] = quantity
    return api.post(f"/v1/members/{member_id}/redemptions", body, **kw)


def catalog(api, member_id=None):
    r = api.get("/v1/rewards", params={"member_id": member_id} if member_id else None)
    assert r.status_code == 200, r.text
    return {x["id"]: x for x in r.json()["rewards"]}


def test_reserve_spends_at_once_and_commit_makes_it_final(rapi):
    m = member_with(rapi, 1000)
    r = reserve(rapi, m, "coffee-free")
    assert r.status_code == 201, r.text
    d = r.json()
    assert (d["status"], d["points"], d["quantity"], d["sku"]) == ("reserved", 150, 1, "espresso")
    assert d["hold_expires_at"] == "2026-06-01T10:15:00Z"
    assert d["balance"]["available"] == 850 and rapi.balance(m)["available"] == 850
    entries = rapi.ledger(m)["entries"]
    assert entries[0]["kind"] == "redeem" and entries[0]["points"] == -150
    c = rapi.post(f"/v1/redemptions/{d['id']}/commit", {"txn_id": "T-coffee-1"})
    assert c.status_code == 200, c.text
    assert c.json()["status"] == "committed" and c.json()["txn_id"] == "T-coffee-1"
    got = rapi.get(f"/v1/redemptions/{d['id']}").json()
    assert got["status"] == "committed" and got["committed_at"] == "2026-06-01T10:00:00Z"
    # cancel after commit, and a second commit, change nothing
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/cancel"), 409, "conflict")
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/commit", {}), 409, "conflict")
    assert rapi.balance(m)["available"] == 850
    assert rapi.get(f"/v1/redemptions/{d['id']}").json()["status"] == "committed"
    page = rapi.get(f"/v1/members/{m}/redemptions").json()
    assert [x["id"] for x in page["redemptions"]] == [d["id"]]


def test_a_discount_reward_says_what_it_takes_off(rapi):
    m = member_with(rapi, 1000)
    d = reserve(rapi, m, "five-off", 2).json()
    assert (d["kind"], d["points"], d["value"]) == ("discount", 1000, 1000)
    assert d["balance"]["available"] == 0


def test_cancel_gives_the_points_back_to_the_lots_they_came_from(rapi):
    m = member_with(rapi, 100)                       # expires 2 July
    rapi.set_clock(START + dt.timedelta(days=14))
    rapi.adjust(m, 100)                              # expires 16 July
    before = rapi.balance(m)["expiring"]
    assert [e["points"] for e in before] == [100, 100]
    d = reserve(rapi, m, "coffee-free").json()
    # the earliest-expiring lot went first
    assert [e["points"] for e in rapi.balance(m)["expiring"]] == [50]
    c = rapi.post(f"/v1/redemptions/{d['id']}/cancel")
    assert c.status_code == 200, c.text
    assert c.json()["status"] == "cancelled" and c.json()["cancelled_at"]
    assert rapi.balance(m)["expiring"] == before
    kinds = [e["kind"] for e in rapi.ledger(m)["entries"][:2]]
    assert kinds == ["restore", "redeem"]
    # commit after cancel changes nothing
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/commit", {}), 409, "conflict")
    assert rapi.balance(m)["expiring"] == before


def test_a_hold_not_committed_in_time_is_cancelled_by_the_expiry_batch(rapi):
    m = member_with(rapi, 300)
    stock = catalog(rapi)["tote-bag"]["remaining"]
    d = reserve(rapi, m, "tote-bag").json()
    assert catalog(rapi)["tote-bag"]["remaining"] == stock - 1
    rapi.set_clock(START + dt.timedelta(minutes=15))
    # past the hold the till can no longer commit, even before the batch runs
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/commit", {}), 409, "conflict")
    r = rapi.post("/v1/admin/expire", None, key="admin", idempotency_key=None)
    assert r.status_code == 200, r.text
    got = rapi.get(f"/v1/redemptions/{d['id']}").json()
    assert got["status"] == "expired" and got["cancelled_at"] == "2026-06-01T10:15:00Z"
    assert rapi.balance(m)["available"] == 300
    assert catalog(rapi)["tote-bag"]["remaining"] == stock
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/commit", {}), 409, "conflict")
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/cancel"), 409, "conflict")
    assert rapi.balance(m)["available"] == 300


def test_a_till_that_retries_spends_the_points_once(rapi):
    m = member_with(rapi, 1000)
    key = unique("till-")
    first = reserve(rapi, m, "coffee-free", idempotency_key=key)
    again = reserve(rapi, m, "coffee-free", idempotency_key=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert rapi.balance(m)["available"] == 850
    assert len(rapi.get(f"/v1/members/{m}/redemptions").json()["redemptions"]) == 1
    # the same key for another request is refused
    assert_problem(reserve(rapi, m, "pin", idempotency_key=key), 409, "idempotency-key-reused")
    # commit and cancel replay too
    rid = first.json()["id"]
    ck = unique("commit-")
    c1 = rapi.post(f"/v1/redemptions/{rid}/commit", {"txn_id": "T-1"}, idempotency_key=ck)
    c2 = rapi.post(f"/v1/redemptions/{rid}/commit", {"txn_id": "T-1"}, idempotency_key=ck)
    assert c1.status_code == c2.status_code == 200 and c1.content == c2.content
    assert rapi.balance(m)["available"] == 850


def test_sixteen_reservations_against_stock_5_give_exactly_5(rapi):
    members = [member_with(rapi, 100) for _ in range(16)]
    assert catalog(rapi)["tote-bag"]["remaining"] == 5
    answers = run_together(rapi, 16, lambda c, i: reserve(c, members[i], "tote-bag"))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 5 + [409] * 11, [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert_problem(r, 409, "conflict", "reward_id")
    assert catalog(rapi)["tote-bag"]["remaining"] == 0
    assert sum(rapi.balance(m)["available"] for m in members) == 11 * 100
    listed = catalog(rapi, members[0])["tote-bag"]
    assert listed["remaining"] == 0
    # everyone who got one gives it back: the stock is free again
    for r in answers:
        if r.status_code == 201:
            assert rapi.post(f"/v1/redemptions/{r.json()['id']}/cancel").status_code == 200
    assert catalog(rapi)["tote-bag"]["remaining"] == 5


def test_sixteen_reservations_by_a_member_who_can_afford_3_give_exactly_3(rapi):
    m = member_with(rapi, 300)
    answers = run_together(rapi, 16, lambda c, i: reserve(c, m, "pin"))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 3 + [409] * 13, [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert_problem(r, 409, "insufficient-points", "quantity")
    assert rapi.balance(m)["available"] == 0
    assert len(rapi.get(f"/v1/members/{m}/redemptions").json()["redemptions"]) == 3


def test_per_member_limit_counts_reserved_and_committed_per_month(rapi):
    m = member_with(rapi, 1000)
    a = reserve(rapi, m, "mug").json()
    b = reserve(rapi, m, "mug").json()
    rapi.post(f"/v1/redemptions/{a['id']}/commit", {})
    before = rapi.balance(m)
    assert_problem(reserve(rapi, m, "mug"), 409, "conflict", "reward_id")
    assert_problem(reserve(rapi, member_with(rapi, 1000), "mug", 3), 409, "conflict",
                   "reward_id")
    assert rapi.balance(m) == before
    mug = catalog(rapi, m)["mug"]
    assert (mug["available"], mug["reason"]) == (False, "limit")
    # a cancelled one no longer counts
    rapi.post(f"/v1/redemptions/{b['id']}/cancel")
    assert catalog(rapi, m)["mug"]["available"] is True
    assert reserve(rapi, m, "mug").status_code == 201
    # the next local month starts afresh (Madrid: 1 July 00:00 is 30 June 22:00 UTC)
    rapi.set_clock(dt.datetime(2026, 6, 30, 21, 59, tzinfo=dt.timezone.utc))
    assert catalog(rapi, m)["mug"]["reason"] == "limit"
    rapi.set_clock(dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.timezone.utc))
    assert catalog(rapi, m)["mug"]["available"] is True


def test_tier_rewards_are_for_their_levels_only(rapi):
    m = member_with(rapi, 100)
    assert catalog(rapi, m)["gold-gift"]["reason"] == "tier"
    assert_problem(reserve(rapi, m, "gold-gift"), 409, "conflict", "reward_id")
    rapi.purchase(m, lines=[line("X", 1, 250000)])           # 2,500 EUR: gold
    assert rapi.member(m)["tier"] == "gold"
    assert catalog(rapi, m)["gold-gift"]["available"] is True
    assert reserve(rapi, m, "gold-gift").status_code == 201


def test_windows_follow_the_local_calendar(rapi):
    m = member_with(rapi, 100)
    assert catalog(rapi, m)["summer"]["reason"] == "window"
    assert_problem(reserve(rapi, m, "summer"), 409, "conflict", "reward_id")
    rapi.set_clock(dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.timezone.utc))  # 1 July, Madrid
    assert reserve(rapi, m, "summer").status_code == 201
    rapi.set_clock(dt.datetime(2026, 8, 31, 22, 0, tzinfo=dt.timezone.utc))  # 1 September
    assert catalog(rapi, m)["summer"]["reason"] == "window"


def test_not_enough_points_is_refused_and_listed(rapi):
    m = member_with(rapi, 149)
    listed = catalog(rapi, m)
    assert listed["coffee-free"]["reason"] == "points"
    assert listed["mug"]["available"] is True
    assert_problem(reserve(rapi, m, "coffee-free"), 409, "insufficient-points", "quantity")
    assert rapi.balance(m)["available"] == 149


def test_the_catalogue_lists_every_reward_with_its_terms(rapi):
    r = rapi.get("/v1/rewards")
    assert r.status_code == 200
    body = r.json()
    assert body["hold_minutes"] == 15 and "member_id" not in body
    ids = [x["id"] for x in body["rewards"]]
    assert ids == ["coffee-free", "five-off", "tote-bag", "pin", "mug", "gold-gift", "summer"]
    x = {x["id"]: x for x in body["rewards"]}
    assert x["five-off"]["value"] == 500 and x["coffee-free"]["sku"] == "espresso"
    assert x["pin"]["stock"] is None and x["pin"]["remaining"] is None
    assert x["gold-gift"]["tiers"] == ["gold"]
    assert (x["summer"]["valid_from"], x["summer"]["valid_until"]) == ("2026-07-01",
                                                                       "2026-08-31")
    assert (x["mug"]["per_member"], x["mug"]["per_member_period"]) == (2, "month")
    assert "available" not in x["pin"]


def test_explained_in_every_language(rapi):
    for lang, heading in (("en", "## Rewards"), ("es", "## Recompensas"),
                          ("ca", "## Recompenses"), ("ru", "## Награды")):
        r = rapi.get("/v1/program/explain", params={"lang": lang})
        assert r.status_code == 200
        assert heading in r.text, r.text
    assert "- Tote bag: 100 points (while stock lasts: 5 units)." in \
        rapi.get("/v1/program/explain", params={"lang": "en"}).text


# ---------------------------------------------------------------- hostile --

@pytest.mark.parametrize("body,status,slug,field", [
    ({}, 400, "missing-field", "reward_id"),
    ({"reward_id": 5}, 400, "wrong-type", "reward_id"),
    ({"reward_id": ""}, 400, "out-of-range", "reward_id"),
    ({"reward_id": "x" * 65}, 400, "out-of-range", "reward_id"),
    ({"reward_id": "pin", "quantity": 0}, 400, "out-of-range", "quantity"),
    ({"reward_id": "pin", "quantity": 101}, 400, "out-of-range", "quantity"),
    ({"reward_id": "pin", "quantity": "1"}, 400, "wrong-type", "quantity"),
    ({"reward_id": "pin", "quantity": 1.5}, 400, "wrong-type", "quantity"),
    ({"reward_id": "pin", "points": 1}, 400, "unknown-field", "points"),
    ({"reward_id": "no-such-reward"}, 404, "not-found", "reward_id"),
    ({"reward_id": "pin\u0000"}, 400, "any", "any"),
])
def test_hostile_reservations_change_nothing(rapi, body, status, slug, field):
    m = member_with(rapi, 1000)
    r = rapi.post(f"/v1/members/{m}/redemptions", body)
    assert r.status_code == status, r.text
    if slug != "any":
        assert_problem(r, status, slug, field)
    assert rapi.balance(m)["available"] == 1000
    assert rapi.get(f"/v1/members/{m}/redemptions").json()["redemptions"] == []


def test_hostile_paths_headers_and_bodies(rapi):
    m = member_with(rapi, 1000)
    for bad in ("0", "abc", "-1", "+1", "99999999", "1" * 30):
        r = rapi.post(f"/v1/members/{bad}/redemptions", {"reward_id": "pin"})
        assert_problem(r, 404, "not-found", "member_id")
        r = rapi.post(f"/v1/redemptions/{bad}/commit", {})
        assert_problem(r, 404, "not-found", "redemption_id")
        r = rapi.post(f"/v1/redemptions/{bad}/cancel")
        assert_problem(r, 404, "not-found", "redemption_id")
        assert_problem(rapi.get(f"/v1/redemptions/{bad}"), 404, "not-found", "redemption_id")
    assert_problem(rapi.post(f"/v1/members/{m}/redemptions", {"reward_id": "pin"},
                             idempotency_key=None), 400, "missing-field", "Idempotency-Key")
    assert_problem(rapi.post(f"/v1/members/{m}/redemptions", data=b"{not json",
                             idempotency_key="k1"), 400, "malformed-json")
    assert_problem(rapi.post(f"/v1/members/{m}/redemptions",
                             {"reward_id": "pin", "pad": "x" * 9000}), 413, "body-too-large")
    d = reserve(rapi, m, "pin").json()
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/commit", {"txn_id": 7}), 400,
                   "wrong-type", "txn_id")
    r = rapi.post(f"/v1/redemptions/{d['id']}/commit", {"txn_id": "a/b"})
    assert r.status_code == 400 and r.json()["field"] == "txn_id", r.text
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/commit", {"txn": "x"}), 400,
                   "unknown-field", "txn")
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/cancel", {"why": "x"}), 400,
                   "unknown-field", "why")
    assert_problem(rapi.post(f"/v1/redemptions/{d['id']}/cancel", data=b"[1]",
                             idempotency_key="k2"), 400, "malformed-json")
    assert rapi.get(f"/v1/redemptions/{d['id']}").json()["status"] == "reserved"
    assert rapi.balance(m)["available"] == 900
    for q in ({"member_id": "abc"}, {"member_id": "0"}, {"member_id": "1" * 30}):
        assert_problem(rapi.get("/v1/rewards", params=q), 400, "out-of-range", "member_id")
    assert_problem(rapi.get("/v1/rewards", params={"member_id": 99999999}), 404,
                   "not-found", "member_id")
    for q in ({"limit": 0}, {"limit": 101}, {"before": "x"}):
        assert_problem(rapi.get(f"/v1/members/{m}/redemptions", params=q), 400,
                       "out-of-range")
    assert_problem(rapi.get("/v1/members/99999999/redemptions"), 404, "not-found",
                   "member_id")


def test_redemptions_page_by_before(rapi):
    m = member_with(rapi, 1000)
    ids = [reserve(rapi, m, "pin").json()["id"] for _ in range(3)]
    first = rapi.get(f"/v1/members/{m}/redemptions", params={"limit": 2}).json()
    assert [x["id"] for x in first["redemptions"]] == ids[::-1][:2]
    rest = rapi.get(f"/v1/members/{m}/redemptions",
                    params={"limit": 2, "before": first["next_before"]}).json()
    assert [x["id"] for x in rest["redemptions"]] == [ids[0]]
    assert "next_before" not in rest


@pytest.mark.parametrize("item,field", [
    ("{ id: a, name: A, kind: gift, cost: 1 }", "rewards.items[0].kind"),
    ("{ id: a, name: A, kind: product, cost: 1 }", "rewards.items[0].sku"),
    ("{ id: a, name: A, kind: merchandise, cost: -1 }", "rewards.items[0].cost"),
    ("{ id: a, name: A, kind: merchandise, cost: 1, stock: 0 }", "rewards.items[0].stock"),
    ("{ id: a, name: A, kind: merchandise, cost: 1, per_member: 1, per_member_period: day }",
     "rewards.items[0].per_member_period"),
    ("{ id: a, name: A, kind: merchandise, cost: 1, tiers: [platinum] }",
     "rewards.items[0].tiers[0]"),
    ("{ id: a, name: A, kind: merchandise, cost: 1, valid_from: 2026-13-01 }",
     "rewards.items[0].valid_from"),
    ("{ id: a, name: A, kind: early_access, cost: 1, launch: nope }",
     "rewards.items[0].launch"),
    ("{ id: a, name: '" + "n" * 201 + "', kind: merchandise, cost: 1 }",
     "rewards.items[0].name"),
    ("{ id: a, name: A, kind: merchandise, cost: 1, extra: 1 }", "rewards.items[0].extra"),
])
def test_bad_program_file_keys_are_refused_by_name(rapi, item, field):
    source = PROGRAM.split("rewards:")[0] + "rewards:\n  hold_minutes: 15\n  items:\n    - " + \
        item + "\n"
    r = rapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json().get("field") == field, r.json()
    assert "line" in r.json().get("detail", "")
    assert len(catalog(rapi)) == 7   # the version in force did not change


def test_too_many_rewards_is_refused(rapi):
    items = "".join(f"    - {{ id: r{i}, name: R, kind: merchandise, cost: 1 }}\n"
                    for i in range(201))
    source = PROGRAM.split("rewards:")[0] + "rewards:\n  items:\n" + items
    r = rapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert_problem(r, 400, "out-of-range", "rewards.items")


def test_another_program_cannot_see_or_touch_a_redemption(rapi):
    m = member_with(rapi, 1000)
    rid = reserve(rapi, m, "pin").json()["id"]
    other = rapi.tenant(2)
    assert_problem(other.get(f"/v1/redemptions/{rid}"), 404, "not-found", "redemption_id")
    assert_problem(other.post(f"/v1/redemptions/{rid}/commit", {}), 404, "not-found")
    assert_problem(other.post(f"/v1/redemptions/{rid}/cancel"), 404, "not-found")
    assert_problem(other.get(f"/v1/members/{m}/redemptions"), 404, "not-found", "member_id")
    assert other.get("/v1/rewards").json()["rewards"] == []
    assert rapi.get(f"/v1/redemptions/{rid}").json()["status"] == "reserved"


def test_a_version_without_the_reward_still_settles_what_was_reserved(rapi):
    """Runs last: it replaces the catalogue."""
    m = member_with(rapi, 1000)
    kept = reserve(rapi, m, "pin").json()["id"]
    gone = reserve(rapi, m, "coffee-free").json()["id"]
    source = PROGRAM.split("rewards:")[0] + "rewards:\n  - { id: pin, name: Pin, " \
        "kind: merchandise, cost: 100 }\n"
    r = rapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 201, r.text
    assert list(catalog(rapi)) == ["pin"]
    assert_problem(reserve(rapi, m, "coffee-free"), 404, "not-found", "reward_id")
    assert rapi.post(f"/v1/redemptions/{gone}/cancel").status_code == 200
    assert rapi.post(f"/v1/redemptions/{kept}/commit", {}).status_code == 200
    assert rapi.balance(m)["available"] == 900


COUPON_REWARD = """
program: {name: Coupon rewards, currency: EUR, time_zone: Europe/Madrid}
earn:
  - {id: base, rate: 1}
coupons:
  - id: ten-off
    name: Ten euros off
    single_use: true
    effect: {amount: 10.00}
  - id: everyone
    code: EVERYONE
    effect: {percent: 5}
rewards:
  - {id: voucher, name: A 10 EUR voucher, kind: coupon, cost: 500, campaign: ten-off}
"""


def test_a_coupon_reward_issues_a_single_use_code_once_at_commit(tmp_path_factory,
                                                                  fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "coupon-reward")
    try:
        api = Api(s, openapi)
        r = api.post("/v1/program/versions", {"source": COUPON_REWARD}, key="admin")
        assert r.status_code == 201, r.text
        m = member_with(api, 600)
        assert_problem(reserve(api, m, "voucher", quantity=2), 400, "out-of-range",
                       "quantity")
        d = reserve(api, m, "voucher").json()
        assert d["kind"] == "coupon" and d["campaign"] == "ten-off"
        key = unique("commit-")
        c1 = api.post(f"/v1/redemptions/{d['id']}/commit", {}, idempotency_key=key)
        assert c1.status_code == 200, c1.text
        code = c1.json()["coupon_code"]
        assert code and c1.json()["coupon_code_shown"] is True
        # a replay says a code was issued but cannot show it again
        c2 = api.post(f"/v1/redemptions/{d['id']}/commit", {}, idempotency_key=key)
        assert c2.json()["coupon_code"] is None and c2.json()["coupon_code_shown"] is False
        # the code is the member's, worth 10 EUR, once
        p = api.purchase(m, lines=[line("A", 1, 3000)], coupons=[code])
        assert p["coupon_discount"] == 1000
        again = api.post("/v1/purchases", api.purchase_body(m, lines=[line("A", 1, 3000)],
                                                            coupons=[code]))
        assert_problem(again, 409, "conflict")
        other = member_with(api, 0)
        stolen = api.post("/v1/purchases", api.purchase_body(other, lines=[line("A", 1, 3000)],
                                                             coupons=[code]))
        assert stolen.status_code in (400, 409), stolen.text
    finally:
        _stop(s)


@pytest.mark.parametrize("item, key", [
    ("{id: v, name: V, kind: coupon, cost: 5}", "rewards[0].campaign"),
    ("{id: v, name: V, kind: coupon, cost: 5, campaign: nope}", "rewards[0].campaign"),
    ("{id: v, name: V, kind: coupon, cost: 5, campaign: everyone}", "rewards[0].campaign"),
    ("{id: v, name: V, kind: product, sku: a, cost: 5, campaign: ten-off}",
     "rewards[0].campaign"),
])
def test_coupon_rewards_must_name_a_single_use_campaign(rapi, item, key):
    source = COUPON_REWARD.split("rewards:")[0] + "rewards:\n  - " + item + "\n"
    r = rapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == key, r.json()
