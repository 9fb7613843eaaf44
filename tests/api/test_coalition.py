"""Coalitions: partner merchants sharing one currency of points. Points earned at
a partner's store are that partner's; points of partner A redeemed at a store of
partner B become settlement items (A owes B points x A's settlement rate, rounded
by the program's rounding) in the redemption's transaction; a refund giving them
back reverses them; the settlement report per pair, settling (idempotent, a
second settle has nothing to do) and a settlement by id. The worked example has
three partners; hostile input on the new endpoints and program-file keys changes
nothing."""
import datetime as dt

import pytest

from conftest import program_server
from fidelis_api import assert_problem, line, unique

PROGRAM = """
program:
  name: City Coalition
  currency: EUR
  time_zone: Europe/Madrid
  rounding: down
points:
  value: 0.01
partners:
  - id: bakery
    name: Bakery Ana
    stores: [A1, A2]
    settlement_rate: 0.010
  - id: cinema
    name: Cinema Bel
    stores: [B1]
    settlement_rate: 0.008
  - id: fuel
    name: Fuel Cor
    stores: [C1]
    settlement_rate: 0.005
earn:
  - id: base
    rate: 1
  - id: bakery-bonus
    partners: [bakery]
    bonus: 7
rewards:
  items:
    - {id: pin, name: Pin, kind: merchandise, cost: 30}
"""

NOW = dt.datetime(2031, 5, 14, 10, 0, 0, tzinfo=dt.timezone.utc)
TODAY = "2031-05-14"


