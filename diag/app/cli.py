"""`python -m diag ...` / `diag ...`: the toolkit from a terminal.

Exit codes: 0 fine, 1 the check found an error (or the operation is unknown, or the server answered an error),
2 the input or the settings could not be used, 3 the safety gate refused to send (nothing left the machine).

A real org is reached only with an explicit --region; without it every command uses the built-in simulator
(`--sim URL` a running `python -m diag sim` on this machine instead).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence

from diag.core import textfile
from diag.core.errors import in_words

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_REFUSED = 0, 1, 2, 3


def _read_input(name: str, limit: int | None = None, what: str = "a call body is a few hundred bytes") -> str:
    return textfile.read_text(name, limit=limit or textfile.MAX_BODY_BYTES, what=what)


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"valid": False, "error": message, "findings": [], "fixed": None, "notes": []}))
    else:
        print(f"diag: {message}", file=sys.stderr)
    return EXIT_UNREADABLE


def _caller(args: argparse.Namespace):
    """Who a prediction is for: --as PERSONA (the simulator's), the caller of --sim URL or --region R (read with
    GET /api/v2/tokens/me and /api/v2/users/me), else the simulator's demo user."""
    if getattr(args, "as_", None):
        if args.region or args.sim:
            from diag.core.errors import ConfigError
            raise ConfigError("--as names one of the simulator's callers: give it without --region or --sim")
        from diag.client.connect import shared_simulator

        sim = shared_simulator()
        if args.as_ not in sim.PERSONAS:
            from diag.core.errors import ConfigError
            raise ConfigError(f"--as {args.as_!r} is none of the simulator's callers: {', '.join(sim.PERSONAS)}")
        return sim.caller(args.as_)
    if args.region or args.sim:
        return _session(args).caller()
    return None


def cmd_validate(args: argparse.Namespace) -> int:
    from diag.core.doctor import check_text

    try:
        text = _read_input(args.file)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}", args.json)
    from diag.core.doctor import UnknownOperation

    if args.country is not None:
        import phonenumbers

        if args.country.strip().upper() not in phonenumbers.SUPPORTED_REGIONS:
            return _fail(f"--country {args.country.strip()[:12]!r} is not a country diag knows: two letters (ISO "
                         "3166), such as US, GB or DE", args.json)
        args.country = args.country.strip().upper()
    try:
        report = check_text(text, region=args.country, operation=args.endpoint, caller=_caller(args))
    except UnknownOperation as exc:
        return _fail(str(exc), args.json)
    parsed = report.parsed
    if parsed is not None and not parsed.ok:
        if args.json:
            print(json.dumps({"valid": False, "error": parsed.describe_error(), "line": parsed.line,
                              "column": parsed.column, "findings": [f.to_dict() for f in report.findings],
                              "fixed": None, "notes": []}))
        else:
            print(f"diag: {args.file}: {parsed.describe_error()}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(format_report(report, args.file))
    # the exit code says what the headline says: an error in the body, or a refusal for this caller
    return EXIT_OK if report.valid and report.verdict != "refused" else EXIT_FINDINGS


def format_report(report, source: str = "body") -> str:
    from diag.core.doctor import ERROR, WARNING

    from diag.core.model import DEMO

    errors = sum(f.severity == ERROR for f in report.findings)
    warnings = sum(f.severity == WARNING for f in report.findings)
    p = report.prediction
    lines = [f"{report.headline.upper()}: {errors} error(s), {warnings} warning(s) in {source}",
             f"  {report.operation}, from {(report.caller or DEMO).describe()}",
             f"  {report.answer_words}" + (f": {p.message}" if p.code else "")]
    lines += [f"  note: {n}" for n in p.notes]
    for f in report.findings:
        lines.append(f"  {f.severity:<7} {f.path:<28} {f.code}")
        lines.append(f"          {f.message}")
    if report.fixed is not None:
        lines.append("Corrected body:")
        lines.append(json.dumps(report.fixed, indent=2, ensure_ascii=False))
    if report.notes:
        lines.append("What changed / notes:")
        lines += [f"  - {n}" for n in report.notes]
    return "\n".join(lines)


def cmd_endpoint(args: argparse.Namespace) -> int:
    from diag.core.endpoints import check_operation

    result = check_operation(" ".join(args.operation))
    if args.json:
        print(json.dumps(result.to_dict()))
    elif result.operation is not None:
        op = result.operation
        params = ", ".join(f"{k}={v}" for k, v in result.params.items())
        print(f"OK: {result.method} {result.path} is {op} ({op.summary})" + (f" [{params}]" if params else ""))
        if op.body:
            print(f"  body model: {op.body}")
    else:
        print(f"UNKNOWN: {result.method} {result.path} is not an operation of the Platform API.")
        if result.note:
            print(f"  {result.note}")
        if result.suggestions:
            print("  Real operations that come closest:")
            for s in result.suggestions:
                print(f"    {s}  ({s.summary})")
    return EXIT_OK if result.known else EXIT_FINDINGS


def cmd_sim(args: argparse.Namespace) -> int:
    import signal
    import threading

    from diag.sim import Simulator

    from diag.core.facts import CALLS_PATH

    sim = Simulator(seed=args.seed, port=args.port, host="127.0.0.1").start()
    print(f"diag simulator of Genesys Cloud (seed {args.seed})")
    print(f"  base URL (API and login host): {sim.base_url}")
    for c in sim.org.clients.values():
        if c.grant == "client_credentials" and c.secret:
            print(f"  demo OAuth client  {c.name}: client id {c.id}  secret {c.secret}")
    for u in sim.org.users.values():
        print(f"  demo user token    {u.name}: {sim.user_token(u.id)}")
    print(f"  try: curl -s -X POST {sim.base_url}{CALLS_PATH} -H 'Authorization: Bearer "
          f"{sim.user_token()}' -H 'Content-Type: application/json' -d '{{\"phoneNumber\": \"+13175550100\"}}'")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())   # before "ready": a SIGTERM right after it stops cleanly
    print("ready", flush=True)
    try:   # waking every half second: a signal handler runs between bytecodes, never inside a blocked wait
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    sim.stop()
    print("simulator stopped", flush=True)
    return EXIT_OK


