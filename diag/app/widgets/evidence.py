"""The evidence panel: upload or paste the customer's HAR, cURL command or raw request; read at once and kept only
sanitised (the upload and the pasted text are cleared from widget state); the report and its two charts, shown with
numbers and names pseudonymised; a failing request opened in the composer; "Add to ticket" (the composer's ticket,
and a sanitised copy in the workspace for notebook 03, the app and `diag bundle --evidence`); or a ticket of the
evidence alone."""
from __future__ import annotations

import html
import json
import operator

import traitlets

from diag.app.widgets.common import (
    PanelModel,
    download_html,
    error_html,
    inline_markdown,
    png_image,
    run_safely,
    show,
)


class EvidenceModel(PanelModel):
    report = traitlets.Unicode("")             # the evidence table and findings (HTML, pseudonymised)
    failing: traitlets.List = traitlets.List()   # (label, index) of each failing request with a body
    can_open = traitlets.Bool(False)
    can_export = traitlets.Bool(False)
    can_add = traitlets.Bool(False)
    download = traitlets.Unicode("")           # the evidence ticket's download link (HTML)

    def __init__(self, composer=None, endpoint=None):
        super().__init__()
        self.composer = composer          # a ComposerModel: "Open in composer" loads a call's body there
        self.endpoint = endpoint          # an AnyEndpointModel: any other operation opens there
        self.inspection = None
        self.bundle = None
        self.saved = None                 # the sanitised copy in the workspace, once added to the ticket
        self.publish()

    def _publish(self) -> None:
        self.report = self.report_html()
        self.failing = self.failing_calls()
        self.can_open = bool(self.failing) and self.composer is not None
        self.can_export = self.inspection is not None and bool(self.inspection.diagnoses)
        self.can_add = self.can_export and self.composer is not None
        self.download = download_html(self.bundle.path) if self.bundle is not None else ""

    def read(self, text: str) -> None:
        from diag.core.evidence import read_evidence
        from diag.core.inspect import diagnose

        # the evidence before goes first: a file that cannot be read leaves no report (nor Export) of another one
        self.inspection = self.bundle = self.saved = None
        self.inspection = diagnose(read_evidence(text))

    def read_upload(self, raw: bytes) -> None:
        """An uploaded file: the same cap and reading as the command line and the export panel."""
        from diag.core.textfile import text_of

        self.inspection = self.bundle = self.saved = None
        self.read(text_of(raw, what="split the capture into smaller HAR files"))

    def shown(self, text: str) -> str:
        """Text as the panel shows it: numbers and people pseudonymised (tokens went on read)."""
        return self.inspection.shown(text) if self.inspection is not None else text

    def failing_calls(self) -> list[tuple[str, int]]:
        if self.inspection is None:
            return []
        return [(self.shown(f"#{d.index} {d.label} -> {d.request.status or '-'} "
                            f"{d.error_code or d.verdict or ''}".strip()), d.index)
                for d in self.inspection.failures if isinstance(d.request.body, dict)]

    def figures(self) -> list:
        """The exact codes over the evidence's time span and the latency by operation, drawn from its cleaned
        rows (labels hold pseudonyms)."""
        from diag.reports import charts

        if self.inspection is None or not self.inspection.diagnoses:
            return []
        i = self.inspection
        figures = list(charts.evidence_figures(i.public_rows(), i.kind, i.span()).values())
        limits = self.limits()
        if limits is not None and limits.hits:   # which limit the 429s hit: only when there were 429s
            figures.append(charts.requests_per_minute(limits, f"customer evidence ({i.kind})"))
        return figures

    def limits(self):
        """Which rate limit the evidence's 429s most likely hit (diag.core.limits), for a HAR or a diag log."""
        from diag.core.limits import limits_of

        evidence = getattr(self.inspection, "evidence", None)
        if evidence is None or evidence.kind not in ("har", "diag-log"):
            return None
        return limits_of(evidence)

    def open_in_composer(self, index: int) -> str:
        """The request in the panel that fits it: a call in the call composer, any other operation (its path,
        query and body) in the any-endpoint panel. Returns which panel."""
        from urllib.parse import parse_qsl, unquote, urlsplit

        from diag.core.facts import CALL_ROUTES

        from diag.app.widgets.common import Masked

        d = next(d for d in self.inspection.diagnoses if d.index == index)
        # The panels (and so a saved notebook's widget state) get pseudonyms; the real values stay in the kernel,
        # revealed only to check and to send: the body's, the path's (a user's e-mail) and the query's.
        path, query = d.request.path.split("?", 1)[0], urlsplit(d.request.url).query
        masked = Masked.of([d.request.body, [unquote(s) for s in path.split("/") if s],
                            [v for _, v in parse_qsl(query, keep_blank_values=True)]], self.inspection.shown)
        text = masked.mask(json.dumps(d.request.body, indent=2, ensure_ascii=False))
        if d.operation in CALL_ROUTES or self.endpoint is None:
            if self.composer is None:
                raise ValueError("No composer to open it in.")
            self.composer.open_masked(text, masked)
            self.composer.publish()   # that panel shows it at once
            return "composer"
        self.endpoint.masked = masked.merged(self.endpoint.masked)   # an answer still on screen keeps its pseudonyms
        self.endpoint.set_operation(f"{d.request.method} {masked.mask(unquote(path))}")
        self.endpoint.set_query(self.inspection.shown(urlsplit(d.request.url).query))
        self.endpoint.set_text(text)
        self.endpoint.publish()
        return "endpoint"

    def _need_evidence(self) -> None:
        if self.inspection is None or not self.inspection.diagnoses:
            raise ValueError("Read some evidence with Genesys requests in it first.")

    def add_to_ticket(self):
        """The evidence joins the composer's ticket (its own section, beside this session's calls), and a
        sanitised copy is kept in the workspace so that notebook 03 and `diag bundle --evidence` can add it too."""
        from diag.core.workspace import save_evidence
        from diag.reports.bundle import sanitised_har

        self._need_evidence()
        if self.composer is None:
            raise ValueError("No composer's ticket to add it to: use Export as ticket.")
        data, _ = sanitised_har(self.inspection)
        i = self.inspection
        self.saved = save_evidence(data, i.kind, len(i.diagnoses), len(i.failures))
        self.composer.evidence = i
        self.composer.publish()   # its ticket line names the evidence at once
        return self.saved

    def export(self):
        """A ticket of the evidence alone."""
        from diag.core.workspace import new_ticket_path
        from diag.reports.bundle import build_bundle

        self._need_evidence()
        self.bundle = build_bundle(new_ticket_path(panel=True), [], evidence=self.inspection)
        return self.bundle

    def report_html(self) -> str:
        if self.inspection is None:
            return ""
        text = self.inspection.public_text()
        replaced = ", ".join(f"{k} x{v}" for k, v in self.inspection.redaction.items()) or "nothing"
        added = ""
        if self.composer is not None and self.composer.evidence not in (None, self.inspection):
            added = (f"<p>{inline_markdown('The ticket holds earlier evidence (' + self.composer.evidence.kind.upper() + '); **Add to ticket** puts this one in its place.')}</p>")
        if self.composer is not None and self.composer.evidence is self.inspection:
            where = (f" (sanitised copy: `{self.saved}`)" if self.saved else
                     " (saving is off, DIAG_HOME=off: no copy kept for notebook 03)")
            added = f"<p>{inline_markdown('Added to the ticket' + where + '.')}</p>"
        limits = self.limits()
        which = ""
        if limits is not None and limits.hits:
            which = (f"<details class='diag-limits'><summary><b>Which rate limit:</b> "
                     f"{html.escape(self.shown(limits.most_likely or ''))} ({len(limits.hits)} x 429)</summary>"
                     f"<pre style='white-space:pre-wrap;overflow-wrap:anywhere'>{html.escape(self.shown(limits.text()))}"
                     "</pre></details>")
        # the counts, the first failure in one line and the failures by code and operation; the table has the rest
        blocks = text.split("\nTimeline:", 1)[0].rstrip().split("\n\n")
        head = "\n\n".join(b.split("\n", 1)[0] if b.startswith("First failure:") else b for b in blocks)
        return (f"<pre class='diag-evidence' style='white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.3'>"
                f"{html.escape(head)}</pre>{evidence_table_html(self.inspection)}{which}"
                f"<p>{inline_markdown('Replaced on read: ' + replaced)}; numbers and names are shown as pseudonyms."
                f"</p>{added}")


