"""Stores, staff accounts and roles, sessions, the audit log and the report of
unusual staff activity. Every test here runs on a server of this module's
own (stores registered here would otherwise bind every other test's
purchases to known store codes)."""
import datetime as dt
import re

import pytest

from fidelis_api import assert_problem, line, route_table, unique, unique_email

PASSWORD = "correct horse battery"
ALL = {"cashier", "manager", "admin", "auditor"}
TILL = {"cashier", "manager", "admin"}
MANAGER = {"manager", "admin"}
ADMIN = {"admin"}

# Who may call what (issue 4): reads are for everyone (the auditor reads
# everything), the till's writes for cashiers up, refunds and adjustments
# for managers up, the program's set-up for admins.
ROLES = {
    "program_apply": ADMIN, "segments_set": ADMIN, "key_create": ADMIN,
    "expire_run": ADMIN, "coupon_codes_create": ADMIN, "test_clock": ADMIN,
    "store_create": ADMIN, "store_update": ADMIN, "staff_create": ADMIN,
    "staff_link": ADMIN, "currency_rate_put": ADMIN,
    "adjustment_create": MANAGER, "refund_create": MANAGER,
    "gift_card_refund": MANAGER, "gift_card_block": MANAGER,
    "staff_list": {"admin", "auditor"}, "audit_log": {"admin", "auditor"},
    "staff_activity": {"manager", "admin", "auditor"},
    # -- coalitions --
    "settlements_report": {"admin", "auditor"}, "settlement_create": ADMIN,
    "settlement_get": {"admin", "auditor"},
    # -- staff lifecycle --
    "staff_update": ADMIN, "staff_password_set": ADMIN, "own_password_change": ALL,
}


def expected_roles(method, name):
    return ROLES.get(name, ALL if method == "GET" else TILL)


@pytest.fixture(scope="module")
def shop(clock_api):
    """Two stores, and one account of every role (cashier and manager at
    BCN-01, a second cashier at MAD-01), each logged in."""
    api = clock_api
    for code, tz in (("BCN-01", "Europe/Madrid"), ("MAD-01", "Europe/Madrid")):
        r = api.post("/v1/stores", {"code": code, "name": f"Store {code}", "time_zone": tz,
                                    "address": "Carrer Major 1"}, key="admin")
        assert r.status_code == 201, r.text
    tokens, accounts = {}, {}
    for login, role, store in (("ana", "cashier", "BCN-01"), ("marta", "manager", "BCN-01"),
                               ("alba", "admin", None), ("aude", "auditor", None),
                               ("pau", "cashier", "MAD-01")):
        body = {"login": login, "name": login.title(), "role": role, "password": PASSWORD}
        if store:
            body["store"] = store
        r = api.post("/v1/staff", body, key="admin")
        assert r.status_code == 201, r.text
        accounts[login] = r.json()
        tokens[login] = login_as(api, login)
    by_role = {"cashier": tokens["ana"], "manager": tokens["marta"],
               "admin": tokens["alba"], "auditor": tokens["aude"]}
    return {"api": api, "tokens": tokens, "role": by_role, "accounts": accounts}


def login_as(api, login, password=PASSWORD):
    r = api.post("/v1/sessions", {"login": login, "password": password}, key=None,
                 idempotency_key=None)
    assert r.status_code == 201, r.text
    out = r.json()
    assert re.fullmatch(r"fds_[A-Za-z0-9_-]{43}", out["token"])
    return out["token"]


def count(api, table):
    return api.server.sql(f"SELECT count(*) FROM {table}")[0][0]


# ---- stores ----

def test_a_store_is_registered_listed_and_changed(shop):
    api = shop["api"]
    r = api.post("/v1/stores", {"code": "ONLINE.es", "name": "Web shop",
                                "time_zone": "Atlantic/Canary"}, key="admin")
    assert r.status_code == 201, r.text
    assert r.json()["address"] is None and r.json()["time_zone"] == "Atlantic/Canary"
    r = api.put("/v1/stores/ONLINE.es", {"name": "Online shop", "time_zone": "Europe/Madrid",
                                         "address": "Internet"}, key="admin")
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Online shop" and r.json()["code"] == "ONLINE.es"
    codes = [s["code"] for s in api.get("/v1/stores").json()["stores"]]
    assert codes == sorted(codes) and {"BCN-01", "MAD-01", "ONLINE.es"} <= set(codes)
    page = api.get("/v1/stores", params={"limit": 1}).json()
    assert len(page["stores"]) == 1 and page["next_after"] == page["stores"][0]["code"]
    after = api.get("/v1/stores", params={"after": page["next_after"]}).json()["stores"]
    assert page["stores"][0]["code"] not in [s["code"] for s in after]


