"""Settings shared by every service: one small settings class per component, composed by each service."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from continuum.observability import ObservabilitySettings

LOCAL_POSTGRES_PORT = 5433
LOCAL_KAFKA_PORT = 9092


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class DatabaseSettings(BaseModel):
    url: str = Field(
        default=f"postgresql+asyncpg://postgres@127.0.0.1:{LOCAL_POSTGRES_PORT}/",
        description="A database URL, or a server URL (no database name) from which the service's database is derived.",
    )
    pool_size: int = 10
    max_overflow: int = 10
    pool_pre_ping: bool = Field(
        default=False,
        description="Test each pooled connection before use (a round trip per transaction). Off: a connection "
        "found dead fails its request with a 503 and the pool is renewed at once.",
    )

    def url_for(self, database: str) -> str:
        """The URL of this service's database: the given URL's database, or `database` on that server."""
        url = make_url(self.url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+asyncpg")
        if not url.database or url.database == "postgres":
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)


class KafkaSettings(BaseModel):
    bootstrap_servers: str = f"127.0.0.1:{LOCAL_KAFKA_PORT}"
    partitions: int = 3
    replication_factor: int = 1
    request_timeout_ms: int = 10_000


class RelaySettings(BaseModel):
    enabled: bool = True
    batch_size: int = 2_000
    poll_interval_s: float = 0.5
    retry_backoff_s: float = 1.0


class ConsumerSettings(BaseModel):
    enabled: bool = True
    max_batch: int = 500
    commit_interval_s: float = Field(
        default=1.0,
        description="How often handled offsets are committed to Kafka at most. The inbox makes a redelivery "
        "harmless, so a crash costs at most this much re-reading, and the broker is spared a commit per fetch.",
    )
    batch_transactions: bool = Field(
        default=True,
        description="Apply what one fetch brought, across its partitions, in one transaction (one inbox insert, "
        "one commit); a batch that fails is rolled back and retried per partition, then message by message.",
    )
    retry_backoff_s: float = 0.2
    retry_backoff_max_s: float = 5.0
    stuck_after_s: float = 30.0
    fetch_partition_bytes: int = Field(
        default=524_288, ge=65_536,
        description="What the Kafka client fetches ahead from each partition at most (its "
        "`max_partition_fetch_bytes`); held in memory until handled. Kafka's default is 1 MiB.",
    )


DEV_ISSUER = "continuum-dev"


class AuthSettings(BaseModel):
    audience: str = "continuum"
    issuer: str = Field(default=DEV_ISSUER, description=(
        "The `iss` every token must carry, checked in development and production alike: in production set it to "
        "the identity provider's issuer (its tokens are refused otherwise)."))
    jwks_url: str | None = Field(default=None, description="JWKS URL of the identity provider (production).")
    dev_signing_key_path: Path = Field(default=Path(".run/dev-signing-key.pem"), description=(
        "The development signing key. A relative path is taken from the project's root (the directory holding "
        "`.run/` or the Makefile), wherever `continuum token` is run from."))
    leeway_s: int = 10
    verified_cache_s: int = Field(default=60, ge=0, description=(
        "How long a token whose signature and claims were verified is remembered, so its next requests skip the "
        "signature check (never past its expiry). 0 verifies every request."))
    verified_cache_size: int = Field(default=10_000, ge=1)


class HttpSettings(BaseModel):
    max_body_bytes: int = 1_048_576
    max_header_bytes: int = Field(default=16_384, ge=1_024, description=(
        "The request line and header fields together, in bytes: beyond it a request is refused with 431 while it "
        "is still being read, before authentication."))
    max_headers: int = Field(default=100, ge=10, description="Header fields a request may have (431 beyond).")
    idempotency_ttl_hours: int = 24


class _HttpEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    http: HttpSettings = HttpSettings()


def http_settings_from_environment() -> HttpSettings:
    """The HTTP__* settings alone, read as a service's Config reads them (for the server's own protocol)."""
    return _HttpEnvironment().http


class ServiceSettings(BaseSettings):
    """Base of each service's Config: read from the environment, nested with `__` (e.g. KAFKA__PARTITIONS)."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    environment: Environment = Environment.development
    database: DatabaseSettings = DatabaseSettings()
    kafka: KafkaSettings = KafkaSettings()
    relay: RelaySettings = RelaySettings()
    consumer: ConsumerSettings = ConsumerSettings()
    auth: AuthSettings = AuthSettings()
    http: HttpSettings = HttpSettings()
    observability: ObservabilitySettings = ObservabilitySettings()
    database_url: str | None = Field(default=None, description="DATABASE_URL: overrides database.url.")
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="KAFKA_BOOTSTRAP_SERVERS: overrides kafka.bootstrap_servers."
    )

    @model_validator(mode="after")
    def _apply_well_known_variables(self) -> ServiceSettings:
        if self.database_url:
            self.database = self.database.model_copy(update={"url": self.database_url})
        if self.kafka_bootstrap_servers:
            self.kafka = self.kafka.model_copy(update={"bootstrap_servers": self.kafka_bootstrap_servers})
        return self

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> ServiceSettings:
        if self.environment is Environment.production and not self.auth.jwks_url:
            raise ValueError(
                "AUTH__JWKS_URL is required outside development: the local development signing key is refused"
            )
        return self