def _why(d) -> str:
    """One line: why it failed (or what the doctor says of it)."""
    status = d.request.status or 0
    answered = status >= 400   # Genesys' own words first when the evidence holds its answer
    if 200 <= status < 400 and d.refused_by == "genesys":   # what happened leads: the model's disagreement is the note
        return next((n for n in d.notes if n.startswith(f"Genesys accepted this ({status})")),
                    f"Genesys accepted this ({status}); diag's model said it would be refused")[:140]
    for text in ((d.message, d.headline, d.explanation) if answered else (d.headline, d.message, d.explanation)):
        if text:
            first = str(text).split("\n", 1)[0]
            return first if len(first) <= 140 else first[:139] + "…"
    return "" if not d.failed else "no error body recorded"


def evidence_table_html(inspection) -> str:
    """Every Genesys request of the evidence as a row, failures first: time, operation, status, code, the whole
    correlation id and a timing bar on the capture's own time line; under it, the table's whole width, why
    (expanding to the explanation, the findings and the corrected body). Text as shown everywhere else: numbers and
    people as pseudonyms."""
    from diag.core.intervals import recorded_instant

    shown = inspection.shown
    rows = sorted(inspection.diagnoses, key=lambda d: (not d.failed, d.index))
    times = [(recorded_instant(d.request.started), d.request.duration_ms or 0.0) for d in inspection.diagnoses]
    starts = [t.timestamp() for t, _ in times if t is not None]
    first = min(starts) if starts else 0.0
    span = max([t.timestamp() + ms / 1000 for t, ms in times if t is not None] + [first + 0.001]) - first
    command_only = inspection.kind in ("curl", "http")   # a command, not a capture: it holds no answer
    out = ["<table class='diag-evidence-table' style='border-collapse:collapse;font-size:12px;width:100%'>",
           "<tr style='text-align:left;border-bottom:1px solid #ccc'><th>#</th><th>time (UTC)</th><th>operation</th>"
           "<th>status</th><th>code</th><th>correlation id</th><th>timing</th></tr>"]
    for d in rows:
        r = d.request
        when = recorded_instant(r.started)
        status = (str(r.status) if r.status else
                  "not answered (command only)" if command_only else "no answer recorded")
        colour = "#b00020" if d.failed else "#1b7f3b" if r.status and r.status < 400 else "#555"
        detail = []
        if d.explanation:
            detail.append(f"<p>{html.escape(shown(d.explanation))}</p>")
        if d.message and d.message != d.explanation and not _why(d).startswith(str(d.message).split("\n")[0][:60]):
            detail.append(f"<p>Genesys said: {html.escape(shown(d.message))}</p>")
        detail += [f"<div><b>{html.escape(f['severity'])}</b> <code>{html.escape(shown(f['path']))}</code> "
                   f"<code>{html.escape(f['code'])}</code>: {html.escape(shown(f['message']))}</div>"
                   for f in d.findings[:8]]
        fixed = d.corrected()
        if fixed is not None:
            detail.append("<div><b>Corrected body</b>:</div><pre style='margin:2px 0'>"
                          f"{html.escape(shown(json.dumps(fixed, indent=2, ensure_ascii=False)))}</pre>")
        detail += [f"<div style='color:#555'>note: {html.escape(shown(n))}</div>" for n in d.notes]
        why = html.escape(shown(_why(d)))
        why_cell = (f"<details><summary>{why or 'details'}</summary>{''.join(detail)}</details>" if detail else why)
        bar = ""
        if when is not None:
            left = (when.timestamp() - first) / span * 100
            width = max((r.duration_ms or 0) / 1000 / span * 100, 0.8)
            bar = (f"<div title='{r.duration_ms or 0:.0f} ms' style='position:relative;height:8px;background:#eee;"
                   f"min-width:80px'><div style='position:absolute;left:{min(left, 99.2):.1f}%;"
                   f"width:{min(width, 100 - min(left, 99.2)):.1f}%;height:8px;background:{colour}'></div></div>")
        # the why on a line of its own under its request, the table's whole width: at 1,280 px with the file
        # browser open a column of its own left it one word per line beside the correlation id
        out.append(f"<tr class='diag-evidence-row{' diag-failed' if d.failed else ''}' style='vertical-align:top'>"
                   f"<td>{d.index}</td><td style='white-space:nowrap'>"
                   f"{html.escape(when.strftime('%H:%M:%S.%f')[:12]) if when else '-'}</td>"
                   f"<td><code>{html.escape(shown(d.label))}</code></td>"
                   f"<td style='color:{colour};white-space:nowrap'>{html.escape(status)}</td>"
                   f"<td>{html.escape(shown(d.error_code or ''))}</td>"
                   f"<td><code class='diag-cid' style='white-space:nowrap'>{html.escape(shown(d.correlation_id or '-'))}"
                   f"</code></td><td style='width:12%'>{bar}</td></tr>"
                   f"<tr class='diag-evidence-why' style='border-bottom:1px solid #eee'><td></td>"
                   f"<td colspan='6' style='padding-bottom:4px'>{why_cell}</td></tr>")
    out.append("</table>")
    return "".join(out)


