"""What a mapping analysis finds, as plain JSON-friendly data: ranked accounts, communities, top lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class AccountMetrics:
    id: str
    handle: str
    display_name: str
    followers: int
    posts: int
    seed_in_degree: int
    in_degree: int
    out_degree: int
    pagerank: float
    betweenness: float
    community: int
    kind_guess: str
    is_seed: bool
    bridges: int = 0

    def why(self, seeds: int) -> str:
        """Why this account is on the list, in a few words."""
        parts = []
        if self.seed_in_degree:
            parts.append(f"followed by {self.seed_in_degree} of {seeds} partners")
        if self.posts:
            parts.append(f"{self.posts} posts in the data")
        if self.bridges >= 2:
            parts.append(f"links {self.bridges + 1} communities")
        parts.append(f"{self.in_degree} accounts point to it")
        return "; ".join(parts)


@dataclass(slots=True)
class Community:
    number: int
    size: int
    label: str
    words: list[str]
    hashtags: list[str]
    top_accounts: list[str]  # handles by PageRank


@dataclass(slots=True)
class Analysis:
    """Everything the report shows; plain data, JSON-friendly through `to_dict`."""

    accounts: list[AccountMetrics]  # sorted by PageRank, highest first
    communities: list[Community]  # largest first
    overall: dict[str, Any]
    top: dict[str, list[tuple[str, float]]]  # whole graph
    community_top: dict[int, dict[str, list[tuple[str, float]]]]
    bridges: list[str]  # handles
    seeds: int
    betweenness_exact: bool
    resolution: float

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            accounts=[AccountMetrics(**a) for a in data["accounts"]],
            communities=[Community(**c) for c in data["communities"]],
            overall=data["overall"],
            top={k: [tuple(x) for x in v] for k, v in data["top"].items()},
            community_top={
                int(n): {k: [tuple(x) for x in v] for k, v in lists.items()}
                for n, lists in data["community_top"].items()
            },
            bridges=data["bridges"],
            seeds=data["seeds"],
            betweenness_exact=data["betweenness_exact"],
            resolution=data["resolution"],
        )
