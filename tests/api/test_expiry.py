"""Points expire on the documented day, exactly once, on a server whose clock we move.

Each test lives in its own era (years apart) and starts by expiring whatever
earlier tests left, so the counts it sees are its own.
"""
import datetime as dt

import pytest

from fidelis_api import assert_problem, line

UTC = dt.timezone.utc


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


def expire(api):
    r = api.post("/v1/admin/expire", {}, key="admin")
    assert r.status_code == 200, r.text
    return r.json()


def start_era(api, when):
    api.set_clock(when)
    expire(api)


def test_the_clock_can_be_set_by_an_admin(clock_api):
    out = clock_api.set_clock(at(2026, 3, 1, 9, 30))
    assert out["now"] == "2026-03-01T09:30:00Z"
    member, _ = clock_api.new_member()
    assert member["enrolled_at"] == "2026-03-01T09:30:00Z"


def test_points_expire_thirteen_months_later_exactly_once(clock_api):
    api = clock_api
    start_era(api, at(2026, 1, 15, 12))
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("A", 1, 5075)])
    assert p["points_earned"] == 50
    before = api.totals()
    api.set_clock(at(2027, 2, 15, 12))
    first = expire(api)
    assert first["points_expired"] == 50 and first["members"] == 1
    assert expire(api)["points_expired"] == 0
    b = api.balance(member["id"])
    assert b["total"] == b["available"] == 0 and b["expiring"] == []
    newest = api.ledger(member["id"])["entries"][0]
    assert (newest["kind"], newest["points"]) == ("expire", -50)
    after = api.totals()
    key = 'fidelis_points{program="1",account="expired"}'
    assert after[key] - before[key] == 50
    later = api.purchase(member["id"], lines=[line("B", 1, 2000)])
    assert later["points_earned"] == 20
    assert expire(api)["points_expired"] == 0
    assert api.balance(member["id"])["total"] == 20


@pytest.mark.parametrize("earned_at,expires_at", [
    (at(2030, 1, 15, 12), at(2031, 1, 15, 23)),   # winter: Madrid is UTC+1
    (at(2034, 6, 10, 10), at(2035, 6, 10, 22)),   # summer: Madrid is UTC+2
    (at(2038, 3, 31, 23, 30), at(2039, 4, 1, 22)),  # 1 April local; 2039-03-31 + 1 day
])
def test_points_expire_at_the_start_of_the_local_day_after_the_same_date_a_year_later(
        clock_api, earned_at, expires_at):
    api = clock_api
    start_era(api, earned_at)
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[line(unit_price=1000)])
    api.set_clock(expires_at - dt.timedelta(seconds=1))
    b = api.balance(member["id"])
    assert b["expiring"] == [{"expires_at": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "points": 10}]
    assert b["available"] == 10
    assert expire(api)["points_expired"] == 0
    api.set_clock(expires_at)
    assert api.balance(member["id"])["available"] == 0
    assert expire(api)["points_expired"] == 10
    assert api.balance(member["id"])["total"] == 0


def test_expiring_soon_lists_points_within_ninety_days_soonest_first(clock_api):
    api = clock_api
    start_era(api, at(2042, 1, 10, 12))
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[line(unit_price=1000)])  # expires 2043-01-10T23:00Z
    api.set_clock(at(2042, 2, 20, 12))
    api.purchase(member["id"], lines=[line(unit_price=2000)])  # expires 2043-02-20T23:00Z
    api.set_clock(at(2042, 10, 1, 12))
    assert api.balance(member["id"])["expiring"] == []
    api.set_clock(at(2042, 12, 1, 12))
    b = api.balance(member["id"])
    assert b["expiring"] == [
        {"expires_at": "2043-01-10T23:00:00Z", "points": 10},
        {"expires_at": "2043-02-20T23:00:00Z", "points": 20},
    ]
    p = api.purchase(member["id"], lines=[line(unit_price=100)])
    assert "10 points expire after 2043-01-10." in p["messages"], p["messages"]


def test_redeeming_spends_the_points_that_expire_first(clock_api):
    api = clock_api
    start_era(api, at(2046, 1, 10, 12))
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[line(unit_price=3000)])  # 30, expire 2047-01
    api.set_clock(at(2046, 6, 10, 12))
    api.purchase(member["id"], lines=[line(unit_price=4000)])  # 40, expire 2047-06
    api.purchase(member["id"], lines=[line(unit_price=25)], redeem_points=25)  # earns 0
    api.set_clock(at(2047, 1, 11, 12))
    assert expire(api)["points_expired"] == 5
    assert api.balance(member["id"])["total"] == 40


