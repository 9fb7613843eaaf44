"""Cards: more cards, blocking and replacing, and numbers that are not ours."""
import datetime as dt
import random
import re
import subprocess

import pytest

from fidelis_api import (assert_problem, card_from_serial, line, scratch_db, with_luhn)


def lookup(api, number):
    return api.get("/v1/members", params={"card": number})


def test_a_second_card_can_be_issued_and_both_find_the_member(api):
    member, first = api.new_member()
    r = api.post(f"/v1/members/{member['id']}/cards", None)
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["member_id"] == member["id"] and second["status"] == "active"
    assert second["number"] != first["number"]
    for number in (first["number"], second["number"]):
        assert [m["id"] for m in lookup(api, number).json()["members"]] == [member["id"]]
    numbers = {c["number"] for c in api.member(member["id"])["cards"]}
    assert numbers == {first["number"], second["number"]}


def test_issuing_a_card_to_a_member_that_does_not_exist_is_404(api):
    assert_problem(api.post("/v1/members/999999999/cards", None), 404, "not-found")


def test_card_is_readable_by_number(api):
    member, card = api.new_member()
    r = api.get(f"/v1/cards/{card['number']}")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["number"] == card["number"] and got["member_id"] == member["id"]
    assert got["status"] == "active" and got["blocked_at"] is None


def test_blocking_with_replace_moves_the_member_to_a_new_card_and_keeps_the_balance(api):
    member, old = api.new_member()
    api.purchase(member["id"], lines=[line(quantity=2, unit_price=2150)])  # 43 points
    before = api.balance(member["id"])
    r = api.post(f"/v1/cards/{old['number']}/block", {"reason": "lost", "replace": True})
    assert r.status_code == 200, r.text
    out = r.json()
    blocked, new = out["blocked"], out["replacement"]
    assert blocked["number"] == old["number"] and blocked["status"] == "blocked"
    assert blocked["block_reason"] == "lost" and blocked["blocked_at"]
    assert blocked["replaced_by"] == new["number"]
    assert new["status"] == "active" and new["member_id"] == member["id"]

    assert_problem(lookup(api, old["number"]), 409, "card-blocked", "card")
    r = api.post("/v1/purchases", api.purchase_body(card=old["number"]))
    assert_problem(r, 409, "card-blocked", "card")
    assert [m["id"] for m in lookup(api, new["number"]).json()["members"]] == [member["id"]]
    after = api.balance(member["id"])
    assert (after["total"], after["available"]) == (before["total"], before["available"]) \
        == (43, 43)
    assert api.get(f"/v1/cards/{old['number']}").json()["status"] == "blocked"


def test_blocking_without_replace_leaves_the_member_without_that_card(api):
    member, card = api.new_member()
    r = api.post(f"/v1/cards/{card['number']}/block", {"reason": "stolen"})
    assert r.status_code == 200, r.text
    assert r.json()["replacement"] is None
    assert_problem(lookup(api, card["number"]), 409, "card-blocked")
    assert [c["status"] for c in api.member(member["id"])["cards"]] == ["blocked"]


def test_blocking_a_blocked_card_is_409_card_blocked(api):
    _, card = api.new_member()
    assert api.post(f"/v1/cards/{card['number']}/block", {"reason": "lost"}).status_code == 200
    r = api.post(f"/v1/cards/{card['number']}/block", {"reason": "lost", "replace": True})
    assert_problem(r, 409, "card-blocked")


def mistyped(number):
    """The number with one digit of the serial changed (the Luhn digit catches it)."""
    i = random.randrange(1, 11)
    digit = str((int(number[i]) + random.randrange(1, 10)) % 10)
    return number[:i] + digit + number[i + 1:]


def forged(number):
    """Another serial with the victim's MAC and a correct Luhn digit."""
    serial = "%010d" % ((int(number[1:11]) + 1) % 10**10)
    return with_luhn("8" + serial + number[11:18])


def card_uses(api, number):
    """Every way a till presents a card number, as (what, response)."""
    yield "lookup", lookup(api, number)
    yield "get", api.get(f"/v1/cards/{number}")
    yield "purchase", api.post("/v1/purchases", api.purchase_body(card=number))
    yield "block", api.post(f"/v1/cards/{number}/block", {"reason": "lost"})


@pytest.mark.parametrize("kind,detail", [("mistyped", "check digit"),
                                         ("forged", "not a card number issued")])
