from service import create_app


def test_factory_honours_testing(database_url):
    assert not create_app({"DATABASE_URL": database_url}).testing
    assert create_app({"TESTING": True, "DATABASE_URL": database_url}).testing


def test_sqlite_data_folder_created_on_first_start(tmp_path):
    target = tmp_path / "nested" / "data" / "db.sqlite3"
    create_app({"DATABASE_URL": f"sqlite:///{target}"})
    assert target.exists()


def test_start_up_leaves_the_engine_and_migrations_unimported(tmp_path):
    """Cold start: numpy, HiGHS, PuLP and Alembic load when first needed, not with the app."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    create_app({"DATABASE_URL": url})  # migrate once, so the next start finds the schema current
    code = ("import sys; from service import create_app; create_app({'DATABASE_URL': %r}); "
            "print(sorted(m for m in ('numpy', 'highspy', 'pulp', 'alembic', 'matplotlib', 'docx') if m in sys.modules))"
            % url)
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
