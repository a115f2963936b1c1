"""Signed tokens and codes: what we sign comes back; anything else (signed ids beyond the
columns too) is InvalidToken, and "not valid" wherever it is used."""

from __future__ import annotations

import string

import pytest
from itsdangerous import URLSafeSerializer
from support.app import TEST_SECRET, request_client, text
from support.factories import make_event, make_guest, make_staff

from registrar import create_app, tokens
from registrar.extensions import db
from registrar.models import Role
from registrar.numbers import MAX_ID
from registrar.tokens import DOOR_LINK_SALT, INVITATION_SALT, InvalidToken

URL_SAFE = string.ascii_letters + string.digits + "-_"


@pytest.fixture(scope="module")
def token_app(tmp_path_factory):
    """Tokens need the app's secret key, not a database: one app for the module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRAR_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        return create_app(
            {"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )


@pytest.fixture
def app(token_app):
    with token_app.app_context():
        yield token_app


def _other_char(c: str) -> str:
    return "B" if c == "A" else "A"


def _signed(payload, secret: str = TEST_SECRET, salt: str = INVITATION_SALT) -> str:
    return URLSafeSerializer(secret, salt=salt).dumps(payload)


@pytest.mark.parametrize("guest_id, version", [(1, 1), (42, 7), (2**31 - 1, 2**20)])
def test_round_trip(app, guest_id, version):
    token = tokens.invitation_token(guest_id, version)
    claim = tokens.read_invitation_token(token)
    assert (claim.guest_id, claim.version) == (guest_id, version)


def test_tokens_of_different_guests_and_versions_differ(app):
    made = {tokens.invitation_token(g, v) for g in (1, 2) for v in (1, 2)}
    assert len(made) == 4


def test_token_is_url_safe(app):
    token = tokens.invitation_token(123, 4)
    assert set(token) <= set(URL_SAFE + ".")


def test_every_changed_character_of_the_payload_is_refused(app):
    token = tokens.invitation_token(5, 1)
    payload, signature = token.rsplit(".", 1)
    for i, c in enumerate(payload):
        tampered = payload[:i] + _other_char(c) + payload[i + 1 :] + "." + signature
        with pytest.raises(InvalidToken):
            tokens.read_invitation_token(tampered)


def test_every_changed_character_of_the_signature_is_refused(app):
    """Every position and every other character, the last one included.

    The last base64 character of the MAC carries bits that the decoder ignores, so
    without a check that the token is exactly the one we issue, some of these pass.
    """
    token = tokens.invitation_token(5, 1)
    payload, signature = token.rsplit(".", 1)
    for i, c in enumerate(signature):
        for replacement in URL_SAFE:
            if replacement == c:
                continue
            tampered = f"{payload}.{signature[:i]}{replacement}{signature[i + 1 :]}"
            with pytest.raises(InvalidToken):
                tokens.read_invitation_token(tampered)


def test_payload_of_another_token_with_this_signature_is_refused(app):
    first_payload, _sig = tokens.invitation_token(1, 1).rsplit(".", 1)
    _payload, second_sig = tokens.invitation_token(2, 1).rsplit(".", 1)
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(f"{first_payload}.{second_sig}")


def test_truncated_tokens_are_refused(app):
    token = tokens.invitation_token(5, 1)
    for length in range(len(token)):
        with pytest.raises(InvalidToken):
            tokens.read_invitation_token(token[:length])


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "..",
        "abc",
        "abc.def",
        "WzEsMV0",
        "not a token at all",
        "üñíçødé.tøken",
        "%00%ff",
        "\x00\x01\x02",
        "a" * 200,
    ],
)
def test_garbage_is_refused(app, garbage):
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(garbage)


def test_none_is_refused(app):
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(None)


def test_padding_or_whitespace_around_a_token_is_refused(app):
    token = tokens.invitation_token(5, 1)
    for variant in (token + "=", token + "==", " " + token, token + " ", token + "\n", token + "."):
        with pytest.raises(InvalidToken):
            tokens.read_invitation_token(variant)


def test_overlong_token_is_refused_even_if_signed(app):
    # A genuine signature over a well-formed pair whose digits do not compress: refused for
    # its length alone.
    token = _signed([1, 3**700])
    assert len(token) > 200
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(token)
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(tokens.invitation_token(5, 1) + "A" * 300)


def test_token_signed_with_another_secret_is_refused(app):
    foreign = _signed([5, 1], secret="some-other-installation's-secret")
    assert foreign != tokens.invitation_token(5, 1)
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(foreign)


def test_token_signed_with_another_salt_is_refused(app):
    for salt in ("registrar.door-link.v1", "registrar.invitation.v2", "itsdangerous"):
        with pytest.raises(InvalidToken):
            tokens.read_invitation_token(_signed([5, 1], salt=salt))


def test_door_link_token_is_not_an_invitation_and_vice_versa(app):
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(tokens.door_link_token(5, 1))
    with pytest.raises(InvalidToken):
        tokens.read_door_link_token(tokens.invitation_token(5, 1))


def test_right_key_and_salt_accept_a_well_formed_payload(app):
    # The control for the wrong-shape cases below: the same signing path, a good payload.
    claim = tokens.read_invitation_token(_signed([5, 1]))
    assert (claim.guest_id, claim.version) == (5, 1)


@pytest.mark.parametrize(
    "payload",
    [
        [1],
        [],
        [1, 2, 3],
        ["1", 1],
        [1, "1"],
        {"a": 1},
        {"guest": 1, "version": 1},
        [1, 0],
        [0, 1],
        [-1, 1],
        [1, -1],
        [True, 1],
        [1, True],
        [1.0, 1],
        [1, 1.5],
        [None, 1],
        [[1], 1],
        "1,1",
        1,
        None,
    ],
)
def test_signed_payloads_of_the_wrong_shape_are_refused(app, payload):
    with pytest.raises(InvalidToken):
        tokens.read_invitation_token(_signed(payload))


# -- signed, yet naming nothing: ids beyond the columns' range -------------------------------

TOO_LARGE = [MAX_ID + 1, 2**63, 10**30]


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("salt", [INVITATION_SALT, DOOR_LINK_SALT])
def test_signed_ids_beyond_the_columns_are_refused(app, salt, number):
    read = {
        INVITATION_SALT: tokens.read_invitation_token,
        DOOR_LINK_SALT: tokens.read_door_link_token,
    }
    for payload in ([number, 1], [1, number]):
        with pytest.raises(InvalidToken):
            read[salt](_signed(payload, salt=salt))
    read[salt](_signed([MAX_ID, MAX_ID], salt=salt))  # the largest id is still one of ours


@pytest.mark.parametrize("number", [MAX_ID + 1, 10**12 - 1])
def test_signed_badge_numbers_beyond_the_columns_are_refused(app, number):
    for claim in ((number, 1, 1), (1, number, 1), (1, 1, number)):
        with pytest.raises(InvalidToken):
            tokens.read_badge_code(tokens.badge_code(*claim))
    assert tokens.read_badge_code(tokens.badge_code(MAX_ID, MAX_ID, MAX_ID)).guest_id == MAX_ID


@pytest.fixture
def site(app_config, instance_path):
    """The whole app on its database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""
    site = create_app(app_config)
    with site.app_context():
        db.create_all()
        yield site
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("number", TOO_LARGE)
def test_an_invitation_link_beyond_the_columns_is_not_valid(site, number):
    guest = make_guest(make_event())
    client = request_client(site)
    for payload in ([number, 1], [guest.id, number]):
        token = _signed(payload)
        for path in (f"/i/{token}", f"/i/{token}/badge.pdf", f"/i/{token}/calendar.ics"):
            response = client.get(path)
            assert response.status_code == 404, path
        assert "This invitation link is not valid" in text(client.get(f"/i/{token}"))


@pytest.mark.parametrize("number", TOO_LARGE)
def test_a_door_link_beyond_the_columns_is_refused(site, number):
    event = make_event()
    client = request_client(site)
    for payload in ([number, event.id], [1, number]):
        response = client.get(f"/door/l/{_signed(payload, salt=DOOR_LINK_SALT)}")
        assert response.status_code == 410
        assert "This door link has expired or was withdrawn" in text(response)


@pytest.mark.parametrize("number", [MAX_ID + 1, 10**12 - 1])
def test_a_badge_code_beyond_the_columns_is_invalid_at_the_door(site, number):
    event = make_event()
    make_staff("door@example.org", Role.DOOR)
    client = request_client(site)
    login = {"email": "door@example.org", "password": "correct horse battery"}
    assert client.post("/login", data=login).status_code == 302
    for claim in ((event.id, number, 1), (event.id, 1, number), (number, 1, 1)):
        code = tokens.badge_code(*claim)
        response = client.post(f"/api/v1/events/{event.id}/scans", json={"code": code})
        assert response.status_code == 200, code
        assert response.get_json()["verdict"] == "invalid", code
