"""
Hostile input on every write endpoint: each malformed request is refused
with the right RFC 9457 problem (naming the field at fault) and changes
nothing; each value at its limit is accepted and one past it is refused.

The endpoints are described once, as data (ENDPOINTS); the tests are the
cross product of endpoints and cases.
"""
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field as dc_field
from typing import Callable, Optional

import pytest

from fidelis_api import (MAX_BODY, MAX_EMAIL_LEN, MAX_ID_LEN, MAX_JSON_DEPTH, MAX_LINES,
                         MAX_NAME_LEN, MAX_PHONE_LEN, MAX_POINTS, MAX_QUANTITY, MAX_REASON_LEN,
                         MAX_SMALL_BODY, MAX_UNIT_PRICE, PROBLEM_BASE, assert_problem,
                         check_problem_shape, line, raw_http, unique, unique_email, unique_phone)

INT64_MAX = 2**63 - 1
HUGE = "99999999999999999999"  # beyond int64, as JSON text


# ----------------------------------------------------------------- model --

@dataclass
class Field:
    path: tuple                 # ("lines", 0, "quantity")
    kind: str                   # "string", "int", "bool", "date", "time", "array"
    required: bool = False
    min: Optional[int] = None   # length for strings, value for ints, elements for arrays
    max: Optional[int] = None
    fill: Optional[Callable] = None  # fill(n, ctx) -> a valid string of n bytes
    ok_min: bool = True         # whether a value at min is accepted (2xx)
    ok_max: bool = True
    prepare: Optional[Callable] = None  # prepare(body, ctx) before setting this field

    @property
    def name(self):
        out = ""
        for p in self.path:
            out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
        return out


@dataclass
class Endpoint:
    name: str
    method: str
    limit: int
    setup: Callable                    # setup(api) -> ctx
    path: Callable                     # path(ctx) -> str
    body: Optional[Callable] = None    # body(ctx) -> a valid body (fresh ids each call)
    state: Optional[Callable] = None   # state(api, ctx) -> what must not change
    key: str = "pos"
    fixture: str = "api"
    fields: list = dc_field(default_factory=list)

    def __str__(self):
        return self.name


def totals_state(api, ctx):
    return api.totals()


# ---- contexts ----

def member_ctx(api, points=0):
    member, card = api.new_member()
    if points:
        api.adjust(member["id"], points, "opening balance")
    return {"member": member, "card": card}


def purchase_ctx(api):
    ctx = member_ctx(api)
    ctx["purchase"] = api.purchase(ctx["member"]["id"],
                                   lines=[line("A", 5, 1000), line("B", 5, 2000)])
    return ctx


CLOCK_TESTS_NOW = dt.datetime(2061, 5, 5, 5, 5, 5, tzinfo=dt.timezone.utc)


def clock_ctx(api):
    api.set_clock(CLOCK_TESTS_NOW)
    return {}


# ---- bodies ----

def enrol_body(ctx):
    return {"name": "Hostile Tester", "email": unique_email("hostile"), "phone": unique_phone(),
            "birthday": "1980-01-02", "marketing_consent": False, "home_store": "BCN-01"}


def purchase_body(ctx):
    return {"txn_id": unique("H-"), "member_id": ctx["member"]["id"], "currency": "EUR",
            "store": "BCN-01", "channel": "till", "redeem_points": 0,
            "lines": [{"sku": "SKU-1", "category": "food", "quantity": 2, "unit_price": 150}]}


def refund_body(ctx):
    return {"refund_id": unique("HR-"), "lines": [{"line": 1, "quantity": 1}]}


# ---- valid strings of a given length ----

def text(n, ctx=None):
    return ("Name " + "x" * n)[:n] if n >= 5 else "x" * n


def ident(n, ctx=None):
    u = uuid.uuid4().hex
    return (u + "-" * n)[:n] if n >= 32 else u[:n]


def email_of(n, ctx=None):
    domain = "@example.com"
    local = uuid.uuid4().hex
    local = (local + "a" * n)[:max(n - len(domain), 1)]
    return local + domain