@pytest.mark.parametrize("body, status, slug, field", [
    ({"code": "BCN-01", "name": "Again", "time_zone": "UTC"}, 409, "duplicate", "code"),
    ({"code": "X1", "name": "Nowhere", "time_zone": "Mars/Olympus"}, 400,
     "invalid-request", "time_zone"),
    ({"code": "X1", "name": "Path", "time_zone": "../../etc/passwd"}, 400,
     "invalid-request", "time_zone"),
    ({"code": "has space", "name": "S", "time_zone": "UTC"}, 400, "invalid-request", "code"),
    ({"code": "X" * 65, "name": "S", "time_zone": "UTC"}, 400, "out-of-range", "code"),
    ({"code": "X1", "name": "S" * 201, "time_zone": "UTC"}, 400, "out-of-range", "name"),
    ({"code": "X1", "name": "S", "time_zone": "UTC", "address": "a" * 301}, 400,
     "out-of-range", "address"),
    ({"code": "X1", "name": "S"}, 400, "missing-field", "time_zone"),
    ({"code": "X1", "name": "S", "time_zone": "UTC", "owner": 1}, 400, "unknown-field",
     "owner"),
    ({"code": 7, "name": "S", "time_zone": "UTC"}, 400, "wrong-type", "code"),
])
def test_a_bad_store_is_refused_naming_the_field_and_changes_nothing(shop, body, status,
                                                                     slug, field):
    api = shop["api"]
    before = count(api, "stores")
    assert_problem(api.post("/v1/stores", body, key="admin"), status, slug, field)
    assert count(api, "stores") == before


def test_changing_an_unknown_store_is_404(shop):
    r = shop["api"].put("/v1/stores/NOPE", {"name": "N", "time_zone": "UTC"}, key="admin")
    assert_problem(r, 404, "not-found", "code")


def test_without_stores_any_store_code_is_taken_as_before(api):
    member, _ = api.new_member()
    out = api.purchase(member["id"], store="ANY-CODE-" + unique())
    assert out["store"].startswith("ANY-CODE-")


def test_once_stores_exist_a_purchase_must_name_a_known_one(shop):
    api = shop["api"]
    member, _ = api.new_member()
    before = count(api, "purchases")
    r = api.post("/v1/purchases", api.purchase_body(member["id"], store="GHOST"))
    assert_problem(r, 400, "invalid-request", "store")
    assert count(api, "purchases") == before
    assert api.purchase(member["id"], store="MAD-01")["store"] == "MAD-01"
    # online channels name no store
    assert api.purchase(member["id"], channel="web")["store"] is None


# ---- staff accounts ----

def test_the_password_is_stored_only_as_an_argon2id_hash(shop):
    api = shop["api"]
    rows = api.server.sql("SELECT login, password_hash FROM staff WHERE login = 'ana'")
    assert rows[0][1].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in rows[0][1]
    staff = api.get("/v1/staff", key="admin").json()["staff"]
    assert "password" not in str(staff) and "argon" not in str(staff)
    assert {s["login"]: s["role"] for s in staff}["marta"] == "manager"


@pytest.mark.parametrize("change, status, slug, field", [
    ({"password": "short"}, 400, "out-of-range", "password"),
    ({"password": "a" * 129}, 400, "out-of-range", "password"),
    ({"password": "x" * 20}, 400, "invalid-request", "password"),
    ({"role": "owner"}, 400, "invalid-request", "role"),
    ({"store": None}, 400, "missing-field", "store"),
    ({"store": "GHOST"}, 400, "invalid-request", "store"),
    ({"role": "auditor"}, 400, "invalid-request", "store"),
    ({"login": "Ana Maria"}, 400, "invalid-request", "login"),
    ({"login": "ab"}, 400, "invalid-request", "login"),
    ({"login": "l" * 33}, 400, "out-of-range", "login"),
    ({"login": "ana"}, 409, "duplicate", "login"),
    ({"member_id": 999999}, 400, "invalid-request", "member_id"),
    ({"member_id": "1"}, 400, "wrong-type", "member_id"),
    ({"scopes": "all"}, 400, "unknown-field", "scopes"),
])
def test_a_bad_staff_account_is_refused_naming_the_field_and_changes_nothing(
        shop, change, status, slug, field):
    api = shop["api"]
    body = {"login": "new." + unique().lower()[-8:], "name": "New", "role": "cashier",
            "store": "BCN-01", "password": PASSWORD}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    before = count(api, "staff")
    assert_problem(api.post("/v1/staff", body, key="admin"), status, slug, field)
    assert count(api, "staff") == before


