"""Enrolment and identifying members: by card, phone, e-mail and name."""
import datetime as dt

import pytest

from fidelis_api import assert_problem, letters, unique_email, unique_phone


# ---- enrolment ----

def test_enrolment_returns_the_member_and_their_first_card(api):
    out = api.enrol("Ana Pérez", email=unique_email("ana"), phone=unique_phone(),
                    birthday="1990-05-17", marketing_consent=True, home_store="BCN-01")
    member, card = out["member"], out["card"]
    assert member["id"] > 0
    assert member["name"] == "Ana Pérez"
    assert member["birthday"] == "1990-05-17"
    assert member["marketing_consent"] is True
    assert member["home_store"] == "BCN-01"
    assert member["balance"] == 0
    assert card["member_id"] == member["id"]
    assert card["status"] == "active"
    assert len(card["number"]) == 19 and card["number"].startswith("8")
    assert card["display"].replace(" ", "") == card["number"]
    shown = api.member(member["id"])
    assert [c["number"] for c in shown["cards"]] == [card["number"]]
    assert shown["points"]["total"] == 0


def test_enrolment_normalises_the_email_to_lower_case(api):
    email = unique_email("Ana.Lopez")
    member, _ = api.new_member(email="  " + email.upper() + " ")
    assert member["email"] == email.lower()


def test_enrolment_normalises_the_phone_to_plus_and_digits(api):
    digits = unique_phone().replace(" ", "")  # "+346xxxxxxxx"
    typed = f"{digits[:3]} ({digits[3:6]}) {digits[6:9]}-{digits[9:]}"
    member, _ = api.new_member(phone=typed)
    assert member["phone"] == digits


def test_enrolment_without_contact_details_is_allowed(api):
    member, card = api.new_member(email=None, phone=None)
    assert member["email"] is None and member["phone"] is None
    assert card["member_id"] == member["id"]


def test_enrolment_with_a_taken_email_in_other_case_is_409_duplicate_email(api):
    email = unique_email("dup")
    api.new_member(email=email)
    before = api.totals()
    r = api.post("/v1/members", {"name": "Someone Else", "email": email.upper()})
    assert_problem(r, 409, "duplicate", "email")
    assert api.totals() == before


def test_enrolment_with_a_taken_phone_in_other_format_is_409_duplicate_phone(api):
    phone = unique_phone()
    api.new_member(phone=phone)
    before = api.totals()
    r = api.post("/v1/members", {"name": "Someone Else", "phone": phone.replace(" ", "-")})
    assert_problem(r, 409, "duplicate", "phone")
    assert api.totals() == before


@pytest.mark.parametrize("field,value", [
    ("email", "ana@"),
    ("email", "ana.example.com"),
    ("email", "@example.com"),
    ("email", "ana@example"),
    ("email", "ana@@example.com"),
    ("email", "ana maria@example.com"),
    ("phone", "12 345"),
    ("phone", "+34 612 abc 678"),
    ("phone", "1234567890123456"),
    ("phone", "+34 612 345 678 ext 9"),
    ("name", "!!!"),
    ("name", "- . ,"),
    ("name", "   "),
])
def test_enrolment_with_a_bad_value_is_400_naming_the_field(api, field, value):
    body = {"name": "Valid Name", "email": unique_email(), "phone": unique_phone(), field: value}
    before = api.totals()
    r = api.post("/v1/members", body)
    assert_problem(r, 400, "invalid-request", field)
    assert api.totals() == before


def test_enrolment_with_a_birthday_in_the_future_is_400_naming_birthday(api):
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).date().isoformat()
    before = api.totals()
    r = api.post("/v1/members", {"name": "Future Baby", "birthday": tomorrow})
    assert_problem(r, 400, "out-of-range", "birthday")
    assert api.totals() == before


@pytest.mark.parametrize("birthday", ["1990-02-30", "17/05/1990", "1990-5-17", "yesterday"])
def test_enrolment_with_a_birthday_that_is_not_a_date_is_400_naming_birthday(api, birthday):
    r = api.post("/v1/members", {"name": "Odd Date", "birthday": birthday})
    assert_problem(r, 400, "wrong-type", "birthday")


def test_enrolment_with_a_birthday_before_1900_is_400_naming_birthday(api):
    r = api.post("/v1/members", {"name": "Very Old", "birthday": "1899-12-31"})
    assert_problem(r, 400, "out-of-range", "birthday")


# ---- identify ----

def find(api, **params):
    r = api.get("/v1/members", params=params)
    assert r.status_code == 200, r.text
    return r.json()["members"]


def test_identify_by_card_number(api):
    member, card = api.new_member()
    assert [m["id"] for m in find(api, card=card["number"])] == [member["id"]]


@pytest.mark.parametrize("spelling", ["display", "dashes", "odd spaces"])
def test_identify_by_card_number_typed_with_spaces_or_dashes(api, spelling):
    member, card = api.new_member()
    n = card["number"]
    typed = {"display": card["display"],
             "dashes": "-".join(n[i:i + 4] for i in range(0, 19, 4)),
             "odd spaces": " " + n[:3] + "  " + n[3:11] + " - " + n[11:] + " "}[spelling]
    assert [m["id"] for m in find(api, card=typed)] == [member["id"]]


