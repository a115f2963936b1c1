from registrar import create_app


def test_config_from_test_config(app):
    assert app.config["TESTING"]
    assert app.config["SECRET_KEY"]


def test_secret_key_generated_once_in_instance(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    monkeypatch.setenv("REGISTRAR_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("REGISTRAR_SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    first = create_app()
    second = create_app()
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        "REGISTRAR_BASE_URL = 'https://from-file.example'\nSECRET_KEY = 'from-file'\n"
    )
    monkeypatch.setenv("REGISTRAR_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("REGISTRAR_BASE_URL", "https://from-env.example")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1/db")
    app = create_app()
    assert app.config["REGISTRAR_BASE_URL"] == "https://from-env.example"
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/db"


def test_templates_found(app):
    assert app.jinja_env.get_template("base.html")
