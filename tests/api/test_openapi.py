"""The OpenAPI document describes exactly the routes the server has."""
import json

from fidelis_api import OPENAPI_PATH, OpenApi, path_shape, route_table


def load_document():
    assert OPENAPI_PATH.exists(), f"{OPENAPI_PATH} is missing: the API is not documented"
    return json.loads(OPENAPI_PATH.read_text())


def test_openapi_document_exists_and_is_openapi_3():
    doc = load_document()
    assert str(doc.get("openapi", "")).startswith("3."), doc.get("openapi")
    assert doc.get("info", {}).get("title")
    assert doc.get("paths")


def test_every_ref_in_the_openapi_document_resolves():
    api = OpenApi(load_document())
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(api.raw)
    broken = []
    for ref in sorted(set(refs)):
        try:
            api.resolver.resolve(ref)
        except Exception as e:  # noqa: BLE001 - any failure is a broken reference
            broken.append(f"{ref}: {e}")
    assert not broken, "unresolvable $refs:\n" + "\n".join(broken)


def test_every_route_in_the_route_table_is_documented():
    """Every API route; the static pages (route name "page") are HTML, not API,
    and are covered by the page tests in tests/web."""
    api = OpenApi(load_document())
    missing = [f"{m} {p} ({name})" for m, p, name in route_table()
               if name != "page" and not api.documents(m, p)]
    assert not missing, "routes missing from openapi.json:\n" + "\n".join(missing)


def test_openapi_documents_no_route_the_server_lacks():
    api = OpenApi(load_document())
    routes = {(m.lower(), path_shape(p)) for m, p, _ in route_table()}
    extra = [f"{m.upper()} {p}" for _, _, m, p, _ in api.operations
             if (m, path_shape(p)) not in routes]
    assert not extra, "openapi.json documents routes the server does not have:\n" + \
        "\n".join(extra)


def test_every_documented_operation_names_its_answers():
    api = OpenApi(load_document())
    bare = [f"{m.upper()} {p}" for _, _, m, p, op in api.operations if not op.get("responses")]
    assert not bare, "operations without responses:\n" + "\n".join(bare)


def test_every_json_answer_of_this_run_is_validated(api):
    """The client validates each answer it receives; that needs the document."""
    assert api.openapi is not None, f"{OPENAPI_PATH} is missing, so no answer was validated"


def test_the_conformance_check_rejects_answers_that_break_the_schema(api):
    """The check in the client is not vacuous: a purchase answer missing a
    field, or with a field of the wrong type, does not pass it."""
    member, _ = api.new_member()
    good = api.purchase(member["id"])
    openapi = OpenApi(load_document())
    openapi.check("POST", "/v1/purchases", 201, "application/json", good)
    for broken in ({k: v for k, v in good.items() if k != "points_earned"},
                   dict(good, points_earned="34"),
                   dict(good, lines=[{k: v for k, v in good["lines"][0].items() if k != "sku"}])):
        try:
            openapi.check("POST", "/v1/purchases", 201, "application/json", broken)
        except AssertionError:
            continue
        raise AssertionError(f"openapi.json accepts a broken purchase answer: {broken}")
    problem = {"type": "https://fidelis.dev/problems/not-found", "title": "No such resource",
               "status": 404}
    openapi.check("GET", "/v1/members/1", 404, "application/problem+json", problem)
    try:
        openapi.check("GET", "/v1/members/1", 404, "application/problem+json",
                      dict(problem, status="404"))
    except AssertionError:
        pass
    else:
        raise AssertionError("openapi.json accepts a problem whose status is a string")
