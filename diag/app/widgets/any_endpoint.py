"""The "any endpoint" panel: any operation of the Platform API, built, checked for the connected caller and sent.

Pick or type an operation (a concrete path works too), fill its path parameters and query, write the body in the
form (the body model's own fields) or as raw JSON, kept in sync. The prediction is the server model's, for the
operation and for who is connected; Send goes through the session and the safety gate (a write to a real org asks
first, naming what it does); the answer is shown as sent, then diag's explanation. The text the person typed is
sent as written: a repaired body only when they press Fix it.
"""
from __future__ import annotations

import html
import json
import operator
from typing import Any
from urllib.parse import quote

import traitlets

from diag.app.widgets.common import (PanelModel, error_html, findings_html, form_base, inline_markdown, run_safely,
                                     show)
from diag.client.gate import Confirmation
from diag.core.doctor import UnknownOperation, check_text
from diag.core.endpoints import Operation, all_operations, check_operation
from diag.core.errors import ConfirmationRequired, DiagError

DEFAULT_OPERATION = "POST /api/v2/analytics/conversations/aggregates/query"
EXAMPLE = ('{\n  "interval": "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z",\n  "groupings": ["queueId"],\n'
           '  "metrics": ["nOutboundAttempted", "nOutboundConected"]\n}')


