"""A red-team pass on the ticket's last look at its charts: a chart says things besides its drawing (each text kept as
an SVG comment, links, element ids), in charts/*.svg and inline in report.html alike. The caller's number or a
person's e-mail put there, by a label the cleaner does not rewrite, a link or an id, stops the export; the page
around the charts is read as before."""
import re
import zipfile

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from diag.client.connect import connect  # noqa: E402
from diag.core.errors import RedactionError  # noqa: E402
from diag.reports.bundle import build_bundle  # noqa: E402
from diag.sim import Simulator  # noqa: E402

NUMBER = "+13175550161"      # dialled by the session below: the ticket pseudonymises it
DIGITS = "13175550161"


@pytest.fixture(scope="module")
def calls():
    """A simulated session that dialled NUMBER and read users/me (so the ticket knows a person)."""
    with Simulator(seed=3, overrides={"call_timeline_seconds": 0.3}) as sim:
        s = connect(simulator=sim, environ={}, dotenv=None, save=False)
        s.call({"phoneNumber": NUMBER})
        s.send("GET", "/api/v2/users/me")
        yield list(s.log)


def chart(title="calls per minute", url=None, gid=None):
    fig = Figure()
    ax = fig.add_subplot()
    bars = ax.bar(["caller"], [3])
    ax.set_title(title)
    if url:
        bars[0].set_url(url)
    if gid:
        bars[0].set_gid(gid)
    return fig


def texts_of(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")}


def test_a_number_in_a_chart_title_is_pseudonymised_in_the_chart_and_the_page(calls, tmp_path):
    """A chart titled with the caller's number: the ticket is written, its SVG and report.html hold the pseudonym."""
    b = build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart("calls to +1 317 555 0161")})
    files = texts_of(b.path)
    for name in ("charts/calls.svg", "report.html"):   # the digits, whatever stands between them
        assert DIGITS not in re.sub(r"[^0-9A-Za-z]", "", files[name]), name
    assert "PN" in files["charts/calls.svg"]


def test_a_number_written_with_one_dot_in_a_chart_title_is_pseudonymised_too(calls, tmp_path):
    """+1.3175550161 (a country code, a dot, the number: RFC 5733's spelling) is a number, not a decimal: the chart and
    the page hold its pseudonym (before, the label cleaner read it as a decimal and the last look refused the ticket)."""
    b = build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart("call +1.3175550161")})
    files = texts_of(b.path)
    for name in ("charts/calls.svg", "report.html"):
        assert DIGITS not in re.sub(r"[^0-9A-Za-z]", "", files[name]), name
    assert "PN" in files["charts/calls.svg"]


def test_the_page_around_the_charts_is_still_read(calls, tmp_path, monkeypatch):
    """The caller's number on the page beside a chart (a writer of report.html that forgot to clean a text):
    refused, nothing written."""
    from diag.reports import report

    written = report.report_files

    def careless(records, **parts):
        files = written(records, **parts)
        files["report.html"] += b"<p>call +1 317 555 0161 back</p>"
        return files

    monkeypatch.setattr(report, "report_files", careless)
    with pytest.raises(RedactionError, match="report.html"):
        build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart()})
    assert not (tmp_path / "t.zip").exists()


def test_a_note_given_with_a_number_and_a_person_is_cleaned_on_every_page(calls, tmp_path):
    """Notes passed to build_bundle are the caller's words: pseudonymised in summary.md and report.html alike, so
    the ticket is written (before, report.html kept them as given and the last look refused the whole ticket)."""
    b = build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart()},
                     notes=["call +1 317 555 0161 back, or mail jane.doe@example.com"])
    files = texts_of(b.path)
    for name in ("summary.md", "report.html"):
        assert DIGITS not in re.sub(r"[^0-9A-Za-z]", "", files[name]) and "jane.doe" not in files[name], name
        assert "call +1-PN" in files[name] or "call PN" in files[name] or "call +PN" in files[name], \
            re.findall(r"call \S+ back", files[name])


def test_a_chart_named_after_the_caller_is_refused(calls, tmp_path):
    """A chart whose name holds the caller's number glued to a word: refused (its caption and the summary name it)."""
    with pytest.raises(RedactionError):
        build_bundle(tmp_path / "t.zip", calls, figures={f"caller_{DIGITS}": chart()})
    assert not (tmp_path / "t.zip").exists()


@pytest.mark.parametrize("spelling", [
    pytest.param({"url": f"https://crm.example.com/customer?phone={NUMBER}"}, id="a bar linking to the CRM record"),
    pytest.param({"url": f"tel:{NUMBER}"}, id="a bar linking to tel:"),
    pytest.param({"url": "data:text/plain,call +1 317 555 0161"}, id="a bar linking to a data: URL"),
    pytest.param({"gid": "+1 317 555 0161"}, id="a bar's element id"),
])
def test_the_callers_number_drawn_into_a_chart_never_leaves(calls, tmp_path, spelling):
    """The dialled number where a chart keeps it but the label cleaner does not rewrite it: refused, nothing written
    (the chart files and the page's inline copies are read for what they say, their drawing left out)."""
    with pytest.raises(RedactionError, match="phone number"):
        build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart(**spelling)})
    assert not (tmp_path / "t.zip").exists()


@pytest.mark.parametrize("title", [f"caller_{DIGITS}", f"ANI{DIGITS}"], ids=["glued to a word", "glued to letters"])
def test_the_callers_number_glued_to_a_word_in_a_chart_title_is_its_pseudonym(calls, tmp_path, title):
    """The dialled number glued to a word in a title: the label cleaner knows the number, so it writes its pseudonym
    there too (it was left, and the last look refused the ticket); the chart and the page hold no digit of it."""
    files = texts_of(build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart(title)}).path)
    for name in ("charts/calls.svg", "report.html"):
        assert DIGITS not in re.sub(r"[^0-9A-Za-z]", "", files[name]), name
    assert "PN" in files["charts/calls.svg"]


def test_an_e_mail_address_a_chart_links_to_never_leaves(calls, tmp_path):
    """A bar linking to mailto:someone@example.com: refused as personal data, nothing written (the chart is read for people too)."""
    with pytest.raises(RedactionError, match="nothing was written"):
        build_bundle(tmp_path / "t.zip", calls, figures={"calls": chart(url="mailto:zelda.canary@example.com")})
    assert not (tmp_path / "t.zip").exists()
