"""Tier progress on the receipt: "Welcome to Gold!" after an upgrade and what
is missing for the next level, in points, visits or money, in the program's
language; and each level's member-facing benefits, on the purchase's tier and
on the member."""
import datetime as dt

import pytest

from conftest import _start, _stop
from fidelis_api import Api, line

LEVELS = """
  levels:
    - {{ name: bronze, min: 0 }}
    - {{ name: silver, min: {silver} }}
    - {{ name: gold, min: {gold}, benefits: ["Double points on Saturdays", "Free delivery"] }}
"""


def program(basis, language, silver, gold):
    return (f"program: {{name: T, currency: EUR, time_zone: Europe/Madrid, "
            f"language: {language}}}\n"
            f"tiers:\n  basis: {basis}\n" + LEVELS.format(silver=silver, gold=gold) +
            "earn:\n  - id: base\n    rate: 1\n")


# One version per year, each with another basis: a purchase's time picks it.
VERSIONS = [
    ("2020-01-01T00:00:00Z", program("points", "en", 100, 200)),
    ("2021-01-01T00:00:00Z", program("spend", "es", "100.00", "200.00")),
    ("2022-01-01T00:00:00Z", program("visits", "en", 3, 5)),
    ("2023-01-01T00:00:00Z", program("points", "ru", 100, 200)),
]


@pytest.fixture(scope="module")
def tapi(tmp_path_factory, fidelis_bin, openapi):
    s = _start(tmp_path_factory, fidelis_bin, "tierprogress")
    api = Api(s, openapi)
    api.set_clock(dt.datetime(2024, 6, 1, 12, tzinfo=dt.timezone.utc))
    for effective, source in VERSIONS:
        r = api.post("/v1/program/versions", {"source": source, "effective_from": effective},
                     key="admin")
        assert r.status_code == 201, r.text
    yield api
    _stop(s)


def buy(api, member_id, cents, when, n=1):
    return api.purchase(member_id, lines=[line("X", n, cents)], time=when)


def test_points_progress_then_welcome_to_the_new_level(tapi):
    member, _ = tapi.new_member()
    p = buy(tapi, member["id"], 8000, "2020-06-01T10:00:00Z")  # 80 points
    assert p["tier"]["name"] == "bronze" and p["tier"]["missing"] == 20
    assert "20 more points to Silver." in p["messages"]
    assert not any(m.startswith("Welcome") for m in p["messages"])
    p = buy(tapi, member["id"], 13000, "2020-06-02T10:00:00Z")  # 210 in all: gold
    assert p["tier"]["name"] == "gold" and p["tier"]["upgraded"]
    assert "Welcome to Gold!" in p["messages"]
    # at the top nothing is missing
    assert not any("more points to" in m for m in p["messages"])


def test_spend_progress_speaks_money_in_the_programs_language(tapi):
    member, _ = tapi.new_member()
    p = buy(tapi, member["id"], 8000, "2021-06-01T10:00:00Z")
    assert "Has gastado 80,00 €: te faltan 20,00 € para Silver." in p["messages"]
    p = buy(tapi, member["id"], 2000, "2021-06-02T10:00:00Z")
    assert "¡Bienvenido al nivel Silver!" in p["messages"]
    assert "Has gastado 100,00 €: te faltan 100,00 € para Gold." in p["messages"]


def test_visits_progress_counts_purchases(tapi):
    member, _ = tapi.new_member()
    p = buy(tapi, member["id"], 100, "2022-06-01T10:00:00Z")
    assert "2 more visits to Silver." in p["messages"]
    p = buy(tapi, member["id"], 100, "2022-06-02T10:00:00Z")
    assert "1 more visit to Silver." in p["messages"]


def test_russian_plurals_on_the_receipt(tapi):
    member, _ = tapi.new_member()
    p = buy(tapi, member["id"], 9800, "2023-06-01T10:00:00Z")  # 98 points: 2 missing
    assert "Ещё 2 балла до уровня «Silver»." in p["messages"]
    p = buy(tapi, member["id"], 9500, "2023-06-02T10:00:00Z")  # 193: 7 to gold
    assert "Добро пожаловать на уровень «Silver»!" in p["messages"]
    assert "Ещё 7 баллов до уровня «Gold»." in p["messages"]


def test_benefits_come_with_the_tier_on_the_purchase_and_the_member(tapi):
    member, _ = tapi.new_member()
    p = buy(tapi, member["id"], 5000, "2020-06-01T10:00:00Z")
    assert p["tier"]["name"] == "bronze" and p["tier"]["benefits"] == []
    p = buy(tapi, member["id"], 20000, "2020-06-02T10:00:00Z")
    assert p["tier"]["name"] == "gold"
    assert p["tier"]["benefits"] == ["Double points on Saturdays", "Free delivery"]
    # the member shows the benefits of their level in the version in force now
    assert tapi.member(member["id"])["tier_benefits"] == \
        ["Double points on Saturdays", "Free delivery"]
    other, _ = tapi.new_member()
    assert tapi.member(other["id"])["tier_benefits"] == []


def test_program_explain_writes_the_benefits(tapi):
    r = tapi.get("/v1/program/explain", params={"lang": "en"})
    assert r.status_code == 200
    assert "- Gold: Double points on Saturdays. Free delivery." in r.text


HEAD = ("program: {name: T, currency: EUR, time_zone: Europe/Madrid}\n"
        "tiers:\n  basis: points\n  levels:\n    - { name: bronze, min: 0 }\n")


@pytest.mark.parametrize("benefits, field", [
    ("[]", "tiers.levels[1].benefits"),
    ("Free delivery", "tiers.levels[1].benefits"),
    ("{a: b}", "tiers.levels[1].benefits"),
    ("[a, a]", "tiers.levels[1].benefits[1]"),
    ("[" + "x" * 121 + "]", "tiers.levels[1].benefits[0]"),
    ("[" + ", ".join(f"b{i}" for i in range(11)) + "]", "tiers.levels[1].benefits"),
    ("[[nested]]", "tiers.levels[1].benefits[0]"),
    ('["tab\\there"]', "tiers.levels[1].benefits[0]"),
])
def test_bad_benefits_are_refused_naming_the_key_and_change_nothing(tapi, benefits, field):
    before = tapi.get("/v1/program/versions").json()["versions"]
    source = HEAD + f"    - {{ name: gold, min: 100, benefits: {benefits} }}\n"
    r = tapi.post("/v1/program/versions", {"source": source}, key="admin")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field, r.json()
    assert tapi.get("/v1/program/versions").json()["versions"] == before


def test_a_busy_receipt_keeps_every_message(tapi):
    """Redemption, points, an upgrade, the progress and the balance: five
    messages, all within the documented maximum."""
    member, _ = tapi.new_member()
    buy(tapi, member["id"], 9000, "2020-06-01T10:00:00Z")  # 90 points
    p = tapi.purchase(member["id"], lines=[line("X", 1, 5000)], time="2020-06-02T10:00:00Z",
                      redeem_points=10)
    assert p["tier"]["upgraded"]
    assert len(p["messages"]) == 5, p["messages"]
    assert p["messages"][0].startswith("You used 10 points")
    assert "Welcome to Silver!" in p["messages"]  # 90 + 49 earned: 61 more to gold
    assert "61 more points to Gold." in \
        p["messages"]