def test_points_returned_by_a_refund_to_an_expired_lot_are_then_expired(clock_api):
    api = clock_api
    start_era(api, at(2050, 1, 10, 12))
    member, _ = api.new_member()
    api.adjust(member["id"], 100, "welcome")
    p = api.purchase(member["id"], lines=[line(unit_price=100)], redeem_points=60)
    assert p["points_earned"] == 0
    api.set_clock(at(2051, 2, 10, 12))
    assert expire(api)["points_expired"] == 40
    rf = api.refund(p["txn_id"])
    assert rf["points_returned"] == 60 and rf["points_clawed_back"] == 0
    assert api.balance(member["id"])["available"] == 0
    assert expire(api)["points_expired"] == 60
    b = api.balance(member["id"])
    assert b["total"] == b["available"] == 0


def test_a_refund_after_the_earned_points_expired_unspent_leaves_no_debt(clock_api):
    """Debt is for points the member spent; points that expired were not."""
    api = clock_api
    start_era(api, at(2054, 1, 10, 12))
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line(unit_price=5000)])
    api.set_clock(at(2055, 2, 10, 12))
    assert expire(api)["points_expired"] == 50
    api.refund(p["txn_id"])
    b = api.balance(member["id"])
    assert b["total"] == 0, f"the member owes {-b['total']} points for points that expired"


def test_a_purchase_more_than_a_day_ahead_of_the_server_clock_is_400(clock_api):
    api = clock_api
    api.set_clock(at(2058, 5, 1, 12))
    member, _ = api.new_member()
    ok = api.purchase(member["id"], time="2058-05-02T11:59:59Z")
    assert ok["time"] == "2058-05-02T11:59:59Z"
    r = api.post("/v1/purchases", api.purchase_body(member["id"], time="2058-05-02T12:00:01Z"))
    assert_problem(r, 400, "out-of-range", "time")


def test_answers_are_kept_for_replay_seven_days_then_pruned(clock_api):
    api = clock_api
    start_era(api, at(2031, 5, 1, 10))
    member, _ = api.new_member()
    body = api.purchase_body(member["id"], lines=[line("A", 1, 1000)])
    first = api.post("/v1/purchases", body)
    assert first.status_code == 201, first.text
    api.set_clock(at(2031, 5, 7, 10))  # six days later: still replayed
    expire(api)
    again = api.post("/v1/purchases", body)
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    api.set_clock(at(2031, 5, 8, 10, 0, 1))  # past seven days: the answer is gone ...
    expire(api)
    late = api.post("/v1/purchases", body)
    # ... but the transaction id still refuses a second purchase
    assert_problem(late, 409, "duplicate", field="txn_id")
    assert api.balance(member["id"])["total"] == first.json()["points_earned"]
    # a key-only write's record is gone too: the key may now carry another body
    key = "retention-" + body["txn_id"]
    r1 = api.post(f"/v1/members/{member['id']}/adjustments",
                  {"points": 5, "reason": "a"}, key="admin", headers={"Idempotency-Key": key})
    assert r1.status_code == 201, r1.text
    api.set_clock(at(2031, 5, 16, 10))
    expire(api)
    r2 = api.post(f"/v1/members/{member['id']}/adjustments",
                  {"points": 6, "reason": "b"}, key="admin", headers={"Idempotency-Key": key})
    assert r2.status_code == 201, r2.text


def test_an_expiry_run_that_expires_something_is_audited_once(clock_api):
    """The expiry run is a write like any other: a batch that expired points
    leaves an audit row naming who ran it, in the caller's program only; a
    run with nothing to do leaves none."""
    api = clock_api
    start_era(api, at(2040, 1, 10, 12))
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[line("A", 1, 3000)])

    def rows():
        return api.server.sql("SELECT program_id, actor, role, route, ref FROM audit_log"
                              " WHERE route = 'expire_run' ORDER BY id")

    before = rows()
    api.set_clock(at(2041, 3, 1, 12))
    assert expire(api)["points_expired"] == 30
    assert expire(api)["points_expired"] == 0
    new = rows()[len(before):]
    assert len(new) == 1, new
    program, actor, role, _, ref = new[0]
    assert program == 1 and actor.startswith("key:") and role == "admin-key", new
    assert "30 points" in ref, new


def test_the_expiry_job_of_the_server_expires_and_audits_on_its_own(tmp_path, fidelis_bin,
                                                                      openapi):
    """`fidelis serve --expire-interval 1` runs the expiry itself; what it
    expires is audited as the job's."""
    import time

    from fidelis_api import Api, FidelisServer

    server = FidelisServer(tmp_path, "job", fidelis_bin, expire_interval=1)
    try:
        api = Api(server, openapi)
        api.set_clock(at(2030, 1, 10, 12))
        member, _ = api.new_member()
        api.purchase(member["id"], lines=[line("A", 1, 4000)])
        api.set_clock(at(2031, 3, 1, 12))
        deadline = time.monotonic() + 20
        while api.balance(member["id"])["total"] != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert api.balance(member["id"])["total"] == 0
        rows = api.server.sql("SELECT actor, role, route, ref FROM audit_log"
                              " WHERE route = 'expire_run'")
        assert rows == [("job:expire", "job", "expire_run", "expired:1 members, 40 points")], \
            rows
    finally:
        assert not server.stop()
