"""Invitation tokens: what we sign comes back; anything else is InvalidToken."""

from __future__ import annotations

import string

import pytest
from itsdangerous import URLSafeSerializer
from support.app import TEST_SECRET

from registrar import create_app, tokens
from registrar.tokens import INVITATION_SALT, InvalidToken

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