def _session(args: argparse.Namespace):
    """The session a command talks to: a real org only with --region; --sim URL; else the simulator."""
    from diag.client.connect import connect

    region, sim_url, token = getattr(args, "region", None), getattr(args, "sim", None), getattr(args, "token", None)
    if region and sim_url:
        from diag.core.errors import ConfigError
        raise ConfigError("give --region (a real org) or --sim (a running simulator), not both")
    if sim_url:
        return connect(sim_url=sim_url, token=token, origin="cli")
    session = connect(region, token=token, origin="cli") if region else connect(token=token, origin="cli")
    if session.hint:
        print(f"diag: {session.hint}", file=sys.stderr)
    return session


def _refused(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"sent": False, "refused": message}))
    else:
        print(f"diag: not sent: {message}", file=sys.stderr)
    return EXIT_REFUSED


def cmd_preflight(args: argparse.Namespace) -> int:
    from diag.core.errors import DiagError, SafetyError
    from diag.core.facts import CALLS_ROUTE

    try:
        report = _session(args).preflight(args.endpoint or CALLS_ROUTE)
    except SafetyError as exc:
        return _refused(str(exc), args.json)
    except DiagError as exc:
        return _fail(str(exc), args.json)
    print(json.dumps(report.to_dict()) if args.json else report.text())
    return EXIT_OK if report.ok else EXIT_FINDINGS


def cmd_call(args: argparse.Namespace) -> int:
    from diag.core.errors import ConfirmationRequired, DiagError, SafetyError

    try:
        text = _read_input(args.file)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}", args.json)
    from diag.core.doctor import parse_body

    parsed = parse_body(text)
    if args.repair and not parsed.ok:
        return _fail(f"{args.file}: {parsed.describe_error()}", args.json)
    try:
        session = _session(args)
    except DiagError as exc:
        return _fail(str(exc), args.json)
    body, sent_note = _as_written_or_repaired(text, parsed, args.repair)
    try:
        confirm = (lambda prompt: True) if args.yes else _ask
        ex = session.call(body, confirm=confirm)
        if sent_note:
            ex.notes.insert(0, sent_note)
    except ConfirmationRequired as exc:
        return _refused(f"{exc.prompt} (not confirmed: answer yes, or pass --yes)", args.json)
    except SafetyError as exc:
        return _refused(str(exc), args.json)
    except DiagError as exc:
        return _fail(str(exc), args.json)
    # From here on the call has been made: whatever fails after, its status, correlation id and conversation id
    # reach the person, in one line each, never a traceback that invites a second call.
    answer = ex.response_body if isinstance(ex.response_body, dict) else {}
    conversation = answer.get("id") if ex.ok else None
    if ex.ok and not answer:
        ex.notes.append("the answer was not the JSON object a created call returns: its id could not be read "
                        "(the answer, as received, is below)")
        if args.follow:
            ex.notes.append("not followed: the answer names no conversation")
    trace = None
    if args.follow and conversation:
        if not args.json:
            print(f"{session.label}: POST {ex.path} -> {ex.status}  correlation id {ex.correlation_id}")
            print(f"  created conversation {conversation}; following it (up to {args.follow_timeout:g} s)")
        try:
            trace = session.follow_call(conversation, timeout=args.follow_timeout)
        except DiagError as exc:
            ex.notes.append(f"the call was created, but following it failed: {exc}")
        except Exception as exc:   # the call is placed and its answer shown, whatever following it met
            ex.notes.append(f"the call was created, but following it failed ({type(exc).__name__})")
    if args.log:
        try:
            session.log.save(args.log, append=True)
        except (OSError, ValueError) as exc:
            ex.notes.append(f"not appended to {args.log}: {getattr(exc, 'strerror', None) or exc}")
    if args.json:
        print(json.dumps({"status": ex.status, "correlationId": ex.correlation_id, "errorCode": ex.error_code,
                          "explanation": ex.explanation, "findings": ex.findings, "rateLimit": ex.rate_limit,
                          "target": session.label, "notes": ex.notes, "transportError": ex.transport_error,
                          "conversationId": conversation, "answer": ex.response_body,
                          "followed": trace.to_dict() if trace is not None else None}, default=str))
    elif trace is not None:
        print("  " + trace.text().replace("\n", "\n  "))
    else:
        print(f"{session.label}: POST {ex.path} -> {ex.status or 'no answer'}  correlation id {ex.correlation_id}")
        if ex.rate_limit:
            print("  rate limit: " + ", ".join(f"{k}={v}" for k, v in ex.rate_limit.items()))
        if conversation:
            print(f"  created conversation {conversation}")
        elif ex.ok and ex.response_body not in (None, "", {}):   # an answer diag could not read: shown as received
            shown = ex.response_body if isinstance(ex.response_body, str) else json.dumps(ex.response_body)
            print("  answer: " + shown[:4000].replace("\n", "\n  "))
        if ex.explanation:
            print(f"  {ex.error_code or ''} {ex.explanation}")
        for n in ex.notes:
            print(f"  note: {n}")
    if session.log.autosave_error:
        print(f"diag: not saved to the workspace: {session.log.autosave_error}", file=sys.stderr)
    if trace is not None and not (trace.ended and trace.connected):
        return EXIT_FINDINGS   # created, but the call did not connect (busy, no answer, failed) or did not end
    if args.follow and trace is None:
        return EXIT_FINDINGS   # asked to follow it and could not: "exit 1 unless it connected"
    return EXIT_OK if ex.ok else EXIT_FINDINGS