def test_a_changed_or_forged_card_number_is_400_invalid_card_number(api, kind, detail):
    _, card = api.new_member()
    number = {"mistyped": mistyped, "forged": forged}[kind](card["number"])
    before = api.totals()
    for what, r in card_uses(api, number):
        body = assert_problem(r, 400, "invalid-card-number")
        assert detail in body.get("detail", ""), (what, body)
        if what in ("lookup", "purchase"):
            assert body.get("field") == "card", (what, body)
    assert api.totals() == before


@pytest.mark.parametrize("kind", ["mistyped", "forged"])
def test_a_bad_card_number_is_refused_the_same_whether_or_not_a_card_is_near_it(api, kind):
    """The checks need no database: an invented number gets the same answer
    as a corrupted real one."""
    make = {"mistyped": mistyped, "forged": forged}[kind]
    _, card = api.new_member()
    near_real = make(card["number"])
    invented = make(with_luhn("8" + "%010d" % random.randrange(10**10) +
                              "%07d" % random.randrange(10**7)))
    a, b = lookup(api, near_real).json(), lookup(api, invented).json()
    assert a == b


@pytest.mark.parametrize("number,detail", [
    ("8123456789012345678A", "only digits"),
    ("8123.4567.8901.2345.678", "only digits"),
    ("812345678901234567", "19 digits"),
    ("81234567890123456789", "19 digits"),
    ("4111111111111111111", "start with 8"),
    ("", None),
])
def test_malformed_card_numbers_are_400_invalid_card_number(api, number, detail):
    r = lookup(api, number)
    body = assert_problem(r, 400, "invalid-card-number", "card")
    if detail:
        assert detail in body.get("detail", ""), body


def test_card_numbers_follow_the_documented_mac(api):
    """docs/cards.md: digits 12-18 are BLAKE2b(secret; context, program, serial) mod 10^7."""
    secret = api.server.card_secret()
    for _ in range(3):
        _, card = api.new_member()
        assert card_from_serial(secret, 1, card["number"][1:11]) == card["number"]


def test_a_valid_number_that_was_never_issued_is_404_and_reveals_nothing(api):
    secret = api.server.card_secret()
    number = card_from_serial(secret, 1, "%010d" % random.randrange(10**10))
    before = api.totals()
    answers = [r for _, r in card_uses(api, number)]
    for r in answers:
        body = assert_problem(r, 404, "not-found")
        assert not {"member", "member_id", "name", "email", "balance", "number"} & set(body)
    assert api.totals() == before


def test_a_card_of_another_program_is_not_ours(api):
    secret = api.server.card_secret()
    number = card_from_serial(secret, 2, "%010d" % random.randrange(10**10))
    body = assert_problem(lookup(api, number), 400, "invalid-card-number", "card")
    assert "not a card number issued" in body["detail"]


def test_a_card_of_another_installation_never_reveals_anything(api, tmp_path):
    db = scratch_db(tmp_path, "elsewhere")  # an SQLite file, or a PostgreSQL database
    subprocess.run([api.server.binary, "init", "--db", str(db)], check=True, capture_output=True)
    out = subprocess.run([api.server.binary, "member", "enrol", "--name", "Elsewhere Person",
                          "--db", str(db)], capture_output=True, text=True, check=True)
    m = re.search(r"^card (8\d{18})$", out.stdout, re.M)
    assert m, f"no card number in `fidelis member enrol` output: {out.stdout}"
    foreign = m.group(1)
    before = api.totals()
    for what, r in card_uses(api, foreign):
        body = assert_problem(r, 400, "invalid-card-number")
        assert "not a card number issued" in body.get("detail", ""), (what, body)
        assert not {"member", "member_id", "name", "email", "balance"} & set(body)
    assert api.totals() == before


def test_the_current_card_is_listed_however_many_cards_were_replaced(clock_api):
    api = clock_api
    start = dt.datetime(2031, 3, 1, 9, tzinfo=dt.timezone.utc)
    api.set_clock(start)
    member, card = api.new_member()
    for i in range(21):
        api.set_clock(start + dt.timedelta(days=i + 1))
        r = api.post(f"/v1/cards/{card['number']}/block", {"reason": "lost", "replace": True})
        assert r.status_code == 200, r.text
        card = r.json()["replacement"]
    shown = api.member(member["id"])
    active = [c["number"] for c in shown["cards"] if c["status"] == "active"]
    assert active == [card["number"]], "the member's only active card is not listed"
