"""What an X client needs to know, given by the app: base URLs, the app's credentials, the dialect and the prices."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from integrations.x.cost import Prices
from integrations.x.dialect import DialectName


@dataclass(frozen=True, slots=True)
class XConfig:
    """The X side of the app's settings; `bearer_token` reads, the client id and secret run OAuth."""

    base_url: str = "https://api.x.com"
    bearer_token: SecretStr | None = field(default=None, repr=False)
    dialect: DialectName = "classic"
    prices: Prices = field(default_factory=Prices)
    client_id: str | None = None
    client_secret: SecretStr | None = field(default=None, repr=False)
    authorize_url: str = "https://x.com/i/oauth2/authorize"
