"""Authentication as the settings describe it: token checks and where rate limits count."""

from __future__ import annotations

from casetrail.bootstrap.settings import Settings
from casetrail.platform.http.authentication import Authentication
from casetrail.platform.http.rate_limits import MemoryRateLimiter, RateLimiter, RateLimits
from casetrail.platform.http.redis_rate_limiter import RedisRateLimiter
from casetrail.platform.http.tokens import TokenPolicy, TokenVerifier


def token_policy(settings: Settings) -> TokenPolicy:
    jwks = settings.auth.jwks_url
    return TokenPolicy(
        issuer=settings.auth.issuer,
        audience=settings.auth.audience,
        # With a JWKS only the provider's keys count: no shared secret to confuse them with.
        secret=None if jwks else settings.auth.secret.get_secret_value(),
        jwks_url=jwks,
        leeway_seconds=settings.auth.leeway_seconds,
    )


def build_authentication(settings: Settings) -> Authentication:
    limiter: RateLimiter = (
        RedisRateLimiter(settings.redis.url) if settings.redis.url else MemoryRateLimiter()
    )
    return Authentication(
        verifier=TokenVerifier(token_policy(settings)),
        limiter=limiter,
        limits=RateLimits(
            per_minute=settings.rate_limits.per_minute,
            per_role={role.upper(): n for role, n in settings.rate_limits.per_role.items()},
        ),
    )