def _as_written_or_repaired(text: str, parsed, repair: bool) -> tuple:
    """The body to send and what to say of it: the bytes as written, or with --repair the repaired JSON (said)."""
    if repair and parsed.repairs:
        return parsed.value, "sent the repaired body (--repair): " + ", ".join(parsed.repairs)
    if parsed.repairs or not parsed.ok:
        what = ", ".join(parsed.repairs) if parsed.ok else parsed.describe_error()
        return text.encode("utf-8", "surrogatepass"), (f"sent as written, though it is not valid JSON ({what}); "
                                                       "--repair sends the repaired body")
    return text.encode("utf-8", "surrogatepass"), None


def cmd_send(args: argparse.Namespace) -> int:
    """Any operation, through the session and the gate: the server's answer as sent first, then diag's
    explanation (the model's, for this operation and this caller)."""
    from diag.core.doctor import UnknownOperation, check_text, parse_body
    from diag.core.endpoints import check_operation
    from diag.core.errors import ConfirmationRequired, DiagError, SafetyError

    method = args.method.upper()
    found = check_operation(method, args.path)
    if not found.known:
        return _fail(str(UnknownOperation(found)), args.json)
    text = None
    if args.file:
        try:
            text = _read_input(args.file)
        except (OSError, ValueError) as exc:
            return _fail(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}", args.json)
    try:
        session = _session(args)
    except DiagError as exc:
        return _fail(str(exc), args.json)
    body, sent_note = None, None
    if text is not None:
        parsed = parse_body(text)
        if args.repair and not parsed.ok:
            return _fail(f"{args.file}: {parsed.describe_error()}", args.json)
        body, sent_note = _as_written_or_repaired(text, parsed, args.repair)
    try:
        confirm = (lambda prompt: True) if args.yes else _ask
        ex = session.send(method, args.path, body, confirm=confirm)
    except ConfirmationRequired as exc:
        return _refused(f"{exc.prompt} (not confirmed: answer yes, or pass --yes)", args.json)
    except SafetyError as exc:
        return _refused(str(exc), args.json)
    except DiagError as exc:
        return _fail(str(exc), args.json)
    if sent_note:
        ex.notes.insert(0, sent_note)
    report = None
    if text is not None:
        # the prediction is for what was sent: the repaired body when --repair repaired it, else the text
        checked = json.dumps(body, ensure_ascii=False) if not isinstance(body, bytes) else text
        try:
            report = check_text(checked, operation=f"{method} {args.path}", caller=session.caller())
        except (DiagError, ValueError):
            report = None
    source = "the simulator's answer (modelled by diag, not Genesys)" if session.simulated else "the server's answer"
    if args.json:
        print(json.dumps({"target": session.label, "operation": str(found.operation), "status": ex.status,
                          "correlationId": ex.correlation_id, "errorCode": ex.error_code,
                          "answer": ex.response_body, "answerSource": source, "explanation": ex.explanation,
                          "notes": ex.notes, "transportError": ex.transport_error,
                          "prediction": report.prediction.to_dict() if report else None,
                          "findings": [f.to_dict() for f in report.findings] if report else []}, default=str))
    else:
        print(f"{session.label}: {method} {session.redactor.text(args.path)} -> {ex.status or 'no answer'}  correlation id "
              f"{ex.correlation_id}")
        print(f"  {source}:")
        shown = json.dumps(ex.response_body, indent=2, ensure_ascii=False) if not isinstance(
            ex.response_body, str) else ex.response_body
        print("  " + (shown or "(no body)")[:4000].replace("\n", "\n  "))
        if ex.explanation:
            print(f"  why: {ex.explanation}")
        if report is not None:
            p = report.prediction
            print(f"  diag's model predicted {p.status}{' ' + p.code if p.code else ''} ({p.evidence}) for "
                  f"{report.caller.describe()}")
            for f in report.findings:
                print(f"  {f.severity:<7} {f.path:<28} {f.code}: {f.message}")
        for n in ex.notes:
            print(f"  note: {n}")
    return EXIT_OK if ex.ok else EXIT_FINDINGS


