"""Settings: the one place that reads the environment, validated with one clear line per fault."""

from __future__ import annotations

import base64
import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations.bluesky.config import BlueskyConfig
from integrations.mastodon.config import MastodonConfig
from integrations.x.config import XConfig
from integrations.x.cost import Prices
from integrations.yammer.config import YammerConfig

DEFAULT_DATABASE_URL = "sqlite:///outreach.db"
ARCHIVE_PREFIX = "/archive/"  # where the web server answers a digest's archive (assistant.archive_web)
SLACK_INSTALL_PATH = "/slack/install"  # where the OAuth install starts (assistant.slack.app)
X_CALLBACK_PATH = "/x/oauth/callback"  # where X sends the person back after authorizing (assistant.x_callback)
LOCAL_PUBLIC_URL = "http://localhost:3000"
DEFAULT_SLACK_SCOPES = (
    "commands,chat:write,chat:write.public,im:write,users:read,users:read.email,"
    "usergroups:read,channels:read,groups:read,files:write"
)

# What each variable should look like, for the one-line error at start.
EXPECTED = {
    "DATABASE_URL": "a SQLAlchemy URL such as sqlite:///outreach.db or postgresql://user@host:5432/db",
    "ENCRYPTION_KEY": "a Fernet key (32 url-safe base64-encoded bytes) or any random secret of at least 32 "
    "characters (make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')",
    "DEFAULT_TIMEZONE": "an IANA time zone name such as Europe/London or America/New_York",
    "PORT": "a TCP port number between 1 and 65535",
    "SLACK_BOT_TOKEN": "a bot token starting with xoxb-",
    "SLACK_APP_TOKEN": "an app-level token starting with xapp-",
    "SLACK_SIGNING_SECRET": "the signing secret from the Slack app's Basic Information page",
    "X_API_DIALECT": "classic (tweet.fields) or posts (post.fields)",
}

