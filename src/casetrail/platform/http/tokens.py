"""Bearer tokens: verified with PyJWT against a shared secret or an identity provider's JWKS.

Only the algorithms of the configured key kind are accepted, so a token signed with
``alg=none``, or an HMAC token "signed" with a public key (algorithm confusion), is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from casetrail.kernel.storable_text import is_storable
from casetrail.platform.http.principals import Principal, Role

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
DEVELOPMENT_SECRET = "casetrail-development-secret-change-me"  # noqa: S105 - refused in production
DEFAULT_ISSUER = "casetrail-dev"
DEFAULT_AUDIENCE = "casetrail"
ACCESS_TOKEN_TTL = timedelta(hours=1)


class InvalidToken(Exception):
    """The token cannot be trusted; the message is safe to show the client."""


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str = DEFAULT_ISSUER
    audience: str = DEFAULT_AUDIENCE
    secret: str | None = DEVELOPMENT_SECRET
    jwks_url: str | None = None
    # Clocks drift between the identity provider and us.
    leeway_seconds: float = 30.0


class TokenVerifier:
    def __init__(self, policy: TokenPolicy) -> None:
        if (policy.secret is None) == (policy.jwks_url is None):
            raise ValueError("configure exactly one of a shared secret and a JWKS URL")
        self._policy = policy
        # The JWKS client fetches lazily (first token) and caches the provider's keys.
        self._jwks = jwt.PyJWKClient(policy.jwks_url, cache_keys=True) if policy.jwks_url else None

    @classmethod
    def development(cls) -> TokenVerifier:
        return cls(TokenPolicy())

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key: object = self._jwks.get_signing_key_from_jwt(token).key
                algorithms: Iterable[str] = ASYMMETRIC_ALGORITHMS
            else:
                key = self._policy.secret
                algorithms = HMAC_ALGORITHMS
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=list(algorithms),
                audience=self._policy.audience,
                issuer=self._policy.issuer,
                leeway=self._policy.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is not meant for this service") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token comes from an unknown issuer") from None
        except jwt.PyJWKClientError as error:
            raise InvalidToken(f"the token's signing key cannot be found ({error})") from None
        except jwt.PyJWTError:
            raise InvalidToken("the token is malformed or its signature is invalid") from None
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, object]) -> Principal:
    subject, role_name = claims.get("sub"), claims.get("role")
    claimed_text = (claims.get(name) for name in ("sub", "role", "scope", "customer_id"))
    if not all(is_storable(value) for value in claimed_text if isinstance(value, str)):
        # A subject becomes the actor of every event it records; the store must hold it.
        raise InvalidToken("the token's claims contain NUL characters or unpaired surrogates")
    if not isinstance(subject, str) or not subject or len(subject) > 128:
        raise InvalidToken("the token's subject is missing or too long")
    try:
        role = Role(str(role_name).upper())
    except ValueError:
        raise InvalidToken(f"the token names no known role ({role_name!r})") from None
    scope = claims.get("scope", "")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    customer = claims.get("customer_id")
    customer_id: str | None = None
    if role is Role.CUSTOMER:
        # A customer's subject is their customer id unless the provider names it apart.
        customer_id = customer if isinstance(customer, str) and customer else subject
    return Principal(subject=subject, role=role, scopes=scopes, customer_id=customer_id)


def mint_token(
    policy: TokenPolicy,
    *,
    role: Role,
    subject: str,
    now: datetime,
    scopes: Iterable[str] = (),
    customer_id: str | None = None,
    ttl: timedelta = ACCESS_TOKEN_TTL,
) -> str:
    """A token as the identity provider would issue it (development and tests only)."""
    if policy.secret is None:
        raise ValueError("minting needs the shared secret (tokens from a JWKS are the IdP's)")
    claims: dict[str, object] = {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    scope = " ".join(scopes)
    if scope:
        claims["scope"] = scope
    if customer_id is not None:
        claims["customer_id"] = customer_id
    return jwt.encode(claims, policy.secret, algorithm="HS256")