@pytest.mark.parametrize("path, body", [
    ("/v1/staff", {"login": "big", "name": "B" * 9000, "role": "admin",
                   "password": PASSWORD}),
    ("/v1/stores", {"code": "BIG", "name": "B" * 9000, "time_zone": "UTC"}),
    ("/v1/sessions", {"login": "ana", "password": "p" * 9000}),
])
def test_an_oversized_body_is_413_and_changes_nothing(shop, path, body):
    api = shop["api"]
    before = [count(api, t) for t in ("staff", "stores", "staff_sessions", "audit_log")]
    r = api.post(path, body, key="admin")
    assert_problem(r, 413, "body-too-large")
    assert [count(api, t) for t in ("staff", "stores", "staff_sessions", "audit_log")] == before


@pytest.mark.parametrize("data", [b"{", b'{"login": "a", "login": "b", "password": "x"}',
                                  rb'{"login": "\u0000", "password": "x"}', b"[]",
                                  b'{"login": {"a": [[[[[[[[1]]]]]]]]}, "password": "x"}'])
def test_malformed_login_bodies_are_400(shop, data):
    api = shop["api"]
    before = count(api, "staff_sessions")
    r = api.request("POST", "/v1/sessions", data=data, key=None, idempotency_key=None)
    assert r.status_code == 400, r.text
    assert count(api, "staff_sessions") == before


def test_creating_staff_needs_an_admin(shop):
    api = shop["api"]
    body = {"login": "intruder", "name": "I", "role": "admin", "password": PASSWORD}
    assert_problem(api.post("/v1/staff", body), 403, "forbidden")
    assert_problem(api.post("/v1/staff", body, key=shop["role"]["manager"]), 403,
                   "forbidden")
    assert not api.server.sql("SELECT 1 FROM staff WHERE login = 'intruder'")


# ---- sessions ----

def test_a_wrong_password_or_login_is_401_without_saying_which(shop):
    api = shop["api"]
    for login, password in (("ana", "wrong password!"), ("nobody", PASSWORD)):
        r = api.post("/v1/sessions", {"login": login, "password": password}, key=None,
                     idempotency_key=None)
        body = assert_problem(r, 401, "unauthenticated")
        assert body["detail"] == "wrong login or password"


def test_repeated_wrong_passwords_are_throttled(shop):
    api = shop["api"]
    r = api.post("/v1/staff", {"login": "victim", "name": "V", "role": "auditor",
                               "password": PASSWORD}, key="admin")
    assert r.status_code == 201, r.text
    for _ in range(5):
        r = api.post("/v1/sessions", {"login": "victim", "password": "guess guess 1"},
                     key=None, idempotency_key=None)
        assert_problem(r, 401, "unauthenticated")
    r = api.post("/v1/sessions", {"login": "victim", "password": PASSWORD}, key=None,
                 idempotency_key=None)
    assert_problem(r, 429, "too-many-attempts", "password")
    assert int(r.headers["Retry-After"]) > 0
    # another login is not held up
    login_as(api, "aude")


@pytest.mark.parametrize("body, slug, field", [
    ({"login": "ana"}, "missing-field", "password"),
    ({"login": "ana", "password": "p" * 129}, "out-of-range", "password"),
    ({"login": "a" * 59, "password": PASSWORD}, "out-of-range", "login"),
    ({"login": "ana", "password": PASSWORD, "role": "admin"}, "unknown-field", "role"),
    ({"login": ["ana"], "password": PASSWORD}, "wrong-type", "login"),
])
def test_a_bad_login_body_is_400(shop, body, slug, field):
    api = shop["api"]
    before = count(api, "staff_sessions")
    r = api.post("/v1/sessions", body, key=None, idempotency_key=None)
    assert_problem(r, 400, slug, field)
    assert count(api, "staff_sessions") == before


