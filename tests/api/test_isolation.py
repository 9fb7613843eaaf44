"""Isolation of programs (tenants) on every endpoint (issue 4): a key of program 2
given program 1's ids, codes, numbers or txn ids gets exactly the answer it gets
for an id that does not exist (same status, problem type, field and detail, the
ids aside) and changes nothing; lists and reports of program 2 show nothing of
program 1; writes of program 2 that reuse program 1's names live apart.

The proof is table-driven over routes.c's route table: every route must have an
entry in PROBES, LISTS, WRITES or INSTALLATION (test_every_route_has_an_entry),
so a new route without one fails here.

A server of the module's own runs two programs with the same program file
(partners, rewards, coupons, referrals, membership, stamps), except that the
ids of rewards and coupon campaigns carry the program's number, so that a
program-1 reward or campaign id is an id program 2 does not have.
"""
import datetime as dt
import random
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from typing import Optional

import pytest

from conftest import program_server
from test_referrals import referral_code
from fidelis_api import (TEST_PG, assert_problem, line, route_table, unique,
                         unique_email, unique_phone, with_luhn)

NOW = dt.datetime(2031, 5, 14, 10, 0, 0, tzinfo=dt.timezone.utc)
TODAY = "2031-05-14"
PASSWORD = "correct horse battery"

PROGRAM = """
program:
  name: Tenant {n}
  currency: EUR
  time_zone: Europe/Madrid
  rounding: down
points:
  value: 0.01
  expiry_months: 12
partners:
  - {{id: bakery, name: Bakery, stores: [A1], settlement_rate: 0.010}}
  - {{id: cinema, name: Cinema, stores: [B1], settlement_rate: 0.010}}
earn:
  - id: base
    rate: 1
rewards:
  hold_minutes: 15
  items:
    - {{id: pin-{n}, name: Pin, kind: merchandise, cost: 10}}
coupons:
  - id: gen-{n}
    code: GEN{n}CODE
    effect: {{amount: 1.00}}
  - id: welcome-{n}
    single_use: true
    effect: {{amount: 1.00}}
referrals:
  referrer_points: 50
  referee_points: 25
  min_spend: 1.00
  return_days: 30
membership:
  name: Executive
  fee: 60.00
  cashback_percent: 2
  cashback_cap: 100.00
  advisor: true
stamps:
  - id: coffee-{n}
    name: Coffee card
    goal: 10
    per: item
    categories: [coffee]
    reward:
      points: 100
"""

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Tables whose rows may change while program 2 is refused: none of them holds
# program 1's data (program 2's own idempotency records and its keys' use).
VOLATILE = {"sqlite_sequence", "idempotency"}


def program_file(n):
    return PROGRAM.format(n=n)


def ok(r, status=(200, 201)):
    status = (status,) if isinstance(status, int) else status
    assert r.status_code in status, f"{r.request.method} {r.url}: {r.status_code} {r.text}"
    return r.json()


def login_as(api, login):
    r = api.post("/v1/sessions", {"login": login, "password": PASSWORD}, key=None,
                 idempotency_key=None)
    return ok(r, 201)["token"]


def made_up_code():
    return "-".join("".join(random.choice(CROCKFORD) for _ in range(4)) for _ in range(4))


# ------------------------------------------------------------------ world --

@pytest.fixture(scope="module")
def world(tmp_path_factory, fidelis_bin, openapi):
    """Program 1's records of every kind (and a few of program 2's own to act
    on), on a server of the module's own."""
    with program_server(tmp_path_factory, fidelis_bin, openapi, "isolation", program_file(1),
                        clock=NOW, programs=(1, 2)) as api:
        other = api.tenant(2)
        ok(other.post("/v1/program/versions", {"source": program_file(2),
                                               "effective_from": "2020-01-01T00:00:00Z"},
                      key="admin"), 201)
        yield build_world(api, other)


