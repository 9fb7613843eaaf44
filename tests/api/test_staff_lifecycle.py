"""The staff account lifecycle: an admin changes an account's name, role and
store, disables it (its sessions end at once, its logins get the answer of a
wrong password) and enables it again, and resets its password; a staff
member changes their own password. An admin cannot disable or demote
themselves; a partner's admin cannot reach another partner's accounts; bad
bodies change nothing. Every test runs on a server of this module's own."""
import datetime as dt

import pytest

from conftest import program_server
from fidelis_api import assert_problem, unique

PASSWORD = "correct horse battery"
NEW_PASSWORD = "tangerine lighthouse 42"

PROGRAM = """
program:
  name: Lifecycle Coalition
  currency: EUR
  time_zone: Europe/Madrid
  rounding: down
points:
  value: 0.01
partners:
  - id: bakery
    name: Bakery Ana
    stores: [A1]
    settlement_rate: 0.010
  - id: cinema
    name: Cinema Bel
    stores: [B1]
    settlement_rate: 0.008
earn:
  - id: base
    rate: 1
"""

NOW = dt.datetime(2031, 5, 14, 10, 0, 0, tzinfo=dt.timezone.utc)

STAFF_COLUMNS = "login, name, role, store_code, password_hash, disabled_at, partner"


@pytest.fixture(scope="module")
def lapi(tmp_path_factory, fidelis_bin, openapi):
    """Operator stores BCN-01 and MAD-01, partner stores A1 (bakery) and B1
    (cinema), an operator admin "boss" logged in, and a partner admin key
    of each partner."""
    with program_server(tmp_path_factory, fidelis_bin, openapi, "lifecycle", PROGRAM,
                        clock=NOW) as api:
        for code in ("BCN-01", "MAD-01", "A1", "B1"):
            r = api.post("/v1/stores", {"code": code, "name": f"Store {code}",
                                        "time_zone": "Europe/Madrid"}, key="admin")
            assert r.status_code == 201, r.text
        make(api, "boss", "admin")
        api.boss = login(api, "boss")
        api.partner_keys = {}
        for partner in ("bakery", "cinema"):
            r = api.post("/v1/keys", {"name": f"{partner} admin", "scopes": "admin",
                                      "partner": partner}, key="admin")
            assert r.status_code == 201, r.text
            api.partner_keys[partner] = r.json()["key"]
        yield api


def make(api, login_name, role, store=None, key="admin", **extra):
    body = {"login": login_name, "name": login_name.title(), "role": role,
            "password": PASSWORD, **extra}
    if store:
        body["store"] = store
    r = api.post("/v1/staff", body, key=key)
    assert r.status_code == 201, r.text
    return r.json()


def fresh(prefix):
    return (prefix + unique()[-8:]).lower()


def login(api, login_name, password=PASSWORD):
    r = api.post("/v1/sessions", {"login": login_name, "password": password}, key=None,
                 idempotency_key=None)
    assert r.status_code == 201, r.text
    return r.json()["token"]


def login_answer(api, login_name, password=PASSWORD):
    return api.post("/v1/sessions", {"login": login_name, "password": password}, key=None,
                    idempotency_key=None)


def row(api, staff_id):
    return api.server.sql(f"SELECT {STAFF_COLUMNS} FROM staff WHERE id = {int(staff_id)}")[0]


def live_sessions(api, staff_id):
    return api.server.sql("SELECT count(*) FROM staff_sessions WHERE staff_id = "
                          f"{int(staff_id)} AND revoked_at = 0")[0][0]


def alive(api, token):
    r = api.get("/v1/stores", key=token)
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


# ---- disable and enable ----

def test_disabling_ends_every_session_at_once_and_refuses_logins_until_enabled(lapi):
    api = lapi
    ana = make(api, fresh("ana"), "cashier", "BCN-01")
    tokens = [login(api, ana["login"]) for _ in range(2)]
    assert all(alive(api, t) for t in tokens)
    r = api.patch(f"/v1/staff/{ana['id']}", {"disabled": True}, key=api.boss)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["disabled"] is True and out["disabled_at"].startswith("2031-05-14T10:")
    assert "password" not in r.text and "argon" not in r.text
    assert not any(alive(api, t) for t in tokens)
    assert live_sessions(api, ana["id"]) == 0
    # the right password now gets exactly the answer of a wrong one
    refused = login_answer(api, ana["login"])
    wrong = login_answer(api, ana["login"], "wrong password!!")
    assert_problem(refused, 401, "unauthenticated")
    assert refused.json() == wrong.json()
    assert "disabled" not in refused.text
    listed = {s["id"]: s for s in api.get("/v1/staff", key="admin",
                                          params={"limit": 100}).json()["staff"]}
    assert listed[ana["id"]]["disabled"] is True
    r = api.patch(f"/v1/staff/{ana['id']}", {"disabled": False}, key=api.boss)
    assert r.status_code == 200, r.text
    assert r.json()["disabled"] is False and r.json()["disabled_at"] is None
    assert row(api, ana["id"])[5] == 0
    assert alive(api, login(api, ana["login"]))
    # the old sessions stay ended
    assert not any(alive(api, t) for t in tokens)