def test_a_session_token_is_stored_only_as_a_hash_and_ends_on_logout(shop):
    api = shop["api"]
    token = login_as(api, "ana")
    hashes = [row[0] for row in api.server.sql("SELECT hash FROM staff_sessions")]
    assert all(token.encode() not in bytes(h) for h in hashes)
    assert api.get("/v1/stores", key=token).status_code == 200
    r = api.request("DELETE", "/v1/sessions/current", key=token)
    assert r.status_code == 200 and r.json() == {"ended": True}
    assert_problem(api.get("/v1/stores", key=token), 401, "unauthenticated")
    # an API key is not a session
    r = api.request("DELETE", "/v1/sessions/current", key="pos")
    assert_problem(r, 400, "invalid-request", "Authorization")


def test_a_session_expires_after_its_lifetime(shop):
    api = shop["api"]
    token = login_as(api, "aude")
    now = dt.datetime.now(dt.timezone.utc)
    try:
        api.set_clock(now + dt.timedelta(hours=11, minutes=59))
        assert api.get("/v1/stores", key=token).status_code == 200
        api.set_clock(now + dt.timedelta(hours=12, minutes=1))
        assert_problem(api.get("/v1/stores", key=token), 401, "unauthenticated")
    finally:
        api.set_clock(now)


@pytest.mark.parametrize("token", ["fds_", "fds_" + "A" * 43, "fds_" + "A" * 500,
                                   "fds_../../x"])
def test_an_invented_session_token_is_401(shop, token):
    assert_problem(shop["api"].get("/v1/stores", key=token), 401, "unauthenticated")


# ---- roles on every route ----

def _dummy(path):
    return (path.replace("{id}", "999999").replace("{number}", "8000000000000000000")
            .replace("{txn_id}", "NO-SUCH-TXN").replace("{code}", "NOPE")
            .replace("{campaign}", "nope"))


ROUTES = [(m, p, n) for m, p, n in route_table()
          if n not in ("healthz", "metrics", "openapi", "page", "session_create",
                       "session_delete")]


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("method, path, name", ROUTES, ids=[r[2] for r in ROUTES])
def test_each_role_on_each_route(shop, role, method, path, name):
    """A role outside the route's roles gets 403 before anything runs; one
    inside gets past authorisation (the dummy ids and empty bodies then fail
    validation or lookup, or succeed harmlessly)."""
    api = shop["api"]
    token = shop["role"][role]
    body = {} if method in ("POST", "PUT", "PATCH") else None
    before = count(api, "audit_log")
    r = api.request(method, _dummy(path), key=token, json_body=body)
    if role in expected_roles(method, name):
        assert r.status_code not in (401, 403), f"{role} {method} {path}: {r.text}"
    else:
        body = assert_problem(r, 403, "forbidden")
        assert role in body["detail"]
        assert count(api, "audit_log") == before


def test_logout_is_open_to_every_role(shop):
    api = shop["api"]
    for login in ("ana", "marta", "alba", "aude"):
        token = login_as(api, login)
        assert api.request("DELETE", "/v1/sessions/current", key=token).status_code == 200


def test_api_keys_keep_their_scopes(shop):
    api = shop["api"]
    assert_problem(api.get("/v1/audit-log"), 403, "forbidden")
    assert api.get("/v1/audit-log", key="admin").status_code == 200
    assert api.get("/v1/stores").status_code == 200


# ---- what each role may do within a route ----

def test_a_cashier_rings_up_at_their_own_store_only(shop):
    api = shop["api"]
    ana = shop["tokens"]["ana"]
    member, _ = api.new_member()
    r = api.post("/v1/purchases", api.purchase_body(member["id"]), key=ana)
    assert r.status_code == 201, r.text
    assert r.json()["store"] == "BCN-01"
    before = count(api, "purchases")
    r = api.post("/v1/purchases", api.purchase_body(member["id"], store="MAD-01"), key=ana)
    assert_problem(r, 403, "forbidden", "store")
    assert count(api, "purchases") == before


def test_a_cashier_may_not_refund_but_a_manager_may(shop):
    api = shop["api"]
    member, _ = api.new_member()
    txn = api.purchase(member["id"], store="BCN-01", lines=[line(unit_price=2000)])["txn_id"]
    r = api.post(f"/v1/purchases/{txn}/refunds", {"refund_id": unique("R-")},
                 key=shop["tokens"]["ana"])
    assert_problem(r, 403, "forbidden")
    r = api.post(f"/v1/purchases/{txn}/refunds", {"refund_id": unique("R-")},
                 key=shop["tokens"]["marta"])
    assert r.status_code == 201, r.text