SECRET_FIELDS = frozenset(
    {
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_secret",
        "x_bearer_token",
        "x_client_secret",
        "yammer_access_token",
        "mastodon_access_token",
        "bluesky_app_password",
        "encryption_key",
    }
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every setting the app reads, with the real services as defaults."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = DEFAULT_SLACK_SCOPES
    slack_comms_usergroup: str | None = Field(default=None, description="Slack user group id of the comms team")
    slack_comms_channel: str | None = Field(default=None, description="Channel whose members are the comms team")
    slack_admin_users: str = Field(default="", description="Comma-separated Slack user ids who are admins")

    # Storage and runtime
    database_url: str = DEFAULT_DATABASE_URL
    encryption_key: SecretStr | None = None
    default_timezone: str = "Europe/London"
    port: int = 3000
    public_url: str | None = Field(default=None, description="Public base URL of the app, for links")
    log_level: str = "INFO"
    worker_interval_seconds: float = 5.0

    # X (Twitter)
    x_bearer_token: SecretStr | None = None
    x_client_id: str | None = None
    x_client_secret: SecretStr | None = None
    x_api_dialect: Literal["classic", "posts"] = "classic"
    x_price_post_read: float = 0.005
    x_price_user_read: float = 0.010
    x_price_post_create: float = 0.015
    x_price_post_create_with_link: float = 0.20

    # Other networks
    yammer_access_token: SecretStr | None = None
    yammer_tenant_id: str = Field(
        default="organizations", description="Microsoft Entra ID tenant (id or domain) for `outreach yammer login`"
    )
    yammer_client_id: str | None = Field(
        default=None, description="Application (client) id of the Entra app registered for Yammer delegated access"
    )
    mastodon_base_url: str = "https://mastodon.social"
    mastodon_access_token: SecretStr | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: SecretStr | None = None

    # Base URLs of every outside service (point them at local stand-ins for demos and tests)
    slack_api_url: str = "https://slack.com/api/"
    x_api_url: str = "https://api.x.com"
    x_oauth_authorize_url: str = "https://x.com/i/oauth2/authorize"
    yammer_api_url: str = "https://www.yammer.com/api/v1"
    bluesky_api_url: str = "https://bsky.social/xrpc"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known time zone") from exc
        return value

    @field_validator("port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError(f"{value} is out of range")
        return value

    @field_validator("encryption_key")
    @classmethod
    def _check_fernet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            fernet_key(value.get_secret_value())
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _check_bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("does not start with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _check_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("does not start with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slash_terminated(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    # Derived views

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def multi_workspace(self) -> bool:
        return self.slack_client_id is not None

    @cached_property
    def admin_user_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.slack_admin_users.split(",") if part.strip())

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    # The integrations' own config objects (integrations/ never reads Settings)

    def x_prices(self) -> Prices:
        return Prices(
            post_read=self.x_price_post_read,
            user_read=self.x_price_user_read,
            post_create=self.x_price_post_create,
            post_create_with_link=self.x_price_post_create_with_link,
        )

    def x_config(self) -> XConfig:
        return XConfig(
            base_url=self.x_api_url,
            bearer_token=self.x_bearer_token,
            dialect=self.x_api_dialect,
            prices=self.x_prices(),
            client_id=self.x_client_id,
            client_secret=self.x_client_secret,
            authorize_url=self.x_oauth_authorize_url,
        )

    def mastodon_config(self) -> MastodonConfig:
        return MastodonConfig(base_url=self.mastodon_base_url, access_token=_reveal(self.mastodon_access_token))

    def bluesky_config(self) -> BlueskyConfig:
        return BlueskyConfig(
            base_url=self.bluesky_api_url,
            handle=self.bluesky_handle,
            app_password=_reveal(self.bluesky_app_password),
        )

    def yammer_config(self) -> YammerConfig:
        return YammerConfig(base_url=self.yammer_api_url, access_token=_reveal(self.yammer_access_token))

    # Public links

    def archive_url(self, token: str) -> str | None:
        """The public link of a digest's web archive, or None when the app has no PUBLIC_URL."""
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}{ARCHIVE_PREFIX}{token}"

    @property
    def x_redirect_uri(self) -> str:
        """Where X redirects after the person authorizes (PUBLIC_URL, else the local server)."""
        return (self.public_url or LOCAL_PUBLIC_URL).rstrip("/") + X_CALLBACK_PATH

    @property
    def slack_install_url(self) -> str:
        """Where an admin adds the app to a workspace in multi-workspace mode (PUBLIC_URL, else the local server)."""
        return (self.public_url or LOCAL_PUBLIC_URL).rstrip("/") + SLACK_INSTALL_PATH

    def require_for_serve(self) -> None:
        """Fail with one line when `outreach serve` lacks what Slack needs."""
        if self.socket_mode:
            if self.slack_bot_token is None:
                raise ConfigError(f"SLACK_BOT_TOKEN is required in Socket Mode; expected {EXPECTED['SLACK_BOT_TOKEN']}")
            return
        if self.slack_signing_secret is None:
            raise ConfigError(
                f"SLACK_SIGNING_SECRET is required to serve over HTTP; expected {EXPECTED['SLACK_SIGNING_SECRET']}"
            )
        if self.slack_bot_token is None and not self.multi_workspace:
            raise ConfigError(
                "SLACK_BOT_TOKEN (single workspace) or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET "
                "(multi-workspace install) is required to serve"
            )
        if self.multi_workspace and self.slack_client_secret is None:
            raise ConfigError("SLACK_CLIENT_SECRET is required when SLACK_CLIENT_ID is set")

    def require_encryption_key(self) -> Fernet:
        if self.encryption_key is None:
            raise ConfigError(f"ENCRYPTION_KEY is required to store tokens; expected {EXPECTED['ENCRYPTION_KEY']}")
        return Fernet(fernet_key(self.encryption_key.get_secret_value()))


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def fernet_key(secret: str) -> bytes:
    """A Fernet key as given, or one derived with HKDF-SHA256 from a long random secret (Heroku's generator)."""
    try:
        Fernet(secret.encode())
        return secret.encode()
    except (ValueError, TypeError):
        pass
    if len(secret) < 32:
        raise ValueError("is neither a Fernet key nor a random secret of at least 32 characters")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"outreach-assistant token encryption")
    return base64.urlsafe_b64encode(derived.derive(secret.encode()))


def normalise_database_url(value: str) -> str:
    """Turn Heroku-style postgres:// URLs into SQLAlchemy's psycopg 3 dialect."""
    value = value.strip()
    if not value:
        return DEFAULT_DATABASE_URL
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    if not re.match(r"^[a-z0-9+]+://", value):
        raise ValueError("is not a database URL")
    return value


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; turn validation failures into a one-line ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "setting"
    reason = str(first["msg"]).removeprefix("Value error, ")
    shown = "" if name.lower() in SECRET_FIELDS else f" (got {first.get('input')!r})"
    expected = EXPECTED.get(name)
    hint = f"; expected {expected}" if expected else ""
    return f"{name} is invalid: {reason}{shown}{hint}"


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a sqlite URL, or None for memory or other databases."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split(":///", 1)[-1]
    return None if path in ("", ":memory:") else Path(path)
