"""
conftest.py - the harness of the black-box API suite.

A session-wide server runs `fidelis serve` on a fresh database (init'ed by
`fidelis init`, port 0, --test-clock, no background expiry); tests that move
the clock get a server of their own (`clock_api`). After every test,
`fidelis audit` must find every live database clean. When a server stops it
must exit 0 and its log must be free of sanitizer reports, so the same suite
doubles as the ASan run (FIDELIS_BIN=/path/to/asan/fidelis).

Every JSON answer any test receives through `Api` is validated against
docs/openapi.json. If that document is missing, the conformance tests in
test_openapi.py fail (they never skip).
"""
import contextlib
import shutil

import pytest

from fidelis_api import FIDELIS_BIN, Api, FidelisServer, OpenApi, drop_scratch_dbs

_live_servers = []


@pytest.fixture(scope="session", autouse=True)
def scratch_databases():
    """Drops the extra PostgreSQL databases tests made (scratch_db) at the end."""
    yield
    drop_scratch_dbs()


@pytest.fixture(scope="session")
def openapi():
    return OpenApi.load()


@pytest.fixture(scope="session")
def fidelis_bin(tmp_path_factory):
    """A private copy of the binary, so a rebuild in the tree mid-run cannot
    pull it from under the suite."""
    copy = tmp_path_factory.mktemp("bin") / "fidelis"
    shutil.copy2(FIDELIS_BIN, copy)
    return copy


def _start(tmp_path_factory, fidelis_bin, name, programs=(1,)):
    server = FidelisServer(tmp_path_factory.mktemp(name), name, fidelis_bin, programs)
    _live_servers.append(server)
    return server


@contextlib.contextmanager
def program_server(tmp_path_factory, fidelis_bin, openapi, name, source, clock=None,
                   programs=(1,)):
    """A server of its own whose program file `source` is in force since
    2020, with the clock pinned at `clock` first when given; yields its Api
    and stops the server after."""
    server = _start(tmp_path_factory, fidelis_bin, name, programs)
    try:
        api = Api(server, openapi)
        if clock is not None:
            api.set_clock(clock)
        r = api.post("/v1/program/versions",
                     {"source": source, "effective_from": "2020-01-01T00:00:00Z"},
                     key="admin")
        assert r.status_code == 201, r.text
        yield api
    finally:
        _stop(server)


def _stop(server):
    _live_servers.remove(server)
    complaints = server.stop()
    if complaints:
        pytest.fail(f"fidelis serve ({server.db}) did not end cleanly: " + "; ".join(complaints),
                    pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory, fidelis_bin):
    s = _start(tmp_path_factory, fidelis_bin, "main", programs=(1, 2))  # 2: another tenant
    yield s
    _stop(s)


@pytest.fixture(scope="session")
def api(server, openapi):
    return Api(server, openapi)


@pytest.fixture(scope="module")
def clock_api(tmp_path_factory, fidelis_bin, openapi):
    """A server of the module's own whose clock the tests may move at will."""
    s = _start(tmp_path_factory, fidelis_bin, "clock")
    yield Api(s, openapi)
    _stop(s)


@pytest.fixture(autouse=True)
def ledger_stays_audited():
    yield
    for s in list(_live_servers):
        out = s.audit()
        assert out.returncode == 0 and "audit clean" in out.stdout, (
            f"fidelis audit of {s.db} after this test:\n{out.stdout}{out.stderr}")
