"""The composer's "any endpoint" mode: pick or type an operation, paste its body, see the same findings."""
from __future__ import annotations

import html

from diag.app.widgets.common import error_html, findings_html, run_safely
from diag.core.doctor import UnknownOperation, check_text
from diag.core.endpoints import all_operations

DEFAULT_OPERATION = "POST /api/v2/analytics/conversations/aggregates/query"
EXAMPLE = ('{\n  "interval": "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z",\n  "groupings": ["queueId"],\n'
           '  "metrics": ["nOutboundAttempted", "nOutboundConected"]\n}')


class AnyEndpointModel:
    def __init__(self, operation: str = DEFAULT_OPERATION, text: str = EXAMPLE):
        self.operation = operation
        self.text = text
        self.report = None
        self.operation_error: str | None = None   # an unknown operation (kept apart from callback errors)
        self.last_error: str | None = None
        self.refresh()

    @staticmethod
    def operations_with_body() -> list[str]:
        return sorted(str(op) for op in all_operations() if op.body)

    def set_operation(self, operation: str) -> None:
        self.operation = operation
        self.refresh()

    def set_text(self, text: str) -> None:
        self.text = text
        self.refresh()

    def refresh(self) -> None:
        try:
            self.report = check_text(self.text, operation=self.operation)
            self.operation_error = None
        except UnknownOperation as exc:
            self.report = None
            self.operation_error = str(exc)

    def findings_html(self) -> str:
        if self.report is None:
            return ""
        notes = "".join(f"<div><i>{html.escape(n)}</i></div>" for n in self.report.notes)
        return findings_html(self.report) + notes   # the same rendering as the call composer

    @property
    def findings(self):
        return self.report.findings if self.report else []


class AnyEndpointView:
    def __init__(self, model: AnyEndpointModel | None = None):
        import ipywidgets as w

        self.model = m = model or AnyEndpointModel()
        self.operation = w.Combobox(description="Operation", value=m.operation, options=m.operations_with_body(),
                                    ensure_option=False, layout=w.Layout(width="100%"),
                                    placeholder="METHOD /api/v2/... (concrete paths work too)")
        self.raw = w.Textarea(value=m.text, layout=w.Layout(width="100%", height="200px"))
        self.findings = w.HTML()
        self.error = w.HTML()
        self.operation.observe(lambda c: self._do(m.set_operation, c["new"]), names="value")
        self.raw.observe(lambda c: self._do(m.set_text, c["new"]), names="value")
        self.widget = w.VBox([self.operation, self.raw, self.error, self.findings])
        self.widget.add_class("diag-any-endpoint")
        self.refresh()

    def _do(self, fn, value) -> None:
        run_safely(self.model, fn, value)
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        self.error.value = error_html(m.operation_error or m.last_error)
        self.findings.value = m.findings_html()