def test_every_change_is_audited_and_a_replay_changes_nothing_more(lapi):
    api = lapi
    leo = make(api, fresh("leo"), "cashier", "BCN-01")
    r = api.patch(f"/v1/staff/{leo['id']}", {"name": "Leo Renamed"}, key=api.boss,
                  idempotency_key="rename-" + leo["login"])
    assert r.status_code == 200 and r.json()["name"] == "Leo Renamed"
    before = api.server.sql("SELECT count(*) FROM audit_log")[0][0]
    again = api.patch(f"/v1/staff/{leo['id']}", {"name": "Leo Renamed"}, key=api.boss,
                      idempotency_key="rename-" + leo["login"])
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert api.server.sql("SELECT count(*) FROM audit_log")[0][0] == before
    other = api.patch(f"/v1/staff/{leo['id']}", {"name": "Someone Else"}, key=api.boss,
                      idempotency_key="rename-" + leo["login"])
    assert_problem(other, 409, "idempotency-key-reused")
    for path, body, route in (
            (f"/v1/staff/{leo['id']}/password", {"password": NEW_PASSWORD},
             "staff_password_set"),
            (f"/v1/staff/{leo['id']}", {"disabled": True}, "staff_update")):
        r = api.request("PATCH" if route == "staff_update" else "PUT", path, json_body=body,
                        key=api.boss)
        assert r.status_code == 200, r.text
        entry = api.get("/v1/audit-log", key="admin",
                        params={"route": route, "limit": 1}).json()["entries"][0]
        assert entry["actor"] == "staff:boss" and entry["path"] == path
        assert entry["status"] == 200 and entry["role"] == "admin"


# ---- role and store ----

def test_a_role_change_ends_the_sessions_and_the_new_role_applies(lapi):
    api = lapi
    eva = make(api, fresh("eva"), "cashier", "BCN-01")
    token = login(api, eva["login"])
    member, _ = api.new_member()
    path = f"/v1/members/{member['id']}/adjustments"
    assert_problem(api.post(path, {"points": 10, "reason": "r"}, key=token), 403, "forbidden")
    r = api.patch(f"/v1/staff/{eva['id']}", {"role": "manager"}, key=api.boss)
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "manager" and r.json()["store"] == "BCN-01"
    assert not alive(api, token)
    token = login(api, eva["login"])
    r = api.post(path, {"points": 10, "reason": "promoted"}, key=token)
    assert r.status_code == 201, r.text
    # a move to another store ends them too, and the cashier's store follows
    r = api.patch(f"/v1/staff/{eva['id']}", {"role": "cashier", "store": "MAD-01"},
                  key=api.boss)
    assert r.status_code == 200 and r.json()["store"] == "MAD-01"
    assert not alive(api, token)
    token = login(api, eva["login"])
    r = api.post("/v1/purchases", api.purchase_body(member["id"]), key=token)
    assert r.status_code == 201 and r.json()["store"] == "MAD-01"
    # an auditor works at no store: it must be taken off it
    assert_problem(api.patch(f"/v1/staff/{eva['id']}", {"role": "auditor"}, key=api.boss),
                   400, "invalid-request", "store")
    r = api.patch(f"/v1/staff/{eva['id']}", {"role": "auditor", "store": None},
                  key=api.boss)
    assert r.status_code == 200 and r.json()["store"] is None
    # a name change alone keeps the sessions
    token = login(api, eva["login"])
    r = api.patch(f"/v1/staff/{eva['id']}", {"name": "Eva Auditor"}, key=api.boss)
    assert r.status_code == 200 and alive(api, token)


# ---- an admin and their own account ----

