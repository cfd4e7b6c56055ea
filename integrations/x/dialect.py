"""Request field naming for the two X API dialects: classic (`tweet.fields`) and posts (`post.fields`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DialectName = Literal["classic", "posts"]

# User fields are named the same in both specs (v2.112 and v2.167).
USER_FIELDS: tuple[str, ...] = (
    "created_at",
    "description",
    "location",
    "public_metrics",
    "verified",
    "url",
    "username",
    "name",
)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one dialect names the post-field parameter, the post fields and the expansions we request."""

    name: DialectName
    post_fields_param: str
    post_fields: tuple[str, ...]
    post_expansions: tuple[str, ...]
    user_fields: tuple[str, ...] = USER_FIELDS

    def post_params(self) -> dict[str, str]:
        """The field and expansion parameters for an endpoint that returns posts."""
        return {
            self.post_fields_param: ",".join(self.post_fields),
            "expansions": ",".join(self.post_expansions),
            "user.fields": ",".join(self.user_fields),
        }

    def user_params(self) -> dict[str, str]:
        """The field parameters for an endpoint that returns users."""
        return {"user.fields": ",".join(self.user_fields)}


# specs/x/x-api-v2-openapi_v2.112_classic.json: tweet.fields, referenced_tweets.id.
CLASSIC = Dialect(
    name="classic",
    post_fields_param="tweet.fields",
    post_fields=(
        "created_at",
        "public_metrics",
        "entities",
        "conversation_id",
        "referenced_tweets",
        "lang",
        "in_reply_to_user_id",
        "author_id",
    ),
    post_expansions=(
        "author_id",
        "referenced_tweets.id",
        "entities.mentions.username",
        "in_reply_to_user_id",
    ),
)

# specs/x/x-api-v2-openapi_v2.167_latest.json: the post.fields enum has no author_id, in_reply_to_user_id
# nor referenced_posts; those come back through the expansions of the same names (referenced_posts).
POSTS = Dialect(
    name="posts",
    post_fields_param="post.fields",
    post_fields=("created_at", "public_metrics", "entities", "conversation_id", "lang"),
    post_expansions=("author_id", "referenced_posts", "entities.mentions.username", "in_reply_to_user_id"),
)

DIALECTS: dict[str, Dialect] = {"classic": CLASSIC, "posts": POSTS}


def dialect_for(name: str) -> Dialect:
    """The dialect called `name` (Settings.x_api_dialect); a clear error otherwise."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown X API dialect {name!r}; expected classic or posts") from None
