"""Tokens the API must refuse with 401, and what a valid one's claims turn into."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from casetrail.platform.http.principals import Role
from casetrail.platform.http.tokens import InvalidToken, TokenPolicy, TokenVerifier
from tests.fixtures.access import World
from tests.fixtures.auth import DEVELOPMENT_POLICY, token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "iss": DEVELOPMENT_POLICY.issuer,
        "aud": DEVELOPMENT_POLICY.audience,
        "sub": "sup-1",
        "role": "SUPERVISOR",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def unsigned(payload: dict[str, object]) -> str:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}."


def hmac_token(payload: dict[str, object], secret: str | bytes | None = None) -> str:
    key = secret if secret is not None else DEVELOPMENT_POLICY.secret
    assert key is not None
    return jwt.encode(payload, key, algorithm="HS256")


PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)

REFUSED = {
    "expired": hmac_token(
        claims(
            iat=int((datetime.now(UTC) - timedelta(hours=2)).timestamp()),
            exp=int((datetime.now(UTC) - timedelta(hours=1)).timestamp()),
        )
    ),
    "forged signature": hmac_token(claims(), "someone-elses-secret-of-32-bytes-or-more"),
    "tampered payload": (
        lambda parts: (
            f"{parts[0]}.{b64(json.dumps(claims(role='SUPERVISOR', sub='x')).encode())}.{parts[2]}"
        )
    )(token(Role.CUSTOMER, "cust-1").split(".")),
    "alg none": unsigned(claims()),
    "wrong audience": hmac_token(claims(aud="another-service")),
    "wrong issuer": hmac_token(claims(iss="https://evil.example")),
    "no expiry": hmac_token(claims(exp=None)),
    "unknown role": hmac_token(claims(role="ROOT")),
    "RS256 when a secret is configured": jwt.encode(claims(), PRIVATE_KEY, algorithm="RS256"),
    "not a JWT": "definitely-not-a-token",
}


@pytest.mark.parametrize("bad", REFUSED.values(), ids=REFUSED.keys())
def test_untrustworthy_tokens_get_401_problem(world: World, bad: str) -> None:
    response = world.client.get("/support/cases", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["type"] == "urn:casetrail:problem:unauthenticated"


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "token abc", "Bearer " + "a" * 9000]
)
def test_malformed_authorization_headers_get_401(world: World, header: str) -> None:
    response = world.client.get("/support/cases", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_just_past_expiry_is_accepted_within_the_leeway(world: World) -> None:
    issued = datetime.now(UTC) - timedelta(hours=1, seconds=10)
    response = world.client.get(
        "/support/cases", headers={"Authorization": f"Bearer {token(issued_at=issued)}"}
    )
    assert response.status_code == 200


def test_development_tokens_last_one_hour() -> None:
    decoded = jwt.decode(
        token(), DEVELOPMENT_POLICY.secret, algorithms=["HS256"], audience="casetrail"
    )
    assert decoded["exp"] - decoded["iat"] == 3600


def test_hmac_signed_with_the_public_key_is_refused_by_a_jwks_verifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Algorithm confusion: an attacker "signs" HS256 with the provider's public RSA key."""
    verifier = TokenVerifier(TokenPolicy(secret=None, jwks_url="https://idp.invalid/jwks"))
    public_jwk = jwt.PyJWK.from_dict(
        RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key(), as_dict=True) | {"kid": "k1"}
    )
    monkeypatch.setattr(verifier._jwks, "get_signing_key_from_jwt", lambda _token: public_jwk)
    genuine = jwt.encode(claims(), PRIVATE_KEY, algorithm="RS256", headers={"kid": "k1"})
    assert verifier.verify(genuine).role is Role.SUPERVISOR
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(json.dumps(claims()).encode())
    signature = hmac.new(PUBLIC_PEM, f"{header}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        verifier.verify(f"{header}.{body}.{b64(signature)}")
    with pytest.raises(InvalidToken):
        verifier.verify(unsigned(claims()))


def test_the_actor_on_events_is_the_tokens_subject_and_role(world: World) -> None:
    case_id = world.cases["mine"]
    world.as_("agent", "POST", f"/support/cases/{case_id}/status", json={"status": "on_hold"})
    history = world.as_("supervisor", "GET", f"/support/cases/{case_id}/history").json()
    assert history["items"][-1]["actor"] == {"subject": "agent-1", "role": "AGENT"}
