"""The follows strategy's measuring step: the first entries of the seeds' follow lists, and what the whole lists add."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from integrations.x.client import XClient

FOLLOW_SAMPLE = 100  # follow-list entries sampled per seed
FOLLOW_SAMPLE_SEEDS = 15  # seeds sampled: one 15-minute window of the following endpoint


def sampled_seeds(following: dict[str, int]) -> list[str]:
    """The seeds whose follow lists are sampled: those following anyone, at most one rate-limit window of them."""
    return [seed for seed, count in following.items() if count > 0][:FOLLOW_SAMPLE_SEEDS]


@dataclass(frozen=True, slots=True)
class FollowSample:
    """The first entries of the sampled seeds' follow lists, and what they say of the whole lists.

    The accounts an entry could bring are those neither a seed nor named by the search samples ("unknown").
    How many of them the whole lists hold is the species-richness estimate for sampling without replacement
    (Chao and Lin, 2012): the unknown accounts seen, plus f0 = Q1^2 / (2 Q2 n / (n - 1) + Q1 q / (1 - q)) unseen,
    Q1 and Q2 the accounts seen in exactly one and two of the samples, n the entries read, q the share of the
    lists' entries they are. Lists read whole (q = 1) leave nothing unseen.
    """

    entries: int = 0
    listed: int = 0
    billed: int = 0  # accounts X billed for the samples (new to the day)
    unknown: int = 0  # distinct unknown accounts in the samples
    once: int = 0  # Q1
    twice: int = 0  # Q2
    search_share: float = 0.0  # of the search samples' users, the share the sampled lists hold

    def unseen(self) -> float:
        """f0, at most one account per entry not read (Q2 = 0: the bias-corrected form, Q1 (Q1 - 1) / 2 (Q2 + 1))."""
        n, q = self.entries, self.entries / self.listed if self.listed else 1.0
        if n < 2 or q >= 1 or not self.once:
            return 0.0
        ones, twos = (self.once, self.twice) if self.twice else (self.once - 1, 1)
        found = self.once * ones / (2 * twos * n / (n - 1) + self.once * q / (1 - q))
        return min(found, float(self.listed - self.entries))

    def split(self, unseen_search: float) -> tuple[int, int, int]:
        """(accounts the whole lists bill, of them the samples billed, sampled accounts the rest of the search
        would have billed): `unseen_search` search users the samples did not name, held by the lists as the
        samples hold the named ones, scaled up from the samples to the whole lists."""
        if not self.unknown:
            return 0, 0, 0
        extra = self.unseen()
        coverage = self.unknown / (self.unknown + extra)
        sampled_search = min(self.billed, round(self.search_share * unseen_search))
        of_search = min(unseen_search, self.search_share * unseen_search / coverage)
        new_share = self.billed / self.unknown  # the rest were read earlier that day
        whole = max(0.0, (self.unknown + extra) * new_share - of_search)
        return round(whole), self.billed - sampled_search, sampled_search


def follow_samples(client: XClient, following: dict[str, int], search_ids: set[str]) -> FollowSample:
    """Read the first entries of each sampled seed's follow list (as the crawl asks for them, fewer)."""
    holding: Counter[str] = Counter()
    listed = billed = 0
    for seed in sampled_seeds(following):
        size = min(FOLLOW_SAMPLE, following[seed])
        page = next(iter(client.following(seed, max_pages=1, max_results=size)), None)
        if page is None:
            continue
        holding.update({str(u["id"]) for u in page.data or [] if "id" in u})
        listed, billed = listed + following[seed], billed + page.billed.users_read
    known = search_ids | set(following)
    unknown = {account: count for account, count in holding.items() if account not in known}
    counts = Counter(unknown.values())
    share = len(set(holding) & search_ids) / len(search_ids) if search_ids else 0.0
    return FollowSample(sum(holding.values()), listed, billed, len(unknown), counts[1], counts[2], share)
