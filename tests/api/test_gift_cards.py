"""Gift cards: money (not points) on a ledger of its own. Sell, load, spend,
refund and block; overspending refused and changing nothing; concurrent
spends that never overspend; forged numbers refused without a lookup; and
hostile input on every endpoint. conftest's `fidelis audit` after every test
proves each money entry balances and each card equals its postings."""
import hashlib

import pytest

from fidelis_api import assert_problem, luhn_digit, unique
from test_concurrency import run_together

MAX_LOAD = 500000
MAX_BALANCE = 1000000


def sell(api, amount=5000, *, currency="EUR", expect=201, **extra):
    r = api.post("/v1/gift-cards", dict({"amount": amount, "currency": currency}, **extra))
    assert r.status_code == expect, r.text
    return r.json()


def card(api, number):
    r = api.get(f"/v1/gift-cards/{number}")
    assert r.status_code == 200, r.text
    return r.json()


def spend(api, number, amount, txn_id=None, **kw):
    return api.post(f"/v1/gift-cards/{number}/redemptions",
                    {"amount": amount, "txn_id": txn_id or unique("G-")}, **kw)


def give_back(api, number, amount, txn_id, **kw):
    return api.post(f"/v1/gift-cards/{number}/refunds", {"amount": amount, "txn_id": txn_id},
                    **kw)


def gift_mac(secret, program_id, body11):
    h = hashlib.blake2b(b"fidelis-gift-v1" + program_id.to_bytes(4, "big") + body11.encode(),
                        key=secret, digest_size=16).digest()
    return "%07d" % (int.from_bytes(h[:8], "big") % 10_000_000)


def sv_rows(server):
    """Row counts and sums of the money tables, to prove refused requests
    change nothing (on either backend: through server.sql)."""
    return tuple(server.sql(f"SELECT count(*), coalesce(sum({col}), 0) FROM {t}")[0]
                 for t, col in (("sv_cards", "id + balance_minor + status"),
                                ("sv_entries", "id"),
                                ("sv_redemptions", "amount_minor + refunded_minor")))


def test_sell_answers_an_unguessable_number_with_the_balance(api):
    member, _ = api.new_member()
    g = sell(api, 5000, member_id=member["id"])
    assert g["number"].startswith("6") and len(g["number"]) == 19
    assert g["kind"] == "gift_card" and g["balance"] == 5000 and g["currency"] == "EUR"
    assert g["member_id"] == member["id"] and g["status"] == "active"
    got = card(api, g["number"])
    assert got["balance"] == 5000
    assert [(h["kind"], h["amount"]) for h in got["history"]] == [("sell", 5000)]
    # numbers are generated, never sequential
    other = sell(api, 100)
    assert other["number"] != g["number"] and other["member_id"] is None


