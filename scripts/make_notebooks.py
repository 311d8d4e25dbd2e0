"""Write the three notebooks from this one source, without outputs or widget state (run after editing here)."""
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
META = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"}}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

CONNECT_MD = md("## Where the calls go\n\n"
                "Unchanged, this notebook runs on diag's **built-in simulator** (no credentials, no real phone rings).\n\n"
                "> **To use a real org**, change the next cell to `session = diag.connect(\"eu_west_1\")` (your region) with "
                "`GENESYS_CLOUD_CLIENT_ID`/`GENESYS_CLOUD_CLIENT_SECRET` or a user token in `GENESYS_CLOUD_ACCESS_TOKEN`, "
                "in the environment or a `.env` file. Real calls need a user token and an explicit confirmation.")

NOTEBOOKS = {
    "01_build_and_test_a_call.ipynb": [
        md("# 01 · Build and test a call\n\n"
           "`POST /api/v2/conversations/calls` creates an outbound call **as the user the token belongs to**. Its body, "
           "`CreateCallRequest`, has no `to`, `from` or `type`: the number to dial is `phoneNumber`, the number shown "
           "is `callerId`.\n\n"
           "Build the body in the form or paste any JSON into **Raw JSON** (even one copied from a forum, curly quotes "
           "and all): the two stay in sync, the findings update as you type, **Fix it** applies the corrected body and "
           "lists what moved, **Send** fires the call and shows the status, correlation id, rate-limit state and a "
           "plain explanation."),
        CONNECT_MD,
        code("import diag\nfrom diag.app.widgets.composer import ComposerModel, ComposerView\n"
             "from diag.app.widgets.connect import ConnectModel, ConnectView\n\n"
             "session = diag.connect()   # REAL ORG: diag.connect(\"eu_west_1\")\n"
             "print(session.preflight().text())"),
        md("Or connect here: choose a region and type the credentials (they go to the session and the fields are "
           "cleared; nothing is stored in the notebook)."),
        code("connection = ConnectView(ConnectModel(session))\nconnection.widget"),
        code("composer = ComposerView(ComposerModel(session=session))\n"
             "connection.model.listeners.append(composer.set_session)   # a new connection re-targets the composer\n"
             "composer.widget"),
        md("## How did the call end?\n\nA 200 only means the call was created. After **Send**, run this cell to follow "
           "the conversation until it ends."),
        code("last = composer.model.last_exchange\n"
             "if last is not None and last.ok:\n"
             "    print(composer.model.session.follow_call(last.response_body[\"id\"], timeout=30).text())\n"
             "else:\n"
             "    print(\"Send a call with the panel above, then run this cell again.\")"),
        md("## The same from Python\n\n`diag.check(body)` gives the findings and the corrected body; "
           "`diag.check_operation(...)` says whether an endpoint exists (forum answers invent some)."),
        md("## Any endpoint\n\n400s happen on every endpoint. Pick or type an operation (concrete paths work too) and "
           "paste its body: it is checked against the SDK's model for that operation (unknown fields with the nearest "
           "real name, wrong types, values outside an enum, missing required fields, nested models)."),
        code("from diag.app.widgets.any_endpoint import AnyEndpointView\n\nAnyEndpointView().widget"),
        code("report = diag.check({\"to\": {\"phoneNumber\": \"+13175550100\"}, \"type\": \"external\"})\n"
             "for f in report.findings:\n    print(f.severity, f.path, f.code, '-', f.message)\n"
             "print(\"corrected:\", report.fixed)\n\n"
             "check = diag.check_operation(\"POST /api/v2/analytics/interactions/summary\")\n"
             "print(check.known, check.note)"),
    ],
    "02_error_codes_dashboard.ipynb": [
        md("# 02 · Error codes over time\n\n"
           "Genesys Cloud has no `/api/v2/analytics/interactions/summary`. When somebody asks for \"the analytics summary "
           "of API errors\", what exists is:\n\n"
           "- the **API Usage query** (`POST /api/v2/usage/query`, then its results): counts of responses by status "
           "class (2xx, 3xx, 4xx, 5xx, and 429 inside 4xx) per endpoint, OAuth client and user, by day, week or month;\n"
           "- the **usage summary of one OAuth client** (`GET /api/v2/oauth/clients/{clientId}/usage/summary?days=N`);\n"
           "- **rate-limit pressure** (`POST /api/v2/analytics/ratelimits/aggregates/query`) and **outbound call "
           "outcomes** (`POST /api/v2/analytics/conversations/aggregates/query`).\n\n"
           "Usage data is refreshed once a day and can be up to 24 h old. Exact codes (401 vs 403 vs 404) exist only "
           "for the calls made from diag itself (the session's exchange log)."),
        CONNECT_MD,
        code("import diag\nfrom diag.app.widgets.dashboard import DashboardModel, DashboardView\n\n"
             "session = diag.connect()   # REAL ORG: diag.connect(\"eu_west_1\")\nsession.label"),
        md("Choose the dates, granularity, grouping and filters, then **Run usage query**. The first run happens now."),
        code("dashboard = DashboardView(DashboardModel(session, days=90))\ndashboard.run()\ndashboard.widget"),
        md("One integration's usage summary (the OAuth client with the most requests):"),
        code("from diag.client.usage import client_usage_summary\n\n"
             "usage = dashboard.model.usage\n"
             "client_id = usage.groupby(\"clientId\")[\"requests\"].sum().idxmax()\n"
             "client_usage_summary(session, client_id, days=7, poll_interval=0.2 if session.simulated else 5).head()"),
    ],
    "03_support_ticket.ipynb": [
        md("# 03 · Support ticket\n\n"
           "Export what support needs in one zip: a paste-ready `summary.md`, the exchanges (JSON lines and HAR), "
           "`repro.sh`/`repro.py`, charts and data, a manifest and a redaction report. Tokens, secrets and the token "
           "request's form body are removed; phone numbers become pseudonyms unless you keep them. Nothing is "
           "uploaded."),
        CONNECT_MD,
        code("import diag\nfrom diag.app.widgets.dashboard import DashboardModel\nfrom diag.app.widgets.export import "
             "ExportModel, ExportView\n\nsession = diag.connect()   # REAL ORG: diag.connect(\"eu_west_1\")\n"
             "session.label"),
        md("The exchanges to export are the session's. On the simulator a few demo calls are made here; with a real "
           "org, load the log you saved in notebook 01 (`session.log.save(\"calls.jsonl\")` there):\n"
           "`session.log = diag.ExchangeLog.load(\"calls.jsonl\")`."),
        code("if session.simulated:\n"
             "    session.call({\"phoneNumber\": \"+13175550100\", \"callerId\": \"+13175550199\"})\n"
             "    session.send(\"POST\", \"/api/v2/conversations/calls\", {\"to\": {\"phoneNumber\": \"+13175550100\"}, "
             "\"type\": \"external\"})\n"
             "    session.call({\"phoneNumber\": \"+13175550101\"})\n"
             "session.log.to_frame()[[\"seq\", \"method\", \"template\", \"status\", \"error_code\", \"correlation_id\"]]"),
        md("Charts for the ticket come from a usage query (as in notebook 02):"),
        code("dashboard = DashboardModel(session, days=30)\ndashboard.progress = False\ndashboard.run()\n"
             "sorted(dashboard.figures)"),
        md("Choose exchanges and charts, **Preview** the summary and the redaction report, then **Export zip**. "
           "The summary below is ready to copy into the ticket."),
        code("export = ExportView(ExportModel(session, dashboard))\nexport.model.preview()\nexport.refresh()\n"
             "export.widget"),
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbf.v4.new_notebook()
        nb.metadata = META
        nb.cells = cells
        nbf.write(nb, ROOT / name)
        print("wrote", ROOT / name)


if __name__ == "__main__":
    main()