def test_an_admin_cannot_disable_or_demote_themselves(lapi):
    api = lapi
    boss_id = api.server.sql("SELECT id FROM staff WHERE login = 'boss'")[0][0]
    before = row(api, boss_id)
    assert_problem(api.patch(f"/v1/staff/{boss_id}", {"disabled": True}, key=api.boss),
                   409, "conflict", "disabled")
    for role in ("auditor", "manager", "cashier"):
        body = {"role": role, "store": "BCN-01"} if role != "auditor" else {"role": role}
        assert_problem(api.patch(f"/v1/staff/{boss_id}", body, key=api.boss), 409,
                       "conflict", "role")
    assert row(api, boss_id) == before
    assert alive(api, api.boss)
    # another admin may
    other = make(api, fresh("adm"), "admin")
    token = login(api, other["login"])
    r = api.patch(f"/v1/staff/{other['id']}", {"disabled": True}, key=api.boss)
    assert r.status_code == 200 and not alive(api, token)


# ---- passwords ----

def test_an_admin_resets_a_password_and_every_session_ends(lapi):
    api = lapi
    iris = make(api, fresh("iris"), "cashier", "BCN-01")
    tokens = [login(api, iris["login"]) for _ in range(2)]
    hash_before = row(api, iris["id"])[4]
    r = api.put(f"/v1/staff/{iris['id']}/password", {"password": NEW_PASSWORD}, key=api.boss)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == iris["id"] and "argon" not in r.text
    stored = row(api, iris["id"])[4]
    assert stored != hash_before and stored.startswith("$argon2id$")
    assert NEW_PASSWORD not in stored
    assert not any(alive(api, t) for t in tokens)
    assert_problem(login_answer(api, iris["login"]), 401, "unauthenticated")
    assert alive(api, login(api, iris["login"], NEW_PASSWORD))
    # the idempotency record and the log keep no password
    assert NEW_PASSWORD not in api.server.dump()
    assert NEW_PASSWORD not in api.server.log_text()


@pytest.mark.parametrize("password, slug", [
    ("short", "out-of-range"), ("a" * 129, "out-of-range"), ("x" * 20, "invalid-request")])
def test_a_reset_password_follows_the_policy(lapi, password, slug):
    api = lapi
    jon = make(api, fresh("jon"), "cashier", "BCN-01")
    token = login(api, jon["login"])
    before = row(api, jon["id"])
    r = api.put(f"/v1/staff/{jon['id']}/password", {"password": password}, key=api.boss)
    assert_problem(r, 400, slug, "password")
    assert row(api, jon["id"]) == before and alive(api, token)


def test_a_reset_password_may_not_be_the_login(lapi):
    api = lapi
    name = fresh("longlogin")
    acc = make(api, name, "auditor")
    r = api.put(f"/v1/staff/{acc['id']}/password", {"password": name}, key=api.boss)
    assert_problem(r, 400, "invalid-request", "password")


def test_a_staff_member_changes_their_own_password(lapi):
    api = lapi
    una = make(api, fresh("una"), "cashier", "BCN-01")
    here, elsewhere = login(api, una["login"]), login(api, una["login"])
    path = "/v1/sessions/current/password"
    before = row(api, una["id"])
    r = api.put(path, {"current_password": "not my password", "new_password": NEW_PASSWORD},
                key=here)
    assert_problem(r, 401, "unauthenticated", "current_password")
    assert row(api, una["id"]) == before and alive(api, here) and alive(api, elsewhere)
    r = api.put(path, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, key=here)
    assert r.status_code == 200, r.text
    assert r.json() == {"changed": True, "sessions_ended": 1}
    assert alive(api, here) and not alive(api, elsewhere)
    assert_problem(login_answer(api, una["login"]), 401, "unauthenticated")
    assert alive(api, login(api, una["login"], NEW_PASSWORD))
    assert NEW_PASSWORD not in api.server.dump() and PASSWORD not in api.server.dump()
    entry = api.get("/v1/audit-log", key="admin",
                    params={"route": "own_password_change", "limit": 1}).json()["entries"][0]
    assert entry["actor"] == "staff:" + una["login"] and entry["status"] == 200


def test_a_retried_own_password_change_replays_its_answer(lapi):
    """The retry of a change that went through (its answer was lost) finds
    the current password changed; the same Idempotency-Key answers it as the
    first time, changing nothing more."""
    api = lapi
    ida = make(api, fresh("ida"), "cashier", "BCN-01")
    token = login(api, ida["login"])
    path = "/v1/sessions/current/password"
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    first = api.put(path, body, key=token, idempotency_key="ida-change-1")
    assert first.status_code == 200, first.text
    after = row(api, ida["id"])
    again = api.put(path, body, key=token, idempotency_key="ida-change-1")
    assert again.status_code == 200 and again.json() == first.json(), again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert row(api, ida["id"]) == after
    # a new key is a new change, and the old password no longer proves anything
    r = api.put(path, body, key=token, idempotency_key="ida-change-2")
    assert_problem(r, 401, "unauthenticated", "current_password")


