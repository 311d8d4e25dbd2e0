"""Write the notebooks from this one source, without outputs or widget state (run after editing here;
tests/notebooks/test_notebooks.py fails when the committed notebooks differ from what this writes)."""
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
META = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"}}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

NOTEBOOKS = {
    '00_diag_app.ipynb': [
        md("# diag\n\nWhy a Genesys Cloud API request fails, and a clean ticket of it. In JupyterLab, choose **Run › Run All Cells** if the panels below are not showing.\n\nOne connection, and every tool in a tab that shares it: **test a call** (build it, see what Genesys will answer, send it, follow it), check **any endpoint**, read the customer's **evidence** (a HAR, a cURL line, a log), chart **usage** and error codes, and make the **ticket**. Unchanged, everything runs on diag's built-in simulator: no credentials, no real phone rings. To use a real org, choose its region in **Connect to**; every tab moves to it."),
        code('from diag.app.workbench import Workbench\n\napp = Workbench()\napp.widget'),
    ],
    '01_build_and_test_a_call.ipynb': [
        md('# 01 · Build and test a call\n\n`POST /api/v2/conversations/calls` creates an outbound call **as the user the token belongs to**. Its body, `CreateCallRequest`, has no `to`, `from` or `type`: the number to dial is `phoneNumber`, the number shown is `callerId`.\n\nBuild the body in the form or paste any JSON into **Raw JSON** (even one copied from a forum, curly quotes and all): the two stay in sync, the findings update as you type, **Fix it** applies the corrected body and lists what moved, **Send** fires the call and shows the status, correlation id, rate-limit state and a plain explanation.\n\n> The panels appear when the code cells run: in JupyterLab choose **Run › Run All Cells** (the app, `make app`, runs them for you).'),
        md('## Where the calls go\n\nUnchanged, this notebook runs on diag\'s **built-in simulator** (no credentials, no real phone rings). Every session is saved as it happens in your workspace (`~/diag-work/sessions`, or `$DIAG_HOME`), so notebook 03, the app and `diag bundle` can make a ticket from it later.\n\n> **To use a real org**, choose its region in the connection panel and type a client id and secret or paste a user token (they go to the session and the fields are cleared; nothing is stored in the notebook). Real calls need a user token and an explicit confirmation.\n\nThe simulator\'s people show the errors support meets: choose *user without a station*, *user without the call permission* or *client credentials* in **Connect to**.'),
        code('import diag\nfrom diag.app.widgets.composer import ComposerModel, ComposerView\nfrom diag.app.widgets.connect import ConnectModel, ConnectView\n\nsession = diag.connect()   # REAL ORG: diag.connect("eu_west_1")\nconnection = ConnectView(ConnectModel(session))\nconnection.widget'),
        md("## Build, send, follow, hand over\n\n1. Paste the customer's body into **Raw JSON** (or build it in the form). The verdict and the findings update as you type; **Fix it** applies the corrected body and lists what it changed.\n2. **Send**: the server's answer comes first (status line, time, correlation id, rate limit, the error body as sent, headers, raw body, copy as cURL/Python), then diag's explanation.\n3. **Follow the call**: a 200 only means *created*; this watches the call until it ends and says how.\n4. **Add to ticket**, then **Export ticket**: a redacted zip (no token, secret, name or raw number) with a download link. History lists your calls newest first; click one to see its answer again."),
        code('composer = ComposerView(ComposerModel(session=session))\nconnection.model.listeners.append(composer.set_session)   # a new connection re-targets the composer\ncomposer.widget'),
        md('## Any endpoint\n\n400s happen on every endpoint. Pick or type an operation (concrete paths work too), fill its path parameters and query, and write its body in the form (the body model\'s own fields) or paste it as raw JSON: the prediction is the server model\'s, for that operation and **for who is connected** (permissions, token kind, station), with its evidence (documented, sdk-model, modelled). **Fix it** writes the body that was meant and lists what changed; **Send** goes through the safety gate (a write to a real org asks first) and shows the answer as sent. The **Preflight** line of the connection panel checks any operation for the connected caller. From a terminal: `diag validate --endpoint OP --as sam`, `diag send METHOD PATH FILE`.'),
        code('from diag.app.widgets.any_endpoint import AnyEndpointModel, AnyEndpointView\n\nendpoint = AnyEndpointView(AnyEndpointModel(session=session))\nconnection.model.listeners.append(endpoint.set_session)\nendpoint.widget'),
        md("## The customer's evidence\n\nSupport rarely starts from a body it wrote. Upload the HAR file the customer saved from the browser's devtools, or paste a *Copy as cURL* line or a raw HTTP request: it is read at once and kept only sanitised (tokens, cookies, secrets, numbers and names replaced; the upload and the pasted text are cleared). Every Genesys request is diagnosed (operation, body verdict, the error as Genesys sent it, correlation id), with two charts (exact codes over the capture's time span, latency by operation); numbers and names are shown as pseudonyms. **Open in composer** loads a failing request in the panel that fits it (a call in the composer, any other operation in *Any endpoint*); **Add to ticket** puts the evidence in the ticket above (its own section, beside your calls) and keeps a sanitised copy in your workspace for notebook 03; **Export as ticket** makes a ticket of the evidence alone. From a terminal: `python -m diag inspect FILE` and `python -m diag bundle --evidence FILE`."),
        code('from diag.app.widgets.evidence import EvidenceModel, EvidenceView\n\nevidence = EvidenceView(EvidenceModel(composer.model, endpoint.model))\nevidence.widget'),
    ],
    '02_error_codes_dashboard.ipynb': [
        md('# 02 · Error codes over time\n\nGenesys Cloud has no `/api/v2/analytics/interactions/summary`. When somebody asks for "the analytics summary of API errors", what exists is:\n\n- the **API usage jobs** (`POST /api/v2/usage/aggregates/query/jobs`, then `GET /api/v2/usage/aggregates/query/jobs/{jobId}` for its results; the older `POST /api/v2/usage/query` only when the jobs are refused, and labelled so): counts of responses by status class (2xx, 3xx, 4xx, 5xx, and 429 inside 4xx) per endpoint, OAuth client and user, by day, week or month;\n- the **usage summary of one OAuth client** (`GET /api/v2/oauth/clients/{clientId}/usage/summary?days=N`);\n- **rate-limit pressure** (`POST /api/v2/analytics/ratelimits/aggregates/query`) and **outbound call outcomes** (`POST /api/v2/analytics/conversations/aggregates/query`).\n\nUsage data is refreshed once a day and can be up to 24 h old. Exact codes (401 vs 403 vs 404) exist only for the calls made from diag itself (the session\'s exchange log).\n\n> The panels appear when the code cells run: in JupyterLab choose **Run › Run All Cells** (the app, `make app`, runs them for you).'),
        md('## Where the calls go\n\nUnchanged, this notebook runs on diag\'s **built-in simulator** (no credentials, no real phone rings).\n\n> **For a real org\'s usage**, choose its region in **Connect to** and type a client id and secret (with `usage:organization:view`) or paste a token: the dashboard runs again on that org.'),
        code('import diag\nfrom diag.app.widgets.connect import ConnectModel, ConnectView\nfrom diag.app.widgets.dashboard import DashboardModel, DashboardView\n\nsession = diag.connect()   # REAL ORG: diag.connect("eu_west_1")\nconnection = ConnectView(ConnectModel(session))\nconnection.widget'),
        md('Choose the dates, granularity, grouping and filters, then **Run usage query**. The first run happens now.'),
        code('dashboard = DashboardView(DashboardModel(session, days=90))\nconnection.model.listeners.append(dashboard.set_session)   # a new connection charts that org\ndashboard.run()\ndashboard.widget'),
        md("One integration's usage summary (the OAuth client with the most requests):"),
        code('import ipywidgets as widgets\n\nwidgets.HTML(dashboard.model.busiest_client_html(days=7))'),
    ],
    '03_support_ticket.ipynb': [
        md("# 03 · Support ticket\n\nExport what support needs in one zip: a paste-ready `summary.md`, the exchanges (JSON lines and HAR), `repro.sh`/`repro.py`, charts and data, a manifest and a redaction report. Tokens, secrets and the token request's form body are removed; phone numbers become pseudonyms unless you keep them. Nothing is uploaded.\n\n> The panels appear when the code cells run: in JupyterLab choose **Run › Run All Cells** (the app, `make app`, runs them for you)."),
        md('## Which calls\n\n**Calls from** offers this session and every saved session in your workspace, newest first, with where they went (simulator, or the org and region) and how many calls they hold: the calls you made in notebook 01 or in the app are there. A ticket shows one source: a real org\'s calls are exported with that org\'s charts only (connect to it first), never with the simulator\'s.\n\n> **For a real org\'s calls and charts**, choose its region in **Connect to** and type its credentials: this session, the list and the charts move to that org.'),
        code('import diag\nfrom diag.app.widgets.connect import ConnectModel, ConnectView\nfrom diag.app.widgets.dashboard import DashboardModel\nfrom diag.app.widgets.export import ExportModel, ExportView\n\nsession = diag.connect()   # REAL ORG: diag.connect("eu_west_1")\ndashboard = DashboardModel(session, days=30)   # the charts for the ticket (as in notebook 02)\ndashboard.progress = False\ndashboard.run()\nconnection = ConnectView(ConnectModel(session))\nconnection.widget'),
        md('Choose the calls and charts, and the customer\'s **Evidence** if notebook 01\'s evidence panel added some (beside the calls, or alone with *no calls*), **Preview** the summary and the redaction report, then **Export zip**: the download link appears below it, and the zip stays in your workspace (`~/diag-work/tickets`). The summary is ready to paste into the ticket.'),
        code('export = ExportView(ExportModel(session, dashboard))\nconnection.model.listeners.append(export.set_session)   # a new connection: its calls and charts\nexport.widget'),
    ],
}


def build() -> dict:
    """name -> notebook, as committed."""
    out = {}
    for name, cells in NOTEBOOKS.items():
        nb = nbf.v4.new_notebook()
        nb.metadata = META
        nb.cells = cells
        out[name] = nb
    return out


def main() -> None:
    for name, nb in build().items():
        nbf.write(nb, ROOT / name)
        print("wrote", ROOT / name)


if __name__ == "__main__":
    main()
