"""Concurrent writes: idempotent purchases and redemptions that never overspend."""
import threading

from fidelis_api import assert_problem, line, unique


def run_together(api, count, send):
    """Calls send(client, i) from count threads released at the same moment;
    returns the responses in thread order."""
    clients = [api.clone() for _ in range(count)]
    for c in clients:  # open the keep-alive connections first
        assert c.get("/healthz", key=None).status_code == 200
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = send(clients[i], i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_sixteen_identical_purchases_at_once_record_one_purchase_with_identical_answers(api):
    member, _ = api.new_member()
    before = api.totals()
    body = api.purchase_body(member["id"], lines=[line("TV", 1, 49999), line("HDMI", 2, 1000)])
    answers = run_together(api, 16, lambda c, i: c.post("/v1/purchases", body))
    assert [r.status_code for r in answers] == [201] * 16, [r.text for r in answers]
    assert len({r.content for r in answers}) == 1, "the answers differ"
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 15
    p = answers[0].json()
    assert p["points_earned"] == 519
    assert api.balance(member["id"])["total"] == 519
    after = api.totals()
    assert after['fidelis_purchases{program="1"}'] - before['fidelis_purchases{program="1"}'] == 1
    earns = [e for e in api.whole_ledger(member["id"]) if e["kind"] == "earn"]
    assert len(earns) == 1


def test_a_replayed_purchase_gets_the_same_answer_later(api):
    member, _ = api.new_member()
    body = api.purchase_body(member["id"], lines=[line(unit_price=2500)])
    first = api.post("/v1/purchases", body)
    again = api.post("/v1/purchases", body)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert api.balance(member["id"])["total"] == 25


def test_the_same_txn_id_with_another_body_is_409_idempotency_key_reused(api):
    member, _ = api.new_member()
    body = api.purchase_body(member["id"], lines=[line(unit_price=2500)])
    assert api.post("/v1/purchases", body).status_code == 201
    other_member, _ = api.new_member()
    before = api.totals()
    changed = dict(body, lines=[line(unit_price=2600)])
    assert_problem(api.post("/v1/purchases", changed), 409, "idempotency-key-reused", "txn_id")
    moved = dict(body, member_id=other_member["id"])
    assert_problem(api.post("/v1/purchases", moved), 409, "idempotency-key-reused", "txn_id")
    assert api.totals() == before
    assert api.balance(member["id"])["total"] == 25
    assert api.balance(other_member["id"])["total"] == 0


def test_concurrent_identical_and_different_bodies_for_one_txn_id_make_one_purchase(api):
    member, _ = api.new_member()
    txn = unique("T-")
    bodies = [api.purchase_body(member["id"], txn_id=txn, lines=[line(unit_price=1000 * (1 + i % 2))])
              for i in range(8)]
    answers = run_together(api, 8, lambda c, i: c.post("/v1/purchases", bodies[i]))
    ok = [r for r in answers if r.status_code == 201]
    reused = [r for r in answers if r.status_code == 409]
    assert len(ok) + len(reused) == 8, [r.text for r in answers]
    assert len({r.content for r in ok}) == 1
    for r in reused:
        assert r.json()["type"].endswith("/idempotency-key-reused")
    earned = ok[0].json()["points_earned"]
    assert api.balance(member["id"])["total"] == earned
    assert len([r for r in answers if r.status_code == 201]) == 4  # the bodies like the winner


def test_concurrent_redemptions_never_spend_more_than_the_balance(api):
    member, _ = api.new_member()
    api.adjust(member["id"], 100, "opening balance")
    n, each = 12, 30  # 100 points afford exactly 3 redemptions of 30
    answers = run_together(api, n, lambda c, i: c.post("/v1/purchases", c.purchase_body(
        member["id"], lines=[line("COFFEE", 1, 100)], redeem_points=each)))
    ok = [r for r in answers if r.status_code == 201]
    refused = [r for r in answers if r.status_code != 201]
    assert len(ok) == 100 // each, [r.text for r in answers]
    for r in refused:
        assert_problem(r, 409, "insufficient-points")
    for r in ok:
        assert r.json()["points_redeemed"] == each and r.json()["points_earned"] == 0
    b = api.balance(member["id"])
    assert b["total"] == b["available"] == 100 - len(ok) * each
    redeems = [e for e in api.whole_ledger(member["id"]) if e["kind"] == "redeem"]
    assert sorted(e["points"] for e in redeems) == [-each] * len(ok)


def test_concurrent_refunds_of_one_line_never_refund_more_than_bought(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line("GLASS", 3, 1000)])  # 30 points
    answers = run_together(api, 8, lambda c, i: c.post(
        f"/v1/purchases/{p['txn_id']}/refunds",
        {"refund_id": unique("R-"), "lines": [{"line": 1, "quantity": 1}]}))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 3, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "refund-exceeds-purchase")
    assert sum(r.json()["points_clawed_back"] for r in ok) == 30
    assert api.balance(member["id"])["total"] == 0
    assert api.purchase_get(p["txn_id"])["lines"][0]["refunded_quantity"] == 3


def test_sixteen_identical_enrolments_with_one_idempotency_key_make_one_member(api):
    before = api.totals()
    key = unique("enrol-")
    body = {"name": "Concurrent Carla", "email": f"{key}@example.com"}
    answers = run_together(api, 16, lambda c, i: c.post("/v1/members", body,
                                                         idempotency_key=key))
    assert [r.status_code for r in answers] == [201] * 16, [r.text for r in answers]
    assert len({r.content for r in answers}) == 1
    after = api.totals()
    assert after['fidelis_members{program="1"}'] - before['fidelis_members{program="1"}'] == 1


def test_concurrent_enrolments_with_one_email_make_one_member(api):
    email = f"{unique('race-')}@example.com"
    answers = run_together(api, 8, lambda c, i: c.post(
        "/v1/members", {"name": f"Racer {i}", "email": email}))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 1, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "duplicate", "email")


def test_one_idempotency_key_on_two_different_requests_is_409_for_the_second(api):
    member, _ = api.new_member()
    key = unique("shared-")
    assert api.post("/v1/members", {"name": "First Use"}, idempotency_key=key).status_code == 201
    before = api.member(member["id"])
    r = api.post(f"/v1/members/{member['id']}/cards", None, idempotency_key=key)
    assert_problem(r, 409, "idempotency-key-reused", "Idempotency-Key")
    assert api.member(member["id"]) == before
