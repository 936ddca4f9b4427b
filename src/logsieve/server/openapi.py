"""Write what the settings decide into the OpenAPI document: limits and whether keys are needed.

The request models are static; the limits are not. Putting them in the schema lets clients
(and the schemathesis fuzzer) know a 5,000-line batch or a 100 kB message is refused, and
that X-API-Key is required only on a server that has keys.
"""

from __future__ import annotations

from typing import Any

from logsieve.settings import Settings


def document_settings(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Return ``schema`` with the limits in force and, on an open server, no key required."""
    components = schema.get("components", {}).get("schemas", {})
    for name in ("ClassifyRequest", "BatchItem"):
        prop = components.get(name, {}).get("properties", {}).get("log_message")
        if prop is not None:
            prop["maxLength"] = settings.max_message_chars
    batch_op = schema.get("paths", {}).get("/classify", {}).get("post", {})
    body = batch_op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "schema" in body:
        body["schema"]["maxItems"] = settings.max_batch_lines
    if not settings.api_keys:
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.pop("security", None)
        schema.get("components", {}).pop("securitySchemes", None)
    return schema