def test_a_manager_adjusts_up_to_the_named_limit(shop):
    api = shop["api"]
    marta = shop["tokens"]["marta"]
    member, _ = api.new_member()
    path = f"/v1/members/{member['id']}/adjustments"
    r = api.post(path, {"points": 500, "reason": "broken machine"}, key=marta)
    assert r.status_code == 201, r.text
    for points in (501, -501):
        r = api.post(path, {"points": points, "reason": "too much"}, key=marta)
        assert_problem(r, 403, "forbidden", "points")
    assert api.balance(member["id"])["total"] == 500
    r = api.post(path, {"points": 5000, "reason": "admin may"}, key=shop["tokens"]["alba"])
    assert r.status_code == 201, r.text


# ---- the audit log ----

def test_every_write_is_audited_with_actor_role_store_and_address(shop):
    api = shop["api"]
    ana = shop["tokens"]["ana"]
    member, _ = api.new_member()
    body = api.purchase_body(member["id"])
    r = api.post("/v1/purchases", body, key=ana, idempotency_key="k-" + body["txn_id"])
    assert r.status_code == 201
    rows = api.get("/v1/audit-log", key="admin",
                   params={"actor": "staff:ana", "route": "purchase_create",
                           "limit": 1}).json()["entries"]
    e = rows[0]
    assert e["actor"] == "staff:ana" and e["role"] == "cashier" and e["store"] == "BCN-01"
    assert e["client_ip"] == "127.0.0.1" and e["method"] == "POST"
    assert e["path"] == "/v1/purchases" and e["status"] == 201
    assert e["ref"] == "txn:" + body["txn_id"]
    # a replay changes nothing, so it is not written again; a refusal neither
    before = count(api, "audit_log")
    r = api.post("/v1/purchases", body, key=ana, idempotency_key="k-" + body["txn_id"])
    assert r.status_code == 201 and r.headers.get("Idempotent-Replayed") == "true"
    r = api.post("/v1/purchases", api.purchase_body(999999), key=ana)
    assert r.status_code == 404
    assert count(api, "audit_log") == before
    # keys are audited as keys; logins as their staff member
    enrol = api.get("/v1/audit-log", key="admin",
                    params={"route": "member_enrol", "limit": 1}).json()["entries"][0]
    assert enrol["actor"].startswith("key:") and enrol["role"] == "pos-key"
    login = api.get("/v1/audit-log", key=shop["role"]["auditor"],
                    params={"route": "session_create", "actor": "staff:ana"}).json()
    assert login["entries"] and login["entries"][0]["status"] == 201


def test_the_audit_log_pages_and_filters_by_time(shop):
    api = shop["api"]
    page = api.get("/v1/audit-log", key="admin", params={"limit": 2}).json()
    assert len(page["entries"]) == 2 and page["entries"][0]["id"] > page["entries"][1]["id"]
    nxt = api.get("/v1/audit-log", key="admin",
                  params={"limit": 2, "before": page["next_before"]}).json()["entries"]
    assert nxt[0]["id"] < page["entries"][1]["id"]
    future = api.get("/v1/audit-log", key="admin",
                     params={"from": "2999-01-01T00:00:00Z"}).json()
    assert future["entries"] == []
    past = api.get("/v1/audit-log", key="admin",
                   params={"to": "2000-01-01T00:00:00Z"}).json()
    assert past["entries"] == []


@pytest.mark.parametrize("params, slug, field", [
    ({"limit": 0}, "out-of-range", "limit"),
    ({"limit": 101}, "out-of-range", "limit"),
    ({"before": -1}, "out-of-range", "before"),
    ({"from": "yesterday"}, "wrong-type", "from"),
    ({"to": "2026-13-01T00:00:00Z"}, "wrong-type", "to"),
    ({"actor": "a" * 65}, "out-of-range", "actor"),
])
def test_bad_audit_log_queries_are_400(shop, params, slug, field):
    r = shop["api"].get("/v1/audit-log", key="admin", params=params)
    assert_problem(r, 400, slug, field)


# ---- unusual staff activity: the cashier who adds customers' points to their own card ----

