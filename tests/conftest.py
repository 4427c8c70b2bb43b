"""Shared fixtures: an app on a fresh SQLite file per test, its client and CLI runner."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from service import create_app, i18n


@pytest.fixture(autouse=True)
def language_reset():
    """Each test starts in English: a request answered in French (the test client runs it in the
    test's own context) leaves the language set for whatever runs next."""
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(database_url):
    return create_app({"TESTING": True, "DATABASE_URL": database_url})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextlib.contextmanager
def postgres_schema():
    """A fresh, empty PostgreSQL schema, dropped afterwards; its URL.

    Gated on TEST_DATABASE_URL (set by .ci/run): a user's machine may have no PostgreSQL.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL schema for one test (skipped without TEST_DATABASE_URL)."""
    with postgres_schema() as url:
        yield url


DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def any_database_url(request, tmp_path):
    """A fresh database for one test, once a SQLite file and once a PostgreSQL schema (skipped
    without TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module", params=DATABASES)
def module_database_url(request, tmp_path_factory):
    """One database for a whole test module, once on SQLite and once on PostgreSQL (skipped without
    TEST_DATABASE_URL): for corpora whose cases share a workshop and compare tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module-db') / 'db.sqlite3'}"
        return
    with postgres_schema() as url:
        yield url


CHROMIUM = "/usr/bin/chromium"  # Debian's package: never a browser download
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium driven by Playwright; skipped, saying why, when either is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(tmp_path):
    """The app served for real on a free 127.0.0.1 port, in a thread: yields (app, base_url)."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.extensions["policy_options"].engine.dispose()