def _ask(prompt: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        return False
    print(prompt, file=sys.stderr)
    return input("Type yes to send: ").strip().lower() == "yes"


def cmd_usage(args: argparse.Namespace) -> int:
    from diag.client.usage import FRESHNESS_NOTE, UsageQuery, poll_interval_for, query_usage
    from diag.core.errors import DiagError
    from diag.core.frames import save_csv

    from pathlib import Path

    taken = next((p for p in (args.csv, args.png) if p and Path(p).exists()), None)
    if taken:   # said before the query runs: nothing of the user's is overwritten
        return _fail(f"{taken} exists: choose another name", False)
    nowhere = next((p for p in (args.csv, args.png) if p and not Path(p).resolve().parent.is_dir()), None)
    if nowhere:   # ... and a query that may poll for minutes is not run for a file that cannot be written
        return _fail(f"{nowhere}: its folder {Path(nowhere).parent} does not exist (or is not a folder)", False)
    if args.png and Path(args.png).suffix.lower() not in ("", ".png", ".svg"):
        return _fail(f"--png {args.png}: the chart is written as .png or .svg", False)
    try:
        query = UsageQuery.build(days=args.days if args.interval is None else None, interval=args.interval,
                                 granularity=args.granularity, group_by=args.group_by)
        session = _session(args)
        poll = args.poll_interval if args.poll_interval is not None else poll_interval_for(session)
        frame = query_usage(session, query, poll_interval=poll, progress=sys.stderr.isatty())
    except DiagError as exc:
        return _fail(str(exc), False)
    unsaved = []   # the answer is printed whatever could not be written
    if args.csv:
        try:
            save_csv(frame, args.csv)
        except OSError as exc:
            unsaved.append(f"{args.csv}: {exc.strerror or exc}")
    if args.png:
        from diag.reports import charts
        fig = charts.status_classes_over_time(frame, session.label, query.label)
        try:
            with open(args.png, "xb") as fh:
                fig.savefig(fh, format=Path(args.png).suffix[1:].lower() or "png", dpi=charts.DPI)
        except OSError as exc:
            Path(args.png).unlink(missing_ok=True)   # opened here ("xb"): a cut-short chart is no one's file
            unsaved.append(f"{args.png}: {exc.strerror or exc}")
    totals = frame[["requests", "status200", "status300", "status400", "status429", "status500"]].sum()
    print(f"API usage on {session.label}, {query.label}, by {', '.join(query.group_by) or 'date'}")
    print(f"  from {frame.attrs.get('usage_api', 'the usage API')}")
    print(f"  requests {totals['requests']:,}  2xx {totals['status200']:,}  3xx {totals['status300']:,}  "
          f"4xx {totals['status400']:,} (of which 429: {totals['status429']:,})  5xx {totals['status500']:,}")
    keys = [c for c in ("templateUri", "httpMethod", "clientName") if c in frame.columns]
    if keys and not frame.empty:
        g = frame.groupby(keys)[["requests", "status400", "status500"]].sum()
        g["errors"] = g["status400"] + g["status500"]
        print("  top by errors:")
        for key, row in g.sort_values("errors", ascending=False).head(5).iterrows():
            label = " ".join(key) if isinstance(key, tuple) else key
            print(f"    {row['errors']:>7,} errors / {row['requests']:>9,} requests  {label}")
    print(f"  {FRESHNESS_NOTE}")
    for problem in unsaved:
        print(f"diag: not written: {problem}", file=sys.stderr)
    return EXIT_UNREADABLE if unsaved else EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from diag.app.ticket import bundle_from_session
    from diag.core import workspace
    from diag.core.errors import DiagError
    from diag.core.exchange import ExchangeLog, LogSource
    from diag.reports.bundle import bundle_from_log, check_target

    if args.list:
        logs = workspace.recent_logs()
        if not logs:
            print(f"no session logs in {workspace.home() or '(DIAG_HOME=off)'} yet")
        for i, info in enumerate(logs, 1):
            print(f"{i:>3}. {info.label}\n     {info.path}")
        return EXIT_OK
    log_path = _pick_log(args.log)
    if log_path is None and args.log:
        return _fail(f"--log {args.log}: no such session log (see `diag bundle --list`)", False)
    if args.usage_days is not None and args.usage_days < 1:
        return _fail(f"--usage-days {args.usage_days}: give the number of days to chart, 1 or more", False)
    if log_path is None and not (args.evidence or args.usage_days):   # the latest session that placed a call
        log_path = _pick_log("latest")
        if log_path is not None:
            print(f"diag: the latest session with calls: {log_path} (--log to choose another)", file=sys.stderr)
    if args.pcap and not args.genesys:
        return _fail("--pcap goes with --genesys: the PCAP is part of Genesys' side of the log's calls", False)
    out = Path(args.out) if args.out else workspace.new_ticket_path()
    if out.is_dir():
        return _fail(f"--out {out} is a folder: give the zip's file name, e.g. {out / 'ticket.zip'}", False)
    try:
        exchanges = list(ExchangeLog.load(log_path)) if log_path else []
        if not args.all:   # the story: the requests the person made, not diag's own reads (a log of only those: all)
            exchanges = [e for e in exchanges if not e.purpose] or exchanges
        evidence = None
        if args.evidence:   # the customer's requests, sanitised on read: their own section, beside or instead of a log
            from diag.core.evidence import read_evidence
            from diag.core.inspect import diagnose
            evidence = diagnose(read_evidence(_read_input(args.evidence, textfile.MAX_EVIDENCE_BYTES,
                                                          "split the capture into smaller HAR files")),
                                sim_hosts=args.sim_host or ())
            if not evidence.diagnoses:
                return _fail(f"--evidence {args.evidence}: no Genesys request in it ({evidence.skipped} other "
                             "request(s))", False)
        if not exchanges and evidence is None and not args.usage_days:
            return _fail("nothing to bundle: no session in the workspace placed a call; give --log SAVED_LOG (a file, "
                         "`latest`, or a number from `diag bundle --list`), --evidence FILE and/or --usage-days N",
                         False)
        source = LogSource.of(exchanges)     # the log says where it was recorded; mixed sources are refused
        options = {"keep_numbers": args.keep_numbers, "keep_people": args.keep_people, "newrelic": args.newrelic,
                   "overwrite": args.force, "inputs": [p for p in (log_path, args.evidence) if p and p != "-"],
                   "evidence": evidence, "scripts": not args.no_scripts}
        if args.genesys:   # Genesys' side of the log's calls, asked of the org (or simulator) that placed them
            from diag.client.genesys_side import conversations_of, genesys_side

            if source and not source.simulated and not args.region:
                return _fail(f"the log is from {source.label}: Genesys' side of its calls is asked there; add "
                             f"--region {source.region}", False)
            if source and source.simulated and not args.sim and (args.region or "simulator") != "simulator":
                return _fail(f"the log is from the simulator but --region {args.region} names a real org: its "
                             "calls are not there; give --sim URL (the simulator that placed them)", False)
            ids = conversations_of(exchanges)
            if not ids:
                return _fail("--genesys: the log placed no call (no create-call request answered 200)", False)
            check_target(out, overwrite=args.force, inputs=options["inputs"])   # before asking the org
            session = _session(args)
            beside = out.parent / f"{out.stem}-pcap" if args.pcap else None
            options["genesys"] = [genesys_side(session, cid, pcap_to=beside, pcap_name=f"{i:02d}-{cid}.pcap")
                                  for i, cid in enumerate(ids, 1)]
        if args.usage_days:   # usage needs a connection; a saved log alone does not
            if source and not source.simulated and not args.region:
                return _fail(f"the log is from {source.label}: its usage charts come from the same org; add "
                             f"--region {source.region} (diag will not chart the simulator's usage beside a real "
                             "org's calls)", False)
            if source and source.simulated and (args.region or "simulator") != "simulator":
                return _fail(f"the log is from the simulator but --region {args.region} names a real org: a ticket "
                             "shows one source; leave out --region, or use a log recorded there", False)
            check_target(out, overwrite=args.force, inputs=options["inputs"])   # before asking the org
            bundle = bundle_from_session(out, _session(args), exchanges=exchanges, usage_days=args.usage_days,
                                         **options)
        else:
            bundle = bundle_from_log(out, exchanges, **options)
    except FileExistsError as exc:
        return _fail(in_words(exc), False)
    except OSError as exc:
        return _fail(f"cannot read or write {exc.filename or log_path}: {exc.strerror or exc}", False)
    except (ValueError, DiagError) as exc:
        return _fail(str(exc), False)
    replaced = bundle.redaction_report["redacted"]
    print(f"wrote {bundle.path}")
    for side in options.get("genesys") or ():
        if side.pcap is not None:
            print(f"  PCAP of {side.conversation_id}: "
                  + (f"saved beside the ticket, {side.pcap.file} (raw: not in the ticket)" if side.pcap.ok
                     else side.pcap.line()))
    print(f"  {bundle.headline}; redacted: "
          + (", ".join(f"{k} x{v}" for k, v in replaced.items()) or "nothing"))
    if args.print_summary:
        print()
        print(bundle.summary)
    return EXIT_OK


def cmd_conversation(args: argparse.Namespace) -> int:
    from diag.client.genesys_side import genesys_side
    from diag.core.errors import DiagError
    from diag.core.regions import IN_PROCESS_BASE

    if not (0 < args.window <= 24 * 60):
        return _fail(f"--window {args.window:g}: give minutes between 1 and 1440", args.json)
    if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", args.conversation_id):
        return _fail(f"{args.conversation_id[:40]!r} is not a conversation id: give the id a call's answer names (a "
                     "UUID such as 7f9e0c2a-...)", args.json)
    try:
        session = _session(args)
        side = genesys_side(session, args.conversation_id, window_minutes=args.window, pcap_to=args.pcap)
    except DiagError as exc:
        return _fail(str(exc), args.json)
    # found: a part that is about this conversation answered (the org-wide queries answer whatever the id)
    found = any(p.ok for p in side.parts if "{conversationId}" in p.operation)
    fresh = session.api_base == IN_PROCESS_BASE   # this command's own simulator, started empty
    hint = ("This command's built-in simulator started empty: it knows no call placed by an earlier command. "
            "Run `python -m diag sim` and pass --sim URL to both `diag call` and `diag conversation`."
            if fresh and not found else None)
    if args.json:
        print(json.dumps({**side.to_dict(), **({"hint": hint} if hint else {})}, indent=1))
    else:
        print(side.text())
        if hint:
            print(hint)
    return 0 if found else 1


def cmd_limits(args: argparse.Namespace) -> int:
    from diag.core.evidence import read_evidence
    from diag.core.limits import limits_of

    try:
        text = _read_input(args.file, textfile.MAX_EVIDENCE_BYTES, "split the capture into smaller HAR files")
        evidence = read_evidence(text)
    except (OSError, ValueError) as exc:   # UnreadableEvidence is a ValueError
        return _fail(f"{args.file}: {getattr(exc, 'strerror', None) or exc}", args.json)
    if evidence.kind not in ("har", "diag-log"):
        return _fail(f"{args.file}: a {evidence.kind} holds one request; limits need a HAR file or a diag log",
                     args.json)
    try:
        report = limits_of(evidence, sim_hosts=args.sim_host or ())
    except ValueError as exc:   # a --sim-host that is not HOST:PORT on this machine
        return _fail(str(exc), args.json)
    written: list[str] = []
    if args.chart:
        from diag.reports import charts
        try:
            paths = charts.save_figure(charts.requests_per_minute(report, f"customer evidence ({evidence.kind})"),
                                       args.chart)
        except OSError as exc:   # FileExistsError included: nothing of the person's is replaced
            return _fail(f"--chart {args.chart}: {getattr(exc, 'strerror', None) or exc}", args.json)
        written = [str(p) for p in paths]
    if args.json:
        print(json.dumps({**report.public_dict(), "charts": written}, indent=1))
    else:
        print(report.public_text())
        for path in written:
            print(f"wrote {path}")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from pathlib import Path

    from diag.core.errors import DiagError
    from diag.core.evidence import read_evidence
    from diag.core.inspect import diagnose

    empty = next((o for o, v in (("--sanitise", args.sanitise), ("--charts", args.charts)) if v is not None
                  and not v.strip()), None)
    if empty:   # said before the capture is read: nothing would be written, and nothing said
        return _fail(f"{empty} needs a file or folder name", args.json)
    try:
        sims = args.sim_host or ()
        text = _read_input(args.file, textfile.MAX_EVIDENCE_BYTES, "split the capture into smaller HAR files")
        inspection = diagnose(read_evidence(text), sim_hosts=sims)
    except (OSError, ValueError) as exc:   # UnreadableEvidence is a ValueError
        return _fail(f"{args.file}: {getattr(exc, 'strerror', None) or exc}", args.json)
    if args.sanitise:
        out = Path(args.sanitise)
        if out.exists():
            return _fail(f"{out} exists: choose another name for the sanitised HAR", args.json)
        try:
            report = _write_sanitised_har(inspection, out)
        except (OSError, DiagError) as exc:   # a redaction failure writes nothing; so does an unwritable place
            return _fail(f"--sanitise {out}: {getattr(exc, 'strerror', None) or exc}", args.json)
        from diag.reports.bundle import NOT_COVERED
        inspection.notes.append(f"sanitised HAR written to {out}: replaced " + (", ".join(
            f"{k} x{v}" for k, v in report.items()) or "nothing") + f". {NOT_COVERED}")
    if args.charts:
        from diag.reports import charts
        folder = Path(args.charts)
        taken = [p for stem in charts.EVIDENCE_CHARTS for p in (folder / f"{stem}.png", folder / f"{stem}.svg")
                 if p.exists()]
        if taken:
            return _fail(f"--charts {folder}: {taken[0].name} exists there; choose another folder", args.json)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return _fail(f"--charts {folder}: {exc.strerror or exc}", args.json)
        # labels with pseudonyms, as everything shown
        for name, fig in charts.evidence_figures(inspection.public_rows(), inspection.kind,
                                                 inspection.span()).items():
            written = charts.save_figure(fig, folder / name)
            inspection.notes.append("chart: " + ", ".join(str(p) for p in written))
    if args.json:   # numbers and people as pseudonyms: a terminal is a screen others see, and output is pasted
        print(json.dumps(inspection.public_dict(), ensure_ascii=False))
    else:
        print(inspection.public_text())
    return EXIT_FINDINGS if inspection.failures else EXIT_OK



def _write_sanitised_har(inspection, out) -> dict:
    """The Genesys requests as HAR 1.2, redacted (on read) and pseudonymised (numbers, people), checked like a
    bundle before it is written."""
    from diag.core.exchange import write_private
    from diag.reports.bundle import sanitised_har

    data, replaced = sanitised_har(inspection)
    write_private(out, data, replace=False)   # a file that appeared meanwhile stays
    return replaced


def cmd_notebooks(args: argparse.Namespace) -> int:
    from pathlib import Path

    from diag.core import workspace

    source = Path(args.source) if args.source else Path(__file__).resolve().parents[2] / "notebooks"
    if not source.is_dir():
        return _fail(f"no notebooks at {source}", False)
    try:
        folder, written = workspace.notebook_copies(source)
    except (OSError, ValueError) as exc:
        return _fail(str(exc), False)
    for name in written:
        print(f"diag: copied {name}", file=sys.stderr)
    print(folder)
    return EXIT_OK


def _pick_log(given: str | None):
    """A path, `latest`, or N (the Nth newest session log in the workspace)."""
    from pathlib import Path

    from diag.core import workspace

    if not given:
        return None
    if given == "latest" or given.isdigit() and not Path(given).exists():
        logs = workspace.recent_logs()
        index = 0 if given == "latest" else int(given) - 1
        return logs[index].path if 0 <= index < len(logs) else None
    return Path(given)


def _port(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535; 0 picks a free one)")
    return value


def _evidence_options(p: argparse.ArgumentParser, what: str) -> None:
    """The options of every verb that reads the customer's evidence (inspect, limits)."""
    p.add_argument("file", help=what)
    p.add_argument("--sim-host", action="append", metavar="HOST:PORT",
                   help="a diag simulator (`diag sim`) in the capture: its requests count as Genesys requests")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", help="a REAL org's region (e.g. eu_west_1; credentials from GENESYS_CLOUD_* variables "
                                    "or .env); `simulator` for the built-in one. Without it: the simulator")
    p.add_argument("--sim", metavar="URL", help="a running `python -m diag sim` on this machine, e.g. "
                                                 "http://127.0.0.1:8765")
    p.add_argument("--token", help="a user access token (default: from the environment, or the simulator's demo user)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diag", description="Diagnose Genesys Cloud Platform API calls.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a request body (POST /api/v2/conversations/calls by default)")
    p.add_argument("file", help="a JSON file, or - for standard input")
    p.add_argument("--endpoint", help='the operation the body is for, e.g. "POST /api/v2/usage/query" '
                                      "(concrete paths resolve to their template)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--country", help="country (ISO code, e.g. US) for numbers written without +")
    p.add_argument("--as", dest="as_", metavar="PERSONA", help="predict for one of the simulator's callers: avery "
                   "(every permission), sam (no station), riley (no call permission), client-credentials")
    p.add_argument("--region", help="predict for the caller of a REAL org's token (its region; credentials from "
                                    "GENESYS_CLOUD_* variables or .env): read with GET requests only")
    p.add_argument("--sim", metavar="URL", help="predict for the caller of a running `python -m diag sim`")
    p.add_argument("--token", help="the token whose caller to read (with --region or --sim)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("endpoint", help="check that METHOD PATH is a real Platform API operation")
    p.add_argument("operation", nargs="+", help='e.g. "POST /api/v2/conversations/calls"')
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_endpoint)

    p = sub.add_parser("preflight", help="can this token do this here? (a call by default; simulator unless "
                                         "--region)")
    p.add_argument("--endpoint", help='the operation, e.g. "POST /api/v2/usage/query" (default: create a call)')
    _target_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_preflight)

    p = sub.add_parser("call", help="fire one test call with a body from FILE (simulator unless --region)")
    p.add_argument("file", help="a JSON body, or - for standard input (sent as written; see --repair)")
    _target_options(p)
    p.add_argument("--yes", action="store_true", help="confirm a real call without asking")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--log", help="append the exchanges to this saved log (JSON lines)")
    p.add_argument("--follow", action="store_true", help="follow the created call to its end and say how it ended "
                                                         "(exit 1 unless it connected)")
    p.add_argument("--follow-timeout", type=float, default=60, help=argparse.SUPPRESS)
    p.add_argument("--repair", action="store_true", help="send the repaired JSON when the file's is damaged (smart "
                                                         "quotes, trailing commas...); without it the bytes go as "
                                                         "written")
    p.set_defaults(func=cmd_call)

    p = sub.add_parser("send", help="send any operation (simulator unless --region): the server's answer, then "
                                    "diag's explanation")
    p.add_argument("method", help="GET, POST, PUT, PATCH or DELETE")
    p.add_argument("path", help="e.g. /api/v2/usage/query (a query string may follow)")
    p.add_argument("file", nargs="?", help="the body: a JSON file, or - for standard input (sent as written)")
    _target_options(p)
    p.add_argument("--yes", action="store_true", help="confirm a write to a real org without asking")
    p.add_argument("--repair", action="store_true", help="send the repaired JSON when the file's is damaged")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_send)

    p = sub.add_parser("usage", help="API usage (responses by status class) as a table, CSV and PNG")
    span = p.add_mutually_exclusive_group()
    span.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    span.add_argument("--interval", help="ISO-8601 start/end, e.g. 2026-01-01/2026-01-31")
    p.add_argument("--granularity", default="Day", help="Day, Week or Month")
    p.add_argument("--group-by", default="TemplateUri,HttpMethod",
                   help="comma-separated: OAuthClientId, OrganizationId, UserId, TemplateUri, HttpMethod")
    p.add_argument("--csv", help="write the tidy frame here")
    p.add_argument("--png", help="write the status-class chart here (.png or .svg)")
    _target_options(p)
    p.add_argument("--poll-interval", type=float, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_usage)

    p = sub.add_parser("inspect", help="diagnose every Genesys request in a HAR file, a cURL command, a raw HTTP "
                                        "request or a diag log (read by content)")
    _evidence_options(p, "the evidence, or - for standard input")
    p.add_argument("--sanitise", "--sanitize", metavar="OUT.har", help="also write the Genesys requests as a HAR "
                   "with tokens, secrets, numbers and people replaced (never overwrites)")
    p.add_argument("--charts", metavar="DIR", help="also draw the exact codes over the evidence's time span and the "
                                                   "latency by operation (PNG and SVG) into DIR")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("conversation", help="Genesys' side of one conversation: analytics details, SIP messages and "
                                             "headers, SIP trace metadata, operational events and audits of its "
                                             "window, in one timeline with diag's own requests (simulator unless "
                                             "--region)")
    p.add_argument("conversation_id", metavar="ID", help="the conversation id (a call diag placed, or one in the "
                                                         "customer's evidence)")
    _target_options(p)
    p.add_argument("--window", type=float, default=30, metavar="MINUTES",
                   help="minutes either side of the conversation for events, audits and SIP traces (default 30)")
    p.add_argument("--json", action="store_true", help="machine-readable output (numbers and people pseudonymised)")
    p.add_argument("--pcap", metavar="FOLDER", help="also download the conversation's PCAP into FOLDER (a new file, "
                                                    "never over one; raw and unredacted: diag never opens it)")
    p.set_defaults(func=cmd_conversation)

    p = sub.add_parser("limits", help="which rate limit did the requests of a HAR file or a diag log hit: requests "
                                       "per minute per caller against each layer of Genesys' limits, 429s placed")
    _evidence_options(p, "a HAR file or a diag log (a saved session), or - for standard input")
    p.add_argument("--chart", metavar="STEM", help="also draw requests per minute by caller with the 429s and the "
                                                   "layers' figures (STEM.png and STEM.svg; never overwrites)")
    p.set_defaults(func=cmd_limits)

    p = sub.add_parser("notebooks", help="copy the notebooks into the workspace (what `make lab` opens) and "
                                          "print that folder")
    p.add_argument("--source", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_notebooks)

    p = sub.add_parser("bundle", help="export a support-ticket zip: report.html, case.txt, summary.md, the "
                                      "exchanges, a HAR, replay scripts (redacted; numbers and people pseudonymised)")
    p.add_argument("--out", help="the zip to write (default: a new ticket in the workspace, $DIAG_HOME/tickets)")
    p.add_argument("--log", help="a saved exchange log: a file, `latest`, or N from --list (the workspace's "
                                 "session logs, newest first; default: the latest that placed a call)")
    p.add_argument("--list", action="store_true", help="list the workspace's session logs that placed a call, "
                                                       "newest first")
    p.add_argument("--all", action="store_true", help="every exchange of the log, diag's own too (identity reads, "
                                                      "call polls, usage queries); by default only the requests made")
    p.add_argument("--sim-host", action="append", metavar="HOST:PORT",
                   help="with --evidence: a diag simulator in the capture, read as a Genesys host")
    p.add_argument("--evidence", metavar="FILE", help="the customer's HAR, cURL command or raw request: its Genesys "
                                                      "requests, findings and charts join the ticket in their own "
                                                      "section (sanitised), beside --log's calls or on their own")
    p.add_argument("--print-summary", action="store_true", help="also print the whole summary.md")
    p.add_argument("--usage-days", type=int, help="add usage charts and data for the last N days")
    p.add_argument("--keep-numbers", action="store_true", help="keep phone numbers instead of pseudonyms")
    p.add_argument("--keep-people", action="store_true", help="keep names and e-mail addresses instead of "
                                                              "pseudonyms (shown in the redaction report)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists (never the input log)")
    p.add_argument("--newrelic", action="store_true", help="also write newrelic-events.json")
    p.add_argument("--no-scripts", action="store_true", help="leave out repro.sh and repro.py, for a case portal "
                   "that refuses script attachments")
    p.add_argument("--genesys", action="store_true", help="add Genesys' side of the log's calls (analytics details, "
                                                          "SIP, events, audits) under genesys/, asked with --sim URL "
                                                          "or --region R")
    p.add_argument("--pcap", action="store_true", help="with --genesys: also download each call's PCAP into a folder "
                                                       "beside the ticket (OUT-pcap/), never into it: raw and "
                                                       "unredacted")
    _target_options(p)
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser("sim", help="run the built-in Genesys Cloud simulator on 127.0.0.1")
    p.add_argument("--port", type=_port, default=8765,
                   help="its port on 127.0.0.1 (default 8765; 0 picks a free one)")
    p.add_argument("--seed", type=int, default=1,
                   help="the seed the simulated org, its history and its ids are made from (default 1)")
    p.set_defaults(func=cmd_sim)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Every DiagError (and a file that cannot be read or written) ends as one line and exit 2, never a traceback."""
    from diag.core.errors import DiagError, SafetyError

    for stream in (sys.stdout, sys.stderr):   # text no terminal can encode (a lone surrogate) is escaped, not fatal
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except SafetyError as exc:
        return _refused(str(exc), getattr(args, "json", False))
    except BrokenPipeError:   # the reader stopped reading (| head): nothing more to say, and nothing to say it on
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return 141
    except OSError as exc:
        return _fail(in_words(exc), getattr(args, "json", False))
    except DiagError as exc:
        return _fail(str(exc), getattr(args, "json", False))


if __name__ == "__main__":
    sys.exit(main())
