"""The fields of a Claude Code line that a summary reads, as msgspec types.

Decoding into these skips everything else of a line (tool results' content, thinking
text, tool inputs, the ``toolUseResult`` copies) without building it into objects: on
transcripts that is most of the bytes. A line whose fields do not have these shapes
(a ``message`` that is not an object, a content block that is not one, …) fails to
decode and is read with every field instead (``ClaudeTally._feed_dicts``), so the
figures are those of a full parse. Values are ``Any``: whatever the line holds.

(The one difference from orjson: an integer beyond 64 bits stays an integer here where
orjson reads it as a float; token counts are compared against that range when read.)
"""
from __future__ import annotations

from typing import Any, Union

import msgspec


class _Fields(msgspec.Struct):
    def get(self, key: str, default: Any = None) -> Any:
        """As ``dict.get`` (for code that takes either a record or a parsed dict)."""
        return getattr(self, key, default)


class Block(msgspec.Struct):
    type: Any = None
    id: Any = None
    name: Any = None
    tool_use_id: Any = None
    is_error: Any = None
    text: Any = None


class CacheCreation(_Fields):
    ephemeral_1h_input_tokens: Any = None


class Usage(_Fields):
    """The token counts of a message's ``usage`` (a dict would also build its other keys)."""
    input_tokens: Any = None
    output_tokens: Any = None
    cache_read_input_tokens: Any = None
    cache_creation_input_tokens: Any = None
    cache_creation: Union[CacheCreation, None] = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set, as the dict a full parse would have given them."""
        d: dict[str, Any] = {k: getattr(self, k) for k in self.__struct_fields__ if getattr(self, k) is not None}
        if self.cache_creation is not None:
            d["cache_creation"] = {"ephemeral_1h_input_tokens": self.cache_creation.ephemeral_1h_input_tokens}
        return d


class Message(msgspec.Struct):
    id: Any = None
    model: Any = None
    content: Union[str, list[Block], None] = None
    usage: Union[Usage, None] = None


class Record(_Fields):
    type: Any = None
    timestamp: Any = None
    uuid: Any = None
    sessionId: Any = None
    cwd: Any = None
    gitBranch: Any = None
    agentId: Any = None
    isApiErrorMessage: Any = None
    isMeta: Any = None
    isCompactSummary: Any = None
    isSidechain: Any = None
    subtype: Any = None
    level: Any = None
    message: Union[Message, None] = None


def decoder() -> Any:
    return msgspec.json.Decoder(Record)
