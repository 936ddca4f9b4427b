"""Issue 17, item 3: secrets of many shapes never reach the LLM.

Each line goes through the real LLM stage (redaction, prompt, openai SDK, HTTP) to the LLM
double, and the request the double received must not hold the secret. A second set of
ordinary lines must reach it unchanged: redaction that ate the event would be a bug too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm_double import LLMDouble
from logsieve.llm import build_llm_stage
from logsieve.llm.redact import Redactor, luhn_valid
from logsieve.settings import Settings
from logsieve.taxonomy import Taxonomy, load_taxonomy

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

#: (line, the secret part that must not be sent)
SHAPES: list[tuple[str, str]] = [
    # assignments, whatever the separator
    ("db connect password=hunter2 ok", "hunter2"),
    ("db connect password: hunter2 ok", "hunter2"),
    ("db connect password := hunter2 ok", "hunter2"),
    ("db connect password => hunter2 ok", "hunter2"),
    ("db connect password -> hunter2 ok", "hunter2"),
    ("login failed passwd hunter2", "hunter2"),
    ("login failed, password is s3cr3t!", "s3cr3t!"),
    ('config {"password": "Tr0ub4dor&3"} loaded', "Tr0ub4dor&3"),
    ("config {'api_key': 'abcd1234efgh'} loaded", "abcd1234efgh"),
    ("env MYSQL_ROOT_PASSWORD=rootpw99 set", "rootpw99"),
    ("spring.datasource.password=qwerty123 read", "qwerty123"),
    ("client_secret = 'Zx9-Qw8_Er7' sent", "Zx9-Qw8_Er7"),
    ("x-api-key: 5f0e9d8c7b6a5f4e3d2c1b0a", "5f0e9d8c7b6a5f4e3d2c1b0a"),
    ("Authorization: Bearer abc.def.ghi123456", "abc.def.ghi123456"),
    ("header Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ("refresh_token=rt_8f7e6d5c4b3a2910 issued", "rt_8f7e6d5c4b3a2910"),
    ("session_id=9a8b7c6d5e4f3a2b1c0d; path=/", "9a8b7c6d5e4f3a2b1c0d"),
    ("cookie: sid=AbC123xYz789; HttpOnly", "AbC123xYz789"),
    ("pin=4321 entered", "4321"),
    # AWS
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    (f"aws_secret_access_key={AWS_SECRET}", AWS_SECRET),
    (f"credentials AKIAIOSFODNN7EXAMPLE {AWS_SECRET}", AWS_SECRET),
    ("credentials AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
    (f"using key {AWS_SECRET} for upload", AWS_SECRET),
    (f"s3 sync failed: {AWS_SECRET}", AWS_SECRET),
    # API keys of known shapes
    ("openai call with sk-abc123 failed", "sk-abc123"),
    ("key sk-proj-AbCdEf1234567890GhIjKl used", "sk-proj-AbCdEf1234567890GhIjKl"),
    ("groq gsk_8Hj2Kl9Mn3Pq4Rs5Tu6Vw7Xy used", "gsk_8Hj2Kl9Mn3Pq4Rs5Tu6Vw7Xy"),
    ("stripe sk_live_51HcQ2aBcDeFgHiJk charge", "sk_live_51HcQ2aBcDeFgHiJk"),
    ("push with ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"),
    ("gitlab glpat-AbCdEfGhIjKlMnOpQrSt token", "glpat-AbCdEfGhIjKlMnOpQrSt"),
    ("slack xoxb-123456789012-abcdefghij posted", "xoxb-123456789012-abcdefghij"),
    ("maps AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpM accepted",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0",
    ),
    ("fetch https://admin:Pa55word@db.internal:5432/app", "Pa55word"),
    (
        "-----BEGIN RSA PRIVATE KEY----- MIIEowIBAAKCAQEA7 -----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA7",
    ),
    # high-entropy tokens beside key words
    ("signature Xk9pL2mQ7rT4vW8yZ1bN5cF3 rejected", "Xk9pL2mQ7rT4vW8yZ1bN5cF3"),
    ("token for svc: Qm9vT2pLx8Rz4Wk7Ys1Vb3Nc", "Qm9vT2pLx8Rz4Wk7Ys1Vb3Nc"),
    # cards (Luhn-valid)
    ("payment with 4111 1111 1111 1111 declined", "4111 1111 1111 1111"),
    ("payment card=4111111111111111 declined", "4111111111111111"),
    ("mc 5500-0000-0000-0004 refunded", "5500-0000-0000-0004"),
    ("amex 378282246310005 charged", "378282246310005"),
    # national ids, IBAN, e-mail
    ("kyc ssn 123-45-6789 verified", "123-45-6789"),
    ("kyc social security number: 123456789 verified", "123456789"),
    ("user SSN=078-05-1120 stored", "078-05-1120"),
    ("nino AB123456C checked", "AB123456C"),
    ("transfer to GB82 WEST 1234 5698 7654 32 queued", "5698 7654"),
    ("reset link sent to alice.smith@example.com", "alice.smith@example.com"),
]

#: Ordinary lines that must reach the LLM unchanged.
KEEP: list[str] = [
    "Password reset requested for user bob",
    "Token refresh scheduled in 300 seconds",
    "request 3f2a9c0d1e2b4a5f6e7d8c9b0a1f2e3d4c5b6a79 done at 1638316800123",
    "instance 6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b spawned on compute-7",
    "GET /api/v1/users?id=42 returned 200 in 35 ms",
    "Order 1234567890123 shipped to warehouse 7",
    "2026-12-06 20:15:46,123 INFO key rotation finished",
]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy("standard")


@pytest.fixture(scope="module")
def double() -> Iterator[LLMDouble]:
    with LLMDouble() as server:
        yield server


def test_there_are_at_least_forty_shapes() -> None:
    assert len(SHAPES) >= 40
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


def test_no_secret_shape_reaches_the_llm(double: LLMDouble, taxonomy: Taxonomy) -> None:
    settings = Settings(
        _env_file=None,
        llm_base_url=double.base_url,
        llm_api_key="k",
        llm_model="m",
        llm_max_chars=400,
    )
    stage = build_llm_stage(settings, taxonomy)
    assert stage is not None
    leaked = []
    for line, secret in SHAPES:
        before = len(double.chat_requests())
        stage.classify(line)
        sent = double.chat_requests()[before:]
        assert len(sent) == 1
        if secret in sent[0].user:
            leaked.append((line, sent[0].user))
    assert not leaked, leaked


@pytest.mark.parametrize("line", KEEP)
def test_ordinary_lines_are_kept(line: str) -> None:
    assert Redactor().redact(line) == line
