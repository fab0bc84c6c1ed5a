"""A word-level diff of two texts, for the history pages.

When an entry's body is amended (a factual correction, UK GDPR Art. 16; policy P11), the
history shows what the words were and what they became. Two whole paragraphs side by side hide
a one-word correction; this marks the words removed and the words added, and keeps only a few
unchanged words around each change so the reader sees where it is.

Pure: text in, pieces out. The template escapes each piece's text.
"""

import difflib
import re
from dataclasses import dataclass
from typing import Literal

# Unchanged words kept on each side of a change; a longer unchanged run is cut to "…".
CONTEXT_WORDS = 5
# Past this many changed words on either side, difflib (quadratic) is not asked to match them:
# 40,000 words took it 23 s; the change is shown as the old words removed and the new added.
MAX_MATCHED = 2000

Kind = Literal["same", "del", "ins", "gap"]

# A word with the spaces (or line breaks) before it: joined back, the tokens give the text.
_TOKEN = re.compile(r"\s*\S+|\s+$")


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _changed(kind: Kind, tokens: list[str]) -> list[Piece]:
    """A removed or added run, its leading space outside the mark so it is not struck or
    underlined."""
    text = "".join(tokens)
    body = text.lstrip()
    lead = text[: len(text) - len(body)]
    pieces = [Piece("same", lead)] if lead else []
    if body:
        pieces.append(Piece(kind, body))
    return pieces


def _unchanged(tokens: list[str], *, first: bool, last: bool, context: int) -> list[Piece]:
    """An unchanged run, cut to ``context`` words beside each change it borders."""
    keep_before = 0 if first else context
    keep_after = 0 if last else context
    if len(tokens) <= keep_before + keep_after:
        return [Piece("same", "".join(tokens))]
    pieces = []
    if keep_before:
        pieces.append(Piece("same", "".join(tokens[:keep_before])))
    pieces.append(Piece("gap", "…"))
    if keep_after:
        # Its first word starts after the gap, so the space before it is kept.
        pieces.append(Piece("same", "".join(tokens[-keep_after:])))
    return pieces


def word_diff(old: str, new: str, *, context: int = CONTEXT_WORDS) -> list[Piece]:
    """The pieces that turn ``old`` into ``new``: unchanged words (``same``), removed words
    (``del``), added words (``ins``), and ``gap`` where unchanged words were left out.

    Words are compared without the spaces around them, so a re-wrapped line is not a change;
    the unchanged and added pieces give the new text's words, the unchanged and removed ones the
    old text's (spacing aside: a removed word and the word added in its place each keep a space
    before them)."""
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    opcodes = _opcodes([token.strip() for token in old_tokens], [t.strip() for t in new_tokens])
    if all(tag == "equal" for tag, *_ in opcodes):
        # The same words, spaced differently (or no words at all).
        return [Piece("same", new)] if new else []
    pieces: list[Piece] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            pieces += _unchanged(
                new_tokens[j1:j2],
                first=index == 0,
                last=index == len(opcodes) - 1,
                context=context,
            )
            continue
        if tag in ("delete", "replace"):
            pieces += _changed("del", old_tokens[i1:i2])
        if tag in ("insert", "replace"):
            pieces += _changed("ins", new_tokens[j1:j2])
    return _merged(_spaced(pieces))


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes for two lists of words, in time that stays short for any text.

    The words both ends share are matched first (a correction is usually a few words in one
    place); difflib, whose time grows with the square of the words, sees only the changed middle,
    and a middle of more than ``MAX_MATCHED`` words on either side is shown as replaced whole.
    """
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    old_mid, new_mid = old[start : len(old) - end], new[start : len(new) - end]
    middle: list[tuple[str, int, int, int, int]]
    if max(len(old_mid), len(new_mid)) > MAX_MATCHED:
        middle = [("replace", 0, len(old_mid), 0, len(new_mid))]
    else:
        matcher = difflib.SequenceMatcher(None, old_mid, new_mid, autojunk=False)
        middle = list(matcher.get_opcodes())
    shifted = [
        (tag, i1 + start, i2 + start, j1 + start, j2 + start)
        for tag, i1, i2, j1, j2 in middle
        if (i1, i2, j1, j2) != (0, 0, 0, 0)
    ]
    head = [("equal", 0, start, 0, start)] if start else []
    tail = [("equal", len(old) - end, len(old), len(new) - end, len(new))] if end else []
    return head + shifted + tail


def _spaced(pieces: list[Piece]) -> list[Piece]:
    """A space before a piece that would otherwise run into the one before it (the first word
    of a text has no space before it, wherever the diff puts it)."""
    out: list[Piece] = []
    for piece in pieces:
        runs_in = out and piece.kind != "gap" and piece.text and not piece.text[0].isspace()
        if runs_in and (out[-1].kind == "gap" or not out[-1].text[-1:].isspace()):
            out.append(Piece("same", " "))
        out.append(piece)
    return out


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of the same kind as one."""
    out: list[Piece] = []
    for piece in pieces:
        if out and out[-1].kind == piece.kind and piece.kind != "gap":
            out[-1] = Piece(piece.kind, out[-1].text + piece.text)
        else:
            out.append(piece)
    return out
