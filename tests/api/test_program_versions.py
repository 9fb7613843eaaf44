"""Program files: applied as versions, earned under the version in force, explained
rule by rule; a dry run changes nothing; old purchases keep what they earned."""
import pathlib

import pytest

from conftest import _start, _stop
from fidelis_api import Api, assert_problem, line, rfc3339, unique

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"

FOUR_PER_UNIT = """
program:
  name: Worked example
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 4
"""

RED_TRIPLE = FOUR_PER_UNIT + """
  - id: red-triple
    multiplier: 3
    labels: [red]
"""

EXCLUDING_DELIVERY = """
program:
  name: Worked example
  currency: EUR
  time_zone: Europe/Madrid
earn:
  - id: base
    rate: 4
    exclude: { skus: [DELIVERY] }
"""


def worked_basket():
    """12.00 (sku A, label red) + 100.00 (sku B, label blue) + 40.00 delivery."""
    return [line("A", 1, 1200, labels=["red"]), line("B", 1, 10000, labels=["blue"]),
            line("DELIVERY", 1, 4000)]


@pytest.fixture(scope="module")
def papi(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own: applying programs changes how everyone earns."""
    s = _start(tmp_path_factory, fidelis_bin, "programs")
    yield Api(s, openapi)
    _stop(s)


def apply(api, source, *, effective_from=None, key="admin", expect=201):
    body = {"source": source}
    if effective_from is not None:
        body["effective_from"] = effective_from
    r = api.post("/v1/program/versions", body, key=key)
    assert r.status_code == expect, r.text
    return r.json() if expect == 201 else r


def dry_run(api, member_id, lines):
    r = api.post("/v1/purchases/dry-run", api.purchase_body(member_id, lines=lines),
                 idempotency_key=None)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_worked_examples_earn_608_448_and_704(papi):
    member, _ = papi.new_member()
    apply(papi, FOUR_PER_UNIT)
    assert dry_run(papi, member["id"], worked_basket())["points_earned"] == 608
    apply(papi, EXCLUDING_DELIVERY)
    assert dry_run(papi, member["id"], worked_basket())["points_earned"] == 448
    apply(papi, RED_TRIPLE)
    p = papi.purchase(member["id"], lines=worked_basket())
    assert p["points_earned"] == 704
    assert [l["points"] for l in p["lines"]] == [144, 400, 160]
    # why: the base rule on every line, and the multiplier's extra on the red line
    assert {(a["rule"], a["line"], a["points"]) for a in p["points_detail"]} == {
        ("base", 1, 48), ("base", 2, 400), ("base", 3, 160), ("red-triple", 1, 96)}
    assert papi.purchase_get(p["txn_id"])["points_detail"] == p["points_detail"]


def test_a_dry_run_changes_nothing_and_leaves_the_txn_id_free(papi):
    member, _ = papi.new_member()
    apply(papi, RED_TRIPLE)
    before = papi.balance(member["id"])
    body = papi.purchase_body(member["id"], lines=worked_basket())
    r = papi.post("/v1/purchases/dry-run", body, idempotency_key=None)
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert papi.balance(member["id"]) == before
    assert papi.get(f"/v1/purchases/{body['txn_id']}").status_code == 404
    r = papi.post("/v1/purchases", body)
    assert r.status_code == 201 and r.json()["points_earned"] == 704


def test_an_old_purchase_refunded_after_a_rule_change_claws_back_what_it_earned(papi):
    member, _ = papi.new_member()
    apply(papi, RED_TRIPLE)
    p = papi.purchase(member["id"], lines=worked_basket())
    assert p["points_earned"] == 704
    v = apply(papi, FOUR_PER_UNIT)  # red no longer triples
    assert dry_run(papi, member["id"], worked_basket())["points_earned"] == 608
    rf = papi.refund(p["txn_id"], [{"line": 1, "quantity": 1}])
    assert rf["points_clawed_back"] == 144  # what line 1 earned then, not the 48 of now
    assert papi.purchase_get(p["txn_id"])["program_version"] == v["version"] - 1


def test_a_version_takes_effect_only_from_its_date(papi):
    member, _ = papi.new_member()
    apply(papi, FOUR_PER_UNIT)
    future = apply(papi, RED_TRIPLE, effective_from="2099-01-01T00:00:00Z")
    assert dry_run(papi, member["id"], worked_basket())["points_earned"] == 608
    versions = papi.get("/v1/program/versions").json()["versions"]
    in_force = [v for v in versions if v["in_force"]]
    assert len(in_force) == 1 and in_force[0]["version"] == future["version"] - 1
    assert versions[-1]["version"] == future["version"] and not versions[-1]["in_force"]


def test_a_malformed_program_file_is_refused_with_line_and_column_and_changes_nothing(papi):
    before = papi.get("/v1/program/versions").json()["versions"]
    bad = FOUR_PER_UNIT + "  - id: broken\n    multiplier: 3\n    colour: red\n"
    r = apply(papi, bad, expect=400)
    problem = r.json()
    assert "line" in problem["detail"] and "column" in problem["detail"]
    assert "colour" in problem.get("field", "") + problem["detail"]
    r = apply(papi, "earn: [unclosed", expect=400)
    assert papi.get("/v1/program/versions").json()["versions"] == before


def test_applying_a_program_needs_an_admin_key(papi):
    r = apply(papi, FOUR_PER_UNIT, key="pos", expect=403)
    assert_problem(r, 403, "forbidden")


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_program_applies_and_earns(papi, example):
    member, _ = papi.new_member()
    apply(papi, (EXAMPLES / example).read_text())
    out = dry_run(papi, member["id"], [line("COFFEE-1", 2, 350, category="coffee"),
                                       line("BREAD", 1, 1999, category="bakery")])
    assert out["points_earned"] >= 0
    assert sum(l["points"] for l in out["lines"]) == out["points_earned"]
    assert sum(a["points"] for a in out["points_detail"]) == out["points_earned"]


def test_receipts_speak_the_programs_language(papi):
    member, _ = papi.new_member()
    apply(papi, FOUR_PER_UNIT.replace("time_zone: Europe/Madrid",
                                      "time_zone: Europe/Madrid\n  language: es"))
    p = papi.purchase(member["id"], lines=[line("A", 1, 1000)])
    assert p["points_earned"] == 40
    assert any("40" in m and "puntos" in m for m in p["messages"]), p["messages"]
    apply(papi, FOUR_PER_UNIT.replace("time_zone: Europe/Madrid",
                                      "time_zone: Europe/Moscow\n  language: ru"))
    p = papi.purchase(member["id"], lines=[line("A", 1, 525)])  # 21 points: "балл"
    assert p["points_earned"] == 21
    assert any("21 балл" in m and "баллов" not in m and "балла" not in m
               for m in p["messages"]), p["messages"]


def test_the_rules_in_force_are_explained_in_the_asked_language(papi):
    apply(papi, RED_TRIPLE)
    r = papi.get("/v1/program/explain", params={"lang": "es"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/markdown")
    assert "Worked example" in r.text and "puntos" in r.text
    r = papi.get("/v1/program/explain", params={"lang": "xx"})
    assert r.status_code == 400 and r.json()["field"] == "lang"
