"""随机抽查: the draw of a sample of branches, reproducible from its stored seed and candidate list.

The candidates are stored as `[branch id, category]` pairs sorted by id, with the seed; `draw` is a pure function
of them, so anyone can draw again and get the same sample. Stratified by category, each category gets its share
of the sample by largest remainder (ties to the larger category, then by category code), and the draw inside each
category uses the same random stream in category order.
"""

from __future__ import annotations

import random
from collections import defaultdict


def _allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    total = sum(sizes.values())
    quotas = {category: n * size / total for category, size in sizes.items()}
    shares = {category: int(quota) for category, quota in quotas.items()}
    left = n - sum(shares.values())
    order = sorted(sizes, key=lambda c: (-(quotas[c] - shares[c]), -sizes[c], c))
    for category in order[:left]:
        shares[category] += 1
    return shares


def draw(candidates: list[list], n: int, seed: int, *, stratified: bool = False) -> list[int]:
    """The ids drawn: `n` of the candidates (all of them when there are fewer), sorted."""
    ordered = sorted((int(pk), str(category)) for pk, category in candidates)
    n = min(n, len(ordered))
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    if not stratified:
        return sorted(rng.sample([pk for pk, _category in ordered], n))
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, category in ordered:
        groups[category].append(pk)
    shares = _allocate({category: len(ids) for category, ids in groups.items()}, n)
    chosen: list[int] = []
    for category in sorted(groups):
        chosen.extend(rng.sample(groups[category], shares[category]))
    return sorted(chosen)