def test_the_cashier_who_earns_on_their_own_card_is_flagged(shop):
    api = shop["api"]
    # Pepe works the till at BCN-01 and is a member himself.
    pepe_member, _ = api.new_member(name="Pepe Cajero")
    r = api.post("/v1/staff", {"login": "pepe", "name": "Pepe", "role": "cashier",
                               "store": "BCN-01", "password": PASSWORD}, key="admin")
    assert r.status_code == 201
    r = api.put(f"/v1/staff/{r.json()['id']}/member", {"member_id": pepe_member["id"]},
                key="admin")
    assert r.status_code == 200 and r.json()["member_id"] == pepe_member["id"]
    pepe = login_as(api, "pepe")
    # Luisa is honest; she also sells to colleagues now and then.
    luisa_member, _ = api.new_member(name="Luisa Cajera")
    r = api.post("/v1/staff", {"login": "luisa", "name": "Luisa", "role": "cashier",
                               "store": "BCN-01", "member_id": luisa_member["id"],
                               "password": PASSWORD}, key="admin")
    assert r.status_code == 201
    luisa = login_as(api, "luisa")
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    customers = [api.new_member()[0] for _ in range(3)]
    for c in customers:
        # each customer pays; Pepe scans his own card instead of theirs
        r = api.post("/v1/purchases", api.purchase_body(
            pepe_member["id"], lines=[line(unit_price=3000)]), key=pepe)
        assert r.status_code == 201, r.text
        r = api.post("/v1/purchases", api.purchase_body(
            c["id"], lines=[line(unit_price=1000)]), key=luisa)
        assert r.status_code == 201, r.text
    r = api.post("/v1/purchases", api.purchase_body(
        pepe_member["id"], lines=[line(unit_price=500)]), key=luisa)
    assert r.status_code == 201
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    params = {"from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "to": end.strftime("%Y-%m-%dT%H:%M:%SZ")}
    report = api.get("/v1/reports/staff-activity", key=shop["role"]["auditor"],
                     params=params).json()
    rows = {row["staff"]["login"]: row for row in report["staff"]}
    p = rows["pepe"]
    assert p["purchases"] == 3 and p["own_card_purchases"] == 3
    assert p["staff_card_purchases"] == 3 and p["own_card_points"] == 90
    assert p["unusual"] and "own_card_earns" in p["reasons"]
    q = rows["luisa"]
    assert q["purchases"] == 4 and q["own_card_purchases"] == 0
    assert q["staff_card_purchases"] == 1 and q["staff_card_points"] == 5
    assert not q["unusual"] and q["reasons"] == []
    # the manager of BCN-01 sees her store's staff only; a cashier none of it
    mine = api.get("/v1/reports/staff-activity", key=shop["tokens"]["marta"],
                   params=params).json()["staff"]
    assert {row["staff"]["store"] for row in mine} == {"BCN-01"}
    assert "pau" not in {row["staff"]["login"] for row in mine}
    assert_problem(api.get("/v1/reports/staff-activity", key=pepe, params=params), 403,
                   "forbidden")


def test_manual_additions_and_refunds_show_in_the_report(shop):
    api = shop["api"]
    r = api.post("/v1/staff", {"login": "berta", "name": "Berta", "role": "admin",
                               "password": PASSWORD}, key="admin")
    assert r.status_code == 201, r.text
    alba = login_as(api, "berta")
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    member, _ = api.new_member()
    for points in (300, 250, -100):
        r = api.post(f"/v1/members/{member['id']}/adjustments",
                     {"points": points, "reason": "goodwill"}, key=alba)
        assert r.status_code == 201, r.text
    txn = api.purchase(member["id"], store="BCN-01")["txn_id"]
    r = api.post(f"/v1/purchases/{txn}/refunds", {"refund_id": unique("R-")}, key=alba)
    assert r.status_code == 201
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    report = api.get("/v1/reports/staff-activity", key="admin",
                     params={"from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "to": end.strftime("%Y-%m-%dT%H:%M:%SZ")}).json()
    row = {r["staff"]["login"]: r for r in report["staff"]}["berta"]
    assert row["adjustments"] == 3 and row["adjustment_points_added"] == 550
    assert row["refunds"] == 1
    assert row["unusual"] and row["reasons"] == ["manual_additions"]


@pytest.mark.parametrize("params, slug, field", [
    ({"to": "2026-01-01T00:00:00Z"}, "missing-field", "from"),
    ({"from": "2026-01-01T00:00:00Z"}, "missing-field", "to"),
    ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "out-of-range", "to"),
    ({"from": "1 Jan", "to": "2026-01-01T00:00:00Z"}, "wrong-type", "from"),
])
def test_bad_report_periods_are_400(shop, params, slug, field):
    r = shop["api"].get("/v1/reports/staff-activity", key="admin", params=params)
    assert_problem(r, 400, slug, field)


def test_an_unknown_staff_id_or_member_in_a_link_is_refused(shop):
    api = shop["api"]
    assert_problem(api.put("/v1/staff/999999/member", {"member_id": 0}, key="admin"), 404,
                   "not-found", "staff_id")
    assert_problem(api.put("/v1/staff/0x1/member", {"member_id": 0}, key="admin"), 404,
                   "not-found", "staff_id")
    ana = shop["accounts"]["ana"]["id"]
    assert_problem(api.put(f"/v1/staff/{ana}/member", {"member_id": 999999}, key="admin"),
                   400, "invalid-request", "member_id")
    assert_problem(api.put(f"/v1/staff/{ana}/member", {"member_id": -1}, key="admin"),
                   400, "out-of-range", "member_id")


# ---- where a write came from, behind a reverse proxy ----

@pytest.mark.parametrize("trusted, forwarded, expected", [
    (None, "203.0.113.7", "127.0.0.1"),                   # not configured: never believed
    ("10.0.0.0/8", "203.0.113.7", "127.0.0.1"),           # the peer is not a trusted proxy
    ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
    ("127.0.0.1,10.0.0.0/8", "198.51.100.4, 203.0.113.7, 10.1.2.3", "203.0.113.7"),
    ("127.0.0.1", "not-an-address", "127.0.0.1"),         # garbage: the proxy itself
    ("127.0.0.1", "x" * 4000, "127.0.0.1"),
])
def test_the_audit_log_names_the_client_behind_trusted_proxies_only(
        tmp_path, fidelis_bin, openapi, trusted, forwarded, expected):
    from fidelis_api import Api, FidelisServer
    server = FidelisServer(tmp_path, "proxy", fidelis_bin,
                           args=("--trusted-proxies", trusted) if trusted else ())
    try:
        api = Api(server, openapi)
        r = api.post("/v1/members", {"name": "Proxy Client"},
                     headers={"X-Forwarded-For": forwarded})
        assert r.status_code == 201, r.text
        rows = api.server.sql("SELECT client_ip FROM audit_log WHERE route = 'member_enrol'")
        assert rows == [(expected,)], rows
    finally:
        assert not server.stop()


def test_a_bad_trusted_proxy_list_stops_the_server_from_starting(tmp_path, fidelis_bin):
    import subprocess
    out = subprocess.run([str(fidelis_bin), "serve", "--db", str(tmp_path / "x.db"),
                          "--port", "0", "--trusted-proxies", "10.0.0.0/8,10.1.2.3/8"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "10.1.2.3/8" in out.stderr, out.stderr


# ---- each store's own clock ----

BREAKFAST = """
program:
  name: Breakfast club
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 1
  - id: breakfast
    hours: "07:00-10:00"
    bonus: 50
"""


def test_the_rules_run_on_the_clock_of_the_purchase_store(tmp_path_factory, fidelis_bin,
                                                          openapi):
    """09:30 UTC in January is 10:30 in Madrid (breakfast is over) and 09:30 on
    the Canary Islands (still breakfast): the same rule gives the bonus at the
    island's store only. Unregistered or no store: the program's zone."""
    from conftest import program_server
    when = dt.datetime(2031, 1, 15, 9, 30, tzinfo=dt.timezone.utc)
    with program_server(tmp_path_factory, fidelis_bin, openapi, "zones", BREAKFAST,
                        clock=when) as api:
        for code, tz in (("MAD-01", "Europe/Madrid"), ("LPA-01", "Atlantic/Canary")):
            r = api.post("/v1/stores", {"code": code, "name": code, "time_zone": tz},
                         key="admin")
            assert r.status_code == 201, r.text
        member, _ = api.new_member()
        madrid = api.purchase(member["id"], store="MAD-01", lines=[line("CAFE", 1, 1000)])
        island = api.purchase(member["id"], store="LPA-01", lines=[line("CAFE", 1, 1000)])
        online = api.purchase(member["id"], channel="web", lines=[line("CAFE", 1, 1000)])
        assert (madrid["points_earned"], island["points_earned"], online["points_earned"]) \
            == (10, 60, 10), (madrid, island, online)
        assert [d["rule"] for d in island["points_detail"]] == ["base", "breakfast"]