class EvidenceView:
    def __init__(self, model: EvidenceModel | None = None, on_change=None):
        """`on_change` is called after every action (the composer's view refreshes its ticket line with it)."""
        import ipywidgets as w

        self.model = m = model or EvidenceModel()
        self.on_change = on_change
        self.upload = w.FileUpload(accept=".har,.json,.txt,.sh,.curl,.jsonl", multiple=False,
                                   description="Upload HAR / cURL")
        self.paste = w.Textarea(placeholder="…or paste a cURL command, a raw HTTP request or a HAR here",
                                layout=w.Layout(width="98%", height="90px"))
        self.read_button = w.Button(description="Read pasted text", icon="search", layout=w.Layout(width="auto"))
        self.report = w.HTML()
        self.failing = w.Dropdown(description="Failing call", options=[], layout=w.Layout(width="auto",
                                                                                         max_width="95%"))
        self.open_button = w.Button(description="Open in composer", icon="pencil", layout=w.Layout(width="auto"))
        self.add_button = w.Button(description="Add to ticket", icon="plus", layout=w.Layout(width="auto"),
                                   tooltip="Into the ticket of the composer above (Export ticket there)")
        self.export_button = w.Button(description="Export as ticket", icon="download", button_style="success",
                                      layout=w.Layout(width="auto"), tooltip="A ticket of this evidence alone")
        self.charts = w.Output(layout=w.Layout(width="100%"))
        self.download = w.HTML()
        self.error = w.HTML()
        self.upload.observe(self._on_upload, names="value")
        self.read_button.on_click(self._on_paste)
        self.open_button.on_click(lambda _b: self._do(m.open_in_composer, self.failing.value))
        self.add_button.on_click(lambda _b: self._do(m.add_to_ticket))
        self.export_button.on_click(lambda _b: self._do(m.export))
        show(m, "last_error", self.error, transform=error_html)
        show(m, "report", self.report)
        show(m, "download", self.download)
        m.observe(self._show_failing, names="failing")
        self._show_failing()
        for trait, button in (("can_open", self.open_button), ("can_export", self.export_button),
                              ("can_add", self.add_button)):
            show(m, trait, button, "disabled", operator.not_)
        wrap = w.Layout(flex_flow="row wrap")
        self.widget = w.VBox([w.HBox([self.upload, self.read_button], layout=wrap), self.paste, self.error,
                              self.report, w.HBox([self.failing, self.open_button, self.add_button,
                                                   self.export_button], layout=wrap),
                              self.download, self.charts], layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-evidence-panel")

    def _show_failing(self, _change=None) -> None:
        options = [tuple(o) for o in self.model.failing]
        if list(self.failing.options) != options:   # a new list: its first failure is the one shown
            self.failing.options = options
            self.failing.value = options[0][1] if options else None

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
        content = bytes(item["content"])
        self.upload.value = ()   # the file as it came (tokens and all) never stays in widget state
        self._read(content)

    def _on_paste(self, _button=None) -> None:
        text, self.paste.value = self.paste.value, ""   # the pasted text, too, is gone at once
        self._read(text)

    def _read(self, text: str | bytes) -> None:
        self._do(self.model.read_upload if isinstance(text, bytes) else self.model.read, text)
        # replaced as data: a clear_output message raced the new charts and lost them on every second upload
        self.charts.outputs = ()
        found: list = []
        if self.model.last_error is None and run_safely(self.model, lambda: found.extend(self.model.figures())):
            for fig in found:
                self.charts.append_display_data(png_image(fig))

    def _do(self, fn, *args) -> None:
        run_safely(self.model, fn, *args)
        if self.on_change is not None:
            self.on_change()

    def refresh(self) -> None:
        """The widgets follow the model by themselves; this asks it to publish again (a change made outside)."""
        self.model.publish()