def build_world(api, other):
    w = {"api": api, "other": other}
    # -- program 1 --
    for code in ("A1", "B1", "S-P1"):
        ok(api.post("/v1/stores", {"code": code, "name": f"Store {code}", "time_zone": "UTC"},
                    key="admin"), 201)
    token = unique("tok")
    email, phone = unique_email(), unique_phone()
    m, card = api.new_member(name=f"Isolated Person {token}", email=email, phone=phone)
    w.update(member=m["id"], card=card["number"], token=token, email=email, phone=phone)
    ok(api.put(f"/v1/members/{m['id']}/segments", {"segments": ["vip"]}, key="admin"))
    w["referral_code"] = ok(api.get(f"/v1/members/{m['id']}/referral"))["code"]
    api.new_member(referral_code=w["referral_code"])
    p = api.purchase(m["id"], store="A1", lines=[line("ESP", 3, 1000, category="coffee"),
                                                 line("CAKE", 2, 2000)])
    w["txn"] = p["txn_id"]
    w["refund_id"] = api.refund(p["txn_id"], [{"line": 2, "quantity": 1}])["refund_id"]
    w["redemption"] = ok(api.post(f"/v1/members/{m['id']}/redemptions",
                                  {"reward_id": "pin-1"}, key="pos"), 201)["id"]
    g = ok(api.post("/v1/gift-cards", {"amount": 5000, "currency": "EUR",
                                       "member_id": m["id"]}), 201)
    w["gift"] = g["number"]
    w["gift_txn"] = unique("G-")
    ok(api.post(f"/v1/gift-cards/{g['number']}/redemptions",
                {"amount": 1000, "txn_id": w["gift_txn"]}), 201)
    w["fee_txn"] = unique("FEE-")
    ok(api.post(f"/v1/members/{m['id']}/membership", {"txn_id": w["fee_txn"]},
                idempotency_key=None), 201)
    w["blocked_gift"] = ok(api.post("/v1/gift-cards", {"amount": 100, "currency": "EUR"}),
                           201)["number"]
    ok(api.post(f"/v1/gift-cards/{w['blocked_gift']}/block", None, key="admin",
                idempotency_key=None))
    w["staff_login"] = "p1-" + unique().lower()[-8:]
    w["staff"] = ok(api.post("/v1/staff", {"login": w["staff_login"], "name": "Ana",
                                           "role": "cashier", "store": "S-P1",
                                           "password": PASSWORD}, key="admin"), 201)["id"]
    cashier = login_as(api, w["staff_login"])
    ok(api.post("/v1/purchases", api.purchase_body(m["id"]), key=cashier), 201)
    # a settled settlement, and one open item after it
    m2, _ = api.new_member()
    api.purchase(m2["id"], store="A1", lines=[line("X", 1, 1000)])
    api.purchase(m2["id"], store="B1", lines=[line("X", 1, 1000)], redeem_points=10)
    w["settlement"] = ok(api.post("/v1/settlements", {"until": TODAY}, key="admin"), 201)["id"]
    api.purchase(m2["id"], store="A1", lines=[line("X", 1, 1000)])
    api.purchase(m2["id"], store="B1", lines=[line("X", 1, 1000)], redeem_points=10)
    w["coupon"] = ok(api.post("/v1/coupons/welcome-1/codes", {"count": 1}, key="admin"),
                     201)["codes"][0]
    ok(api.put("/v1/currencies/SEK/rates", {"rate": "0.088",
                                            "effective_from": "2031-05-01T00:00:00Z"},
               key="admin", idempotency_key=None), 201)
    # -- program 2's own member, staff account and gift card to act on --
    theirs, _ = other.new_member()
    w["theirs"] = theirs["id"]
    ok(other.post("/v1/stores", {"code": "S-P2", "name": "Theirs", "time_zone": "UTC"},
                  key="admin"), 201)
    w["their_staff"] = ok(other.post("/v1/staff", {
        "login": "p2-" + unique().lower()[-8:], "name": "Bo", "role": "cashier",
        "store": "S-P2", "password": PASSWORD}, key="admin"), 201)["id"]
    w["their_gift"] = ok(other.post("/v1/gift-cards", {"amount": 5000, "currency": "EUR"}),
                         201)["number"]
    return w


# --------------------------------------------------------- program 1's state --

