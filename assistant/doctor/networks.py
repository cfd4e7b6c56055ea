"""Doctor checks against the other networks (X, Mastodon, Bluesky, Yammer) and the app's own public URL."""

from __future__ import annotations

import httpx

from assistant.doctor import Context, Verdict, fail, ok, skip
from assistant.services.costs.ledger import x_meter
from integrations.errors import IntegrationError
from integrations.x.cost import estimate_user_lookup

X_PROBE_USERNAME = "X"  # the network's own account: always there, one user read


def x_bearer(context: Context) -> Verdict:
    settings = context.settings
    if settings.x_bearer_token is None:
        return skip("X bearer token", "X_BEARER_TOKEN not set: X search, digests from X and mapping are off")
    cost = estimate_user_lookup(1, settings.x_prices()).cost
    if not context.paid:
        return skip("X bearer token", f"not checked (--no-paid); the check is one user lookup, US${cost:.3f}")
    context.announce(f"X bearer token: one user lookup (@{X_PROBE_USERNAME}), billed US${cost:.3f} by X…")
    meter = (
        x_meter(context.engine, settings.x_prices(), workspace_id=None, job_kind="cli", job_id="doctor")
        if context.database_ok
        else None
    )
    client = context.clients.x(context.http, meter=meter, max_attempts=1)
    try:
        page = next(iter(client.users_by_usernames([X_PROBE_USERNAME])))
    except IntegrationError as exc:
        return fail(
            "X bearer token", f"{exc}; copy the app's Bearer Token from the X developer portal into X_BEARER_TOKEN"
        )
    if not page.data:
        return fail(
            "X bearer token", f"X answered without the @{X_PROBE_USERNAME} account ({page.errors or 'no data'})"
        )
    return ok("X bearer token", f"works (US${client.meter.cost:.3f} spent)")


def mastodon(context: Context) -> Verdict:
    settings = context.settings
    base = settings.mastodon_base_url.rstrip("/")
    token = settings.mastodon_access_token
    try:
        instance = context.http.get(f"{base}/api/v1/instance", headers={"Accept": "application/json"})
        if instance.status_code != 200:
            return fail(
                "Mastodon", f"{base} answered {instance.status_code} for /api/v1/instance; check MASTODON_BASE_URL"
            )
        title = str(instance.json().get("title") or base)
        if token is None:
            return ok("Mastodon", f"{title} at {base} answers (no MASTODON_ACCESS_TOKEN: public timelines only)")
        account = context.http.get(
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token.get_secret_value()}", "Accept": "application/json"},
        )
    except (httpx.HTTPError, ValueError) as exc:
        return fail("Mastodon", f"cannot reach {base} ({type(exc).__name__}); check MASTODON_BASE_URL")
    if account.status_code != 200:
        reason = _error_text(account)
        return fail(
            "Mastodon",
            f"{base} refused MASTODON_ACCESS_TOKEN ({account.status_code} {reason}); make a new token on that instance",
        )
    return ok("Mastodon", f"{title} at {base}; token acts as @{account.json().get('acct')}")


def bluesky(context: Context) -> Verdict:
    settings = context.settings
    if not settings.bluesky_handle and settings.bluesky_app_password is None:
        return skip("Bluesky", "BLUESKY_HANDLE not set: Bluesky search is off")
    client = context.clients.bluesky(context.http)
    try:
        session = client.create_session()
    except IntegrationError as exc:
        return fail("Bluesky", str(exc))
    return ok("Bluesky", f"logged in as {session.handle or settings.bluesky_handle}")


def yammer(context: Context) -> Verdict:
    settings = context.settings
    if settings.yammer_access_token is None:
        return skip("Yammer", "YAMMER_ACCESS_TOKEN not set: Yammer cross-posts and shout-outs are off")
    try:
        user = context.clients.yammer(context.http).current_user()
    except IntegrationError as exc:
        return fail("Yammer", f"{exc}; sign in again with `outreach yammer login`")
    except httpx.HTTPError as exc:
        return fail("Yammer", f"cannot reach {settings.yammer_api_url} ({type(exc).__name__}); check YAMMER_API_URL")
    return ok("Yammer", f"token acts as {user.full_name or user.id}")


def public_url(context: Context) -> Verdict:
    base = context.settings.public_url
    if not base:
        return skip("public URL", "PUBLIC_URL not set: links in messages point nowhere (Socket Mode needs none)")
    url = base.rstrip("/") + "/healthz"
    try:
        response = context.http.get(url)
    except httpx.HTTPError as exc:
        return fail(
            "public URL", f"{url} does not answer ({type(exc).__name__}); is the web dyno up and PUBLIC_URL right?"
        )
    if response.status_code != 200:
        return fail("public URL", f"{url} answered {response.status_code}: {response.text[:200]}")
    return ok("public URL", f"{url} answers 200")


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return str(body.get("error") or body.get("message") or response.reason_phrase) if isinstance(body, dict) else ""
