from service import create_app


def test_factory_honours_testing(database_url):
    assert not create_app({"DATABASE_URL": database_url}).testing
    assert create_app({"TESTING": True, "DATABASE_URL": database_url}).testing


def test_sqlite_data_folder_created_on_first_start(tmp_path):
    target = tmp_path / "nested" / "data" / "db.sqlite3"
    create_app({"DATABASE_URL": f"sqlite:///{target}"})
    assert target.exists()