def table_rows(server):
    """{table: sorted rows as text} of every table of the database."""
    out = {}
    if not TEST_PG:
        con = sqlite3.connect(f"file:{server.db}?mode=ro", uri=True, timeout=10)
        try:
            for stmt in con.iterdump():
                m = re.match(r'INSERT INTO "(\w+)"', stmt)
                if m:
                    out.setdefault(m.group(1), []).append(stmt)
        finally:
            con.close()
    else:
        dump = subprocess.run(["pg_dump", "--data-only", "-d", server.db], capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert dump.returncode == 0, dump.stderr
        table = None
        for row in dump.stdout.splitlines():
            m = re.match(r"COPY public\.(\w+) ", row)
            if m:
                table = m.group(1)
                out.setdefault(table, [])
            elif row == "\\.":
                table = None
            elif table:
                out[table].append(row)
    assert {"members", "purchases", "entries", "staff", "sv_cards"} <= set(out), sorted(out)
    return {t: sorted(rows) for t, rows in out.items() if t not in VOLATILE}


def row_counts(server):
    tables = ("members", "cards", "purchases", "refunds", "entries", "reward_redemptions",
              "sv_cards", "sv_entries", "stores", "staff", "settlement_items", "settlements",
              "coupon_codes", "coupon_uses", "referrals", "memberships", "currency_rates",
              "member_segments", "audit_log")
    q = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
    return dict(zip(tables, server.sql(q)[0]))


def program1_view(w):
    """Program 1's own answers about its records."""
    api, m = w["api"], w["member"]
    paths = [f"/v1/members/{m}", f"/v1/members/{m}/balance", f"/v1/members/{m}/ledger",
             f"/v1/members/{m}/segments", f"/v1/members/{m}/redemptions",
             f"/v1/members/{m}/membership", f"/v1/members/{m}/referrals",
             f"/v1/members/{m}/stamps", f"/v1/cards/{w['card']}", f"/v1/purchases/{w['txn']}",
             f"/v1/redemptions/{w['redemption']}", f"/v1/gift-cards/{w['gift']}",
             "/v1/currencies/SEK/rates"]
    view = {p: ok(api.get(p)) for p in paths}
    for p in ("/v1/program", "/v1/program/versions", "/v1/stores", "/v1/staff",
              f"/v1/settlements/{w['settlement']}"):
        view[p] = ok(api.get(p, key="admin"))
    view["totals"] = {k: v for k, v in api.totals().items() if 'program="1"' in k}
    return view


def program_rows(server, program=1):
    """{table: sorted rows} of the rows of one program in every table that has
    a program_id column (program 2's own writes add rows to the others)."""
    if TEST_PG:
        tables = [t for (t,) in server.sql(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND column_name = 'program_id' ORDER BY 1")]
    else:
        tables = [t for (t,) in server.sql(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
            " WHERE m.type = 'table' AND c.name = 'program_id' ORDER BY 1")]
    assert len(tables) > 20, tables
    return {t: sorted(map(repr, server.sql(f"SELECT * FROM {t} WHERE program_id = {program}")))
            for t in tables if t not in VOLATILE}


def snapshot(w, scope="all"):
    """What program 2's request must not change: with scope "all" every row of
    the database (nothing at all changes), with "program1" program 1's rows."""
    server = w["api"].server
    if scope == "all":
        return {"rows": table_rows(server), "counts": row_counts(server),
                "view": program1_view(w)}
    return {"rows": program_rows(server), "counts": {}, "view": program1_view(w)}


def assert_unchanged(before, after):
    assert after["view"] == before["view"]
    assert after["counts"] == before["counts"]
    changed = {t for t in set(before["rows"]) | set(after["rows"])
               if before["rows"].get(t) != after["rows"].get(t)}
    assert not changed, f"tables changed: {sorted(changed)}"


# ------------------------------------------------------------------ probes --

@dataclass
class Probe:
    """One request of program 2 naming program 1's record (REAL) or a made-up
    one (FAKE). Strings "{name}" in path, body and params take the value of
    that name (ints stay ints). ok: both answers are a success and equal."""
    method: str
    path: str
    body: Optional[dict] = None
    params: Optional[dict] = None
    key: str = "pos"
    ok: bool = False
    note: str = ""

    def fill(self, values):
        def sub(v):
            if isinstance(v, str):
                m = re.fullmatch(r"\{(\w+)\}", v)
                if m:
                    return values[m.group(1)]
                return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), v)
            if isinstance(v, dict):
                return {k: sub(x) for k, x in v.items()}
            if isinstance(v, list):
                return [sub(x) for x in v]
            return v
        return sub(self.path), sub(self.body), sub(self.params)


def real_values(w):
    return {k: w[k] for k in ("member", "card", "txn", "redemption", "gift", "gift_txn",
                              "staff", "settlement", "coupon", "referral_code", "email",
                              "phone", "refund_id", "fee_txn", "blocked_gift")} | {
        "store": "S-P1", "campaign": "welcome-1", "reward": "pin-1", "generic": "GEN1CODE",
        "rate_code": "SEK", "theirs": w["theirs"], "their_staff": w["their_staff"],
        "their_gift": w["their_gift"], "uniq": unique("U-"),
            "login": "n-" + unique().lower()[-10:]}


def fake_values(w):
    return {"member": 999999, "card": with_luhn("8" + "".join(random.choice("0123456789")
                                                             for _ in range(17))),
            "txn": "NO-SUCH-TXN", "redemption": 999999,
            "gift": with_luhn("6" + "".join(random.choice("0123456789") for _ in range(17))),
            "gift_txn": "NO-SUCH-GIFT-TXN", "staff": 999999, "settlement": 99999999,
            "refund_id": "NO-SUCH-REFUND", "fee_txn": "NO-SUCH-FEE",
            "blocked_gift": with_luhn("6" + "".join(random.choice("0123456789")
                                                    for _ in range(17))),
            "coupon": made_up_code(),
            "referral_code": referral_code(bytes(32), 2, random.randrange(1, 10**6)),
            "email": unique_email(), "phone": unique_phone(), "store": "NOPE",
            "campaign": "welcome-9", "reward": "pin-9", "generic": "GEN9CODE",
            "rate_code": "NOK", "theirs": w["theirs"], "their_staff": w["their_staff"],
            "their_gift": w["their_gift"], "uniq": unique("U-"),
            "login": "n-" + unique().lower()[-10:]}


M = "/v1/members/{member}"
PURCHASE = {"txn_id": "{uniq}", "currency": "EUR", "lines": [line()]}

# route name -> the requests of program 2 that name program 1's records
PROBES = {
    "member_lookup": [Probe("GET", "/v1/members", params={"email": "{email}"}),
                      Probe("GET", "/v1/members", params={"phone": "{phone}"}),
                      Probe("GET", "/v1/members", params={"card": "{card}"})],
    "member_get": [Probe("GET", M)],
    "balance_get": [Probe("GET", M + "/balance")],
    "ledger_get": [Probe("GET", M + "/ledger")],
    "card_issue": [Probe("POST", M + "/cards")],
    "segments_get": [Probe("GET", M + "/segments")],
    "segments_set": [Probe("PUT", M + "/segments", {"segments": ["gold"]}, key="admin")],
    "adjustment_create": [Probe("POST", M + "/adjustments", {"points": 5, "reason": "x"},
                                key="admin")],
    "card_get": [Probe("GET", "/v1/cards/{card}")],
    "card_block": [Probe("POST", "/v1/cards/{card}/block", {"reason": "stolen"})],
    "member_enrol": [Probe("POST", "/v1/members", {"name": "Friend",
                                                   "referral_code": "{referral_code}"})],
    "purchase_create": [
        Probe("POST", "/v1/purchases", dict(PURCHASE, member_id="{member}")),
        Probe("POST", "/v1/purchases", dict(PURCHASE, card="{card}")),
        Probe("POST", "/v1/purchases", dict(PURCHASE, member_id="{theirs}",
                                            coupons=["{coupon}"]), key="fresh"),
        Probe("POST", "/v1/purchases", dict(PURCHASE, member_id="{theirs}",
                                            coupons=["{generic}"]), key="fresh")],
    "purchase_dry_run": [
        Probe("POST", "/v1/purchases/dry-run", dict(PURCHASE, member_id="{member}")),
        Probe("POST", "/v1/purchases/dry-run", dict(PURCHASE, card="{card}"))],
    "purchase_get": [Probe("GET", "/v1/purchases/{txn}")],
    "refund_create": [
        Probe("POST", "/v1/purchases/{txn}/refunds", {"refund_id": "{uniq}"}),
        # program 1's own refund again (a replay must not answer across programs)
        Probe("POST", "/v1/purchases/{txn}/refunds",
              {"refund_id": "{refund_id}", "lines": [{"line": 2, "quantity": 1}]})],
    "may_buy": [Probe("GET", M + "/may-buy", params={"sku": "SKU-1"})],
    "coupon_codes_create": [
        Probe("POST", "/v1/coupons/{campaign}/codes", {"count": 1}, key="admin"),
        Probe("POST", "/v1/coupons/welcome-2/codes", {"count": 1, "member_id": "{member}"},
              key="admin")],
    "coupon_check": [
        Probe("GET", "/v1/coupons/{coupon}/check",
              params={"member_id": "{theirs}", "total": 1000}, key="fresh"),
        Probe("GET", "/v1/coupons/{generic}/check",
              params={"member_id": "{theirs}", "total": 1000}, key="fresh"),
        Probe("GET", "/v1/coupons/GEN2CODE/check",
              params={"member_id": "{member}", "total": 1000}, key="fresh")],
    "member_stamps": [Probe("GET", M + "/stamps")],
    "redemption_reserve": [
        Probe("POST", M + "/redemptions", {"reward_id": "pin-2"}),
        Probe("POST", "/v1/members/{theirs}/redemptions", {"reward_id": "{reward}"})],
    "redemptions_list": [Probe("GET", M + "/redemptions")],
    "redemption_get": [Probe("GET", "/v1/redemptions/{redemption}")],
    "redemption_commit": [Probe("POST", "/v1/redemptions/{redemption}/commit",
                                {"txn_id": "{uniq}"})],
    "redemption_cancel": [Probe("POST", "/v1/redemptions/{redemption}/cancel", {})],
    "gift_card_sell": [Probe("POST", "/v1/gift-cards", {"amount": 100, "currency": "EUR",
                                                        "member_id": "{member}"})],
    "gift_card_get": [Probe("GET", "/v1/gift-cards/{gift}")],
    "gift_card_load": [Probe("POST", "/v1/gift-cards/{gift}/loads", {"amount": 100})],
    "gift_card_redeem": [
        Probe("POST", "/v1/gift-cards/{gift}/redemptions", {"amount": 100, "txn_id": "{uniq}"}),
        Probe("POST", "/v1/gift-cards/{gift}/redemptions",
              {"amount": 1000, "txn_id": "{gift_txn}"})],
    "gift_card_refund": [
        Probe("POST", "/v1/gift-cards/{gift}/refunds", {"amount": 100, "txn_id": "{gift_txn}"}),
        Probe("POST", "/v1/gift-cards/{their_gift}/refunds",
              {"amount": 100, "txn_id": "{gift_txn}"})],
    "gift_card_block": [Probe("POST", "/v1/gift-cards/{gift}/block"),
                        Probe("POST", "/v1/gift-cards/{blocked_gift}/block")],
    "membership_buy": [Probe("POST", M + "/membership", {"txn_id": "{uniq}"}),
                       Probe("POST", M + "/membership", {"txn_id": "{fee_txn}"})],
    "membership_get": [Probe("GET", M + "/membership")],
    "membership_advice": [Probe("GET", M + "/membership/advice")],
    "referral_code_get": [Probe("GET", M + "/referral")],
    "referrals_get": [Probe("GET", M + "/referrals")],
    "currency_rates_get": [Probe("GET", "/v1/currencies/{rate_code}/rates", ok=True)],
    "store_update": [Probe("PUT", "/v1/stores/{store}", {"name": "Mine", "time_zone": "UTC"},
                           key="admin")],
    "staff_create": [
        Probe("POST", "/v1/staff", {"login": "{login}", "name": "X", "role": "cashier",
                                    "store": "{store}", "password": PASSWORD}, key="admin"),
        Probe("POST", "/v1/staff", {"login": "{login}", "name": "X", "role": "admin",
                                    "member_id": "{member}", "password": PASSWORD},
              key="admin")],
    "staff_link": [
        Probe("PUT", "/v1/staff/{staff}/member", {"member_id": "{theirs}"}, key="admin"),
        Probe("PUT", "/v1/staff/{their_staff}/member", {"member_id": "{member}"},
              key="admin")],
    "staff_update": [
        Probe("PATCH", "/v1/staff/{staff}", {"disabled": True}, key="admin"),
        Probe("PATCH", "/v1/staff/{their_staff}", {"store": "{store}"}, key="admin")],
    "staff_password_set": [Probe("PUT", "/v1/staff/{staff}/password",
                                 {"password": "another long password"}, key="admin")],
    "settlement_get": [Probe("GET", "/v1/settlements/{settlement}", key="admin")],
}

PROBE_CASES = [(name, i, p) for name, ps in PROBES.items() for i, p in enumerate(ps)]


def names_in(probe):
    return set(re.findall(r"\{(\w+)\}", repr((probe.path, probe.body, probe.params))))


def normalized(resp, probe, values):
    """The answer with the ids the probe sent replaced by a placeholder."""
    text = resp.text
    for name in names_in(probe):
        text = re.sub(r"(?<![\w-])" + re.escape(str(values[name])) + r"(?![\w-])",
                      "<" + name + ">", text)
    return text


def fresh_key(other):
    r = other.post("/v1/keys", {"name": unique("iso-"), "scopes": "pos"}, key="admin")
    return ok(r, 201)["key"]


# the problem's `field` for an id in a path
PATH_FIELDS = {"member": "member_id", "theirs": "member_id", "card": "card", "txn": "txn_id",
               "redemption": "redemption_id", "gift": "number", "their_gift": "number",
               "B_gift": "number", "blocked_gift": "number", "B_staff": "staff_id",
               "staff": "staff_id", "their_staff": "staff_id", "settlement": "id",
               "coupon": "code", "generic": "code", "campaign": "campaign", "store": "code"}


def fields_named(probe):
    """The fields a refusal may name: where the probe put an id."""
    out = {PATH_FIELDS[n] for n in re.findall(r"\{(\w+)\}", probe.path)}
    for k, v in list((probe.body or {}).items()) + list((probe.params or {}).items()):
        if isinstance(v, list) and any("{" in str(x) for x in v):
            out.add(f"{k}[0]")
        elif "{" in str(v) and v != "{uniq}" and v != "{login}":
            out.add(k)
    return out


def send(other, probe, values, key):
    path, body, params = probe.fill(values)
    if probe.method in ("GET", "DELETE"):
        return other.get(path, params=params, key=key)
    return other.request(probe.method, path, json_body=body, params=params, key=key)


@pytest.mark.parametrize("name, i, probe", PROBE_CASES,
                         ids=[f"{n}-{i}" for n, i, _ in PROBE_CASES])
def test_program_1s_ids_are_to_program_2_as_ids_that_do_not_exist(world, name, i, probe):
    other = world["other"]
    key = fresh_key(other) if probe.key == "fresh" else probe.key
    real, fake = real_values(world), fake_values(world)
    before = snapshot(world)
    r_real = send(other, probe, real, key)
    r_fake = send(other, probe, fake, key)
    assert_unchanged(before, snapshot(world))
    what = f"{probe.method} {probe.fill(real)[0]} with program 2's key"
    if probe.ok:
        assert r_real.status_code == r_fake.status_code == 200, (r_real.text, r_fake.text)
    else:
        assert r_real.status_code >= 400, f"{what} was answered {r_real.status_code}: " \
                                          f"{r_real.text[:500]}"
    assert r_real.status_code == r_fake.status_code, (
        f"{what}: {r_real.status_code} {r_real.text[:300]}\n"
        f"made-up id: {r_fake.status_code} {r_fake.text[:300]}")
    a, b = normalized(r_real, probe, real), normalized(r_fake, probe, fake)
    if probe.ok:
        assert a == b, f"{what} differs from a made-up id:\n{a}\n{b}"
    else:
        pa, pb = r_real.json(), r_fake.json()
        assert (pa["type"], pa.get("field")) == (pb["type"], pb.get("field")), (a, b)
        assert pa.get("field") in fields_named(probe), \
            f"{what} was refused for something else than the id: {a}"
        assert a == b, f"{what} differs from a made-up id:\n{a}\n{b}"


# ------------------------------------------------------------------- lists --

def _program(w, other):
    got = ok(other.get("/v1/program"))
    assert got["id"] == 2 and "Tenant 1" not in str(got), got


def _versions(w, other):
    got = ok(other.get("/v1/program/versions", key="admin"))
    assert got["versions"] and "Tenant 1" not in str(got) and "pin-1" not in str(got), got
    assert all(v.get("program_id", 2) == 2 for v in got["versions"]), got


def _explain(w, other):
    r = other.get("/v1/program/explain")
    assert r.status_code == 200, r.text
    assert "Tenant 2" in r.text and "Tenant 1" not in r.text and "pin-1" not in r.text


def _lookup_by_name(w, other):
    assert ok(other.get("/v1/members", params={"q": w["token"]}))["members"] == []
    assert [x["id"] for x in ok(w["api"].get("/v1/members",
                                             params={"q": w["token"]}))["members"]] \
        == [w["member"]]


def _rewards(w, other):
    assert [x["id"] for x in ok(other.get("/v1/rewards"))["rewards"]] == ["pin-2"]


def _currencies(w, other):
    assert "SEK" not in [c["code"] for c in ok(other.get("/v1/currencies"))["currencies"]]
    assert "SEK" in [c["code"] for c in ok(w["api"].get("/v1/currencies"))["currencies"]]


def _stores(w, other):
    assert [s["code"] for s in ok(other.get("/v1/stores"))["stores"]] == ["S-P2"]


def _staff(w, other):
    logins = [s["login"] for s in ok(other.get("/v1/staff", key="admin"))["staff"]]
    assert logins and all(x.startswith("p2-") for x in logins), logins


def _audit_log(w, other):
    entries = ok(other.get("/v1/audit-log", key="admin", params={"limit": 100}))["entries"]
    mine = ok(w["api"].get("/v1/audit-log", key="admin", params={"limit": 100}))["entries"]
    assert entries and mine
    text = str(entries)
    for secret in (w["txn"], w["staff_login"], f"/v1/members/{w['member']}/", "S-P1"):
        assert secret not in text, f"{secret!r} in program 2's audit log"
        assert secret in str(mine), f"{secret!r} not in program 1's audit log"


def _staff_activity(w, other):
    params = {"from": "2031-05-13T00:00:00Z", "to": "2031-05-15T00:00:00Z"}
    theirs = ok(other.get("/v1/reports/staff-activity", key="admin", params=params))
    mine = ok(w["api"].get("/v1/reports/staff-activity", key="admin", params=params))
    assert w["staff_login"] in str(mine)
    assert w["staff_login"] not in str(theirs) and "S-P1" not in str(theirs)


def _settlements(w, other):
    for status in ("open", "all"):
        params = {"from": TODAY, "to": TODAY, "status": status}
        assert ok(other.get("/v1/settlements", key="admin", params=params))["pairs"] == []
        assert ok(w["api"].get("/v1/settlements", key="admin", params=params))["pairs"]


def _me(w, other):
    assert ok(other.get("/v1/me"))["program_id"] == 2
    assert ok(other.get("/v1/me", key="admin"))["program_id"] == 2


# route name -> a check that program 2's answer shows nothing of program 1's
LISTS = {
    "me": _me,
    "program_get": _program, "program_versions": _versions, "program_explain": _explain,
    "member_lookup": _lookup_by_name, "rewards_list": _rewards,
    "currencies_list": _currencies, "stores_list": _stores, "staff_list": _staff,
    "audit_log": _audit_log, "staff_activity": _staff_activity,
    "settlements_report": _settlements,
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_program_2s_lists_show_nothing_of_program_1(world, name):
    before = snapshot(world)
    LISTS[name](world, world["other"])
    assert_unchanged(before, snapshot(world))


# ------------------------------------------------------------------ writes --

def _apply(w, other):
    ok(other.post("/v1/program/versions", {"source": program_file(2).replace(
        "Tenant 2", "Tenant 2 again"), "effective_from": "2020-01-02T00:00:00Z"},
        key="admin"), 201)
    assert len(ok(other.get("/v1/program/versions", key="admin"))["versions"]) == 2


def _enrol(w, other):
    """The same email and phone as a member of program 1 are no duplicate."""
    got = ok(other.post("/v1/members", {"name": "Twin", "email": w["email"],
                                        "phone": w["phone"]}), 201)
    assert got["member"]["id"] != w["member"]


def _purchase(w, other):
    """Program 1's txn id is free in program 2 (no 409, no replay of program 1's)."""
    got = ok(other.post("/v1/purchases", other.purchase_body(
        w["theirs"], txn_id=w["txn"], lines=[line(unit_price=700)])), 201)
    assert got["member_id"] == w["theirs"] and got["points_earned"] == 7


def _key(w, other):
    key = fresh_key(other)
    assert_problem(other.get(f"/v1/members/{w['member']}", key=key), 404, "not-found")


def _store(w, other):
    ok(other.post("/v1/stores", {"code": "S-P1", "name": "Theirs too", "time_zone": "UTC"},
                  key="admin"), 201)
    stores = ok(w["api"].get("/v1/stores"))["stores"]
    assert {s["code"]: s["name"] for s in stores}["S-P1"] == "Store S-P1"


def _settle(w, other):
    """Program 2 settling has nothing to settle; program 1's open item stays open."""
    params = {"from": TODAY, "to": TODAY, "status": "open"}
    still_open = ok(w["api"].get("/v1/settlements", key="admin", params=params))["pairs"]
    assert still_open
    got = ok(other.post("/v1/settlements", {"until": TODAY}, key="admin"), 200)
    assert got["id"] is None and got["lines"] == []
    assert ok(w["api"].get("/v1/settlements", key="admin", params=params))["pairs"] \
        == still_open


def _rate(w, other):
    """The same currency and time as program 1's rate is no conflict in program 2."""
    ok(other.put("/v1/currencies/SEK/rates", {"rate": "0.5",
                                              "effective_from": "2031-05-01T00:00:00Z"},
                 key="admin", idempotency_key=None), 201)


def _staff_login(w, other):
    """A login taken in program 1 must not be told apart from a free one."""
    body = {"name": "X", "role": "auditor", "password": PASSWORD}
    taken = other.post("/v1/staff", dict(body, login=w["staff_login"]), key="admin")
    free = other.post("/v1/staff", dict(body, login="p2-" + unique().lower()[-8:]),
                      key="admin")
    assert free.status_code == 201, free.text
    assert taken.status_code == 201, (
        f"program 2 creating staff login {w['staff_login']!r} (taken in program 1) got "
        f"{taken.status_code} {taken.text[:300]}: tells program 2 the login exists")


# route name -> a write of program 2 that reuses program 1's names; it must
# succeed on its own and leave program 1's data as it was
WRITES = {
    "program_apply": _apply, "member_enrol": _enrol, "purchase_create": _purchase,
    "key_create": _key, "store_create": _store, "settlement_create": _settle,
    "currency_rate_put": _rate, "staff_create": _staff_login,
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_program_2s_writes_with_program_1s_names_live_apart(world, name):
    before = snapshot(world, "program1")
    WRITES[name](world, world["other"])
    assert_unchanged(before, snapshot(world, "program1"))


# Routes with no program data of a tenant to leak, and why.
INSTALLATION = {
    "healthz": "no key, no data",
    "metrics": "no key: the installation's operator's gauges",
    "openapi": "no key: the API document",
    "page": "no key: the static web till",
    "session_create": "a login and password, no program key; wrong ones answer the same 401"
                      " (test_staff)",
    "session_delete": "ends the caller's own session only",
    "own_password_change": "the calling session's own account only",
    "test_clock": "test hook: the installation's clock (--test-clock)",
}

# Routes tested by a test of their own.
OWN_TEST = {"expire_run": "test_program_2s_expiry_run_leaves_program_1_alone"}


def test_every_route_has_an_entry():
    names = {n for _, _, n in route_table()}
    covered = set(PROBES) | set(LISTS) | set(WRITES) | set(INSTALLATION) | set(OWN_TEST)
    assert names - covered == set(), f"routes without an isolation entry: {names - covered}"
    assert covered - names == set(), f"entries for routes that do not exist: {covered - names}"
    # every route that takes an id in its path is probed with program 1's ids
    # (currency_rate_put's {code} is a currency, not a record: WRITES)
    with_ids = {n for _, p, n in route_table() if "{" in p}
    assert with_ids - set(PROBES) == {"currency_rate_put"}, with_ids - set(PROBES)


def test_program_2s_expiry_run_leaves_program_1_alone(world):
    """Last in the module: moves the clock past program 1's points' expiry and
    its reservation's hold, runs program 2's expiry (it expires program 2's
    own points and counts only those), then program 1's."""
    api, other = world["api"], world["other"]
    m = world["member"]
    assert api.balance(m)["total"] > 0
    api.set_clock(NOW + dt.timedelta(days=800))

    def expired(program):
        return api.totals()[f'fidelis_points{{program="{program}",account="expired"}}']
    before, theirs = snapshot(world, "program1"), expired(2)
    got = ok(other.post("/v1/admin/expire", None, key="admin", idempotency_key=None))
    assert expired(2) > theirs, "program 2 had points to expire"
    assert got["points_expired"] == expired(2) - theirs, (
        f"program 2's expiry run reports {got} but program 2's expired points grew by "
        f"{expired(2) - theirs}")
    assert_unchanged(before, snapshot(world, "program1"))
    ok(api.post("/v1/admin/expire", None, key="admin", idempotency_key=None))
    assert api.balance(m)["total"] == 0
    assert ok(api.get(f"/v1/redemptions/{world['redemption']}"))["status"] != "reserved"