def test_sale_is_idempotent_by_key(api):
    body = {"amount": 2500, "currency": "EUR"}
    first = api.post("/v1/gift-cards", body, idempotency_key="gift-sale-1")
    again = api.post("/v1/gift-cards", body, idempotency_key="gift-sale-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = api.post("/v1/gift-cards", dict(body, amount=2600), idempotency_key="gift-sale-1")
    assert_problem(other, 409, "idempotency-key-reused")
    no_key = api.post("/v1/gift-cards", body, idempotency_key=None)
    assert_problem(no_key, 400, "missing-field", "Idempotency-Key")


def test_load_spend_refund_move_the_balance(api):
    g = sell(api, 5000)
    n = g["number"]
    r = api.post(f"/v1/gift-cards/{n}/loads", {"amount": 1500})
    assert r.status_code == 201 and r.json()["balance"] == 6500, r.text
    r = spend(api, n, 4000, "TILL-1")
    assert r.status_code == 201, r.text
    assert r.json()["card"]["balance"] == 2500 and r.json()["amount"] == 4000
    r = give_back(api, n, 1000, "TILL-1")
    assert r.status_code == 201 and r.json()["card"]["balance"] == 3500, r.text
    r = give_back(api, n, 3000, "TILL-1")
    assert r.status_code == 201 and r.json()["card"]["balance"] == 6500, r.text
    # the whole 4000 is back: not one cent more
    assert_problem(give_back(api, n, 1, "TILL-1"), 409, "refund-exceeds-purchase", "amount")
    kinds = [(h["kind"], h["amount"], h["txn_id"]) for h in card(api, n)["history"]]
    assert kinds == [("refund", 3000, "TILL-1"), ("refund", 1000, "TILL-1"),
                     ("redeem", -4000, "TILL-1"), ("load", 1500, None), ("sell", 5000, None)]


def test_overspending_is_refused_naming_amount_and_changes_nothing(api, server):
    n = sell(api, 1000)["number"]
    before = sv_rows(server)
    r = spend(api, n, 1001)
    body = assert_problem(r, 409, "insufficient-funds", "amount")
    assert "1000" in body.get("detail", "")
    assert sv_rows(server) == before
    assert card(api, n)["balance"] == 1000
    assert spend(api, n, 1000).status_code == 201
    assert card(api, n)["balance"] == 0
    assert_problem(spend(api, n, 1), 409, "insufficient-funds", "amount")


def test_redemption_is_idempotent_by_card_and_txn_id(api):
    n = sell(api, 3000)["number"]
    first = spend(api, n, 1000, "TILL-9", idempotency_key=None)
    again = spend(api, n, 1000, "TILL-9", idempotency_key=None)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.content == again.content
    assert card(api, n)["balance"] == 2000
    assert_problem(spend(api, n, 500, "TILL-9", idempotency_key=None), 409,
                   "idempotency-key-reused", "txn_id")
    assert card(api, n)["balance"] == 2000


def test_refunds_need_a_transaction_that_spent_from_this_card(api):
    a, b = sell(api, 3000)["number"], sell(api, 3000)["number"]
    assert spend(api, a, 1000, "TILL-A").status_code == 201
    assert_problem(give_back(api, b, 100, "TILL-A"), 404, "not-found", "txn_id")
    assert_problem(give_back(api, a, 100, "NEVER"), 404, "not-found", "txn_id")
    assert_problem(give_back(api, a, 1001, "TILL-A"), 409, "refund-exceeds-purchase", "amount")
    assert card(api, a)["balance"] == 2000 and card(api, b)["balance"] == 3000


def test_blocked_cards_cannot_be_spent_loaded_or_refunded_to(api):
    n = sell(api, 3000)["number"]
    assert spend(api, n, 1000, "TILL-B").status_code == 201
    r = api.post(f"/v1/gift-cards/{n}/block", None, idempotency_key=None)
    assert r.status_code == 200 and r.json()["status"] == "blocked", r.text
    assert r.json()["blocked_at"] and r.json()["balance"] == 2000
    again = api.post(f"/v1/gift-cards/{n}/block", None, idempotency_key=None)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert_problem(spend(api, n, 1), 409, "card-blocked", "number")
    assert_problem(api.post(f"/v1/gift-cards/{n}/loads", {"amount": 1}), 409, "card-blocked",
                   "number")
    assert_problem(give_back(api, n, 1, "TILL-B"), 409, "card-blocked", "number")
    assert card(api, n)["balance"] == 2000 and card(api, n)["status"] == "blocked"


def test_limits_on_loads_and_balance(api):
    assert_problem(api.post("/v1/gift-cards", {"amount": MAX_LOAD + 1, "currency": "EUR"}),
                   400, "out-of-range", "amount")
    n = sell(api, MAX_LOAD)["number"]
    assert api.post(f"/v1/gift-cards/{n}/loads", {"amount": MAX_LOAD}).status_code == 201
    assert card(api, n)["balance"] == MAX_BALANCE
    assert_problem(api.post(f"/v1/gift-cards/{n}/loads", {"amount": 1}), 400, "out-of-range",
                   "amount")
    assert card(api, n)["balance"] == MAX_BALANCE


def test_currency_must_be_the_programs(api, server):
    before = sv_rows(server)
    for cur in ("USD", "eur"):
        assert_problem(api.post("/v1/gift-cards", {"amount": 100, "currency": cur}), 400,
                       "invalid-request", "currency")
    assert_problem(api.post("/v1/gift-cards", {"amount": 100, "currency": "EU"}), 400,
                   "out-of-range", "currency")
    assert sv_rows(server) == before


def test_an_unknown_owner_is_refused(api, server):
    before = sv_rows(server)
    assert_problem(api.post("/v1/gift-cards", {"amount": 100, "currency": "EUR",
                                               "member_id": 999999999}), 404, "not-found",
                   "member_id")
    assert sv_rows(server) == before


def test_forged_and_mistyped_numbers_are_refused_without_a_lookup(api, server):
    real = sell(api, 100)["number"]
    # a typo fails the Luhn digit
    typo = real[:5] + str((int(real[5]) + 1) % 10) + real[6:]
    assert_problem(api.get(f"/v1/gift-cards/{typo}"), 400, "invalid-card-number", "number")
    # a well-formed number with a made-up MAC
    body = "6" + "1234567890"
    forged = body + "0000000"
    forged += luhn_digit(forged)
    if gift_mac(server.card_secret(), 1, body) != "0000000":
        assert_problem(api.get(f"/v1/gift-cards/{forged}"), 400, "invalid-card-number",
                       "number")
    # a genuine number of this installation that was never issued: 404
    genuine = body + gift_mac(server.card_secret(), 1, body)
    genuine += luhn_digit(genuine)
    assert_problem(api.get(f"/v1/gift-cards/{genuine}"), 404, "not-found", "number")
    # a member card is not a gift card, and a gift card is not a member card
    _, member_card = api.new_member()
    assert_problem(api.get(f"/v1/gift-cards/{member_card['number']}"), 400,
                   "invalid-card-number", "number")
    assert_problem(api.get("/v1/members", params={"card": real}), 400, "invalid-card-number")
    # another program's key cannot use this program's numbers
    other = api.tenant(2)
    assert_problem(other.get(f"/v1/gift-cards/{real}"), 400, "invalid-card-number", "number")
    assert_problem(spend(other, real, 1), 400, "invalid-card-number", "number")
    assert card(api, real)["balance"] == 100


def test_concurrent_spends_never_overspend(api):
    n = sell(api, 1000)["number"]
    # 12 tills try 300 each: exactly 3 are affordable
    answers = run_together(api, 12, lambda c, i: spend(c, n, 300, f"RACE-{n}-{i}"))
    ok = [r for r in answers if r.status_code == 201]
    assert len(ok) == 3, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            assert_problem(r, 409, "insufficient-funds", "amount")
    assert card(api, n)["balance"] == 100


def test_two_concurrent_spends_that_together_exceed_the_balance(api):
    n = sell(api, 1000)["number"]
    answers = run_together(api, 2, lambda c, i: spend(c, n, 600, f"PAIR-{n}-{i}"))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    assert card(api, n)["balance"] == 400


HOSTILE_AMOUNTS = [0, -1, 1.5, "100", None, True, [], {}, 2 ** 63, MAX_BALANCE + 1]


@pytest.mark.parametrize("amount", HOSTILE_AMOUNTS)
def test_hostile_amounts_are_refused_everywhere(api, server, amount):
    n = sell(api, 1000)["number"]
    assert spend(api, n, 500, "TILL-H").status_code == 201
    before = sv_rows(server)
    for path, body in (("/v1/gift-cards", {"amount": amount, "currency": "EUR"}),
                       (f"/v1/gift-cards/{n}/loads", {"amount": amount}),
                       (f"/v1/gift-cards/{n}/redemptions", {"amount": amount, "txn_id": "X"}),
                       (f"/v1/gift-cards/{n}/refunds", {"amount": amount, "txn_id": "TILL-H"})):
        r = api.post(path, body)
        assert r.status_code == 400, (path, amount, r.text)
        assert r.json().get("field") == "amount", (path, r.text)
    assert sv_rows(server) == before
    assert card(api, n)["balance"] == 500


@pytest.mark.parametrize("body,field", [
    ({"amount": 100}, "currency"),
    ({"currency": "EUR"}, "amount"),
    ({"amount": 100, "currency": "EUR", "colour": "red"}, "colour"),
    ({"amount": 100, "currency": "EUR", "member_id": 0}, "member_id"),
    ({"amount": 100, "currency": "EUR", "member_id": "1"}, "member_id"),
    ({"amount": 100, "currency": "E\u00dcR"}, "currency"),
])
def test_hostile_sale_bodies(api, server, body, field):
    before = sv_rows(server)
    r = api.post("/v1/gift-cards", body)
    assert r.status_code == 400 and r.json().get("field") == field, r.text
    assert sv_rows(server) == before


@pytest.mark.parametrize("txn_id", ["", "a/b", "x" * 65, 7, None, "sp ace"])
def test_hostile_txn_ids(api, server, txn_id):
    n = sell(api, 1000)["number"]
    before = sv_rows(server)
    for path in ("redemptions", "refunds"):
        r = api.post(f"/v1/gift-cards/{n}/{path}", {"amount": 1, "txn_id": txn_id})
        assert r.status_code == 400 and r.json().get("field") == "txn_id", r.text
    assert sv_rows(server) == before


@pytest.mark.parametrize("number", ["abc", "6" * 80, "6123", "%00", "6123456789012345678"])
def test_hostile_numbers_in_the_path(api, number):
    for method, path, body in (("GET", "", None), ("POST", "/loads", {"amount": 1}),
                               ("POST", "/redemptions", {"amount": 1, "txn_id": "T"}),
                               ("POST", "/refunds", {"amount": 1, "txn_id": "T"}),
                               ("POST", "/block", None)):
        r = api.request(method, f"/v1/gift-cards/{number}{path}", json_body=body)
        assert r.status_code in (400, 404), r.text


def test_malformed_and_oversized_bodies(api, server):
    n = sell(api, 1000)["number"]
    before = sv_rows(server)
    for path in ("/v1/gift-cards", f"/v1/gift-cards/{n}/loads",
                 f"/v1/gift-cards/{n}/redemptions", f"/v1/gift-cards/{n}/refunds",
                 f"/v1/gift-cards/{n}/block"):
        assert_problem(api.post(path, data=b"{\"amount\": 1,"), 400, "malformed-json")
        assert_problem(api.post(path, data=b"[1]"), 400, "malformed-json")
        assert api.post(path, data=b'{"amount": 1, "amount": 2}').status_code == 400
        assert_problem(api.post(path, data=b"{\"amount\": " + b"1" * 9000 + b"}"), 413,
                       "body-too-large")
        assert_problem(api.post(path, {"amount": 1}, content_type="text/plain"), 415,
                       "unsupported-media-type")
    assert_problem(api.post(f"/v1/gift-cards/{n}/block", {"reason": "x"}), 400,
                   "unknown-field", "reason")
    assert sv_rows(server) == before
    assert card(api, n)["status"] == "active"


def test_gift_cards_need_a_key(api):
    n = sell(api, 100)["number"]
    assert_problem(api.get(f"/v1/gift-cards/{n}", key=None), 401, "unauthenticated")
    assert_problem(api.post("/v1/gift-cards", {"amount": 1, "currency": "EUR"}, key="fdl_bad"),
                   401, "unauthenticated")