def test_wrong_current_passwords_count_towards_the_login_throttle(lapi):
    api = lapi
    vic = make(api, fresh("vic"), "auditor")
    token = login(api, vic["login"])
    body = {"current_password": "guess guess 1", "new_password": NEW_PASSWORD}
    for _ in range(5):
        assert_problem(api.put("/v1/sessions/current/password", body, key=token), 401,
                       "unauthenticated", "current_password")
    r = api.put("/v1/sessions/current/password",
                {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, key=token)
    assert_problem(r, 429, "too-many-attempts", "current_password")
    assert_problem(login_answer(api, vic["login"]), 429, "too-many-attempts", "password")


@pytest.mark.parametrize("body, slug, field", [
    ({"current_password": PASSWORD}, "missing-field", "new_password"),
    ({"new_password": NEW_PASSWORD}, "missing-field", "current_password"),
    ({"current_password": PASSWORD, "new_password": "short"}, "out-of-range",
     "new_password"),
    ({"current_password": PASSWORD, "new_password": "y" * 30}, "invalid-request",
     "new_password"),
    ({"current_password": PASSWORD, "new_password": "p" * 129}, "out-of-range",
     "new_password"),
    ({"current_password": 7, "new_password": NEW_PASSWORD}, "wrong-type",
     "current_password"),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "login": "x"},
     "unknown-field", "login"),
])
def test_a_bad_own_password_body_is_400_and_changes_nothing(lapi, body, slug, field):
    api = lapi
    kim = make(api, fresh("kim"), "cashier", "BCN-01")
    token, other = login(api, kim["login"]), login(api, kim["login"])
    before = row(api, kim["id"])
    assert_problem(api.put("/v1/sessions/current/password", body, key=token), 400, slug,
                   field)
    assert row(api, kim["id"]) == before and alive(api, other)


