"""A search's users measured on its first page: how distinct users grow with posts, extrapolated to X's count.

Distinct users do not grow in step with posts: regulars post again, a chat's people reply to each other.
How fast they grow is read off the sample page itself, in the order X gave it (its own growth curve, which
keeps whatever clustering in time the search has), with two curves fitted over the page's prefixes:
Heaps' law D(n) = D(k) * (n / k) ** beta, which never saturates (too high where the community is finite),
and the saturation curve D(n) = a * n / (b + n), which saturates too early where the page is one stretch
of a longer conversation. The estimate is their geometric mean; a page whose users never repeat gives
beta 1 and no saturation (every post its own user, an upper bound), a page of regulars beta near 0.
The share of the page's users that X billed (new to the UTC day) prices the rest the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STEP = 10  # prefix sizes the slope is fitted on: 10, 20, ... posts
MIN_FIT = 20  # a page with fewer posts than this is too short for a slope: counted as every post a new user


@dataclass(frozen=True, slots=True)
class UserGrowth:
    """The sample's posts and distinct users, the growth exponent, and what X billed for the sample."""

    posts: int = 0
    users: int = 0
    beta: float = 1.0
    billed_posts: int = 0
    billed_users: int = 0
    ceiling: float | None = None  # the saturation curve's number of users, None when the page shows no saturation
    half: float = 0.0  # posts at which that curve reaches half of it

    def users_at(self, posts: int) -> float:
        """Distinct users expected among `posts` posts that start with the sample's."""
        if self.posts == 0 or self.users == 0:
            return 0.0
        if posts <= self.posts:
            return float(self.users)
        heaps = self.users * (posts / self.posts) ** self.beta
        if self.ceiling is None:
            return heaps
        saturating = max(float(self.users), self.ceiling * posts / (self.half + posts))
        return math.sqrt(heaps * saturating)

    @property
    def new_share(self) -> float:
        """Of the sample's users, the share X billed (the rest were read earlier that UTC day)."""
        return self.billed_users / self.users if self.users else 1.0

    def billed_users_at(self, posts: int) -> int:
        """Users X would bill for `posts` posts, the sample's included."""
        return round(self.users_at(posts) * self.new_share)

    def describe(self) -> str:
        return f"{self.users} users in a sample of {self.posts} posts (growing as posts^{self.beta:.2f})"


def _users_of(post: dict[str, Any], known: set[str]) -> list[str]:
    """The users a post brings into includes.users: its author, the people it mentions or replies to."""
    mentions = ((post.get("entities") or {}).get("mentions")) or []
    ids = [post.get("author_id"), post.get("in_reply_to_user_id"), *(m.get("id") for m in mentions)]
    return [str(i) for i in ids if i and str(i) in known]


def growth_curve(bodies: Iterable[dict[str, Any]]) -> list[int]:
    """Distinct users after each post of the pages, in X's order; users of includes no post names count last."""
    curve: list[int] = []
    seen: set[str] = set()
    for body in bodies:
        known = {str(u["id"]) for u in (body.get("includes") or {}).get("users") or [] if "id" in u}
        for post in body.get("data") or []:
            seen.update(_users_of(post, known))
            curve.append(len(seen))
        seen |= known
        if curve:
            curve[-1] = len(seen)
    return curve


def _line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The least-squares line through `points`: (slope, intercept)."""
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return slope, mean_y - slope * mean_x


def _prefixes(curve: list[int]) -> range:
    return range(STEP, len(curve) + 1, STEP)


def fit_beta(curve: list[int]) -> float:
    """The slope of log(distinct users) on log(posts) over prefixes of 10, 20, ... posts, in [0, 1]."""
    if len(curve) < MIN_FIT or curve[-1] == 0:
        return 1.0
    slope, _ = _line([(math.log(k), math.log(max(1, curve[k - 1]))) for k in _prefixes(curve)])
    return min(1.0, max(0.0, round(slope, 4)))


def fit_saturation(curve: list[int]) -> tuple[float | None, float]:
    """D(n) = a * n / (b + n) fitted on the prefixes (n / D is linear in n: slope 1 / a, intercept b / a);
    (None, 0) when the page shows no saturation."""
    if len(curve) < MIN_FIT or curve[-1] == 0:
        return None, 0.0
    slope, intercept = _line([(float(k), k / max(1, curve[k - 1])) for k in _prefixes(curve)])
    if slope <= 0 or intercept <= 0:
        return None, 0.0
    return round(1 / slope, 3), round(intercept / slope, 3)


def measure(bodies: list[dict[str, Any]], *, billed_posts: int, billed_users: int) -> UserGrowth:
    """The growth of distinct users over sample pages, with what X billed for them."""
    curve = growth_curve(bodies)
    ceiling, half = fit_saturation(curve)
    return UserGrowth(len(curve), curve[-1] if curve else 0, fit_beta(curve), billed_posts, billed_users, ceiling, half)
