"""Manual adjustments by staff, balances and the ledger."""
import pytest

from fidelis_api import assert_problem, line


def key_id(key):
    return key.split("_")[1]


def test_admin_can_credit_and_debit_with_a_reason_shown_in_the_ledger(api):
    member, _ = api.new_member()
    credit = api.adjust(member["id"], 50, "apology for a late delivery")
    assert credit["points"] == 50 and credit["member_id"] == member["id"]
    assert credit["reason"] == "apology for a late delivery"
    assert credit["balance"]["total"] == 50
    debit = api.adjust(member["id"], -20, "duplicate credit")
    assert debit["balance"]["total"] == 30
    assert debit["entry_id"] > credit["entry_id"]
    entries = api.ledger(member["id"])["entries"]
    assert [(e["kind"], e["points"], e["reason"]) for e in entries] == [
        ("adjust", -20, "duplicate credit"), ("adjust", 50, "apology for a late delivery")]
    assert [e["entry_id"] for e in entries] == [debit["entry_id"], credit["entry_id"]]
    for e in entries:
        assert e["actor"] and key_id(api.admin_key) in e["actor"], e
        assert e["txn_id"] is None
    assert api.balance(member["id"])["total"] == 30


def test_adjustment_with_a_pos_key_is_403_forbidden(api):
    member, _ = api.new_member()
    before = api.totals()
    r = api.post(f"/v1/members/{member['id']}/adjustments", {"points": 10, "reason": "x"},
                 key="pos")
    assert_problem(r, 403, "forbidden")
    assert api.totals() == before


def test_debit_beyond_the_balance_is_409_insufficient_points(api):
    member, _ = api.new_member()
    api.adjust(member["id"], 10)
    before = api.totals()
    r = api.post(f"/v1/members/{member['id']}/adjustments", {"points": -11, "reason": "x"},
                 key="admin")
    assert_problem(r, 409, "insufficient-points", "points")
    assert api.totals() == before
    assert api.balance(member["id"])["total"] == 10


def test_debit_of_exactly_the_balance_leaves_zero(api):
    member, _ = api.new_member()
    api.adjust(member["id"], 10)
    assert api.adjust(member["id"], -10)["balance"]["total"] == 0


def test_adjustment_of_zero_points_is_400(api):
    member, _ = api.new_member()
    r = api.post(f"/v1/members/{member['id']}/adjustments", {"points": 0, "reason": "x"},
                 key="admin")
    assert_problem(r, 400, "out-of-range", "points")


def test_adjustment_for_a_member_that_does_not_exist_is_404(api):
    r = api.post("/v1/members/999999999/adjustments", {"points": 5, "reason": "x"}, key="admin")
    assert_problem(r, 404, "not-found")


def test_adjustment_needs_an_idempotency_key_and_replays_it(api):
    member, _ = api.new_member()
    path = f"/v1/members/{member['id']}/adjustments"
    body = {"points": 7, "reason": "replayed"}
    r = api.post(path, body, key="admin", idempotency_key=None)
    assert_problem(r, 400, "missing-field", "Idempotency-Key")
    first = api.post(path, body, key="admin", idempotency_key="adj-" + str(member["id"]))
    again = api.post(path, body, key="admin", idempotency_key="adj-" + str(member["id"]))
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    r = api.post(path, {"points": 8, "reason": "replayed"}, key="admin",
                 idempotency_key="adj-" + str(member["id"]))
    assert_problem(r, 409, "idempotency-key-reused", "Idempotency-Key")
    assert api.balance(member["id"])["total"] == 7


@pytest.mark.parametrize("length,ok", [(128, True), (129, False)])
def test_idempotency_key_length_at_its_limit_and_one_past(api, length, ok):
    member, _ = api.new_member()
    before = api.totals()
    r = api.post(f"/v1/members/{member['id']}/adjustments", {"points": 3, "reason": "k"},
                 key="admin", idempotency_key=("k" * length)[:length - 8] + member_suffix(member))
    if ok:
        assert r.status_code == 201, r.text
    else:
        assert_problem(r, 400, "out-of-range", "Idempotency-Key")
        assert api.totals() == before


def member_suffix(member):
    return "%08d" % member["id"]


# ---- balance and ledger ----

def test_ledger_pages_visit_every_entry_once_newest_first(api):
    member, _ = api.new_member()
    for i in range(7):
        api.adjust(member["id"], i + 1, f"credit {i}")
    everything = api.ledger(member["id"], limit=100)
    assert "next_before" not in everything
    ids = [e["entry_id"] for e in everything["entries"]]
    assert len(ids) == 7 and ids == sorted(ids, reverse=True)
    seen, before = [], None
    for _ in range(10):
        page = api.ledger(member["id"], limit=3, **({"before": before} if before else {}))
        assert len(page["entries"]) <= 3
        seen += [e["entry_id"] for e in page["entries"]]
        before = page.get("next_before")
        if not before:
            break
        assert before == page["entries"][-1]["entry_id"]
    assert seen == ids
    assert [e["points"] for e in everything["entries"]] == [7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize("params,field", [
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit"),
    ({"before": "-5"}, "before"),
])
def test_ledger_page_parameters_out_of_range_are_400_naming_them(api, params, field):
    member, _ = api.new_member()
    r = api.get(f"/v1/members/{member['id']}/ledger", params=params)
    assert_problem(r, 400, "out-of-range", field)


def test_balance_of_the_demo_program_has_nothing_pending(api):
    member, _ = api.new_member()
    api.purchase(member["id"], lines=[line(unit_price=4200)])
    b = api.balance(member["id"])
    assert b["member_id"] == member["id"]
    assert b["total"] == b["available"] == 42 and b["pending"] == 0
    assert b["expiring"] == []  # 12-month expiry: nothing within the 90-day window
    shown = api.member(member["id"])
    assert shown["points"]["total"] == 42 and shown["balance"] == 42


def test_every_ledger_entry_of_a_purchase_names_its_transaction(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line(unit_price=1000)])
    (entry,) = api.ledger(member["id"])["entries"]
    assert (entry["kind"], entry["points"], entry["txn_id"]) == ("earn", 10, p["txn_id"])
    assert entry["time"]
