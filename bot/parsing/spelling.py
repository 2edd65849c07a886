"""The spell-checker: a long misspelt word is read as the one listed word close to it.

Conservative on purpose: only words of at least `_SPELL_MIN` letters, one or two edits, and
never when two listed words are equally close. Only lower-case ASCII words are checked.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable

from bot.parsing.text import LATIN

#: Misspellings are corrected only in words at least this long: short words are too close to
#: each other for a correction to be safe.
_SPELL_MIN = 7


def same_position(pos: int) -> int:
    """Identity position map (no spelling corrections)."""
    return pos


def _deletions(word: str, depth: int) -> set[str]:
    """The word with up to `depth` letters deleted."""
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbouring letters as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _allowed_edits(length: int) -> int:
    """1 edit for words of 7-9 letters, 2 for longer ones: conservative on purpose."""
    return 1 if length <= 9 else 2


#: Longer "words" are not misspellings but garbage, and would be slow to look up.
_SPELL_MAX = 30
_LONG_WORD = re.compile(rf"(?<![{LATIN}'])[a-z]{{{_SPELL_MIN},{_SPELL_MAX}}}(?![{LATIN}'])")


class Speller:
    """Corrects a misspelt long word to the single listed word within the allowed edits."""

    def __init__(self, words: Iterable[str], keep: Iterable[str] = ()) -> None:
        words = frozenset(words)
        self._known = words | frozenset(keep)  # never corrected
        self._index: dict[str, set[str]] = {}
        for word in words:
            if len(word) >= _SPELL_MIN and word.isascii() and word.isalpha():
                for variant in _deletions(word, 2):
                    self._index.setdefault(variant, set()).add(word)
        self._cache: dict[str, str | None] = {}

    def best(self, token: str) -> str | None:
        """The listed word this token is a misspelling of, if exactly one is close enough."""
        if token in self._known:
            return None
        if token not in self._cache:
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[token] = self._search(token)
        return self._cache[token]

    def _search(self, token: str) -> str | None:
        """Nearest listed words by edit distance; None when none or a tie."""
        candidates = {
            w for v in _deletions(token, _allowed_edits(len(token))) for w in self._index.get(v, ())
        }
        scored = sorted((_distance(token, w), w) for w in candidates)
        scored = [(d, w) for d, w in scored if d <= _allowed_edits(min(len(token), len(w)))]
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1]

    def correct(self, low: str) -> tuple[str, Callable[[int], int]]:
        """Corrected text, and a map from its positions back to positions in `low`."""
        parts, ends, deltas, last, delta = [], [], [], 0, 0
        for m in _LONG_WORD.finditer(low):
            fix = self.best(m.group())
            if fix:
                parts += [low[last : m.start()], fix]
                ends.append(m.start() + delta + len(fix))  # end of the fix in the new text
                delta += len(fix) - len(m.group())
                deltas.append(delta)
                last = m.end()
        if not ends:
            return low, same_position
        parts.append(low[last:])

        def back(pos: int) -> int:
            i = bisect.bisect_right(ends, pos)
            return pos - (deltas[i - 1] if i else 0)

        return "".join(parts), back
