"""Grouping alike defect descriptions: tokens, Jaccard overlap, connected groups.

Pure functions. On PostgreSQL the pairs come from pg_trgm in SQL and only the
grouping (union-find over the pairs) runs here; on SQLite, which has no
similarity function and no Unicode case folding, the pairs are computed here
by token overlap on a bounded candidate set (see docs/reports.md).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable

_WORD = re.compile(r"\w+", re.UNICODE)

# Words that carry no defect meaning in the languages claims arrive in. Short on
# purpose: a token shorter than 3 characters is dropped anyway.
STOPWORDS = frozenset(
    """
    the and for with not does did has have was are after when from that this
    very also but after will into then than its our your
    это как что при после его она они был была было были уже ещё еще все
    нет или для без очень так там тут только когда
    un vai ir nav kas arī pēc bet tas kad
    на не се за от във при след има няма това като или
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def tokens(text: str) -> frozenset[str]:
    """Case-folded words of 3+ letters, without stopwords and digits-only words."""
    words = (w.casefold() for w in _WORD.findall(text or ""))
    return frozenset(w for w in words if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def token_pairs(
    items: Iterable[tuple[Hashable, Hashable, str]], *, min_similarity: float, max_df: float = 0.5
) -> list[tuple[Hashable, Hashable, float]]:
    """Pairs (a, b, similarity) of items in the same bucket whose tokens overlap.

    ``items`` are (id, bucket, text). Only pairs that share a token are scored
    (an inverted index per bucket), and a token found in more than ``max_df`` of
    a bucket's texts (when the bucket has 10+ texts) does not make pairs on its
    own, which keeps the work near-linear on realistic text.
    """
    buckets: dict[Hashable, list[tuple[Hashable, frozenset[str]]]] = defaultdict(list)
    for item_id, bucket, text in items:
        buckets[bucket].append((item_id, tokens(text)))

    pairs: list[tuple[Hashable, Hashable, float]] = []
    for members in buckets.values():
        index: dict[str, list[int]] = defaultdict(list)
        for pos, (_id, toks) in enumerate(members):
            for tok in toks:
                index[tok].append(pos)
        limit = max_df * len(members) if len(members) >= 10 else len(members)
        seen: set[tuple[int, int]] = set()
        for posting in index.values():
            if len(posting) > limit:
                continue
            for i, p in enumerate(posting):
                for q in posting[i + 1 :]:
                    if (p, q) in seen:
                        continue
                    seen.add((p, q))
                    sim = jaccard(members[p][1], members[q][1])
                    if sim >= min_similarity:
                        pairs.append((members[p][0], members[q][0], sim))
    return pairs


class Groups:
    """Connected components of a similarity graph, built pair by pair (union-find), so that
    the pairs need not be held: a thousand alike descriptions make half a million pairs."""

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}

    def _find(self, x: Hashable) -> Hashable:
        parent = self._parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb, key=_key)] = min(ra, rb, key=_key)

    def groups(self, *, min_size: int = 2) -> list[list[Hashable]]:
        """The components of at least `min_size` members, largest first."""
        groups: dict[Hashable, list[Hashable]] = defaultdict(list)
        for x in list(self._parent):
            groups[self._find(x)].append(x)
        out = [sorted(g, key=_key) for g in groups.values() if len(g) >= min_size]
        out.sort(key=lambda g: (-len(g), _key(g[0])))
        return out


def connected_groups(
    pairs: Iterable[tuple[Hashable, Hashable, float]], *, min_size: int = 2
) -> list[list[Hashable]]:
    """Connected components of the similarity graph (union-find), largest first."""
    found = Groups()
    for a, b, _sim in pairs:
        found.join(a, b)
    return found.groups(min_size=min_size)


def common_terms(texts: Iterable[str], *, top: int = 5) -> list[str]:
    """The words most of a group's descriptions share (for a readable label)."""
    counts: dict[str, int] = defaultdict(int)
    total = 0
    for text in texts:
        total += 1
        for tok in tokens(text):
            counts[tok] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, c in ranked if c * 2 >= total][:top]


def _key(x: Hashable) -> tuple[str, str]:
    return (type(x).__name__, f"{x!s:>40}")
