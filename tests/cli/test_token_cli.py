"""``casetrail token``: development tokens, refused outside development mode."""

from __future__ import annotations

from click.testing import CliRunner

from casetrail.bootstrap.authentication import build_authentication, token_policy
from casetrail.bootstrap.settings import Settings
from casetrail.cli import main
from casetrail.platform.http.principals import Role
from casetrail.platform.http.rate_limits import MemoryRateLimiter
from casetrail.platform.http.redis_rate_limiter import RedisRateLimiter
from casetrail.platform.http.tokens import TokenVerifier


def invoke(*arguments: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["token", *arguments], env=env)
    return result.exit_code, result.output


def test_a_development_token_carries_role_subject_scopes_and_customer() -> None:
    code, out = invoke(
        "--role", "service", "--sub", "billing", "--scope", "cases:read", "--scope", "cases:write"
    )
    assert code == 0, out
    principal = TokenVerifier(token_policy(Settings())).verify(out.strip())
    assert (principal.subject, principal.role) == ("billing", Role.SERVICE)
    assert principal.scopes == {"cases:read", "cases:write"}
    code, out = invoke("--role", "CUSTOMER", "--sub", "user-9", "--customer", "cust-9")
    assert TokenVerifier(token_policy(Settings())).verify(out.strip()).customer_id == "cust-9"


def test_tokens_are_refused_outside_development() -> None:
    code, out = invoke(
        "--role", "SUPERVISOR", "--sub", "x",
        CASETRAIL_ENVIRONMENT="production", CASETRAIL_JWT_SECRET="a-real-secret-of-enough-length",
    )  # fmt: skip
    assert code == 1
    assert out.strip().splitlines() == [
        "Error: tokens are minted only in development mode; production tokens come from the"
        " identity provider"
    ]


def test_unknown_roles_and_scopes_are_usage_errors() -> None:
    assert invoke("--role", "ROOT", "--sub", "x")[0] == 2
    assert invoke("--role", "SERVICE", "--sub", "x", "--scope", "everything")[0] == 2


def test_the_limiter_follows_the_settings() -> None:
    assert isinstance(build_authentication(Settings()).limiter, MemoryRateLimiter)
    with_redis = build_authentication(
        Settings(redis_url="redis://127.0.0.1:1/0", rate_limit_per_role={"service": 600})
    )
    assert isinstance(with_redis.limiter, RedisRateLimiter)
    assert with_redis.limits.for_role("SERVICE") == 600
    assert with_redis.limits.for_role("AGENT") == 120
