"""The evidence panel: upload or paste the customer's HAR, cURL command or raw request; read at once and kept only
sanitised (the upload and the pasted text are cleared from widget state); the report; a failing call request opened
in the composer; the evidence exported as a ticket."""
from __future__ import annotations

import html
import json

from diag.app.widgets.common import download_html, error_html, inline_markdown, run_safely


class EvidenceModel:
    def __init__(self, composer=None):
        self.composer = composer          # a ComposerModel: "Open in composer" loads a request's body there
        self.inspection = None
        self.bundle = None
        self.last_error: str | None = None

    def read(self, text: str) -> None:
        from diag.core.evidence import read_evidence
        from diag.core.inspect import diagnose

        self.inspection, self.bundle = diagnose(read_evidence(text)), None

    def failing_calls(self) -> list[tuple[str, int]]:
        if self.inspection is None:
            return []
        return [(f"#{d.index} {d.label} -> {d.request.status or '-'} {d.error_code or d.verdict or ''}".strip(),
                 d.index) for d in self.inspection.failures if isinstance(d.request.body, dict)]

    def open_in_composer(self, index: int) -> None:
        if self.composer is None:
            raise ValueError("No composer to open it in.")
        d = next(d for d in self.inspection.diagnoses if d.index == index)
        self.composer.set_text(json.dumps(d.request.body, indent=2, ensure_ascii=False))

    def export(self):
        from diag.core.inspect import as_exchanges
        from diag.core.workspace import new_ticket_path
        from diag.reports.bundle import build_bundle

        if self.inspection is None or not self.inspection.diagnoses:
            raise ValueError("Read some evidence with Genesys requests in it first.")
        self.bundle = build_bundle(new_ticket_path(), as_exchanges(self.inspection),
                                   notes=[f"Requests from the customer's evidence ({self.inspection.kind}), "
                                          "sanitised on read."])
        return self.bundle

    def report_html(self) -> str:
        if self.inspection is None:
            return ""
        text = self.inspection.text()
        replaced = ", ".join(f"{k} x{v}" for k, v in self.inspection.redaction.items()) or "nothing"
        return (f"<pre class='diag-evidence' style='white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.3'>"
                f"{html.escape(text)}</pre><p>{inline_markdown('Replaced on read: ' + replaced)}</p>")


class EvidenceView:
    def __init__(self, model: EvidenceModel | None = None):
        import ipywidgets as w

        self.model = m = model or EvidenceModel()
        self.upload = w.FileUpload(accept=".har,.json,.txt,.sh,.curl,.jsonl", multiple=False,
                                   description="Upload HAR / cURL")
        self.paste = w.Textarea(placeholder="…or paste a cURL command, a raw HTTP request or a HAR here",
                                layout=w.Layout(width="98%", height="90px"))
        self.read_button = w.Button(description="Read pasted text", icon="search", layout=w.Layout(width="auto"))
        self.report = w.HTML()
        self.failing = w.Dropdown(description="Failing call", options=[], layout=w.Layout(width="auto",
                                                                                         max_width="95%"))
        self.open_button = w.Button(description="Open in composer", icon="pencil", layout=w.Layout(width="auto"))
        self.export_button = w.Button(description="Export as ticket", icon="download", button_style="success",
                                      layout=w.Layout(width="auto"))
        self.download = w.HTML()
        self.error = w.HTML()
        self.upload.observe(self._on_upload, names="value")
        self.read_button.on_click(self._on_paste)
        self.open_button.on_click(lambda _b: self._do(m.open_in_composer, self.failing.value))
        self.export_button.on_click(lambda _b: self._do(m.export))
        wrap = w.Layout(flex_flow="row wrap")
        self.widget = w.VBox([w.HBox([self.upload, self.read_button], layout=wrap), self.paste, self.error,
                              self.report, w.HBox([self.failing, self.open_button, self.export_button], layout=wrap),
                              self.download], layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-evidence-panel")
        self.refresh()

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
        content = bytes(item["content"])
        self.upload.value = ()   # the file as it came (tokens and all) never stays in widget state
        self._do(self.model.read, content.decode("utf-8-sig", "replace"))

    def _on_paste(self, _button=None) -> None:
        text, self.paste.value = self.paste.value, ""   # the pasted text, too, is gone at once
        self._do(self.model.read, text)

    def _do(self, fn, *args) -> None:
        run_safely(self.model, fn, *args)
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        self.error.value = error_html(m.last_error)
        self.report.value = m.report_html()
        options = m.failing_calls()
        if list(self.failing.options) != options:
            self.failing.options = options
            self.failing.value = options[0][1] if options else None
        self.open_button.disabled = not self.failing.options or m.composer is None
        self.export_button.disabled = m.inspection is None or not m.inspection.diagnoses
        self.download.value = download_html(m.bundle.path) if m.bundle is not None else ""
