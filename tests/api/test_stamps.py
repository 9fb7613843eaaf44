"""Punch cards: stamps per coffee, a full card issues a voucher and carries the
extra stamps over; a voucher makes one unit free exactly once; refunds take
stamps back, revoking an unused voucher or leaving a negative card; stamps on
an incomplete card lapse; points rewards post a bonus entry; hostile input on
every new field and key is refused and changes nothing."""
import datetime as dt
import threading

import pytest

from conftest import _start, _stop, program_server
from fidelis_api import Api, assert_problem, line

PROGRAM = """
program:
  name: Coffee
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 1
stamps:
  - id: coffee
    name: Coffee card
    goal: 10
    per: item
    categories: [coffee]
    expiry_days: 180
    reward:
      free_item: [espresso, latte]
      valid_days: 90
  - id: lunch
    name: Lunch card
    goal: 3
    per: visit
    skus: [sandwich]
    min_spend: 5.00
    reward:
      points: 100
"""

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def sapi(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own: these tests move its clock."""
    with program_server(tmp_path_factory, fidelis_bin, openapi, "stamps", PROGRAM, clock=START) as api:
        yield api


def coffees(n, sku="espresso", price=150):
    return line(sku, n, price, category="coffee")


def stamps_of(api, member_id):
    r = api.get(f"/v1/members/{member_id}/stamps")
    assert r.status_code == 200, r.text
    return r.json()


def card(state, card_id="coffee"):
    return next(c for c in state["cards"] if c["card"] == card_id)


def voucher(state, voucher_id):
    return next(v for v in state["vouchers"] if v["id"] == voucher_id)


def fill_card(api, member_id, n=12):
    """Buys n coffees; returns (purchase, the voucher ids it issued)."""
    p = api.purchase(member_id, lines=[coffees(n)])
    return p, p["stamps"]["cards"][0]["vouchers"]


def snapshot(api, member_id):
    return (api.balance(member_id), stamps_of(api, member_id),
            len(api.whole_ledger(member_id)))


def test_twelve_coffees_give_one_voucher_and_two_stamps_on_the_next_card(sapi):
    member, _ = sapi.new_member()
    p = sapi.purchase(member["id"], lines=[coffees(12), line("croissant", 1, 200)])
    [c] = p["stamps"]["cards"]
    assert (c["card"], c["given"], c["stamps"], c["goal"], c["rewards"]) == \
        ("coffee", 12, 2, 10, 1)
    assert c["reward"] == "free_item" and len(c["vouchers"]) == 1
    assert "1 reward waiting: your Coffee card is full." in p["messages"]
    state = stamps_of(sapi, member["id"])
    assert card(state)["stamps"] == 2 and card(state)["filled"] == 1
    assert card(state)["missing"] == 8
    v = voucher(state, c["vouchers"][0])
    assert v["status"] == "open" and v["skus"] == ["espresso", "latte"]
    assert v["expires_at"] == "2026-05-31T09:00:00Z"  # 90 days
    # the lunch card exists with nothing on it yet
    assert card(state, "lunch")["stamps"] == 0


def test_progress_message_counts_the_stamps_still_missing(sapi):
    member, _ = sapi.new_member()
    p = sapi.purchase(member["id"], lines=[coffees(3)])
    assert "7 more stamps to fill your Coffee card." in p["messages"]
    p = sapi.purchase(member["id"], lines=[coffees(6)])
    assert "1 more stamp to fill your Coffee card." in p["messages"]


def test_several_cards_fill_in_one_big_purchase(sapi):
    member, _ = sapi.new_member()
    p = sapi.purchase(member["id"], lines=[coffees(25)])
    c = p["stamps"]["cards"][0]
    assert (c["rewards"], c["stamps"], len(c["vouchers"])) == (2, 5, 2)
    assert len(set(c["vouchers"])) == 2


def test_a_voucher_makes_the_cheapest_matching_unit_free_once(sapi):
    member, _ = sapi.new_member()
    _, [vid] = fill_card(sapi, member["id"], 10)
    p = sapi.purchase(member["id"], lines=[line("latte", 1, 300, category="coffee"),
                                           coffees(2)],
                      stamp_rewards=[vid])
    assert p["stamps"]["rewards_used"] == [{"voucher": vid, "line": 2, "discount": 150}]
    assert p["total"] == 300 + 300 - 150
    assert p["lines"][1]["amount"] == 150
    assert p["points_earned"] == 4  # 4.50 EUR paid at 1 point per EUR, rounded down
    assert p["lines"][1]["points"] + p["lines"][0]["points"] == 4
    # the free unit gives no stamp: latte 1 + espresso 1
    assert p["stamps"]["cards"][0]["given"] == 2
    v = voucher(stamps_of(sapi, member["id"]), vid)
    assert v["status"] == "used" and v["used_txn_id"] == p["txn_id"] and v["discount"] == 150
    # a second use is refused and records nothing
    before = snapshot(sapi, member["id"])
    body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=[vid])
    r = sapi.post("/v1/purchases", body)
    assert_problem(r, 409, "conflict", "stamp_rewards[0]")
    assert snapshot(sapi, member["id"]) == before
    assert sapi.get(f"/v1/purchases/{body['txn_id']}").status_code == 404
    # a refund gives back what was paid, not the free unit
    r = sapi.refund(p["txn_id"])
    assert r["amount"] == 450
    assert voucher(stamps_of(sapi, member["id"]), vid)["status"] == "used"


def test_a_replayed_purchase_with_a_voucher_answers_the_same(sapi):
    member, _ = sapi.new_member()
    _, [vid] = fill_card(sapi, member["id"], 10)
    body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=[vid])
    first = sapi.post("/v1/purchases", body)
    again = sapi.post("/v1/purchases", body)
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert first.json() == again.json()
    assert voucher(stamps_of(sapi, member["id"]), vid)["status"] == "used"


def test_two_concurrent_purchases_with_one_voucher_exactly_one_succeeds(sapi):
    member, _ = sapi.new_member()
    _, [vid] = fill_card(sapi, member["id"], 10)
    statuses = []

    def worker():
        client = sapi.clone()
        r = client.post("/v1/purchases",
                        client.purchase_body(member["id"], lines=[coffees(1)],
                                             stamp_rewards=[vid]))
        statuses.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    state = stamps_of(sapi, member["id"])
    assert voucher(state, vid)["status"] == "used"
    assert card(state)["stamps"] == 0  # the paid-for purchase's free unit gave none


def test_a_refund_takes_the_stamps_back_and_revokes_the_unused_voucher(sapi):
    member, _ = sapi.new_member()
    p, [vid] = fill_card(sapi, member["id"], 12)
    r = sapi.refund(p["txn_id"])
    [c] = r["stamps"]["cards"]
    assert (c["taken_back"], c["stamps"], c["revoked"]) == (12, 0, [vid])
    state = stamps_of(sapi, member["id"])
    assert card(state)["stamps"] == 0 and card(state)["filled"] == 0
    assert voucher(state, vid)["status"] == "revoked"
    body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=[vid])
    assert_problem(sapi.post("/v1/purchases", body), 409, "conflict", "stamp_rewards[0]")


def test_a_partial_refund_takes_back_the_refunded_units_only(sapi):
    member, _ = sapi.new_member()
    p = sapi.purchase(member["id"], lines=[coffees(3), line("cake", 2, 300)])
    r = sapi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert r["stamps"]["cards"][0]["taken_back"] == 1
    assert card(stamps_of(sapi, member["id"]))["stamps"] == 2
    # refunding a line that gave no stamps touches no card
    r = sapi.refund(p["txn_id"], [{"line": 2, "quantity": 2}])
    assert r["stamps"]["cards"] == []
    assert card(stamps_of(sapi, member["id"]))["stamps"] == 2


def test_a_refund_after_the_voucher_was_used_leaves_a_negative_card(sapi):
    member, _ = sapi.new_member()
    p, [vid] = fill_card(sapi, member["id"], 12)
    sapi.purchase(member["id"], lines=[line("latte", 1, 300, category="coffee")],
                  stamp_rewards=[vid])
    r = sapi.refund(p["txn_id"])
    [c] = r["stamps"]["cards"]
    assert (c["taken_back"], c["stamps"], c["revoked"]) == (12, -10, [])
    assert voucher(stamps_of(sapi, member["id"]), vid)["status"] == "used"
    # owed stamps are paid by later stamps before a new card can fill
    q = sapi.purchase(member["id"], lines=[coffees(10)])
    c = q["stamps"]["cards"][0]
    assert (c["stamps"], c["rewards"], c["vouchers"]) == (0, 0, [])
    q = sapi.purchase(member["id"], lines=[coffees(10)])
    assert q["stamps"]["cards"][0]["rewards"] == 1


def test_stamps_on_an_incomplete_card_lapse_after_expiry_days(sapi):
    try:
        member, _ = sapi.new_member()
        sapi.purchase(member["id"], lines=[coffees(3)])
        state = stamps_of(sapi, member["id"])
        assert card(state)["expires_at"] == "2026-08-29T09:00:00Z"  # 180 days
        # one day before: the batch leaves them
        sapi.set_clock(START + dt.timedelta(days=179))
        assert sapi.post("/v1/admin/expire", None, key="admin",
                         idempotency_key=None).status_code == 200
        assert card(stamps_of(sapi, member["id"]))["stamps"] == 3
        sapi.set_clock(START + dt.timedelta(days=180))
        assert sapi.post("/v1/admin/expire", None, key="admin",
                         idempotency_key=None).status_code == 200
        state = stamps_of(sapi, member["id"])
        assert card(state)["stamps"] == 0 and card(state)["expires_at"] is None
        # a new stamp starts a new card with a new lapse date
        sapi.purchase(member["id"], lines=[coffees(1)])
        assert card(stamps_of(sapi, member["id"]))["stamps"] == 1
    finally:
        sapi.set_clock(START)


def test_an_expired_voucher_is_refused(sapi):
    try:
        member, _ = sapi.new_member()
        _, [vid] = fill_card(sapi, member["id"], 10)
        sapi.set_clock(START + dt.timedelta(days=90))
        assert voucher(stamps_of(sapi, member["id"]), vid)["status"] == "expired"
        body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=[vid])
        assert_problem(sapi.post("/v1/purchases", body), 409, "conflict",
                       "stamp_rewards[0]")
    finally:
        sapi.set_clock(START)


def test_a_points_reward_posts_a_bonus_and_a_refund_takes_it_back(sapi):
    member, _ = sapi.new_member()
    sandwich = [line("sandwich", 1, 600)]
    sapi.purchase(member["id"], lines=sandwich)
    small = sapi.purchase(member["id"], lines=[line("sandwich", 1, 400)])
    assert small["stamps"]["cards"] == []  # under min_spend: no visit stamp
    sapi.purchase(member["id"], lines=sandwich)
    third = sapi.purchase(member["id"], lines=sandwich + [line("sandwich", 1, 600)])
    [c] = third["stamps"]["cards"]
    assert (c["given"], c["rewards"], c["reward"], c["reward_points"]) == \
        (1, 1, "points", 100)
    assert third["points_earned"] == 12
    kinds = [e["kind"] for e in sapi.whole_ledger(member["id"])]
    assert kinds.count("bonus") == 1
    assert sapi.balance(member["id"])["total"] == 6 + 4 + 6 + 12 + 100
    state = stamps_of(sapi, member["id"])
    assert voucher(state, c["vouchers"][0])["status"] == "credited"
    # a visit stamp goes back only when every qualifying unit is refunded
    r = sapi.refund(third["txn_id"], [{"line": 1, "quantity": 1}])
    assert r["stamps"]["cards"] == []
    r = sapi.refund(third["txn_id"], [{"line": 2, "quantity": 1}])
    [c] = r["stamps"]["cards"]
    assert (c["taken_back"], c["stamps"], len(c["revoked"])) == (1, 2, 1)
    assert sapi.balance(member["id"])["total"] == 6 + 4 + 6
    assert card(stamps_of(sapi, member["id"]), "lunch")["stamps"] == 2


# ---------------------------------------------------------------- hostile --

@pytest.mark.parametrize("value, status, slug, field", [
    ("abc", 400, "wrong-type", "stamp_rewards"),
    ({"id": 1}, 400, "wrong-type", "stamp_rewards"),
    (["1"], 400, "wrong-type", "stamp_rewards[0]"),
    ([1.5], 400, "wrong-type", "stamp_rewards[0]"),
    ([None], 400, "wrong-type", "stamp_rewards[0]"),
    ([[1]], 400, "wrong-type", "stamp_rewards[0]"),
    ([0], 400, "out-of-range", "stamp_rewards[0]"),
    ([-5], 400, "out-of-range", "stamp_rewards[0]"),
    (list(range(1, 12)), 400, "out-of-range", "stamp_rewards"),
    ([9223372036854775807], 400, "invalid-request", "stamp_rewards[0]"),
    ([987654321], 400, "invalid-request", "stamp_rewards[0]"),
])
def test_malformed_stamp_rewards_are_refused_and_change_nothing(sapi, value, status, slug,
                                                                field):
    member, _ = sapi.new_member()
    sapi.purchase(member["id"], lines=[coffees(2)])
    before = snapshot(sapi, member["id"])
    body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=value)
    assert_problem(sapi.post("/v1/purchases", body), status, slug, field)
    assert snapshot(sapi, member["id"]) == before
    assert sapi.get(f"/v1/purchases/{body['txn_id']}").status_code == 404


def test_a_voucher_listed_twice_someone_elses_or_without_a_matching_line_is_refused(sapi):
    member, _ = sapi.new_member()
    other, _ = sapi.new_member()
    _, [vid] = fill_card(sapi, member["id"], 10)
    _, [theirs] = fill_card(sapi, other["id"], 10)
    before = snapshot(sapi, member["id"])
    cases = [
        ([vid, vid], [coffees(2)], "stamp_rewards[1]"),
        ([theirs], [coffees(1)], "stamp_rewards[0]"),
        ([vid], [line("croissant", 1, 200)], "stamp_rewards[0]"),
        ([vid], [line("cappuccino", 1, 200, category="coffee")], "stamp_rewards[0]"),
    ]
    for ids, lines, field in cases:
        body = sapi.purchase_body(member["id"], lines=lines, stamp_rewards=ids)
        assert_problem(sapi.post("/v1/purchases", body), 400, "invalid-request", field)
        assert sapi.get(f"/v1/purchases/{body['txn_id']}").status_code == 404
    assert snapshot(sapi, member["id"]) == before
    assert voucher(stamps_of(sapi, other["id"]), theirs)["status"] == "open"
    # two vouchers need two units: one unit left for the second is refused
    _, [second] = fill_card(sapi, member["id"], 10)
    body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=[vid, second])
    assert_problem(sapi.post("/v1/purchases", body), 400, "invalid-request",
                   "stamp_rewards[1]")
    assert voucher(stamps_of(sapi, member["id"]), vid)["status"] == "open"
    p = sapi.purchase(member["id"], lines=[coffees(2)], stamp_rewards=[vid, second])
    assert p["total"] == 0 and len(p["stamps"]["rewards_used"]) == 2


def test_a_dry_run_with_a_voucher_leaves_it_open(sapi):
    member, _ = sapi.new_member()
    _, [vid] = fill_card(sapi, member["id"], 10)
    body = sapi.purchase_body(member["id"], lines=[coffees(1)], stamp_rewards=[vid])
    r = sapi.post("/v1/purchases/dry-run", body, idempotency_key=None)
    assert r.status_code == 200, r.text
    assert r.json()["stamps"]["rewards_used"][0]["voucher"] == vid
    assert voucher(stamps_of(sapi, member["id"]), vid)["status"] == "open"


@pytest.mark.parametrize("member_id", ["0", "-1", "abc", "01", "99999999",
                                       "99999999999999999999999"])
def test_stamps_of_an_unknown_member_are_404(sapi, member_id):
    assert_problem(sapi.get(f"/v1/members/{member_id}/stamps"), 404, "not-found",
                   "member_id")


def test_stamps_of_another_programs_member_are_404(api):
    member, _ = api.tenant(2).new_member()
    assert_problem(api.get(f"/v1/members/{member['id']}/stamps"), 404, "not-found",
                   "member_id")


def test_stamps_need_an_api_key(sapi):
    member, _ = sapi.new_member()
    r = sapi.get(f"/v1/members/{member['id']}/stamps", key=None)
    assert_problem(r, 401, "unauthenticated")


HEAD = "program: {name: T, currency: EUR, time_zone: Europe/Madrid}\nstamps:\n"
# (each case below is a whole stamps section with one mistake)
GOOD = "  - {id: c, name: C, goal: 10, reward: {points: 5}"


@pytest.mark.parametrize("body, field", [
    ("  - {id: c, name: C, goal: 1, reward: {points: 5}}\n", "stamps[0].goal"),
    ("  - {id: c, name: C, goal: 101, reward: {points: 5}}\n", "stamps[0].goal"),
    ("  - {id: c, name: C, goal: '10', reward: {points: 5}}\n", "stamps[0].goal"),
    ("  - {id: c, name: C, goal: 99999999999999999999999, reward: {points: 5}}\n",
     "stamps[0].goal"),
    ("  - {id: c, name: C, reward: {points: 5}}\n", "stamps[0].goal"),
    ("  - {id: c, goal: 10, reward: {points: 5}}\n", "stamps[0].name"),
    ("  - {id: c, name: '" + "x" * 65 + "', goal: 10, reward: {points: 5}}\n",
     "stamps[0].name"),
    ("  - {id: c, name: C, goal: 10}\n", "stamps[0].reward"),
    ("  - {id: '../c', name: C, goal: 10, reward: {points: 5}}\n", "stamps[0].id"),
    (GOOD + ", per: week}\n", "stamps[0].per"),
    (GOOD + ", colour: red}\n", "stamps[0].colour"),
    (GOOD + ", max_per_purchase: 1001}\n", "stamps[0].max_per_purchase"),
    (GOOD + ", expiry_days: 0}\n", "stamps[0].expiry_days"),
    (GOOD + ", min_spend: -1}\n", "stamps[0].min_spend"),
    (GOOD + ", categories: coffee}\n", "stamps[0].categories"),
    (GOOD + "}\n" + GOOD + "}\n", "stamps[1].id"),
    ("  - {id: c, name: C, goal: 10, reward: {points: 5, free_item: [a]}}\n",
     "stamps[0].reward"),
    ("  - {id: c, name: C, goal: 10, reward: {points: 1000001}}\n",
     "stamps[0].reward.points"),
    ("  - {id: c, name: C, goal: 10, reward: {free_item: [a], valid_days: 3661}}\n",
     "stamps[0].reward.valid_days"),
    ("  - {id: c, name: C, goal: 10, reward: {free_item: [a, a]}}\n",
     "stamps[0].reward.free_item[1]"),
    ("  - just a string\n", "stamps[0]"),
    ("  - {id: c, name: C, goal: 10, reward: {free_item: [" +
     ", ".join(f"s{i}" for i in range(21)) + "]}}\n", "stamps[0].reward.free_item"),
    ("  - {id: c, name: \"tab\\there\", goal: 10, reward: {points: 5}}\n", "stamps[0].name"),
    ("  - {id: c, name: C, goal: 10, reward: {points: 5}, labels: [" + "x" * 65 + "]}\n",
     "stamps[0].labels[0]"),
])
def test_a_bad_stamps_section_is_refused_naming_the_key_and_changes_nothing(sapi, body,
                                                                          field):
    before = sapi.get("/v1/program/versions").json()["versions"]
    r = sapi.post("/v1/program/versions", {"source": HEAD + body}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field, r.json()
    assert "line" in r.json()["detail"]
    assert sapi.get("/v1/program/versions").json()["versions"] == before


def test_stamps_come_from_the_version_in_force_at_the_purchase_time(sapi):
    member, _ = sapi.new_member()
    # before the first program version there are no cards: no stamps
    old = sapi.purchase(member["id"], lines=[coffees(3)], time="2019-06-01T10:00:00Z")
    assert old["program_version"] == 0 and old["stamps"]["cards"] == []
    assert card(stamps_of(sapi, member["id"]))["stamps"] == 0
    # refunding it takes nothing back from the card
    r = sapi.refund(old["txn_id"])
    assert r["stamps"]["cards"] == []
    new = sapi.purchase(member["id"], lines=[coffees(3)])
    assert new["stamps"]["cards"][0]["stamps"] == 3


def test_a_partial_refund_that_unfills_a_card_gives_its_stamps_back(sapi):
    member, _ = sapi.new_member()
    p, [vid] = fill_card(sapi, member["id"], 10)
    assert card(stamps_of(sapi, member["id"]))["expires_at"] is None  # empty new card
    r = sapi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    [c] = r["stamps"]["cards"]
    assert (c["taken_back"], c["stamps"], c["revoked"]) == (1, 9, [vid])
    state = stamps_of(sapi, member["id"])
    assert card(state)["stamps"] == 9 and card(state)["filled"] == 0
    assert card(state)["expires_at"] is not None  # the 9 stamps lapse like any others
    assert voucher(state, vid)["status"] == "revoked"


def test_a_voucher_and_a_coupon_together_pay_and_refund_exactly(tmp_path_factory,
                                                                 fidelis_bin, openapi):
    """The voucher frees a unit first; the coupon takes its share of what is
    left; the refund gives back exactly what was paid."""
    s = _start(tmp_path_factory, fidelis_bin, "stamps-coupons")
    try:
        api = Api(s, openapi)
        source = PROGRAM + """
coupons:
  - id: tenpc
    code: TENPC
    effect: {percent: 10}
"""
        r = api.post("/v1/program/versions", {"source": source,
                                              "effective_from": "2020-01-01T00:00:00Z"},
                     key="admin")
        assert r.status_code == 201, r.text
        member, _ = api.new_member()
        _, [vid] = fill_card(api, member["id"], 10)
        p = api.purchase(member["id"], lines=[coffees(2, price=200)], stamp_rewards=[vid],
                         coupons=["TENPC"])
        assert p["total"] == 200          # one of the two espressos was free
        assert p["coupon_discount"] == 20  # 10 % of what was left
        assert p["points_earned"] == 1     # 1.80 EUR paid
        rf = api.refund(p["txn_id"])
        assert rf["amount"] == 180
    finally:
        _stop(s)
