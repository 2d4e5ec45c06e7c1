"""Who may read the dashboard, and that no secret ever leaves it."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.errors import ConfigError
from darkhorses.web.app import PAGES
from darkhorses.web.auth import COOKIE, check_binding, is_loopback

from .conftest import Client, url_of

TOKEN = "tok-9fQ2xLr7Vb4Ns8Kd"
EVERY_PATH = [page.path for page in PAGES] + [page.api for page in PAGES] + ["/metrics", "/login", "/static/live.js"]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_token(host: str) -> None:
    assert is_loopback(host)
    check_binding(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "dashboard.example.org"])
def test_any_other_interface_needs_the_token(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="DARKHORSES_DASHBOARD_TOKEN"):
        check_binding(host, None)
    check_binding(host, TOKEN)


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="too short"):
        check_binding("0.0.0.0", "abc")


def test_serve_refuses_in_one_line_before_listening(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DARKHORSES_DASHBOARD_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: refusing to serve the dashboard on 0.0.0.0 without a token: set DARKHORSES_DASHBOARD_TOKEN "
        "(or bind to 127.0.0.1)"]


async def test_without_the_token_every_page_is_refused(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db), token=TOKEN)
    for page in PAGES:
        response = await client.get(page.path)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={page.path}"
        assert "Galileo" not in response.text and "ra_mst_runners" not in response.text
        refused = await client.get(page.api)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert (await client.get(page.api, headers={"Authorization": "Bearer wrong-token-123456"})).status_code == 401
        assert (await client.get(page.api, headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200
    assert (await client.get("/metrics")).status_code == 401
    assert (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200
    assert (await client.get("/login")).status_code == 200  # the form, for a browser to sign in
    assert (await client.get("/static/style.css")).status_code == 200


async def test_the_login_form_sets_a_cookie_that_is_not_the_token(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db), token=TOKEN)
    wrong = await client.post("/login", data={"token": "nope", "next": "/data"})
    assert wrong.status_code == 303 and wrong.headers["location"].startswith("/login?failed=1")
    assert COOKIE not in client.cookies
    right = await client.post("/login", data={"token": TOKEN, "next": "//evil.example/x"})
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert "httponly" in right.headers["set-cookie"].lower() and "samesite=strict" in right.headers["set-cookie"].lower()
    assert client.cookies[COOKIE] and TOKEN not in client.cookies[COOKIE]
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/api/overview")).status_code == 200


async def test_no_secret_in_any_response(dashboard_db: Engine, make_client: Client,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The database password, the Racing API credentials and the token appear in no page, twin or header."""
    password = "Db-Pa55word-Qz81"
    url = make_url(url_of(dashboard_db))
    if url.drivername.startswith("postgresql"):
        url = url.set(password=password)  # the test server trusts local connections: any password works
    monkeypatch.setenv("RACING_API_USERNAME", "api-user-Lk29Xv")
    monkeypatch.setenv("RACING_API_PASSWORD", "api-pass-Wq73Hn")
    client = make_client(url.render_as_string(hide_password=False), token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    secrets = [password, "api-user-Lk29Xv", "api-pass-Wq73Hn", TOKEN]
    for path in EVERY_PATH:
        for headers in (auth, {}):
            response = await client.get(path, headers=headers)
            everything = response.text + "".join(f"{k}: {v}" for k, v in response.headers.items())
            assert not [secret for secret in secrets if secret in everything], path
    login = await client.post("/login", data={"token": TOKEN})
    assert not [s for s in secrets if s in login.text + str(login.headers)]
