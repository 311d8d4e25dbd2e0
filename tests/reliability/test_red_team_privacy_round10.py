"""A tenth look at redaction: tables. A CSV or TSV (a contact list, a spreadsheet pasted into a note, a database
client's output in a log) with a column named like a credential kept every row's value: names are read from a
header line, not from each row."""
import json

import pytest

from diag.core.inspect import inspect
from diag.core.redact import Redactor
from diag.reports.bundle import build_bundle
from tests.reliability.test_red_team_privacy_round8 import IE, entry, har, texts_of
from tests.linear import in_linear_time

SECRET = "Zq7Vx9Kp2"


@pytest.mark.parametrize("table", [f"user,password,role\nbob,{SECRET},admin\n",
                                   f"user\tpassword\r\nbob\t{SECRET}\r\n",   # pasted from a spreadsheet
                                   f"id;api_key;note\n1;{SECRET};first\n",
                                   f"| user | client_secret |\n|---|:---:|\n| bob | {SECRET} |\n",   # Markdown
                                   f'"user","Password"\n"bob","{SECRET}"\n',
                                   f"log start\nuser, auth_token, region\nbob, {SECRET}, eu\namy, x, us\nlog end"])
def test_a_tables_credential_column_loses_every_rows_value_and_it_is_sought_elsewhere(table):
    red = Redactor()
    out = red.text(table)
    assert SECRET not in out and "[REDACTED]" in out, out
    assert SECRET not in red.text(f"later the same {SECRET} in a message")


def test_the_other_cells_of_the_table_and_the_lines_around_it_stay():
    text = f"before, and after\nuser,password,role\nbob,{SECRET},admin\namy,,viewer\n\nnote, {SECRET[:3]}\n"
    out = Redactor().text(text)
    assert out == text.replace(SECRET, "[REDACTED]", 1), out


def test_a_quoted_cell_holding_the_separator_goes_whole_and_the_next_cell_stays():
    out = Redactor().text('user,password,role\nbob,"a,Zq7Vx9Kp2",admin\n')
    assert out == 'user,password,role\nbob,"[REDACTED]",admin\n', out


def test_a_markdown_tables_rule_line_is_kept():
    out = Redactor().text("| user | password |\n|------|:--------:|\n| bob | Zq7Vx9Kp2 |\n")
    assert out == "| user | password |\n|------|:--------:|\n| bob | [REDACTED] |\n", out


def test_the_table_ends_at_a_line_with_another_count_of_cells():
    out = Redactor().text("user,password\nbob,Zq7Vx9Kp2\nthe end, of the list, and prose\n")
    assert out.endswith("the end, of the list, and prose\n"), out


@pytest.mark.parametrize("table", ["name,code\nlist,bad.request\n", "client,tokenExpirySeconds\nweb,3600\n",
                                   "date,password\n2026-11-01,\n", "user,password\nbob,[REDACTED]\n",
                                   "Hello, world\nthis is, prose\n", "a,b\n1,2\n"])
def test_a_table_without_a_credential_is_kept_as_it_is(table):
    assert Redactor().text(table) == table


def test_a_csv_in_a_customers_har_never_reaches_the_ticket(tmp_path):
    """A contact list uploaded as CSV, with a column the customer's own system named like a credential."""
    csv = f"name,phone,portal_password\nAvery,+13175550100,{SECRET}\n"
    found = inspect(har(entry("POST", IE + "/api/v2/outbound/contactlists/c1/contacts", 400, text=csv,
                              mime="text/csv", answer={"code": "bad.request", "status": 400, "message": "m"})))
    assert SECRET not in json.dumps(found.to_dict())
    files = texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found, notes=[f"pasted:\n{csv}"]).path)
    assert SECRET not in "".join(files.values())


def test_a_long_table_and_a_long_header_like_line_are_read_in_linear_time():
    with in_linear_time():
        Redactor().text("user,password\n" + "bob,Zq7Vx9Kp2\n" * 50_000)
        Redactor().text(("a " * 50_000) + ",\n" + ("b," * 50_000) + "\n")
        Redactor().text("x" + " y" * 100_000 + "\n1")
