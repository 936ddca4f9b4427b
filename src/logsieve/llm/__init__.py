"""The LLM stage of the sieve: any OpenAI-compatible model, constrained to the label set,
behind a circuit breaker, retries, timeouts and a per-minute cap; lines are redacted and
truncated before they leave the machine.

    >>> from logsieve.llm import build_llm_stage
    >>> stage = build_llm_stage(settings, taxonomy)        # doctest: +SKIP
    >>> stage.classify("ERROR db pool exhausted", source="billing")   # doctest: +SKIP
    LLMVerdict(label_id='DB_ERROR', confidence=0.9, reasoning='...')
"""

from logsieve.errors import InvalidAnswer, ProviderRejected
from logsieve.llm.client import ChatClient, ChatOptions, OpenAIChatClient
from logsieve.llm.prompt import LLMVerdict
from logsieve.llm.redact import Redactor
from logsieve.llm.stage import ChatLLMStage, LLMStage, build_llm_stage

__all__ = [
    "ChatClient",
    "ChatLLMStage",
    "ChatOptions",
    "InvalidAnswer",
    "LLMStage",
    "LLMVerdict",
    "OpenAIChatClient",
    "ProviderRejected",
    "Redactor",
    "build_llm_stage",
]
