"""The access log's secret: HMAC-SHA-256 (RFC 2104) under ``settings.ACCESS_LOG_KEY``.

The key is held outside the database (the environment or a file), so someone who can rewrite
the log's table can neither recompute its chain, nor forge its anchor, nor test guesses against
the hashed username of a failed login. Each use names its purpose, so that a value made for one
(a username) can never stand in for another (a row of the chain).
"""

import hashlib
import hmac

from django.conf import settings


def mac(purpose: str, message: str) -> str:
    """The hex HMAC of ``message`` for ``purpose``; any text, lone surrogates included."""
    data = purpose.encode() + b"\0" + message.encode("utf-8", "surrogatepass")
    return hmac.new(settings.ACCESS_LOG_KEY.encode(), data, hashlib.sha256).hexdigest()


def same(one: str, other: str) -> bool:
    """Compare two MACs in constant time."""
    return hmac.compare_digest(one.encode(), other.encode())