def test_identify_by_phone_written_another_way(api):
    digits = unique_phone().replace(" ", "")
    member, _ = api.new_member(phone=f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}")
    typed = f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}.{digits[9:]}"
    assert [m["id"] for m in find(api, phone=typed)] == [member["id"]]
    assert [m["id"] for m in find(api, phone=f"{digits[:3]} ({digits[3:6]}) {digits[6:]}")] \
        == [member["id"]]


def test_identify_by_email_in_other_case(api):
    email = unique_email("maria")
    member, _ = api.new_member(email=email)
    assert [m["id"] for m in find(api, email=email.upper())] == [member["id"]]


def test_identify_by_unknown_email_or_phone_is_404(api):
    assert_problem(api.get("/v1/members", params={"email": unique_email()}), 404, "not-found")
    assert_problem(api.get("/v1/members", params={"phone": "+99 999 999 999"}), 404, "not-found")


@pytest.mark.parametrize("query", [
    "jose {t}", "José {t}", "JOSE {t}", "garc {t}", "GARCÍA {t}", "garcia jose {t}",
    "jose\u0301 {t}", "{t} jos", "{t}",
])
def test_identify_by_name_prefix_ignores_case_and_accents(api, query):
    token = letters()
    member, _ = api.new_member(name=f"José García {token.title()}")
    assert [m["id"] for m in find(api, q=query.format(t=token))] == [member["id"]]


@pytest.mark.parametrize("name,query", [
    ("Хосе Гарсия {T}", "ГАРСИЯ {t}"),
    ("Хосе Гарсия {T}", "гарс {t}"),
    ("Пётр Ёлкин {T}", "петр елкин {t}"),
    ("Сергей Йорданов {T}", "иорд {t}"),
    ("Ζωή Παπαδοπούλου {T}", "ζωη παπαδοπουλ {t}"),
    ("Jordi Col·lell {T}", "collell {t}"),
    ("Seán O'Brien {T}", "obrien sean {t}"),
    ("Jürgen Weiß {T}", "weiss jurg {t}"),
])
def test_identify_by_name_prefix_in_other_scripts(api, name, query):
    token = letters()
    member, _ = api.new_member(name=name.format(T=token.title()))
    assert [m["id"] for m in find(api, q=query.format(t=token))] == [member["id"]]


def test_identify_by_name_needs_every_word_to_match(api):
    token = letters()
    api.new_member(name=f"José García {token}")
    assert find(api, q=f"jose {token} pedro") == []
    assert find(api, q=f"arcia {token}") == []  # a prefix, not a substring


@pytest.mark.parametrize("count,limit", [(7, 3), (6, 3), (1, 1)])
def test_identify_by_name_pages_visit_each_member_exactly_once(api, count, limit):
    token = letters()
    ids = sorted(api.new_member(name=f"Page {token} Number {i}")[0]["id"] for i in range(count))
    seen, after, pages = [], None, 0
    while True:
        params = {"q": token, "limit": limit}
        if after is not None:
            params["after"] = after
        r = api.get("/v1/members", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        pages += 1
        assert len(page["members"]) <= limit
        seen += [m["id"] for m in page["members"]]
        after = page.get("next_after")
        if after is None:
            break
        assert after == page["members"][-1]["id"]
        assert pages <= count + 1, "pagination does not end"
    assert seen == ids


@pytest.mark.parametrize("params", [
    {},
    {"card": "8", "phone": "+34600000000"},
    {"email": "a@b.co", "q": "ana"},
    {"phone": "+34600000000", "email": "a@b.co", "q": "x", "card": "8"},
])
def test_identify_takes_exactly_one_of_card_phone_email_or_q(api, params):
    r = api.get("/v1/members", params=params)
    assert_problem(r, 400, "invalid-request")


@pytest.mark.parametrize("params,field", [
    ({"q": "ana", "limit": "0"}, "limit"),
    ({"q": "ana", "limit": "101"}, "limit"),
    ({"q": "ana", "limit": "ten"}, "limit"),
    ({"q": "ana", "after": "-1"}, "after"),
    ({"q": "ana", "after": "1x"}, "after"),
])
def test_identify_page_parameters_out_of_range_are_400_naming_them(api, params, field):
    assert_problem(api.get("/v1/members", params=params), 400, "out-of-range", field)


@pytest.mark.parametrize("q", ["!!!", "", "a b c d e"])
def test_identify_by_name_refuses_queries_without_words_or_with_too_many(api, q):
    r = api.get("/v1/members", params={"q": q})
    assert r.status_code == 400
    assert r.json()["field"] == "q"


@pytest.mark.parametrize("member_id", ["999999999", "0", "-1", "abc", "007", "1.0",
                                       "99999999999999999999"])
def test_member_that_does_not_exist_is_404(api, member_id):
    for suffix in ("", "/balance", "/ledger"):
        assert_problem(api.get(f"/v1/members/{member_id}{suffix}"), 404, "not-found")


@pytest.mark.parametrize("length,ok", [(200, True), (201, False)])
def test_identify_by_name_query_length_at_its_limit_and_one_past(api, length, ok):
    q = "ana bea " + "c" * (length - 8)
    r = api.get("/v1/members", params={"q": q})
    if ok:
        assert r.status_code == 200, r.text
    else:
        assert_problem(r, 400, "out-of-range", "q")


def test_identify_by_name_accepts_the_largest_page(api):
    token = letters()
    api.new_member(name=f"Big Page {token}")
    r = api.get("/v1/members", params={"q": token, "limit": 100})
    assert r.status_code == 200 and len(r.json()["members"]) == 1
