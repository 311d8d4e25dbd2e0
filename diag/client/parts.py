"""One part of Genesys' side of a conversation: one request's answer as Genesys sent it, or why there is none (its
code, and for a 401/403 the permissions the operation documents). Shared by diag.client.genesys_side and
diag.client.pcap."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diag.core.model import facts

__all__ = ["Part", "refusal_of"]


@dataclass
class Part:
    name: str
    operation: str
    status: int | None
    answer: Any = None                      # as Genesys sent it (secrets redacted as it was read)
    refusal: str | None = None              # why there is nothing: the code, and the permissions it needs
    correlation_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def refusal_of(operation: str, ex) -> str:
    """What Genesys said instead of an answer, and for a 401/403 the permissions the operation documents."""
    code = f" {ex.error_code}" if ex.error_code else ""
    said = f"HTTP {ex.status}{code}" if ex.status is not None else f"no answer ({ex.transport_error})"
    needs = facts.permissions(operation)
    if needs is not None and needs.names and ex.status in (401, 403):
        which = "any of" if needs.requires == "any" else "all of"
        said += f"; it needs {which} {', '.join(needs.names)} (the operation's documented permissions)"
    elif ex.status == 404:
        said += ("; nothing under this id for this token (modelled: the id may be another org's or region's, or no "
                 "longer kept)")
    return said
