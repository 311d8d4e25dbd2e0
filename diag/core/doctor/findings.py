"""What the doctor says about a body: findings, and the report that gathers them."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"

# How sure diag is, in the model's own words (diag.core.model): documented by Genesys, following from the SDK's
# model, or modelled by diag where Genesys documents nothing.
VERDICTS = {"refused": "Genesys refuses this", "not-what-you-meant": "Will not do what you meant",
            "uncertain": "Genesys' answer is not documented", "sendable-with-notes": "Sendable, with notes",
            "sendable": "Sendable"}
NEVER_SENT = "diag never sends this"
SCHEMA, DOCUMENTED, INFERRED = "sdk-model", "documented", "modelled"


@dataclass(frozen=True)
class Finding:
    severity: str
    path: str          # JSON path into the body, "$" for the whole body
    code: str          # stable, for scripts and tests
    message: str       # plain words, naming the real field to use
    evidence: str = SCHEMA
    field: str | None = None   # the real field that the author probably meant

    def to_dict(self) -> dict[str, Any]:
        d = {"severity": self.severity, "path": self.path, "code": self.code,
             "message": self.message, "evidence": self.evidence}
        if self.field:
            d["field"] = self.field
        return d


@dataclass
class Report:
    """The doctor's verdict on one body, for one operation and one caller: findings, the corrected body (if one can
    be inferred) and notes."""
    body: Any
    findings: list[Finding]
    fixed: dict | None = None
    notes: list[str] = field(default_factory=list)
    repaired_from_text: bool = False
    parsed: Any = None   # the ParsedBody, when the body came from text
    operation: str = "POST /api/v2/conversations/calls"
    caller: Any = None   # a diag.core.model.Caller; None: the simulator's demo user
    query: tuple = ()    # the query parameters sent with it, as (name, value) pairs: the model reads them too

    def for_caller(self, caller: Any) -> Report:
        """The same findings and corrected body, predicted for another caller (the findings do not depend on who
        sends the body; what Genesys answers does)."""
        return replace(self, notes=list(self.notes), caller=caller)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def prediction(self):
        """What Genesys answers to this body for this operation from this caller (diag.core.model: the simulator
        answers from the same model)."""
        from diag.core import model

        if "_prediction" not in self.__dict__:
            # what Genesys reads is the text as written: a damaged paste is refused until it is repaired (Fix it)
            unreadable = self.parsed is not None and (not getattr(self.parsed, "ok", True)
                                                      or bool(getattr(self.parsed, "repairs", None)))
            body = model.Unreadable(getattr(self.parsed, "text", "") or "") if unreadable else self.body
            method, _, path = self.operation.partition(" ")
            self.__dict__["_prediction"] = model.answer(model.Request(method, path, body, tuple(self.query)),
                                                        self.caller or model.DEMO)
        return self.__dict__["_prediction"]

    @property
    def verdict(self) -> str:
        """refused (Genesys answers an error, or diag never sends it: `refused_by` says which) | not-what-you-meant
        (accepted, but not the call that was meant) | sendable-with-notes | sendable."""
        if self.blocked or not self.prediction.ok:
            return "refused"
        if self.errors:
            return "not-what-you-meant"
        if self.prediction.evidence == "unknown":
            return "uncertain"
        return "sendable-with-notes" if self.findings else "sendable"

    @property
    def refused_by(self) -> str | None:
        """Who refuses: "diag" (it never sends this, to any org), "genesys" (the server model's answer), or None."""
        if self.blocked:
            return "diag"
        return None if self.prediction.ok else "genesys"

    @property
    def headline(self) -> str:
        """The verdict in words, saying who refuses (never "Genesys refuses this" for diag's own refusal) and, for
        Genesys' refusal, how sure diag is (the line under it says the same)."""
        if self.blocked:
            return NEVER_SENT
        if self.verdict == "refused":
            evidence = self.prediction.evidence
            if evidence == "unknown":
                return "Genesys may refuse this (not documented)"
            return VERDICTS["refused"] + ("" if evidence == "documented" else " (modelled)")
        return VERDICTS[self.verdict]

    @property
    def answer_words(self) -> str:
        """The server model's answer in words, as every view says it: "Genesys would answer 400 bad.request
        (documented)"; for a body diag never sends, said as what it would be (the headline above says diag's no)."""
        p = self.prediction
        said = f"Genesys would answer {p.status}{' ' + p.code if p.code else ''} ({p.evidence})"
        return said + (" if it were sent: diag never sends it" if self.blocked else "")

    @property
    def blocked(self) -> bool:
        """True when the body must never be sent (an emergency or service number)."""
        return any(f.code in BLOCKING_CODES for f in self.findings)

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "verdict": self.verdict, "refusedBy": self.refused_by,
                "headline": self.headline, "operation": self.operation,
                "caller": (self.caller.describe() if self.caller is not None else None),
                "prediction": self.prediction.to_dict(),
                "findings": [f.to_dict() for f in self.findings],
                "fixed": self.fixed,
                "notes": list(self.notes)}


# What diag never sends, to any org (diag.core.doctor.safety): the verdict is `refused`, by diag.
BLOCKING_CODES = frozenset({"emergency-number", "pseudonymised-number", "too-deep-to-check"})
