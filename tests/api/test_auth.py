"""API keys: who may call what, and one answer for every wrong key."""
import random

import pytest

from fidelis_api import assert_problem, unique

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def random_word(n):
    return "".join(random.choice(ALPHABET) for _ in range(n))


def wrong_keys(api):
    real = api.pos_key
    prefix, key_id, secret = real.split("_")
    return {
        "malformed": "hello",
        "malformed, right length": "x" * len(real),
        "unknown": f"fdl_{random_word(len(key_id))}_{random_word(len(secret))}",
        "wrong secret": f"fdl_{key_id}_{random_word(len(secret))}",
        "truncated": real[:-1],
        "with a space": real + " ",
    }


def test_no_key_is_401(api):
    for path in ("/v1/program", "/v1/members/1"):
        assert_problem(api.get(path, key=None), 401, "unauthenticated")
    assert_problem(api.post("/v1/purchases", {}, key=None), 401, "unauthenticated")


def test_every_wrong_key_gets_the_same_401_answer(api):
    answers = {}
    for what, key in wrong_keys(api).items():
        r = api.get("/v1/program", key=key)
        assert_problem(r, 401, "unauthenticated")
        answers[what] = r.content
    r = api.get("/v1/program", key=None)
    assert_problem(r, 401, "unauthenticated")
    assert len(set(answers.values())) == 1, answers


def test_a_key_is_accepted_as_bearer_or_as_x_api_key(api):
    assert api.get("/v1/program").status_code == 200
    r = api.get("/v1/program", key=None, headers={"X-Api-Key": api.pos_key})
    assert r.status_code == 200, r.text
    r = api.get("/v1/program", key=None, headers={"Authorization": f"Basic {api.pos_key}"})
    assert_problem(r, 401, "unauthenticated")


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/v1/members/1/adjustments", {"points": 1, "reason": "x"}),
    ("POST", "/v1/keys", {"name": "sneaky", "scopes": "admin"}),
    ("POST", "/v1/admin/expire", {}),
    ("PUT", "/v1/test/clock", {"now": "2030-01-01T00:00:00Z"}),
])
def test_pos_key_on_admin_routes_is_403_forbidden(api, method, path, body):
    before = api.totals()
    r = api.request(method, path, json_body=body, key="pos")
    assert_problem(r, 403, "forbidden")
    assert api.totals() == before


def create_key(api, scopes, name=None, idempotency_key="auto"):
    r = api.post("/v1/keys", {"name": name or unique("key-"), "scopes": scopes}, key="admin",
                 idempotency_key=idempotency_key)
    assert r.status_code == 201, r.text
    return r


def test_a_created_pos_key_works_at_the_till_but_not_on_admin_routes(api):
    out = create_key(api, "pos", "till 7").json()
    assert out["name"] == "till 7" and out["scopes"] == "pos"
    key = out["key"]
    assert key.startswith("fdl_") and key not in (api.pos_key, api.admin_key)
    member, _ = api.new_member()
    assert api.get(f"/v1/members/{member['id']}", key=key).status_code == 200
    r = api.post("/v1/purchases", api.purchase_body(member["id"]), key=key)
    assert r.status_code == 201, r.text
    r = api.post(f"/v1/members/{member['id']}/adjustments", {"points": 1, "reason": "x"},
                 key=key)
    assert_problem(r, 403, "forbidden")


def test_a_created_admin_key_can_adjust_and_its_id_is_the_ledger_actor(api):
    key = create_key(api, "admin").json()["key"]
    member, _ = api.new_member()
    r = api.post(f"/v1/members/{member['id']}/adjustments", {"points": 9, "reason": "by new key"},
                 key=key)
    assert r.status_code == 201, r.text
    (entry,) = api.ledger(member["id"])["entries"]
    assert key.split("_")[1] in entry["actor"]
    assert api.get(f"/v1/members/{member['id']}", key=key).status_code == 200  # admin may read


def test_keys_are_shown_only_when_created(api):
    first = create_key(api, "pos").json()["key"]
    second = create_key(api, "pos").json()["key"]
    assert first != second
    # There is no way to read a key back.
    assert_problem(api.get("/v1/keys", key="admin"), 405, "method-not-allowed")
    assert_problem(api.get("/v1/keys/" + first.split("_")[1], key="admin"), 404, "not-found")
    # A replay of the creating request neither makes a second key nor shows the first again.
    idem = unique("key-create-")
    shown = create_key(api, "pos", "replayed", idempotency_key=idem)
    replay = create_key(api, "pos", "replayed", idempotency_key=idem)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    key = shown.json()["key"]
    assert key.split("_")[2] not in replay.text, "a replay shows the key's secret again"
    assert replay.json().get("key") in (None, ""), replay.text
    assert api.get("/v1/program", key=key).status_code == 200


@pytest.mark.parametrize("scopes", ["root", "pos,pos", "POS", "admin,", "pos admin"])
def test_key_with_unknown_scopes_is_400_naming_scopes(api, scopes):
    r = api.post("/v1/keys", {"name": "bad", "scopes": scopes}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "scopes"


def test_ids_of_members_of_no_one_are_404_for_every_member_route(api):
    """There is one program per installation today; a key must never reach
    data that is not its program's, so ids that are not its members are 404."""
    missing = 2**62
    for r in (api.get(f"/v1/members/{missing}"),
              api.get(f"/v1/members/{missing}/balance"),
              api.get(f"/v1/members/{missing}/ledger"),
              api.post(f"/v1/members/{missing}/cards", None),
              api.post(f"/v1/members/{missing}/adjustments", {"points": 1, "reason": "x"},
                       key="admin"),
              api.post("/v1/purchases", api.purchase_body(missing))):
        assert_problem(r, 404, "not-found")
