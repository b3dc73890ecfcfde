"""One frozen settings object, built from the environment at process start.

Precedence as in Starlette's Config: the process environment, then a `.env` file in the working
directory, then the default. A missing or invalid key fails at start-up naming the key.
Nothing here is read at import time: call `Settings.from_env()`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from starlette.config import Config

from runxin.platform.credentials import SECRET_KEYS, SecretFileError, read_secret_file, redact_url
from runxin.platform.errors import ConfigurationError

_MODES = ("development", "production")
# Asymmetric signatures only: "none" and the HMAC family (a shared secret) are never accepted.
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    mode: str = "development"
    token_issuer: str = "runxin-local"
    token_audience: str = "runxin-api"
    token_ttl_seconds: int = 900
    standards_version: str = "2023"
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    introspection: bool = True
    graphiql: bool = True
    broker_url: str = ""
    operation_timeout_seconds: float = 15.0
    statement_timeout_ms: int = 10_000
    # The query cost rule (runxin.graphql.cost): nodes per document, and a leaky bucket of points.
    max_nodes: int = 50_000
    cost_bucket: int = 5_000
    cost_per_second: float = 100.0
    # Trusted documents: a JSON map {sha256 hex: document}, and the clients that may send only those.
    trusted_documents_file: str = ""
    trusted_document_clients: frozenset[str] = frozenset()
    # The bureau's OpenID Connect provider for people (all three set, or none: local tokens only).
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_algorithms: tuple[str, ...] = ("RS256", "ES256")
    oidc_tenant_claim: str = "runxin_tenant"
    oidc_roles_claim: str = "runxin_roles"
    oidc_jwks_cache_seconds: int = 300
    oidc_jwks_min_refetch_seconds: int = 30
    # The console's sign-in through the provider (authorization code + PKCE): its client id, and a
    # secret for a confidential client (empty: a public client).
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # Where clients reach this server (https://api.example.cn): the token endpoint URL that
    # private_key_jwt assertions name as their audience. Empty: the URL the request arrived at.
    public_url: str = ""
    # The audit log: honour X-Forwarded-For (behind one reverse proxy only), and days kept.
    trust_proxy: bool = False
    audit_retention_days: int = 400
    # The reporting chain: years kept live in the rollups (empty: this school year and the last),
    # how often the sweeper re-rings what the database says is still due, and worker threads.
    rollup_years: tuple[int, ...] = ()
    sweep_seconds: float = 5.0
    worker_threads: int = 4
    # Prefix of the chain's queue names, for deployments (or test runs) sharing one broker.
    queue_namespace: str = ""
    # The response cache (runxin.graphql.response_cache): its size, how long an answer is kept at
    # most (a write invalidates it at once whatever this says), and 0 MB turns it off.
    response_cache_mb: int = 64
    response_cache_seconds: float = 300.0
    # State every server process must share (cost buckets, used jtis, change stamps): Redis, or
    # empty for this process's memory (one process only). Keys live under the prefix.
    redis_url: str = ""
    redis_prefix: str = "runxin:"
    # A streaming replica for the oversight reads (its read-your-writes marks live in Redis when
    # redis_url is set, platform/db/replica.py), and quorum queues on RabbitMQ.
    database_replica_url: str = ""
    rabbitmq_quorum: bool = False
    # CIDRs deliveries may reach although they are private (platform/delivery/ssrf.py).
    delivery_allowed_networks: tuple[str, ...] = ()
    # Metrics: the bearer token a Prometheus scraper sends to /metrics (empty: open in development,
    # off in production), and where `runxin worker` serves its own (host:port; empty: not served).
    metrics_token: str = ""
    worker_metrics_address: str = ""
    # Reporting completeness: days after a period's end that its figures are on time where no entry
    # window applies (None: never late without a window; platform/completeness/rules.py).
    completeness_grace_days: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "signing-key.json"

    @property
    def keys_path(self) -> Path:
        """The signing key set (several keys: the newest signs, all verify)."""
        return self.data_dir / "keys.json"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **overrides: object) -> "Settings":
        """Read RUNXIN_* keys; explicit overrides win (the CLI's flags)."""
        config = Config(env_file if env_file and Path(env_file).exists() else None, environ=os.environ)

        def read(key: str, cast: type, default: object) -> object:
            try:
                return config(key, cast=cast, default=default)
            except ValueError as exc:
                hint = "true or false" if cast is _bool else f"a {cast.__name__}"
                raise ConfigurationError(f"{key} is invalid ({str(exc).rstrip('.')}): set it to {hint}.") from exc

        def secret(key: str, default: str) -> str:
            """A secret setting from KEY, or from the file KEY_FILE names (Docker/Kubernetes secrets)."""
            assert key in SECRET_KEYS
            path, value = read(f"{key}_FILE", str, ""), read(key, str, None)
            if path:
                if value is not None:
                    raise ConfigurationError(f"Both {key} and {key}_FILE are set: keep one of them.")
                try:
                    return read_secret_file(key, str(path))
                except SecretFileError as exc:
                    raise ConfigurationError(str(exc)) from exc
            return default if value is None else str(value)

        data_dir = Path(str(overrides.pop("data_dir", None) or read("RUNXIN_DATA_DIR", str, ".data"))).resolve()
        default_db = f"sqlite+aiosqlite:///{data_dir / 'runxin.db'}"
        mode = str(overrides.pop("mode", None) or read("RUNXIN_MODE", str, "development"))
        if mode not in _MODES:
            raise ConfigurationError(f"RUNXIN_MODE is {mode!r}: set it to one of {', '.join(_MODES)}.")
        production = mode == "production"
        values: dict[str, object] = dict(
            data_dir=data_dir,
            database_url=secret("RUNXIN_DATABASE_URL", default_db),
            mode=mode,
            token_issuer=read("RUNXIN_TOKEN_ISSUER", str, "runxin-local"),
            token_audience=read("RUNXIN_TOKEN_AUDIENCE", str, "runxin-api"),
            token_ttl_seconds=read("RUNXIN_TOKEN_TTL_SECONDS", int, 900),
            standards_version=read("RUNXIN_STANDARDS_VERSION", str, "2023"),
            max_query_depth=read("RUNXIN_MAX_QUERY_DEPTH", int, 12),
            max_aliases=read("RUNXIN_MAX_ALIASES", int, 30),
            max_tokens=read("RUNXIN_MAX_TOKENS", int, 4000),
            introspection=read("RUNXIN_INTROSPECTION", _bool, not production),
            graphiql=read("RUNXIN_GRAPHIQL", _bool, not production),
            broker_url=secret("RUNXIN_BROKER_URL", ""),
            operation_timeout_seconds=read("RUNXIN_OPERATION_TIMEOUT_SECONDS", float, 15.0),
            statement_timeout_ms=read("RUNXIN_STATEMENT_TIMEOUT_MS", int, 10_000),
            trust_proxy=read("RUNXIN_TRUST_PROXY", _bool, False),
            audit_retention_days=read("RUNXIN_AUDIT_RETENTION_DAYS", int, 400),
            rollup_years=_years(str(read("RUNXIN_ROLLUP_YEARS", str, ""))),
            sweep_seconds=read("RUNXIN_SWEEP_SECONDS", float, 5.0),
            worker_threads=read("RUNXIN_WORKER_THREADS", int, 4),
            queue_namespace=read("RUNXIN_QUEUE_NAMESPACE", str, ""),
            max_nodes=read("RUNXIN_MAX_NODES", int, 50_000),
            cost_bucket=read("RUNXIN_COST_BUCKET", int, 5_000),
            cost_per_second=read("RUNXIN_COST_PER_SECOND", float, 100.0),
            trusted_documents_file=read("RUNXIN_TRUSTED_DOCUMENTS_FILE", str, ""),
            trusted_document_clients=frozenset(
                str(read("RUNXIN_TRUSTED_DOCUMENT_CLIENTS", str, "")).replace(",", " ").split()
            ),
            oidc_issuer=read("RUNXIN_OIDC_ISSUER", str, ""),
            oidc_audience=read("RUNXIN_OIDC_AUDIENCE", str, ""),
            oidc_jwks_url=read("RUNXIN_OIDC_JWKS_URL", str, ""),
            oidc_algorithms=tuple(str(read("RUNXIN_OIDC_ALGORITHMS", str, "RS256 ES256")).replace(",", " ").split()),
            oidc_tenant_claim=read("RUNXIN_OIDC_TENANT_CLAIM", str, "runxin_tenant"),
            oidc_roles_claim=read("RUNXIN_OIDC_ROLES_CLAIM", str, "runxin_roles"),
            oidc_jwks_cache_seconds=read("RUNXIN_OIDC_JWKS_CACHE_SECONDS", int, 300),
            oidc_jwks_min_refetch_seconds=read("RUNXIN_OIDC_JWKS_MIN_REFETCH_SECONDS", int, 30),
            public_url=str(read("RUNXIN_PUBLIC_URL", str, "")).rstrip("/"),
            oidc_client_id=read("RUNXIN_OIDC_CLIENT_ID", str, ""),
            oidc_client_secret=read("RUNXIN_OIDC_CLIENT_SECRET", str, ""),
            response_cache_mb=read("RUNXIN_RESPONSE_CACHE_MB", int, 64),
            response_cache_seconds=read("RUNXIN_RESPONSE_CACHE_SECONDS", float, 300.0),
            redis_url=str(read("RUNXIN_REDIS_URL", str, "")).strip(),
            redis_prefix=str(read("RUNXIN_REDIS_PREFIX", str, "runxin:")),
            database_replica_url=str(read("RUNXIN_DATABASE_REPLICA_URL", str, "")),
            rabbitmq_quorum=read("RUNXIN_RABBITMQ_QUORUM", _bool, False),
            delivery_allowed_networks=tuple(str(read("RUNXIN_DELIVERY_ALLOWED_NETWORKS", str, "")).replace(",", " ").split()),
            metrics_token=read("RUNXIN_METRICS_TOKEN", str, ""),
            worker_metrics_address=read("RUNXIN_WORKER_METRICS_ADDRESS", str, ""),
            completeness_grace_days=_optional_int(
                "RUNXIN_COMPLETENESS_GRACE_DAYS", str(read("RUNXIN_COMPLETENESS_GRACE_DAYS", str, ""))
            ),
        )
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        url = self.database_url
        if self.worker_metrics_address:
            host, _, port = self.worker_metrics_address.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ConfigurationError(
                    f"RUNXIN_WORKER_METRICS_ADDRESS {self.worker_metrics_address!r} is not host:port: set e.g. 127.0.0.1:9108."
                )
        if not (url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://")):
            raise ConfigurationError(
                f"RUNXIN_DATABASE_URL {redact_url(url)!r} is not supported: use sqlite+aiosqlite:///PATH "
                "or postgresql+asyncpg://USER@HOST:PORT/DB."
            )
        replica = self.database_replica_url
        if replica and not (replica.startswith("postgresql+asyncpg://") and url.startswith("postgresql+asyncpg://")):
            raise ConfigurationError(
                f"RUNXIN_DATABASE_REPLICA_URL {replica!r} needs PostgreSQL on both sides: set it to "
                "postgresql+asyncpg://USER@REPLICA:5432/DB (a hot standby of RUNXIN_DATABASE_URL), or leave it empty."
            )
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://")):
            raise ConfigurationError(f"RUNXIN_REDIS_URL {self.redis_url!r} is not supported: use redis://HOST:6379/0 or leave it empty.")
        if not 0.1 <= self.operation_timeout_seconds <= 300:
            raise ConfigurationError("RUNXIN_OPERATION_TIMEOUT_SECONDS must be between 0.1 and 300.")
        if not 100 <= self.statement_timeout_ms <= 300_000:
            raise ConfigurationError("RUNXIN_STATEMENT_TIMEOUT_MS must be between 100 and 300000.")
        if not 60 <= self.token_ttl_seconds <= 3600:
            raise ConfigurationError("RUNXIN_TOKEN_TTL_SECONDS must be between 60 and 3600.")
        if not 180 <= self.audit_retention_days <= 3650:
            raise ConfigurationError(
                "RUNXIN_AUDIT_RETENTION_DAYS must be between 180 and 3650 (logs are kept at least six months: Cybersecurity Law, art. 21)."
            )
        if not 1 <= self.max_nodes <= 10_000_000:
            raise ConfigurationError("RUNXIN_MAX_NODES must be between 1 and 10000000.")
        if not 1 <= self.cost_bucket <= 10_000_000:
            raise ConfigurationError("RUNXIN_COST_BUCKET must be between 1 and 10000000 points.")
        if not 0.001 <= self.cost_per_second <= 1_000_000:
            raise ConfigurationError("RUNXIN_COST_PER_SECOND must be between 0.001 and 1000000.")
        if self.trusted_document_clients and not self.trusted_documents_file:
            raise ConfigurationError(
                "RUNXIN_TRUSTED_DOCUMENT_CLIENTS is set but RUNXIN_TRUSTED_DOCUMENTS_FILE is not: "
                "point it at the JSON map {sha256: document} those clients may run."
            )
        oidc = {"RUNXIN_OIDC_ISSUER": self.oidc_issuer, "RUNXIN_OIDC_AUDIENCE": self.oidc_audience, "RUNXIN_OIDC_JWKS_URL": self.oidc_jwks_url}
        if any(oidc.values()) and not all(oidc.values()):
            missing = ", ".join(k for k, v in oidc.items() if not v)
            raise ConfigurationError(f"OpenID Connect is half configured: set {missing} too (or none of the three).")
        unsafe = [a for a in self.oidc_algorithms if a not in OIDC_ALGORITHMS]
        if unsafe or not self.oidc_algorithms:
            raise ConfigurationError(
                f"RUNXIN_OIDC_ALGORITHMS {' '.join(self.oidc_algorithms)!r} is not allowed: use some of {' '.join(OIDC_ALGORITHMS)}."
            )
        if not 10 <= self.oidc_jwks_cache_seconds <= 86_400:
            raise ConfigurationError("RUNXIN_OIDC_JWKS_CACHE_SECONDS must be between 10 and 86400.")
        if not 1 <= self.oidc_jwks_min_refetch_seconds <= 3600:
            raise ConfigurationError("RUNXIN_OIDC_JWKS_MIN_REFETCH_SECONDS must be between 1 and 3600.")
        if not 0 <= self.response_cache_mb <= 65_536:
            raise ConfigurationError("RUNXIN_RESPONSE_CACHE_MB must be between 0 (off) and 65536.")
        if not 1 <= self.response_cache_seconds <= 86_400:
            raise ConfigurationError("RUNXIN_RESPONSE_CACHE_SECONDS must be between 1 and 86400.")
        if not 0.1 <= self.sweep_seconds <= 3600:
            raise ConfigurationError("RUNXIN_SWEEP_SECONDS must be between 0.1 and 3600.")
        if not 1 <= self.worker_threads <= 64:
            raise ConfigurationError("RUNXIN_WORKER_THREADS must be between 1 and 64.")
        if any(not 2000 <= year <= 2100 for year in self.rollup_years):
            raise ConfigurationError("RUNXIN_ROLLUP_YEARS lists years from 2000 to 2100, e.g. 2025,2026 (or leave it empty).")
        _validate_redis(self.redis_url, self.redis_prefix)
        from runxin.platform.completeness.rules import check_grace_days

        try:
            check_grace_days(self.completeness_grace_days)
        except ValueError as exc:
            raise ConfigurationError(f"RUNXIN_COMPLETENESS_GRACE_DAYS {exc}.") from exc
        from runxin.platform.delivery.ssrf import parse_networks

        try:
            parse_networks(self.delivery_allowed_networks)
        except ValueError as exc:
            raise ConfigurationError(f"RUNXIN_DELIVERY_ALLOWED_NETWORKS is invalid: {exc}.") from exc
        from runxin.platform.standards import STANDARDS

        if self.standards_version not in STANDARDS:
            raise ConfigurationError(
                f"RUNXIN_STANDARDS_VERSION {self.standards_version!r} is unknown: "
                f"use one of {', '.join(sorted(STANDARDS))}."
            )

    def replace(self, **changes: object) -> "Settings":
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _validate_redis(url: str, prefix: str) -> None:
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            f"RUNXIN_REDIS_URL {url!r} is not a Redis URL: use redis://HOST:6379/0 (rediss:// for TLS), or leave it empty."
        )
    if not prefix or len(prefix) > 100 or any(c.isspace() for c in prefix):
        raise ConfigurationError("RUNXIN_REDIS_PREFIX must be 1-100 characters without spaces, e.g. runxin: or runxin-staging:.")


def _years(value: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(part) for part in value.replace(",", " ").split()}))
    except ValueError as exc:
        raise ConfigurationError(f"RUNXIN_ROLLUP_YEARS {value!r} is invalid: list years, e.g. 2025,2026.") from exc


def _optional_int(key: str, value: str) -> int | None:
    """An integer setting that may be left empty (None)."""
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{key} {value!r} is invalid: set a whole number of days, or leave it empty.") from exc


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not a boolean (use true or false)")

