"""The call composer: paste or edit a body, see the doctor's findings and the corrected body.

`ComposerModel` holds the state (text, report, errors) and is what tests drive; `ComposerView` only binds
ipywidgets to it. The text the user typed is never replaced unless they ask for the fix.
"""
from __future__ import annotations

import html
import json

from ..doctor import Report, check_text

SEVERITY_COLOURS = {"error": "#b2182b", "warning": "#b35806", "info": "#2166ac"}  # colour-blind-safe trio
EXAMPLE = '{\n  "to": {"phoneNumber": "+1 317 555 0100"},\n  "from": {"phoneNumber": "+13175550199"},\n  "type": "external"\n}'


class ComposerModel:
    def __init__(self, text: str = EXAMPLE, region: str | None = None):
        self.region = region
        self.text = ""
        self.report: Report | None = None
        self.last_error: str | None = None
        self.applied_notes: list[str] = []
        self.set_text(text)

    def set_text(self, text: str) -> Report:
        self.text = text
        self.report = check_text(text, region=self.region)
        return self.report

    @property
    def findings(self):
        return self.report.findings if self.report else []

    @property
    def can_fix(self) -> bool:
        return bool(self.report and self.report.fixed is not None)

    @property
    def fixed_text(self) -> str:
        return json.dumps(self.report.fixed, indent=2, ensure_ascii=False) if self.can_fix else ""

    def apply_fix(self) -> bool:
        """Replace the text with the corrected body; remember what moved so the panel can show it."""
        if not self.can_fix:
            return False
        self.applied_notes = list(self.report.notes)
        self.set_text(self.fixed_text)
        return True

    def findings_html(self) -> str:
        if not self.report:
            return ""
        if not self.findings:
            return "<b style='color:#1a9850'>No findings: this body is right.</b>"
        rows = []
        for f in self.findings:
            colour = SEVERITY_COLOURS.get(f.severity, "#333")
            rows.append(f"<li><b style='color:{colour}'>{f.severity}</b> <code>{html.escape(f.path)}</code> "
                        f"<code>{html.escape(f.code)}</code>: {html.escape(f.message)}</li>")
        verdict = "Not sendable as is" if not self.report.valid else "Sendable, with warnings"
        return f"<b>{verdict}</b><ul class='diag-findings'>{''.join(rows)}</ul>"


class ComposerView:
    """ipywidgets bound to a ComposerModel. Build it with `ComposerView().widget` in a notebook."""

    def __init__(self, model: ComposerModel | None = None):
        import ipywidgets as w

        self.model = model or ComposerModel()
        self.raw = w.Textarea(value=self.model.text, description="Raw JSON",
                              layout=w.Layout(width="100%", height="180px"))
        self.findings = w.HTML()
        self.fixed = w.Textarea(description="Corrected", disabled=True,
                                layout=w.Layout(width="100%", height="120px"))
        self.fix_button = w.Button(description="Fix it", button_style="warning", icon="wrench")
        self.changes = w.HTML()
        self.raw.observe(self._on_text, names="value")
        self.fix_button.on_click(self._on_fix)
        self.widget = w.VBox([self.raw, self.findings, self.fix_button, self.fixed, self.changes])
        self.refresh()

    def _on_text(self, change) -> None:
        try:
            self.model.set_text(change["new"])
            self.model.last_error = None
        except Exception as exc:  # shown in the panel, never silent
            self.model.last_error = f"{type(exc).__name__}: {exc}"
        self.refresh()

    def _on_fix(self, _button=None) -> None:
        if self.model.apply_fix():
            self.raw.value = self.model.text
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        error = f"<p style='color:#b2182b'>{html.escape(m.last_error)}</p>" if m.last_error else ""
        self.findings.value = error + m.findings_html()
        self.fixed.value = m.fixed_text
        self.fix_button.disabled = not m.can_fix
        notes = m.report.notes if m.report and not m.applied_notes else m.applied_notes
        self.changes.value = ("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>") if notes else ""