def test_an_api_key_has_no_own_password(lapi):
    r = lapi.put("/v1/sessions/current/password",
                 {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, key="admin")
    assert_problem(r, 400, "invalid-request", "Authorization")


# ---- partner isolation ----

def test_a_partners_admin_changes_only_its_own_partners_accounts(lapi):
    api = lapi
    bakery, cinema = api.partner_keys["bakery"], api.partner_keys["cinema"]
    baker = make(api, fresh("baker"), "cashier", "A1", key=bakery)
    usher = make(api, fresh("usher"), "cashier", "B1", key=cinema)
    assert baker["partner"] == "bakery" and usher["partner"] == "cinema"
    token = login(api, usher["login"])
    before = row(api, usher["id"])
    for method, path, body in (
            ("PATCH", f"/v1/staff/{usher['id']}", {"disabled": True}),
            ("PATCH", f"/v1/staff/{usher['id']}", {"name": "Taken Over"}),
            ("PUT", f"/v1/staff/{usher['id']}/password", {"password": NEW_PASSWORD})):
        r = api.request(method, path, json_body=body, key=bakery)
        assert_problem(r, 404, "not-found", "staff_id")
    assert row(api, usher["id"]) == before and alive(api, token)
    # its own account, to its own store only (another partner's is unknown)
    r = api.patch(f"/v1/staff/{baker['id']}", {"role": "manager"}, key=bakery)
    assert r.status_code == 200 and r.json()["role"] == "manager"
    before = row(api, baker["id"])
    for store in ("B1", "BCN-01"):
        assert_problem(api.patch(f"/v1/staff/{baker['id']}", {"store": store}, key=bakery),
                       400, "invalid-request", "store")
    assert row(api, baker["id"]) == before
    # the operator may not move an account to another partner's store either
    assert_problem(api.patch(f"/v1/staff/{baker['id']}", {"store": "B1"}, key="admin"), 400,
                   "invalid-request", "store")
    r = api.patch(f"/v1/staff/{usher['id']}", {"disabled": True}, key="admin")
    assert r.status_code == 200 and not alive(api, token)


# ---- bad input ----

@pytest.mark.parametrize("body, status, slug, field", [
    ({"role": "owner"}, 400, "invalid-request", "role"),
    ({"role": 4}, 400, "wrong-type", "role"),
    ({"role": "r" * 17}, 400, "out-of-range", "role"),
    ({"name": ""}, 400, "out-of-range", "name"),
    ({"name": "N" * 201}, 400, "out-of-range", "name"),
    ({"store": "GHOST"}, 400, "invalid-request", "store"),
    ({"store": "S" * 65}, 400, "out-of-range", "store"),
    ({"store": None}, 400, "missing-field", "store"),
    ({"role": "admin"}, 400, "invalid-request", "store"),
    ({"disabled": "yes"}, 400, "wrong-type", "disabled"),
    ({"disabled": 1}, 400, "wrong-type", "disabled"),
    ({"login": "renamed"}, 400, "unknown-field", "login"),
    ({"password": PASSWORD}, 400, "unknown-field", "password"),
    ({"partner": "bakery"}, 400, "unknown-field", "partner"),
    ({"member_id": 1}, 400, "unknown-field", "member_id"),
])
def test_a_bad_change_is_refused_naming_the_field_and_changes_nothing(lapi, body, status,
                                                                    slug, field):
    api = lapi
    pia = make(api, fresh("pia"), "cashier", "BCN-01")
    token = login(api, pia["login"])
    before = row(api, pia["id"])
    assert_problem(api.patch(f"/v1/staff/{pia['id']}", body, key=api.boss), status, slug,
                   field)
    assert row(api, pia["id"]) == before and alive(api, token)


@pytest.mark.parametrize("data", [
    b"{", b"[]", b'{"name": "a", "name": "b"}', rb'{"name": "\u0000"}',
    b'{"name": {"a": [[[[[[[[1]]]]]]]]}}', b'{"disabled": true,}', b"\xff\xfe"])
def test_malformed_bodies_are_400_and_change_nothing(lapi, data):
    api = lapi
    pia = make(api, fresh("mal"), "cashier", "BCN-01")
    before = row(api, pia["id"])
    for method, path in (("PATCH", f"/v1/staff/{pia['id']}"),
                         ("PUT", f"/v1/staff/{pia['id']}/password")):
        r = api.request(method, path, data=data, key=api.boss)
        assert r.status_code == 400, r.text
    token = login(api, pia["login"])
    r = api.request("PUT", "/v1/sessions/current/password", data=data, key=token)
    assert r.status_code == 400, r.text
    assert row(api, pia["id"]) == before


def test_oversized_bodies_are_413_and_change_nothing(lapi):
    api = lapi
    ola = make(api, fresh("ola"), "cashier", "BCN-01")
    token = login(api, ola["login"])
    before = row(api, ola["id"])
    audit = api.server.sql("SELECT count(*) FROM audit_log")[0][0]
    for method, path, body, key in (
            ("PATCH", f"/v1/staff/{ola['id']}", {"name": "N" * 9000}, api.boss),
            ("PUT", f"/v1/staff/{ola['id']}/password", {"password": "p" * 9000}, api.boss),
            ("PUT", "/v1/sessions/current/password",
             {"current_password": PASSWORD, "new_password": "p" * 9000}, token)):
        assert_problem(api.request(method, path, json_body=body, key=key), 413,
                       "body-too-large")
    assert row(api, ola["id"]) == before and alive(api, token)
    assert api.server.sql("SELECT count(*) FROM audit_log")[0][0] == audit


@pytest.mark.parametrize("staff_id", ["999999", "0", "-1", "0x1", "1e3", "a" * 300])
def test_an_unknown_staff_id_is_404(lapi, staff_id):
    api = lapi
    assert_problem(api.patch(f"/v1/staff/{staff_id}", {"name": "X"}, key=api.boss), 404,
                   "not-found")
    assert_problem(api.put(f"/v1/staff/{staff_id}/password", {"password": NEW_PASSWORD},
                           key=api.boss), 404, "not-found")


def test_changes_need_an_admin(lapi):
    api = lapi
    mia = make(api, fresh("mia"), "manager", "BCN-01")
    target = make(api, fresh("tgt"), "cashier", "BCN-01")
    before = row(api, target["id"])
    token = login(api, mia["login"])
    for key in (token, "pos"):
        assert_problem(api.patch(f"/v1/staff/{target['id']}", {"disabled": True}, key=key),
                       403, "forbidden")
        assert_problem(api.put(f"/v1/staff/{target['id']}/password",
                               {"password": NEW_PASSWORD}, key=key), 403, "forbidden")
    assert row(api, target["id"]) == before
    # a write without an Idempotency-Key changes nothing either
    r = api.patch(f"/v1/staff/{target['id']}", {"disabled": True}, key=api.boss,
                  idempotency_key=None)
    assert_problem(r, 400, "missing-field", "Idempotency-Key")
    assert row(api, target["id"]) == before