class AnyEndpointModel(PanelModel):
    # what the panel shows, set by publish() (the view links its widgets to these)
    shown: traitlets.Dict = traitlets.Dict()   # operation, params, query, text and form values as shown
    problem = traitlets.Unicode("")            # the operation's or the last action's error (HTML)
    findings_view = traitlets.Unicode("")
    changes = traitlets.Unicode("")
    result = traitlets.Unicode("")
    confirm_text = traitlets.Unicode("")
    confirming = traitlets.Bool(False)
    can_fix_now = traitlets.Bool(False)
    can_send = traitlets.Bool(False)

    def __init__(self, operation: str = DEFAULT_OPERATION, text: str = EXAMPLE, session=None):
        super().__init__()
        self.session = session
        self.operation = operation
        self.op: Operation | None = None
        self.params: dict[str, str] = {}
        self.query = ""
        self.text = text
        self.report: Any = None          # the doctor's Report of the body
        self.prediction: Any = None      # for an operation without a body (no report)
        self.operation_error: str | None = None
        self.last_error: str | None = None
        self.last_exchange = None
        self.pending = None
        self.applied_notes: list[str] = []
        self.stale = False
        self.masked: Any = None    # a Masked (common): the evidence's values kept in the kernel, pseudonyms on screen
        self.set_operation(operation)
        self.publish()

    @traitlets.observe("last_error")
    def _failed(self, _change) -> None:
        self.problem = error_html(self.operation_error or self.last_error)

    def _publish(self) -> None:
        """The display traits from the state: what the view shows, in one place."""
        body = self.body
        self.shown = {"op": self.op, "operation": self.operation, "params": dict(self.params), "query": self.query,
                      "text": self.text, "form": ({name: self.form_value(name) for name, _, _ in self.form_fields()}
                                                  if isinstance(body, dict) else None)}
        self.problem = error_html(self.operation_error or self.last_error)
        self.findings_view = self.findings_html()
        notes = self.applied_notes
        self.changes = ("<div class='diag-changes'><b>Fix it changed:</b><ul>" + "".join(
            f"<li>{inline_markdown(n)}</li>" for n in notes) + "</ul></div>") if notes else ""
        self.can_fix_now = self.can_fix
        self.can_send = self.session is not None and self.op is not None
        self.confirm_text = self.pending_html()
        self.confirming = self.pending is not None
        self.result = self.result_html()

    # ---- what is being built ----
    @staticmethod
    def operations() -> list[str]:
        return sorted(str(op) for op in all_operations())

    def set_operation(self, operation: str) -> None:
        """A template ("GET /api/v2/users/{userId}") or a concrete path ("GET /api/v2/users/5f3..."): its path
        parameters are filled from the concrete path, kept when the template names them again."""
        self.operation = operation
        found = check_operation(operation)
        self.op = found.operation
        if self.op is None:
            self.operation_error = str(UnknownOperation(found))
        else:
            self.operation_error = None
            given = {k: v for k, v in found.params.items() if not (v.startswith("{") and v.endswith("}"))}
            typed = self.__dict__.setdefault("_typed", {})   # every parameter typed, by name: a switch loses none
            typed.update({k: v for k, v in self.params.items() if v})
            self.params = {name: given.get(name, typed.get(name, "")) for name in self.param_names}
        self.refresh()

    @property
    def param_names(self) -> list[str]:
        if self.op is None:
            return []
        return [seg[1:-1] for seg in self.op.path.split("/") if seg.startswith("{") and seg.endswith("}")]

    def set_param(self, name: str, value: str) -> None:
        if name not in self.param_names:
            raise KeyError(f"{self.operation} has no path parameter {name!r}")
        self.params[name] = value.strip()
        self.refresh()

    def set_query(self, text: str) -> None:
        self.query = text.strip().lstrip("?")
        self.refresh()

    def set_text(self, text: str) -> None:
        if text != self.text and self.last_exchange is not None:
            self.stale = True
        self.text = text
        self.pending = None
        self.applied_notes = []
        self.refresh()

    @property
    def path(self) -> str:
        """The concrete path to send (parameters filled, each escaped as one segment), with the query."""
        if self.op is None:
            return ""
        path = "/".join(quote(self.params.get(seg[1:-1]) or seg, safe="{}") if seg.startswith("{") else seg
                        for seg in self.op.path.split("/"))
        return path + (f"?{self.query}" if self.query else "")

    @property
    def caller(self):
        from diag.core.model import DEMO

        if self.session is None:
            return DEMO
        try:
            return self.session.caller()
        except DiagError:
            return DEMO

    # ---- the body's form: the model's own fields ----
    def form_fields(self) -> list[tuple[str, str, list[str] | None]]:
        """(field, SDK type, allowed values) of the body model, in the SDK's order."""
        from diag.core.contract import model

        spec = model(self.op.body) if self.op is not None and self.op.body else None
        return [(name, f["t"], f.get("e")) for name, f in (spec or {"fields": {}})["fields"].items()]

    def _shown(self, text: str) -> str:
        return self.masked.mask(text) if self.masked else text

    def _real(self, text: str) -> str:
        return self.masked.reveal(text) if self.masked else text

    @property
    def body(self) -> Any:
        """The body as shown (the form's values): with pseudonyms when it came from the evidence."""
        from diag.core.doctor import parse_body

        parsed = parse_body(self.text) if self.masked else (self.report.parsed if self.report is not None else None)
        return parsed.value if parsed is not None and parsed.ok else None

    def form_value(self, name: str) -> str:
        body = self.body
        if not isinstance(body, dict) or name not in body:
            return ""
        value = body[name]
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def set_form(self, name: str, text: str) -> None:
        """One form value into the body (JSON when it reads as JSON, else text; empty removes the field)."""
        body = form_base(self.body, self.text)
        sdk_type = dict((n, t) for n, t, _ in self.form_fields()).get(name)
        if sdk_type is None:
            raise KeyError(f"{self.op.body if self.op else 'the body'} has no field {name!r}")
        text = text.strip()
        if not text:
            body.pop(name, None)
        else:
            try:
                body[name] = json.loads(text) if sdk_type != "str" or text[:1] in "[{" else text
            except ValueError:
                body[name] = text
        self.set_text(json.dumps(body, indent=2, ensure_ascii=False))

    # ---- the prediction, for this operation and this caller ----
    def refresh(self) -> None:
        from diag.core import model

        self.report = self.prediction = None
        if self.op is None:
            return
        key = f"{self.op.method} {self._real(self.path) or self.op.path}"
        if self.op.body:
            try:
                self.report = check_text(self._real(self.text), operation=key, caller=self.caller)
            except UnknownOperation as exc:
                self.operation_error = str(exc)
        else:
            from urllib.parse import parse_qsl

            self.prediction = model.answer(model.Request(self.op.method, self.path.split("?")[0] or self.op.path,
                                                         model.NOT_GIVEN, tuple(parse_qsl(self.query))),
                                           self.caller)

    @property
    def findings(self):
        return self.report.findings if self.report else []

    def findings_html(self) -> str:
        if self.report is not None:
            notes = "".join(f"<div><i>{inline_markdown(n)}</i></div>" for n in self.report.notes)
            return self._shown(findings_html(self.report) + notes)   # the same rendering as the call composer
        if self.prediction is not None:
            p = self.prediction
            extra = "".join(f"<div><i>{inline_markdown(n)}</i></div>" for n in p.notes)
            return self._shown(f"<span class='diag-prediction'>Genesys would answer <code>{p.status}"
                               f"{' ' + html.escape(p.code) if p.code else ''}</code> ({html.escape(p.evidence)}) "
                               f"from {html.escape(self.caller.describe())}</span>{extra}")
        return ""

    @property
    def can_fix(self) -> bool:
        return self.report is not None and self.report.fixed is not None

    def apply_fix(self) -> bool:
        if not self.can_fix:
            return False
        report = self.report
        notes = [self._shown(n) for n in report.notes]
        if self.masked:
            self.masked.adopt(report.fixed)   # Send sends the corrected spelling, shown as its pseudonym
        self.set_text(self._shown(json.dumps(report.fixed, indent=2, ensure_ascii=False)))
        self.applied_notes = notes
        return True

    # ---- sending ----
    def send(self):
        """Send the operation as built, the body's text as written. A write to a real org asks first (`pending`)."""
        if self.session is None:
            raise DiagError("Not connected: run the connection cell first.")
        if self.op is None:
            raise DiagError(self.operation_error or "Choose an operation first.")
        missing = [n for n in self.param_names if not self.params.get(n)]
        if missing:
            raise DiagError(f"Fill the path parameter(s) {', '.join(missing)} first.")
        return self._attempt(None)

    def _attempt(self, confirmation):
        self.pending, self.last_exchange, self.stale = None, None, False
        text = self._real(self.text)
        body = text.encode("utf-8", "surrogatepass") if self.op.body and text.strip() else None
        try:
            self.last_exchange = self.session.send(self.op.method, self._real(self.path), body, confirm=confirmation)
        except ConfirmationRequired as exc:
            if exc.intent is None:
                raise
            self.pending = exc.intent
            return None
        return self.last_exchange

    def confirm_pending(self):
        if self.pending is None:
            raise DiagError("Nothing is waiting for confirmation.")
        return self._attempt(Confirmation.of(self.pending))

    def cancel_pending(self) -> None:
        self.pending = None

    def pending_html(self) -> str:
        if self.pending is None:
            return ""
        return self._shown(f"<div class='diag-confirm' style='border:2px solid #b2182b;padding:6px'><b "
                           f"style='color:#b2182b'>Confirm</b>: {html.escape(self.pending.prompt())}</div>")

    def result_html(self) -> str:
        from diag.app.widgets.response import response_html

        label = self.session.label if self.session is not None else "not connected"
        return self._shown(response_html(self.last_exchange, label, stale=self.stale))


