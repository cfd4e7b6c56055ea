"""A local fake of Microsoft Entra ID's endpoints for MSAL's device-code flow (httpx.MockTransport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

HOST = "https://login.microsoftonline.com"


@dataclass
class FakeEntra:
    """Instance discovery, OpenID configuration, device authorization and a token endpoint that answers
    `authorization_pending` `pending` times before giving `access_token`."""

    tenant: str = "contoso.example.org"
    access_token: str = "entra-access-token"
    pending: int = 1
    deny: bool = False
    requests: list[httpx.Request] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def _config(self) -> dict[str, Any]:
        base = f"{HOST}/{self.tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/discovery/instance"):
            return httpx.Response(
                200,
                json={
                    "tenant_discovery_endpoint": f"{HOST}/{self.tenant}/v2.0/.well-known/openid-configuration",
                    "api-version": "1.1",
                    "metadata": [
                        {
                            "preferred_network": "login.microsoftonline.com",
                            "preferred_cache": "login.windows.net",
                            "aliases": ["login.microsoftonline.com", "login.windows.net"],
                        }
                    ],
                },
            )
        if path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json=self._config())
        if path.endswith("/oauth2/v2.0/devicecode"):
            return httpx.Response(
                200,
                json={
                    "device_code": "device-code-1",
                    "user_code": "ABCD-EFGH",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 0,
                    "message": "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-EFGH.",
                },
            )
        if path.endswith("/oauth2/v2.0/token"):
            if self.deny:
                return httpx.Response(400, json={"error": "access_denied", "error_description": "The user declined."})
            if self.pending:
                self.pending -= 1
                return httpx.Response(400, json={"error": "authorization_pending", "error_description": "waiting"})
            return httpx.Response(
                200,
                json={
                    "token_type": "Bearer",
                    "scope": "https://api.yammer.com/.default",
                    "expires_in": 3599,
                    "access_token": self.access_token,
                    "refresh_token": "entra-refresh-token",
                },
            )
        return httpx.Response(404, json={"error": "not_found"})
