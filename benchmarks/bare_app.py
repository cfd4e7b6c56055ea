"""The floor for benchmarks/ack.py: a bare Bolt app with one listener that only acks, served like ours."""

from __future__ import annotations

import os
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def main() -> None:
    import waitress

    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
    )

    @app.command("/outreach")
    def only_ack(ack: Any) -> None:
        ack()

    handler = SlackRequestHandler(app)
    waitress.serve(
        handler, host="127.0.0.1", port=int(os.environ["PORT"]), threads=int(os.environ.get("THREADS", "16"))
    )


if __name__ == "__main__":
    main()