class AnyEndpointView:
    def __init__(self, model: AnyEndpointModel | None = None):
        import ipywidgets as w

        self.model = m = model or AnyEndpointModel()
        self._syncing = False
        self.operation = w.Combobox(description="Operation", value=m.operation, options=m.operations(),
                                    ensure_option=False, layout=w.Layout(width="100%"),
                                    placeholder="METHOD /api/v2/... (concrete paths work too)")
        self.params = w.VBox()
        self.query = w.Text(description="Query", placeholder="pageSize=25&pageNumber=1",
                            layout=w.Layout(width="95%"))
        self.form = w.VBox(layout=w.Layout(width="50%", min_width="0"))
        self.raw = w.Textarea(value=m.text, layout=w.Layout(width="100%", height="220px"))
        self.findings = w.HTML()
        self.changes = w.HTML()
        self.error = w.HTML()
        self.fix_button = w.Button(description="Fix it", button_style="warning", icon="wrench")
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.confirm_text = w.HTML()
        self.confirm_yes = w.Button(description="Yes, send it", button_style="danger", icon="check")
        self.confirm_no = w.Button(description="Cancel", icon="times")
        self.confirm = w.VBox([self.confirm_text, w.HBox([self.confirm_yes, self.confirm_no])])
        self.result = w.HTML()
        self._param_widgets: dict[str, Any] = {}
        self._form_widgets: dict[str, Any] = {}
        self.operation.observe(lambda c: self._do(m.set_operation, c["new"]), names="value")
        self.query.observe(lambda c: self._do(m.set_query, c["new"]), names="value")
        self.raw.observe(lambda c: self._do(m.set_text, c["new"]), names="value")
        self.fix_button.on_click(lambda _b: self._do(m.apply_fix))
        self.send_button.on_click(lambda _b: self._do(m.send))
        self.confirm_yes.on_click(lambda _b: self._do(m.confirm_pending))
        self.confirm_no.on_click(lambda _b: self._do(m.cancel_pending))
        right = w.VBox([w.HTML("<b>Raw JSON</b> (kept in sync with the form; sent as written)"), self.raw],
                       layout=w.Layout(width="50%", min_width="0"))
        self.widget = w.VBox([self.operation, self.params, self.query, w.HBox([self.form, right]), self.error,
                              self.findings, self.changes, w.HBox([self.fix_button, self.send_button]),
                              self.confirm, self.result], layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-any-endpoint")
        self._rebuild()
        for trait, widget in (("problem", self.error), ("findings_view", self.findings), ("changes", self.changes),
                              ("confirm_text", self.confirm_text), ("result", self.result)):
            show(m, trait, widget)
        show(m, "can_fix_now", self.fix_button, "disabled", operator.not_)
        show(m, "can_send", self.send_button, "disabled", operator.not_)
        show(m, "confirming", self.confirm.layout, "display", lambda on: "flex" if on else "none")
        m.observe(self._show_request, names="shown")
        self._show_request()

    def set_session(self, session) -> None:
        def move() -> None:
            m = self.model
            m.session = session
            m.cancel_pending()
            m.last_exchange = None
            m.refresh()
        run_safely(self.model, move)

    def _do(self, fn, *args) -> None:
        if self._syncing:
            return   # the panel is showing the model's own request: not a person's edit
        run_safely(self.model, fn, *args)

    def _rebuild(self) -> None:
        """Path parameter and form widgets for the operation chosen."""
        import ipywidgets as w

        m = self.model
        self._built_for = m.op
        self._param_widgets = {}
        for name in m.param_names:
            box = w.Text(description=name, value=m.params.get(name, ""), style={"description_width": "160px"},
                         layout=w.Layout(width="95%"))
            box.observe(lambda c, n=name: self._do(m.set_param, n, c["new"]), names="value")
            self._param_widgets[name] = box
        self.params.children = tuple(self._param_widgets.values())
        self._form_widgets = {}
        for name, sdk_type, allowed in m.form_fields():
            hint = ("one of " + ", ".join(allowed[:6]) + ("..." if len(allowed or []) > 6 else "")) if allowed \
                else sdk_type
            box = w.Text(description=name, placeholder=hint, style={"description_width": "160px"},
                         layout=w.Layout(width="95%"))
            box.observe(lambda c, n=name: self._do(m.set_form, n, c["new"]), names="value")
            self._form_widgets[name] = box
        title = w.HTML(f"<b>{html.escape(m.op.body)}</b> (its fields)" if m.op is not None and m.op.body
                       else "<i>This operation takes no body.</i>")
        self.form.children = (title, *self._form_widgets.values())

    def _show_request(self, _change=None) -> None:
        """The operation, its parameters, query, body and form as the model shows them."""
        shown = self.model.shown
        if shown.get("op") is not getattr(self, "_built_for", None):
            self._rebuild()
        self._syncing = True
        try:
            if self.operation.value != shown["operation"]:
                self.operation.value = shown["operation"]
            for name, box in self._param_widgets.items():
                if box.value != shown["params"].get(name, ""):
                    box.value = shown["params"].get(name, "")
            if self.query.value != shown["query"]:
                self.query.value = shown["query"]
            if self.raw.value != shown["text"]:
                self.raw.value = shown["text"]
            for name, box in self._form_widgets.items():
                value = (shown["form"] or {}).get(name, "")
                if shown["form"] is not None and box.value != value:
                    box.value = value
        finally:
            self._syncing = False

    def refresh(self) -> None:
        """Widgets from the model (after another panel's action: the evidence opens requests here): the model
        publishes again and the linked widgets follow."""
        self.model.publish()