@pytest.fixture(scope="module")
def capi(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own: settlements are program-wide."""
    with program_server(tmp_path_factory, fidelis_bin, openapi, "coalition", PROGRAM, clock=NOW) as api:
        yield api


def buy(api, member_id, store, amount_minor, redeem=None, expect=201):
    extra = {"store": store} if store else {}
    return api.purchase(member_id, lines=[line("X", 1, amount_minor)],
                        redeem_points=redeem, expect=expect, **extra)


def report(api, status="open", frm=TODAY, to=TODAY):
    r = api.get("/v1/settlements", params={"from": frm, "to": to, "status": status},
                key="admin")
    assert r.status_code == 200, r.text
    return {(p["issuer"], p["redeemer"]): (p["points"], p["amount"])
            for p in r.json()["pairs"]}


def items(api):
    return api.server.sql("SELECT issuer, redeemer, points, amount_minor, settlement_id"
                          " FROM settlement_items ORDER BY id")


def state(api):
    return (items(api), api.server.sql("SELECT * FROM settlements ORDER BY id"),
            api.server.sql("SELECT * FROM settlement_lines ORDER BY settlement_id, issuer"))


def test_the_worked_example_with_three_partners(capi):
    # By hand: the bakery rule gives 1 point per euro + 7 per purchase there.
    m1, _ = capi.new_member()
    p = buy(capi, m1["id"], "A1", 10000)                 # 100 + 7 = 107 bakery points
    assert p["points_earned"] == 107, p
    assert buy(capi, m1["id"], "C1", 5100)["points_earned"] == 51  # fuel
    assert capi.balance(m1["id"])["total"] == 158
    assert buy(capi, m1["id"], "B1", 20000, redeem=158)["points_redeemed"] == 158
    m2, _ = capi.new_member()
    buy(capi, m2["id"], "A2", 3300)                      # 33 + 7 = 40 bakery points
    buy(capi, m2["id"], "B1", 1000, redeem=40)
    # bakery owes cinema (107 + 40) x 0.010 EUR; fuel owes 51 x 0.005 = 0.255 -> 0.25
    # (rounded down, the program's rounding), per redemption.
    assert report(capi) == {("bakery", "cinema"): (147, 107 + 40),
                            ("fuel", "cinema"): (51, 25)}
    # The ledger stays double-entry and every item is in the database.
    assert sorted(i[:4] for i in items(capi)) == [("bakery", "cinema", 40, 40),
                                            ("bakery", "cinema", 107, 107),
                                            ("fuel", "cinema", 51, 25)]


def test_points_of_a_partner_redeemed_at_that_partner_make_no_item(capi):
    # Redemptions pay the whole basket, so they earn no base points (the
    # bakery's bonus of 7 per purchase still comes, and stays unspent).
    before = items(capi)
    m, _ = capi.new_member()
    buy(capi, m["id"], "A1", 1000)                       # 10 + 7 bakery points
    assert buy(capi, m["id"], "A2", 17, redeem=17)["points_redeemed"] == 17
    m2, _ = capi.new_member()
    buy(capi, m2["id"], "B1", 2000)                      # 20 cinema points
    assert buy(capi, m2["id"], "B1", 20, redeem=20)["points_redeemed"] == 20
    m3, _ = capi.new_member()
    buy(capi, m3["id"], None, 2000)                      # no store: no partner's points
    assert buy(capi, m3["id"], "C1", 20, redeem=20)["points_redeemed"] == 20
    assert capi.balance(m2["id"])["total"] == 0 and capi.balance(m3["id"])["total"] == 0
    assert items(capi) == before


def test_a_refund_of_a_redemption_reverses_its_items(capi):
    before = report(capi)
    m, _ = capi.new_member()
    buy(capi, m["id"], "A1", 5000)                       # 57 bakery points
    p = buy(capi, m["id"], "B1", 1000, redeem=57)
    after = report(capi)
    assert after[("bakery", "cinema")] == (before[("bakery", "cinema")][0] + 57,
                                           before[("bakery", "cinema")][1] + 57)
    capi.refund(p["txn_id"])
    assert capi.balance(m["id"])["total"] == 57
    assert report(capi) == before
    reversal = items(capi)[-1]
    assert (reversal[0], reversal[2], reversal[3]) == ("bakery", -57, -57)


def test_a_refund_whose_points_pay_a_debt_still_reverses_its_items(capi):
    """The give-back of a refunded redemption first pays the member's debt
    (points clawed back after they were spent), so the points do not return
    to the bakery's lot — yet the bakery no longer owes the cinema for them."""
    before = report(capi)
    m, _ = capi.new_member()
    earned = buy(capi, m["id"], "A1", 5000)              # 57 bakery points
    spent = buy(capi, m["id"], "B1", 1000, redeem=57)
    pair = ("bakery", "cinema")
    assert report(capi)[pair][0] == before.get(pair, (0, 0))[0] + 57
    capi.refund(earned["txn_id"])                        # the 57 are gone: a debt
    assert capi.balance(m["id"])["total"] == spent["points_earned"] - 57 < 0
    back = capi.refund(spent["txn_id"])
    assert back["points_returned"] == 57 and capi.balance(m["id"])["total"] == 0
    assert report(capi) == before
    reversal = items(capi)[-1]
    assert (reversal[0], reversal[1], reversal[2], reversal[3]) == ("bakery", "cinema", -57, -57)


def test_settling_closes_the_items_and_a_second_settle_has_nothing_to_do(capi):
    owed = report(capi)
    r = capi.post("/v1/settlements", {"until": TODAY}, key="admin")
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["until"] == TODAY and s["id"] > 0
    assert {(l["issuer"], l["redeemer"]): (l["points"], l["amount"]) for l in s["lines"]} \
        == owed
    assert s["amount"] == sum(v[1] for v in owed.values())
    assert all(i[4] == s["id"] for i in items(capi))
    assert report(capi) == {}
    assert report(capi, "all") == owed
    got = capi.get(f"/v1/settlements/{s['id']}", key="admin")
    assert got.status_code == 200 and got.json() == s
    # the same request again is a replay; a new one has nothing to settle
    again = capi.post("/v1/settlements", {"until": TODAY}, key="admin",
                      idempotency_key=r.request.headers["Idempotency-Key"])
    assert again.status_code == 201 and again.json() == s
    before = state(capi)
    empty = capi.post("/v1/settlements", {"until": TODAY}, key="admin")
    assert empty.status_code == 200, empty.text
    assert empty.json()["id"] is None and empty.json()["lines"] == []
    assert state(capi) == before


@pytest.mark.parametrize("params, field", [
    ({"to": TODAY}, "from"),
    ({"from": TODAY}, "to"),
    ({"from": "2031-13-01", "to": TODAY}, "from"),
    ({"from": "14/05/2031", "to": TODAY}, "from"),
    ({"from": TODAY, "to": "2031-05-14T00:00:00Z"}, "to"),
    ({"from": TODAY, "to": "x" * 5000}, "to"),
    ({"from": TODAY, "to": "2031-05-13"}, "to"),
    ({"from": TODAY, "to": TODAY, "status": "settled'--"}, "status"),
])
def test_a_bad_report_query_is_refused(capi, params, field):
    r = capi.get("/v1/settlements", params=params, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field, r.json()


@pytest.mark.parametrize("body, field", [
    ({}, "until"),
    ({"until": None}, "until"),
    ({"until": 20310514}, "until"),
    ({"until": "2031-02-30"}, "until"),
    ({"until": "'; DROP TABLE settlements; --"}, "until"),
    ({"until": "9" * 5000}, "until"),
    ({"until": TODAY, "extra": 1}, "extra"),
])
def test_a_bad_settle_changes_nothing(capi, body, field):
    m, _ = capi.new_member()
    buy(capi, m["id"], "A1", 1000)
    buy(capi, m["id"], "B1", 1000, redeem=17)            # an open item to tempt it
    before = state(capi)
    r = capi.post("/v1/settlements", body, key="admin")
    assert r.status_code in (400, 422), r.text
    assert r.json()["field"] == field, r.json()
    assert state(capi) == before


def test_settlements_need_the_admin_key_and_a_real_id(capi):
    before = state(capi)
    assert_problem(capi.post("/v1/settlements", {"until": TODAY}, key="pos"), 403,
                   "forbidden")
    r = capi.get("/v1/settlements", params={"from": TODAY, "to": TODAY}, key="pos")
    assert r.status_code == 403, r.text
    assert_problem(capi.get("/v1/settlements/abc", key="admin"), 404, "not-found", "id")
    assert_problem(capi.get("/v1/settlements/99999999", key="admin"), 404, "not-found",
                   "id")
    assert state(capi) == before


HEAD = """
program:
  name: Bad
  currency: EUR
  time_zone: Europe/Madrid
"""


@pytest.mark.parametrize("body, field", [
    ("partners: {id: a}\n", "partners"),
    ("partners: []\n", "partners"),
    ("partners:\n  - {id: a, name: A, stores: [S1]}\n", "partners[0].settlement_rate"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: -1}\n",
     "partners[0].settlement_rate"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: abc}\n",
     "partners[0].settlement_rate"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: 10}\n",
     "partners[0].settlement_rate"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: '0.01'}\n",
     "partners[0].settlement_rate"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: 0.01, fee: 1}\n",
     "partners[0].fee"),
    ("partners:\n  - {id: 'a b', name: A, stores: [S1], settlement_rate: 0.01}\n",
     "partners[0].id"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: 0.01}\n"
     "  - {id: a, name: B, stores: [S2], settlement_rate: 0.01}\n", "partners[1].id"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: 0.01}\n"
     "  - {id: b, name: B, stores: [S2, S1], settlement_rate: 0.01}\n",
     "partners[1].stores"),
    ("partners:\n  - {id: a, name: A, stores: S1, settlement_rate: 0.01}\n",
     "partners[0].stores"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: 0.01}\n"
     "earn:\n  - {id: r, rate: 1, partners: [zz]}\n", "earn[0].partners"),
    ("partners:\n  - {id: a, name: A, stores: [S1], settlement_rate: 0.01}\n"
     "earn:\n  - {id: r, rate: 1, partners: [a], stores: [S9]}\n", "earn[0].partners"),
    ("earn:\n  - {id: r, rate: 1, partners: [a]}\n", "earn[0].partners"),
    ("partners:\n  - {id: a, name: '%s', stores: [S1], settlement_rate: 0.01}\n"
     % ("n" * 81), "partners[0].name"),
    ("partners:\n" + "".join(
        f"  - {{id: p{i}, name: P, stores: [S{i}], settlement_rate: 0.01}}\n"
        for i in range(33)), "partners"),
])
def test_bad_partners_in_a_program_file_are_refused(capi, body, field):
    before = capi.get("/v1/program/versions", key="admin").json()["versions"]
    r = capi.post("/v1/program/versions", {"source": HEAD + body}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field, r.json()
    assert "line" in r.json()["detail"]
    assert capi.get("/v1/program/versions", key="admin").json()["versions"] == before


def test_explain_names_the_partners_in_each_language(tmp_path):
    import subprocess
    from fidelis_api import FIDELIS_BIN
    f = tmp_path / "coalition.yaml"
    f.write_text(PROGRAM)
    words = {"en": "Partners", "es": "Socios", "ca": "Socis", "ru": "Партнёры"}
    for lang, heading in words.items():
        out = subprocess.run([str(FIDELIS_BIN), "program", "explain", str(f), "--lang",
                              lang], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "## " + heading in out.stdout, out.stdout
        assert "Bakery Ana (bakery)" in out.stdout and "A1, A2" in out.stdout
        assert "0.01 EUR" in out.stdout and "0.005 EUR" in out.stdout, out.stdout


def test_a_reward_reserved_at_a_partner_and_cancelled(capi):
    """Last in the module: registering stores makes every purchase name one."""
    for code in ("A1", "A2", "B1", "C1"):
        r = capi.post("/v1/stores", {"code": code, "name": code, "time_zone": "UTC"},
                      key="admin")
        assert r.status_code == 201, r.text
    r = capi.post("/v1/staff", {"login": "bea-" + unique(), "name": "Bea", "role": "cashier",
                                "store": "B1", "password": "correct horse battery"},
                  key="admin")
    assert r.status_code == 201, r.text
    r = capi.post("/v1/sessions", {"login": r.json()["login"],
                                   "password": "correct horse battery"},
                  key=None, idempotency_key=None)
    assert r.status_code == 201, r.text
    cashier = r.json()["token"]
    m, _ = capi.new_member()
    buy(capi, m["id"], "A1", 1000)                       # 17 bakery points
    buy(capi, m["id"], "B1", 2000)                       # 20 cinema points, later lot
    before = report(capi)
    r = capi.post(f"/v1/members/{m['id']}/redemptions", {"reward_id": "pin"}, key=cashier)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    last = capi.server.sql("SELECT issuer, redeemer, points, amount_minor, redemption_id"
                           " FROM settlement_items ORDER BY id DESC LIMIT 1")
    assert last == [("bakery", "cinema", 17, 17, rid)]  # 17 of the 30 were the bakery's
    got = report(capi)
    assert got[("bakery", "cinema")][0] == before[("bakery", "cinema")][0] + 17
    r = capi.post(f"/v1/redemptions/{rid}/cancel", {}, key=cashier)
    assert r.status_code == 200, r.text
    assert report(capi) == before


def test_the_program_lists_its_partners_and_a_partner_key_knows_whose_it_is(capi):
    program = capi.get("/v1/program").json()
    assert program["name"] == "City Coalition" and program["version"] >= 1
    assert [(p["id"], p["name"], p["stores"]) for p in program["partners"]] == [
        ("bakery", "Bakery Ana", ["A1", "A2"]), ("cinema", "Cinema Bel", ["B1"]),
        ("fuel", "Fuel Cor", ["C1"])]
    r = capi.post("/v1/keys", {"name": "bakery till", "scopes": "pos", "partner": "bakery"},
                  key="admin")
    assert r.status_code == 201 and r.json()["partner"] == "bakery", r.text
    me = capi.get("/v1/me", key=r.json()["key"]).json()
    assert me["partner"] == "bakery" and me["kind"] == "key" and me["scopes"] == ["pos"]
    assert me["role"] is None and me["actor"] == f"key:{r.json()['key_id']}"
    operator = capi.get("/v1/me", key="admin").json()
    assert operator["partner"] is None and operator["scopes"] == ["pos", "admin"]
