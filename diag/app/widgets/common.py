"""What every panel shares: findings and errors as HTML, and callbacks whose errors land on the view-model."""
from __future__ import annotations

from collections import Counter
import html

import traitlets

from diag.core.doctor import Report
from diag.core.errors import ConfigError, in_words

SEVERITY_COLOURS = {"error": "#b2182b", "warning": "#b35806", "info": "#2166ac"}  # colour-blind-safe trio


def inline_markdown(text: str) -> str:
    """Escaped text with `code` spans rendered (findings and notes are written with backticks)."""
    import re

    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


SHOWN_FINDINGS = 100   # beyond this a list is no help, and every one costs widget state and time per keystroke


def findings_html(report: Report | None) -> str:
    """Findings as severity-coloured HTML, each naming its path and code."""
    if not report:
        return ""
    from diag.core.model import DEMO

    p = report.prediction
    who = (report.caller or DEMO).describe()
    answer = (f"<span class='diag-prediction'>Genesys would answer <code>{p.status}"
              f"{' ' + html.escape(p.code) if p.code else ''}</code> ({html.escape(p.evidence)}) to "
              f"<code>{html.escape(report.operation)}</code> from {html.escape(who)}"
              f"{' if it were sent: diag never sends it' if report.blocked else ''}</span>")
    notes = "".join(f"<div class='diag-prediction-note' style='color:#555'>{inline_markdown(n)}</div>"
                    for n in p.notes)
    if not report.findings and p.ok:
        return f"<b style='color:#1a9850' class='diag-verdict'>{html.escape(report.headline)}: no findings.</b> " \
               f"{answer}{notes}"
    rows = []
    # errors first, then warnings: a body with thousands of findings shows the first SHOWN_FINDINGS and counts the rest
    ordered = sorted(report.findings, key=lambda f: {"error": 0, "warning": 1}.get(f.severity, 2))
    for f in ordered[:SHOWN_FINDINGS]:
        colour = SEVERITY_COLOURS.get(f.severity, "#333")
        rows.append(f"<li class='diag-finding diag-{f.severity}'><b style='color:{colour}'>{f.severity}</b> "
                    f"<code>{html.escape(f.path)}</code> <code>{html.escape(f.code)}</code>: "
                    f"{inline_markdown(f.message)}</li>")
    colour = {"refused": "#b2182b", "not-what-you-meant": "#b35806", "uncertain": "#b35806"}.get(report.verdict,
                                                                                                 "#1a9850")
    if len(ordered) > SHOWN_FINDINGS:
        rest = Counter(f.code for f in ordered[SHOWN_FINDINGS:])
        rows.append(f"<li class='diag-finding diag-more'>and {len(ordered) - SHOWN_FINDINGS:,} more: "
                    + ", ".join(f"<code>{html.escape(code)}</code> x{n:,}" for code, n in rest.most_common(8))
                    + ("</li>" if len(rest) <= 8 else ", ...</li>"))
    if not p.ok and p.code:   # the answer itself: Genesys' words where documented, else the model's (said so)
        said = "Genesys' message" if p.evidence == "documented" else f"The model's message ({html.escape(p.evidence)})"
        rows.insert(0, f"<li class='diag-finding diag-answer'>{said}: {html.escape(p.message)}</li>")
    return (f"<b style='color:{colour}' class='diag-verdict'>{html.escape(report.headline)}</b> {answer}{notes}"
            f"<ul class='diag-findings'>{''.join(rows)}</ul>")


class Masked:
    """Values a panel holds for the kernel only: the panel (and so the widget state a saved notebook keeps) shows
    their pseudonyms; the kernel reveals them for a check or a send. Made from the customer's evidence, whose
    numbers, names and e-mails must never reach a saved notebook."""

    def __init__(self, real_by_shown: dict[str, str]):
        # longest first: a pseudonym inside a longer string is replaced after the string itself
        self.real = dict(sorted(real_by_shown.items(), key=lambda kv: len(kv[0]), reverse=True))
        # Other spellings of each real number (the E.164 form the doctor and Fix it write, its digits): masked too
        self.spellings: dict[str, str] = {}
        for shown, real in self.real.items():
            for form in _number_spellings(real):
                if form != real:
                    self.spellings.setdefault(form, shown)

    @classmethod
    def of(cls, value, shown) -> Masked:
        """Every string inside `value` (JSON-like) that `shown` changes, pseudonym -> real."""
        pairs: dict[str, str] = {}

        def walk(v) -> None:
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(k)
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, (str, int, float)) and not isinstance(v, bool):
                text = str(v)
                masked = shown(text)
                if masked != text:
                    pairs[masked] = text
        walk(value)
        return cls(pairs)

    def __bool__(self) -> bool:
        return bool(self.real)

    def merged(self, other: Masked | None) -> Masked:
        """Both sets of values masked: a panel that opened one request of the evidence and then another still shows
        the first one's answer, which must keep its pseudonyms."""
        if not other:
            return self
        out = Masked({**self.real, **other.real})
        out.spellings = {**self.spellings, **other.spellings}
        return out

    def reveal(self, text: str) -> str:
        import json

        for shown, real in self.real.items():
            text = text.replace(json.dumps(shown)[1:-1], json.dumps(real, ensure_ascii=False)[1:-1])
        return text

    def mask(self, text: str) -> str:
        import json

        pairs = list(self.real.items()) + [(shown, form) for form, shown in self.spellings.items()]
        for shown, real in sorted(pairs, key=lambda p: len(p[1]), reverse=True):
            for form in {real, json.dumps(real, ensure_ascii=False)[1:-1], html.escape(real), repr(real)[1:-1]}:
                if form:
                    text = text.replace(form, shown)
        return text

    def adopt(self, value) -> None:
        """A body the kernel made from the real values (Fix it's corrected body): where it spells a number another
        way (E.164), that spelling is what its pseudonym now stands for, so that Send sends the corrected body."""
        def walk(v) -> None:
            if isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, str) and v in self.spellings:
                self.real[self.spellings[v]] = v
        walk(value)


