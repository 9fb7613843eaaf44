"""Segments and sign-up bonuses: members can be put in named groups that earn
rules target, and a program can give points when a member joins."""
import pytest

from conftest import _start, _stop
from fidelis_api import Api, assert_problem, line

PROGRAM = """
program: {name: Segmented, currency: EUR, time_zone: Europe/Madrid}
earn:
  - id: base
    rate: 1
  - id: students-double
    multiplier: 2
    segments: [students]
  - id: staff-bonus
    bonus: 7
    when: '"staff" in member.segments'
  - id: welcome
    event: signup
    bonus: 100
    valid_from: 2020-01-01
    valid_until: 2099-12-31
  - id: old-welcome
    event: signup
    bonus: 5000
    valid_until: 2019-12-31
"""


@pytest.fixture(scope="module")
def sapi(tmp_path_factory, fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "segments")
    api = Api(s, openapi)
    r = api.post("/v1/program/versions",
                 {"source": PROGRAM, "effective_from": "2020-01-01T00:00:00Z"}, key="admin")
    assert r.status_code == 201, r.text
    yield api
    _stop(s)


def put_segments(api, member_id, segments, key=None, **kw):
    return api.put(f"/v1/members/{member_id}/segments", {"segments": segments},
                   key=kw.pop("api_key", "admin"),
                   headers={"Idempotency-Key": key or f"seg-{member_id}-{'-'.join(segments)}"},
                   **kw)


def test_a_new_member_gets_the_signup_bonus_in_force_once(sapi):
    member, _ = sapi.new_member()
    assert member["balance"] == 100
    entries = sapi.ledger(member["id"])["entries"]
    assert [(e["kind"], e["points"], e["reason"]) for e in entries] == [
        ("bonus", 100, "signup:welcome")]
    b = sapi.balance(member["id"])
    assert b["total"] == b["available"] == 100


def test_segments_are_set_replaced_and_read_sorted(sapi):
    member, _ = sapi.new_member()
    r = put_segments(sapi, member["id"], ["students", "families"])
    assert r.status_code == 200, r.text
    assert r.json() == {"member_id": member["id"], "segments": ["families", "students"]}
    got = sapi.get(f"/v1/members/{member['id']}/segments")
    assert got.status_code == 200 and got.json()["segments"] == ["families", "students"]
    r = put_segments(sapi, member["id"], [])
    assert r.status_code == 200 and r.json()["segments"] == []


def test_rules_for_a_segment_apply_to_its_members_only(sapi):
    student, _ = sapi.new_member()
    other, _ = sapi.new_member()
    staff, _ = sapi.new_member()
    assert put_segments(sapi, student["id"], ["students"]).status_code == 200
    assert put_segments(sapi, staff["id"], ["staff"]).status_code == 200
    p = sapi.purchase(student["id"], lines=[line("A", 1, 2000)])
    assert p["points_earned"] == 40
    assert {d["rule"] for d in p["points_detail"]} == {"base", "students-double"}
    assert sapi.purchase(other["id"], lines=[line("A", 1, 2000)])["points_earned"] == 20
    s = sapi.purchase(staff["id"], lines=[line("A", 1, 2000)])
    assert s["points_earned"] == 27
    assert {d["rule"] for d in s["points_detail"]} == {"base", "staff-bonus"}


def test_a_replayed_put_answers_the_same_and_another_body_is_refused(sapi):
    member, _ = sapi.new_member()
    first = put_segments(sapi, member["id"], ["students"], key="seg-replay")
    again = put_segments(sapi, member["id"], ["students"], key="seg-replay")
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    other = put_segments(sapi, member["id"], ["staff"], key="seg-replay")
    assert_problem(other, 409, "idempotency-key-reused")


@pytest.mark.parametrize("body, status, slug, field", [
    ({"segments": ["Students"]}, 400, "invalid-request", "segments[0]"),
    ({"segments": ["ok", "ok"]}, 400, "invalid-request", "segments[1]"),
    ({"segments": ["a" * 65]}, 400, "invalid-request", "segments[0]"),
    ({"segments": [""]}, 400, "invalid-request", "segments[0]"),
    ({"segments": ["with space"]}, 400, "invalid-request", "segments[0]"),
    ({"segments": [7]}, 400, "wrong-type", "segments[0]"),
    ({"segments": "students"}, 400, "wrong-type", "segments"),
    ({"segments": [f"s{i}" for i in range(65)]}, 400, "out-of-range", "segments"),
    ({}, 400, "missing-field", "segments"),
    ({"segments": [], "extra": 1}, 400, "unknown-field", "extra"),
])
def test_bad_segments_are_refused_and_change_nothing(sapi, body, status, slug, field):
    member, _ = sapi.new_member()
    assert put_segments(sapi, member["id"], ["students"]).status_code == 200
    r = sapi.put(f"/v1/members/{member['id']}/segments", body, key="admin",
                 headers={"Idempotency-Key": "bad-" + str(member["id"])})
    assert_problem(r, status, slug, field=field)
    assert sapi.get(f"/v1/members/{member['id']}/segments").json()["segments"] == ["students"]


def test_segments_need_an_admin_key_and_an_existing_member(sapi):
    member, _ = sapi.new_member()
    r = put_segments(sapi, member["id"], ["students"], api_key="pos")
    assert_problem(r, 403, "forbidden")
    assert sapi.get(f"/v1/members/{member['id']}/segments").json()["segments"] == []
    r = put_segments(sapi, 999999, ["students"])
    assert_problem(r, 404, "not-found", field="member_id")
    assert_problem(sapi.get("/v1/members/999999/segments"), 404, "not-found")


@pytest.mark.parametrize("rule, key", [
    ("{id: w, event: signup, rate: 2}", "earn[0].event"),
    ("{id: w, event: signup, bonus: 5, skus: [a]}", "earn[0].skus"),
    ("{id: w, event: signup, bonus: 5, per: unit}", "earn[0].per"),
    ("{id: w, event: signup, bonus: 5, min_spend: 10}", "earn[0].min_spend"),
    ("{id: w, bonus: 5, segments: [Students, Students]}", "earn[0].segments[1]"),
])
def test_program_files_with_impossible_signup_or_segment_rules_are_refused(sapi, rule, key):
    source = "program: {name: X, currency: EUR, time_zone: UTC}\nearn:\n  - " + rule + "\n"
    r = sapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == key, r.json()