def phone_of(n, ctx=None):
    p = unique_phone()  # 15 chars
    return (p + " " * n)[:n]


def card_of(n, ctx):
    digits = ctx["card"]["number"]
    s = "-".join(digits)  # 37 chars
    return (s + "-" * n)[:n] if n >= len(s) else digits + " " * (n - 19)


def without_member_id(body, ctx):
    body.pop("member_id", None)


def string_field(path, lo, hi, fill, required=False, **kw):
    return Field(path, "string", required, lo, hi, fill, **kw)


ENDPOINTS = [
    Endpoint(
        "enrol", "POST", MAX_SMALL_BODY, lambda api: {}, lambda ctx: "/v1/members", enrol_body,
        totals_state,
        fields=[
            string_field(("name",), 1, MAX_NAME_LEN, text, required=True),
            string_field(("email",), 3, MAX_EMAIL_LEN, email_of, ok_min=False),
            string_field(("phone",), 6, MAX_PHONE_LEN, phone_of, ok_min=False),
            Field(("birthday",), "date"),
            Field(("marketing_consent",), "bool"),
            string_field(("home_store",), 1, MAX_ID_LEN, ident),
        ]),
    Endpoint(
        "purchase", "POST", MAX_BODY, lambda api: member_ctx(api, 1000),
        lambda ctx: "/v1/purchases", purchase_body,
        lambda api, ctx: (api.totals(), api.balance(ctx["member"]["id"])),
        fields=[
            string_field(("txn_id",), 1, MAX_ID_LEN, ident, required=True),
            Field(("member_id",), "int", min=1, max=INT64_MAX, ok_min=False, ok_max=False),
            string_field(("card",), 1, 64, card_of, ok_min=False, prepare=without_member_id),
            string_field(("store",), 1, MAX_ID_LEN, ident),
            string_field(("channel",), 1, 15, ident, ok_min=False, ok_max=False),
            Field(("time",), "time"),
            string_field(("currency",), 3, 3, lambda n, c: "EUR", required=True),
            Field(("redeem_points",), "int", min=0, max=MAX_POINTS, ok_max=False),
            Field(("lines",), "array", required=True, min=1, max=MAX_LINES),
            string_field(("lines", 0, "sku"), 1, MAX_ID_LEN, ident, required=True),
            string_field(("lines", 0, "category"), 1, MAX_ID_LEN, ident),
            Field(("lines", 0, "quantity"), "int", True, 1, MAX_QUANTITY),
            Field(("lines", 0, "unit_price"), "int", True, 0, MAX_UNIT_PRICE),
        ]),
    Endpoint(
        "refund", "POST", MAX_BODY, purchase_ctx,
        lambda ctx: f"/v1/purchases/{ctx['purchase']['txn_id']}/refunds", refund_body,
        lambda api, ctx: (api.totals(), api.purchase_get(ctx["purchase"]["txn_id"])),
        fields=[
            string_field(("refund_id",), 1, MAX_ID_LEN, ident, required=True),
            Field(("lines",), "array", min=1, max=MAX_LINES, ok_max=False),
            Field(("lines", 0, "line"), "int", True, 1, MAX_LINES, ok_max=False),
            Field(("lines", 0, "quantity"), "int", True, 1, MAX_QUANTITY, ok_max=False),
        ]),
    Endpoint(
        "adjust", "POST", MAX_SMALL_BODY, lambda api: member_ctx(api, 100),
        lambda ctx: f"/v1/members/{ctx['member']['id']}/adjustments",
        lambda ctx: {"points": 5, "reason": "goodwill"},
        lambda api, ctx: (api.totals(), api.ledger(ctx["member"]["id"])),
        key="admin",
        fields=[
            Field(("points",), "int", True, -MAX_POINTS, MAX_POINTS, ok_min=False),
            string_field(("reason",), 1, MAX_REASON_LEN, text, required=True),
        ]),
    Endpoint(
        "card_block", "POST", MAX_SMALL_BODY, member_ctx,
        lambda ctx: f"/v1/cards/{ctx['card']['number']}/block",
        lambda ctx: {"reason": "lost", "replace": True},
        lambda api, ctx: api.member(ctx["member"]["id"]),
        fields=[
            string_field(("reason",), 1, MAX_REASON_LEN, text, required=True),
            Field(("replace",), "bool"),
        ]),
    Endpoint(
        "key_create", "POST", MAX_SMALL_BODY, lambda api: {}, lambda ctx: "/v1/keys",
        lambda ctx: {"name": "hostile key", "scopes": "pos"}, totals_state, key="admin",
        fields=[
            string_field(("name",), 1, MAX_NAME_LEN, text, required=True),
            string_field(("scopes",), 3, 9, lambda n, c: {3: "pos", 9: "pos,admin"}[n],
                         required=True),
        ]),
    Endpoint(
        "test_clock", "PUT", MAX_SMALL_BODY, clock_ctx, lambda ctx: "/v1/test/clock",
        lambda ctx: {"now": CLOCK_TESTS_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")},
        lambda api, ctx: api.new_member()[0]["enrolled_at"],  # the clock did not move
        key="admin", fixture="clock_api",
        fields=[Field(("now",), "time", required=True)]),
    # Writes without fields take no body or an empty object, and nothing else.
    Endpoint(
        "card_issue", "POST", MAX_SMALL_BODY, member_ctx,
        lambda ctx: f"/v1/members/{ctx['member']['id']}/cards", lambda ctx: {},
        lambda api, ctx: api.member(ctx["member"]["id"])),
    Endpoint(
        "expire", "POST", MAX_SMALL_BODY, lambda api: {}, lambda ctx: "/v1/admin/expire",
        lambda ctx: {}, totals_state, key="admin"),
]
WITH_BODY = ENDPOINTS


# ---------------------------------------------------------------- helpers --

def set_in(body, path, value):
    node = body
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return body


def del_in(body, path):
    node = body
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return body


def dumps(body):
    return json.dumps(body, ensure_ascii=False).encode()


class Call:
    """One endpoint on one server, with its context."""

    def __init__(self, request, endpoint):
        self.ep = endpoint
        self.api = request.getfixturevalue(endpoint.fixture)
        self.ctx = endpoint.setup(self.api)
        self.path = endpoint.path(self.ctx)

    def body(self):
        return self.ep.body(self.ctx)

    def send(self, data, content_type="application/json", **kw):
        return self.api.request(self.ep.method, self.path, key=self.ep.key, data=data,
                                content_type=content_type, **kw)

    def state(self):
        return self.ep.state(self.api, self.ctx)

    def refused(self, data, status, slug, field="any", **kw):
        """Sends data; asserts the problem and that nothing changed."""
        before = self.state()
        r = self.send(data, **kw)
        problem = assert_problem(r, status, slug, field)
        assert self.state() == before, "a refused request changed something"
        return problem

    def accepted(self, data, **kw):
        r = self.send(data, **kw)
        assert 200 <= r.status_code < 300, r.text
        return r

    def raw(self, head_extra, **kw):
        key = self.api.admin_key if self.ep.key == "admin" else self.api.pos_key
        head = [f"{self.ep.method} {self.path} HTTP/1.1", f"Host: 127.0.0.1:{self.api.server.port}",
                f"Authorization: Bearer {key}", f"Idempotency-Key: {uuid.uuid4().hex}",
                "Content-Type: application/json", "Connection: close"] + head_extra
        status, headers, body = raw_http(self.api.server.port, head, **kw)
        if body and headers.get("content-type", "").startswith("application/"):
            doc = json.loads(body)
            if status >= 400:
                check_problem_shape(doc, status)
            if self.api.openapi is not None:
                self.api.openapi.check(self.ep.method, self.path, status,
                                       headers["content-type"].split(";")[0], doc)
        return status, headers, body


def cases(endpoints, make):
    """pytest params: make(endpoint) yields (id, *values) per case."""
    out = []
    for ep in endpoints:
        for case in make(ep):
            out.append(pytest.param(ep, *case[1:], id=f"{ep.name}-{case[0]}"))
    return out


# -------------------------------------------------------- generic refusals --

def broken_bodies(ep):
    yield "not-json", lambda b: b"this is not json", "malformed-json", None
    yield "truncated-json", lambda b: dumps(b)[:-1], "malformed-json", None
    yield "json-array", lambda b: b"[1, 2, 3]", "malformed-json", None
    yield "json-string", lambda b: b'"hello"', "malformed-json", None
    if ep.fields:  # a write without fields may come without a body
        yield "empty-body", lambda b: b"", "malformed-json", None
    yield "only-whitespace", lambda b: b"   \r\n ", "malformed-json", None
    yield "trailing-garbage", lambda b: dumps(b) + b" {}", "malformed-json", None
    yield "comment", lambda b: b"/* hi */" + dumps(b), "malformed-json", None
    yield "invalid-utf8", lambda b: poison_string(b, b"\xc3\x28"), "malformed-json", None
    yield "lone-surrogate", lambda b: poison_string(b, b"\\ud800"), "malformed-json", None
    yield "overlong-utf8", lambda b: poison_string(b, b"\xc0\xaf"), "malformed-json", None
    yield "nul-in-string", lambda b: poison_string(b, b"\\u0000"), "malformed-json", None
    yield "duplicate-key", duplicate_top_key, "malformed-json", None
    yield "unknown-field", lambda b: dumps(dict(b, bogus=1)), "unknown-field", "bogus"
    yield "unknown-field-null", lambda b: dumps(dict(b, bogus=None)), "unknown-field", "bogus"
    if any(f.path[0] == "lines" for f in ep.fields):
        yield ("duplicate-key-in-line", duplicate_line_key, "malformed-json", None)
        yield ("unknown-field-in-line",
               lambda b: dumps(set_in(b, ("lines", 0, "bogus"), "x")), "unknown-field",
               "lines[0].bogus")
        yield ("line-not-an-object", lambda b: dumps(set_in(b, ("lines", 0), 7)), "wrong-type",
               "lines[0]")


def poison_string(body, raw):
    """The body with raw bytes inside its first string value."""
    marker = "@@POISON@@"
    for k, v in body.items():
        if isinstance(v, str):
            body = dict(body, **{k: v + marker})
            break
    else:
        body = dict(body, zzz=marker)
    return dumps(body).replace(marker.encode(), raw)


def duplicate_top_key(body):
    if not body:
        return b'{"a": 1, "a": 1}'
    k, v = next(iter(body.items()))
    return dumps(body)[:-1] + b", " + json.dumps(k).encode() + b": " + dumps(v) + b"}"


def duplicate_line_key(body):
    text = dumps(body)
    first = dumps(body["lines"][0])
    k, v = next(iter(body["lines"][0].items()))
    doubled = first[:-1] + b", " + json.dumps(k).encode() + b": " + dumps(v) + b"}"
    return text.replace(first, doubled, 1)


@pytest.mark.parametrize("ep,make,slug,field", cases(WITH_BODY, broken_bodies))
def test_malformed_body_is_a_400_problem_and_changes_nothing(request, ep, make, slug, field):
    call = Call(request, ep)
    call.refused(make(call.body()), 400, slug, field)


@pytest.mark.parametrize("ep,content_type", cases(WITH_BODY, lambda ep: [
    ("text-plain", "text/plain"), ("form", "application/x-www-form-urlencoded"),
    ("jsonp", "application/jsonp"), ("no-content-type", None),
    ("problem-json", "application/problem+json")]))
def test_wrong_content_type_is_415_and_changes_nothing(request, ep, content_type):
    call = Call(request, ep)
    call.refused(dumps(call.body()), 415, "unsupported-media-type", content_type=content_type)


@pytest.mark.parametrize("ep", WITH_BODY, ids=str)
def test_json_content_type_with_a_charset_is_accepted(request, ep):
    call = Call(request, ep)
    call.accepted(dumps(call.body()), content_type="application/json; charset=utf-8")


def required_fields(ep):
    for f in ep.fields:
        if f.required:
            yield f"missing-{f.name}", f, "missing"
            yield f"null-{f.name}", f, "null"


@pytest.mark.parametrize("ep,f,how", cases(WITH_BODY, required_fields))
def test_missing_required_field_is_400_naming_it(request, ep, f, how):
    call = Call(request, ep)
    body = call.body()
    if how == "missing":
        del_in(body, f.path)
    else:
        set_in(body, f.path, None)
    call.refused(dumps(body), 400, "missing-field", f.name)


WRONG_VALUES = {
    "string": [("int", 12), ("bool", True), ("object", {"a": "b"}), ("array", ["x"])],
    "int": [("string", "12"), ("float", 1.5), ("float-integral", 2.0), ("exponent", 1e2),
            ("bool", True), ("array", [1])],
    "bool": [("string", "true"), ("int", 1)],
    "date": [("int", 19900517), ("not-a-date", "17/05/1990"), ("impossible", "1990-02-30")],
    "time": [("int", 1700000000), ("not-a-time", "yesterday"), ("date-only", "2026-01-01"),
             ("impossible", "2026-02-30T10:00:00Z")],
    "array": [("object", {"sku": "x"}), ("string", "x")],
}


def wrong_types(ep):
    for f in ep.fields:
        for what, value in WRONG_VALUES[f.kind]:
            yield f"{f.name}-{what}", f, value


@pytest.mark.parametrize("ep,f,value", cases(WITH_BODY, wrong_types))
def test_value_of_the_wrong_type_is_400_naming_the_field(request, ep, f, value):
    call = Call(request, ep)
    body = call.body()
    if f.prepare:
        f.prepare(body, call.ctx)
    call.refused(dumps(set_in(body, f.path, value)), 400, "wrong-type", f.name)


def int_fields(ep):
    for f in ep.fields:
        if f.kind == "int":
            yield f"{f.name}-beyond-int64", f, HUGE
            if f.min < 0:
                yield f"{f.name}-below-int64", f, "-" + HUGE


@pytest.mark.parametrize("ep,f,literal", cases(WITH_BODY, int_fields))
def test_integer_beyond_int64_is_400_out_of_range_naming_the_field(request, ep, f, literal):
    """99999999999999999999 is valid JSON; it is the value that is out of range."""
    call = Call(request, ep)
    body = set_in(call.body(), f.path, "@@NUMBER@@")
    data = dumps(body).replace(b'"@@NUMBER@@"', literal.encode())
    call.refused(data, 400, "out-of-range", f.name)


# ------------------------------------------------------------ value limits --

def int_limits(ep):
    for f in ep.fields:
        if f.kind != "int":
            continue
        if f.min > -2**63:
            yield f"{f.name}-below-min", f, f.min - 1
        if f.min > 0:
            yield f"{f.name}-negative", f, -1
        if f.max < INT64_MAX:
            yield f"{f.name}-above-max", f, f.max + 1


@pytest.mark.parametrize("ep,f,value", cases(WITH_BODY, int_limits))
def test_integer_one_past_its_limit_is_400_out_of_range(request, ep, f, value):
    call = Call(request, ep)
    call.refused(dumps(set_in(call.body(), f.path, value)), 400, "out-of-range", f.name)


def int_at_limits(ep):
    for f in ep.fields:
        if f.kind == "int":
            if f.ok_min:
                yield f"{f.name}-at-min", f, f.min
            if f.ok_max:
                yield f"{f.name}-at-max", f, f.max


@pytest.mark.parametrize("ep,f,value", cases(WITH_BODY, int_at_limits))
def test_integer_at_its_limit_is_accepted(request, ep, f, value):
    call = Call(request, ep)
    r = call.accepted(dumps(set_in(call.body(), f.path, value)))
    got = r.json()
    if ep.name == "purchase" and f.path[0] == "lines":
        assert got["lines"][0][f.path[-1]] == value


def string_limits(ep):
    for f in ep.fields:
        if f.kind != "string":
            continue
        if f.min > 0:
            yield f"{f.name}-shorter-than-min", f, f.min - 1
        yield f"{f.name}-longer-than-max", f, f.max + 1


@pytest.mark.parametrize("ep,f,length", cases(WITH_BODY, string_limits))
def test_string_one_past_its_length_limit_is_400_out_of_range(request, ep, f, length):
    call = Call(request, ep)
    body = call.body()
    if f.prepare:
        f.prepare(body, call.ctx)
    value = "x" * length
    call.refused(dumps(set_in(body, f.path, value)), 400, "out-of-range", f.name)


def string_at_limits(ep):
    for f in ep.fields:
        if f.kind != "string":
            continue
        if f.ok_min and f.min > 0:
            yield f"{f.name}-at-min", f, f.min
        if f.ok_max:
            yield f"{f.name}-at-max", f, f.max


@pytest.mark.parametrize("ep,f,length", cases(WITH_BODY, string_at_limits))
def test_string_at_its_length_limit_is_accepted(request, ep, f, length):
    call = Call(request, ep)
    body = call.body()
    if f.prepare:
        f.prepare(body, call.ctx)
    value = f.fill(length, call.ctx)
    assert len(value.encode()) == length, (value, length)
    call.accepted(dumps(set_in(body, f.path, value)))


@pytest.mark.parametrize("ep,field_name", [
    pytest.param(ENDPOINTS[0], "name", id="enrol-name"),
    pytest.param(ENDPOINTS[3], "reason", id="adjust-reason"),
])
def test_string_limits_count_bytes_not_characters(request, ep, field_name):
    call = Call(request, ep)
    f = next(f for f in ep.fields if f.name == field_name)
    fits = "é" * (f.max // 2)
    assert len(fits.encode()) == f.max
    r = call.accepted(dumps(set_in(call.body(), f.path, fits)))
    if ep.name == "enrol":
        assert r.json()["member"]["name"] == fits
    call.refused(dumps(set_in(call.body(), f.path, fits + "a")), 400, "out-of-range", f.name)


def test_purchase_of_200_lines_is_accepted_and_201_lines_refused(request):
    call = Call(request, ENDPOINTS[1])
    many = [line(f"SKU-{i}", 1, 100) for i in range(MAX_LINES + 1)]
    p = call.accepted(dumps(dict(call.body(), lines=many[:MAX_LINES]))).json()
    assert len(p["lines"]) == MAX_LINES and p["points_earned"] == MAX_LINES
    call.refused(dumps(dict(call.body(), lines=many)), 400, "out-of-range", "lines")
    call.refused(dumps(dict(call.body(), lines=[])), 400, "out-of-range", "lines")


def test_refund_of_200_lines_is_accepted_and_201_lines_refused(api):
    member, _ = api.new_member()
    p = api.purchase(member["id"], lines=[line(f"SKU-{i}", 2, 100) for i in range(MAX_LINES)])
    before = (api.totals(), api.purchase_get(p["txn_id"]))
    r = api.post(f"/v1/purchases/{p['txn_id']}/refunds", {
        "refund_id": unique("R-"),
        "lines": [{"line": i + 1, "quantity": 1} for i in range(MAX_LINES)] +
                 [{"line": 1, "quantity": 1}]})
    assert_problem(r, 400, "out-of-range", "lines")
    r = api.post(f"/v1/purchases/{p['txn_id']}/refunds", {"refund_id": unique("R-"), "lines": []})
    assert_problem(r, 400, "out-of-range", "lines")
    assert (api.totals(), api.purchase_get(p["txn_id"])) == before
    rf = api.refund(p["txn_id"], [{"line": i + 1, "quantity": 1} for i in range(MAX_LINES)])
    assert rf["amount"] == MAX_LINES * 100
    assert rf["points_clawed_back"] == p["points_earned"] // 2


# ------------------------------------------------------------------ depth --

def nested(depth):
    """A JSON value whose arrays nest depth levels deep."""
    return "[" * depth + "]" * depth


def first_string_field(ep):
    return next((f for f in ep.fields if f.kind in ("string", "time")), None)


@pytest.mark.parametrize("ep", WITH_BODY, ids=str)
def test_nesting_at_the_depth_limit_is_parsed_and_one_past_is_400_too_deep(request, ep):
    call = Call(request, ep)
    f = first_string_field(ep)
    if f is None:  # no fields: the deep value sits under a key the route does not know
        f, slug = Field(("deep",), "string"), "unknown-field"
    else:
        slug = "wrong-type"
    outer = len(f.path)  # the containers around the value, the body object included
    at_limit = dumps(set_in(call.body(), f.path, "@@N@@")).replace(
        b'"@@N@@"', nested(MAX_JSON_DEPTH - outer).encode())
    call.refused(at_limit, 400, slug, f.name)
    past = dumps(set_in(call.body(), f.path, "@@N@@")).replace(
        b'"@@N@@"', nested(MAX_JSON_DEPTH - outer + 1).encode())
    call.refused(past, 400, "too-deep", None)


def test_brackets_inside_strings_are_not_nesting(request):
    call = Call(request, ENDPOINTS[0])
    name = 'Ana \\" ' + "[" * (MAX_JSON_DEPTH + 5) + "{" * 3
    r = call.accepted(dumps(dict(call.body(), name=name)))
    assert r.json()["member"]["name"] == name


# ------------------------------------------------------------ body limits --

def padded(data, size):
    assert len(data) <= size
    return data + b" " * (size - len(data))


@pytest.mark.parametrize("ep", WITH_BODY, ids=str)
def test_body_of_exactly_the_route_limit_is_accepted(request, ep):
    call = Call(request, ep)
    data = padded(dumps(call.body()), ep.limit)
    status, _, body = call.raw([f"Content-Length: {len(data)}"], body=data)
    assert 200 <= status < 300, body


@pytest.mark.parametrize("ep,declared", cases(ENDPOINTS, lambda ep: [
    ("limit-plus-one", ep.limit + 1), ("a-gigabyte", 10**9)]))
def test_declared_body_over_the_route_limit_is_413_before_it_is_sent(request, ep, declared):
    """The answer comes although not one byte of the body was sent."""
    call = Call(request, ep)
    before = call.state()
    status, headers, body = call.raw([f"Content-Length: {declared}"], timeout_s=10)
    assert status == 413, body
    assert json.loads(body)["type"] == PROBLEM_BASE + "body-too-large"
    assert call.state() == before


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_chunked_body_over_the_route_limit_is_413(request, ep):
    call = Call(request, ep)
    base = dumps(call.body())
    data = padded(base, ep.limit + 1)
    chunks = [data[i:i + 4096] for i in range(0, len(data), 4096)]
    before = call.state()
    status, _, body = call.raw(["Transfer-Encoding: chunked"], chunks=chunks, timeout_s=20)
    assert status == 413, body
    assert json.loads(body)["type"] == PROBLEM_BASE + "body-too-large"
    assert call.state() == before


@pytest.mark.parametrize("ep", WITH_BODY, ids=str)
def test_chunked_body_within_the_route_limit_is_accepted(request, ep):
    call = Call(request, ep)
    data = padded(dumps(call.body()), ep.limit)
    chunks = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    status, _, body = call.raw(["Transfer-Encoding: chunked"], chunks=chunks, timeout_s=20)
    assert 200 <= status < 300, body


@pytest.mark.parametrize("ep", [e for e in ENDPOINTS
                                if e.name not in ("purchase", "refund", "expire", "test_clock")],
                         ids=str)
def test_write_without_an_idempotency_key_is_400_and_changes_nothing(request, ep):
    """Purchases and refunds are keyed by txn_id and refund_id; the expiry run
    and setting the test clock are idempotent by nature; every other write
    needs an Idempotency-Key."""
    call = Call(request, ep)
    call.refused(dumps(call.body()), 400, "missing-field",
                 "Idempotency-Key", idempotency_key=None)