def _number_spellings(real: str) -> set[str]:
    """The ways diag itself may write the number `real` holds: its E.164 form and its digits."""
    from diag.core import numbers

    if sum(ch.isdigit() for ch in real) < numbers.PHONE_MIN_DIGITS or not numbers.reads_as_dial_string(real):
        return set()   # a text holding a number (a note, uuiData) is not that number: Fix it never writes it
    out = {numbers.normalise(real)}
    key = numbers.e164_key(real)
    if key:
        out |= {key, key.lstrip("+")}
    return {form for form in out if form and sum(ch.isdigit() for ch in form) >= numbers.PHONE_MIN_DIGITS}


def error_html(message: str | None) -> str:
    """A panel's error line (empty when there is none)."""
    return f"<p class='diag-error' style='color:#b2182b'>{html.escape(message)}</p>" if message else ""


class PanelModel(traitlets.HasTraits):
    """A panel's view-model, ipyleaflet's way: what the panel shows lives here as traits, and its view links each
    widget to one trait once (`show`, traitlets.link) instead of copying fields by hand. `publish()` works out the
    display traits from the state; run_safely calls it after every action, so a change made from anywhere (the
    panel, another panel, the workbench) reaches the widgets."""

    session = traitlets.Any(None, allow_none=True)
    last_error = traitlets.Unicode(None, allow_none=True)

    def publish(self) -> None:
        """Set the display traits from the state, all at once: the widgets hear of them together (a field being
        typed in never flickers back to an older value); a failure is the panel's error line, never a traceback."""
        try:
            with self.hold_trait_notifications():
                self._publish()
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
            self.last_error = in_words(exc)

    def _publish(self) -> None:
        """Each panel: its display traits from its state."""


def form_base(body, text: str) -> dict:
    """The body a form writes one value into: a copy of the body, or a new one when nothing is typed. Never over text
    that does not read as a JSON object (a missing comma, a list): the form would replace what the person typed."""
    if isinstance(body, dict):
        return dict(body)
    if text.strip():
        raise ConfigError("The body does not read as a JSON object, so the form cannot write into it without "
                          "replacing what was typed: mend the text (its message says where), then use the form.")
    return {}


def show(model: traitlets.HasTraits, trait: str, widget, attr: str = "value", transform=None) -> None:
    """`widget.attr` follows `model.trait` from now on (a one-way link, through `transform`)."""
    traitlets.dlink((model, trait), (widget, attr), transform)


def run_safely(model, fn, *args) -> bool:
    """Callback errors are never silent: they land on the model (and so in the panel); then the model publishes what
    changed (its widgets follow)."""
    try:
        fn(*args)
        model.last_error = None
        return True
    except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
        model.last_error = in_words(exc)
        return False
    finally:
        publish = getattr(model, "publish", None)
        if publish is not None:
            publish()


def download_html(path, label: str = "Download the ticket") -> str:
    """A download that works in JupyterLab and in Voila alike: the file inside the link (a data: URL), and where
    it is on disk. Tickets are small (redacted JSON, HAR, charts)."""
    import base64
    from pathlib import Path

    path = Path(path)
    data = base64.b64encode(path.read_bytes()).decode()
    return (f"<div class='diag-download'><a download='{html.escape(path.name)}' "
            f"href='data:application/zip;base64,{data}' class='diag-download-link' "
            f"style='font-weight:bold'>⬇ {html.escape(label)} ({path.stat().st_size // 1024 + 1} KB)</a>"
            f"<br><span style='color:#555'>Saved at <code style='user-select:all'>{html.escape(str(path))}</code>"
            "</span></div>")


def png_image(fig):
    """The figure as a PNG image (the same in every kernel, whatever matplotlib backend it has)."""
    from IPython.display import Image

    from diag.reports.charts import rendered

    return Image(data=rendered(fig, ("png",))["png"], format="png")
