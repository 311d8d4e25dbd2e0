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
                                   f"log start\nuser, auth_token, region\nbob, {SECRET}, eu\namy, x, us\nlog end",
                                   f"user,auth code\nbob,{SECRET}\n", f"user,authorization_code\nbob,{SECRET}\n"])
def test_a_tables_credential_column_loses_every_rows_value_and_it_is_sought_elsewhere(table):
    red = Redactor()
    out = red.text(table)
    assert SECRET not in out and "[REDACTED]" in out, out
    assert SECRET not in red.text(f"later the same {SECRET} in a message")


def test_the_other_cells_of_the_table_and_the_lines_around_it_stay():
    text = f"before, and after\nuser,password,role\nbob,{SECRET},admin\namy,,viewer\n\nnote, {SECRET[:3]}\n"
    out = Redactor().text(text)
    assert out == text.replace(SECRET, "[REDACTED]", 1), out


@pytest.mark.parametrize("table", [
    # a helper's review: the shapes exports really take
    f"\ufeffuser,password,role\nbob,{SECRET},admin\n",   # Excel's "CSV UTF-8": a byte-order mark first
    f"user,password,\nbob,{SECRET},\n", f"user\tpassword\t\nbob\t{SECRET}\t\n",   # a separator after the last
    f"user,password\nbob,{SECRET},\n", f"user,password,role\nbob,{SECRET}\namy,{SECRET}9,x\n",   # a cell more, less
    f"user,password\n\nbob,{SECRET}\n",   # a blank line under the header
    f"user,Password (plain)\nbob,{SECRET}\n", f"user,password(hash)\nbob,{SECRET}\n", f"user,password:\nbob,{SECRET}\n",
    f"user,pwd/pin\nbob,{SECRET}\n", f"user,'password'\nbob,{SECRET}\n", f"user,pass word\nbob,{SECRET}\n",
    f"user,api key\nbob,{SECRET}\n", f"#user,password\nbob,{SECRET}\n", f"user,\u00a0password\nbob,{SECRET}\n",
    f'user,note,password\nbob,"multi\nline",{SECRET}\namy,x,{SECRET}9\n',   # a quoted cell over two lines
    f'user,password\nbo"b,{SECRET}\n', f'user,password,role\n"bob,{SECRET},admin\n',   # a stray quote
    f"| user | password |\n|---|---|\n| bob | a\\|{SECRET} |\n",   # Markdown's escaped pipe
    f"user,password\rbob,{SECRET}\r", f"user,password\u2028bob,{SECRET}\u2028", f"user,password\x0bbob,{SECRET}\x0b"])
def test_a_credential_column_goes_in_every_shape_a_spreadsheet_or_a_hurried_person_writes(table):
    out = Redactor().text(table)
    assert SECRET not in out and "[REDACTED]" in out, repr(out)


@pytest.mark.parametrize("table", ["date,token,requests\n2024-01-01,123,45\n", "user,password_set\nbob,true\n",
                                   "user,secret\nbob,yes\n", "user,password_expiry\nbob,90\n",
                                   "user,password changed\nbob,2026-11-01 10:00\n"])
def test_a_column_about_a_credential_keeps_its_flags_counts_and_dates(table):
    assert Redactor().text(table) == table


@pytest.mark.parametrize("value", ["2024-01-01", "10:00", "123"])
def test_under_a_name_only_a_credential_has_a_date_a_time_or_a_short_number_is_the_credential(value):
    """As for a JSON key ({"password": "2024-01-01"}): a third review found the table kept them."""
    for name in ("password", "pin", "client_secret"):
        assert Redactor().text(f"user,{name}\nbob,{value}\n") == f"user,{name}\nbob,[REDACTED]\n", (name, value)


def test_diags_own_markdown_table_of_error_codes_is_kept():
    """The ticket's summary is a Markdown table with a `code` column: an error code in a code span is no OAuth code
    (a first version learned `bad.request` as a secret, and the ticket then refused itself)."""
    table = "| # | code |\n|---|---|\n| 1 | `bad.request` |\n| 2 | `-` |\n"
    assert Redactor().text(table) == table
    table = "| # | request | error code | id |\n|---|---|---|---|\n| 1 | POST | (body refused) | `-` |\n"
    assert Redactor().text(table) == table
    table = "| code | count |\n|---|---|\n| `no answer` | 1 |\n| `bad.request` | 1 |\n"
    assert Redactor().text(table) == table


def test_a_quoted_cell_holding_the_separator_goes_whole_and_the_next_cell_stays():
    out = Redactor().text('user,password,role\nbob,"a,Zq7Vx9Kp2",admin\n')
    assert out == 'user,password,role\nbob,"[REDACTED]",admin\n', out


def test_a_markdown_tables_rule_line_is_kept():
    out = Redactor().text("| user | password |\n|------|:--------:|\n| bob | Zq7Vx9Kp2 |\n")
    assert out == "| user | password |\n|------|:--------:|\n| bob | [REDACTED] |\n", out


def test_the_table_ends_at_a_line_without_its_separator_or_at_a_blank_line_after_its_rows():
    text = "user,password\nbob,Zq7Vx9Kp2\nthe end of the list\nthanks, bob\n"
    assert Redactor().text(text) == text.replace("Zq7Vx9Kp2", "[REDACTED]"), text
    text = "user,password\nbob,Zq7Vx9Kp2\n\nthanks, bob\n"
    assert Redactor().text(text) == text.replace("Zq7Vx9Kp2", "[REDACTED]"), text


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


@pytest.mark.parametrize("body", [{"password": "2024-01-01"}, {"client_secret": "2026-11-28T10:00:00Z"},
                                  {"pin": "2024-01-01"}, {"user": {"passphrase": "1999-12-31"}}])
def test_a_date_under_a_name_only_a_credential_has_goes_and_no_date_elsewhere_is_cut(body):
    """A date-shaped value under `password` is the password (it was kept: a date was never a credential). It goes
    where it stands and is not sought elsewhere: every timestamp of that day would lose its date."""
    red = Redactor()
    out = json.dumps(red.value(body))
    assert "[REDACTED]" in out and not any(ch.isdigit() for ch in out), out
    assert red.text("started 2024-01-01T10:00:00Z, 2026-11-28 and 1999-12-31") == \
        "started 2024-01-01T10:00:00Z, 2026-11-28 and 1999-12-31"


def test_a_date_under_a_name_about_a_credential_is_when_not_what():
    body = {"passwordLastChanged": "2024-01-01T10:00:00Z", "tokenExpires": "2026-11-28", "secretRotated": "2026-01-01"}
    assert Redactor().value(body) == body


# A second helper's review of the tables above.

@pytest.mark.parametrize("table", [f",user,password\n0,bob,{SECRET}\n",   # pandas' to_csv(): its index first
                                   f"user,[password]\nbob,{SECRET}\n", f"user,password*\nbob,{SECRET}\n",
                                   f"| user | **Password** |\n|---|---|\n| bob | {SECRET} |\n",
                                   f"| user | `api_key` |\n|---|---|\n| bob | {SECRET} |\n",
                                   f" user | password \n------+----------\n bob  | {SECRET} \n(1 row)\n"])   # psql
def test_a_credential_column_goes_under_the_headers_tools_write(table):
    out = Redactor().text(table)
    assert SECRET not in out and "[REDACTED]" in out, repr(out)


def test_rows_of_data_are_never_read_as_a_header():
    """A third review: a usage export's row naming /api/v2/oauth/token, or an OAuth client list's row naming
    CLIENT_CREDENTIALS, was read as a header, and the rows under it lost that column."""
    for text in ("date,clientId,templateUri,requests,status429\n"
                 "2026-11-01,7f3c2a1e-1111-2222-3333-444455556666,/api/v2/oauth/token,120,0\n"
                 "2026-11-02,c2,/api/v2/users/me,5,0\n",
                 "name,id,authorizedGrantType\nsync,7f3c2a1e-1111-2222-3333-444455556666,CLIENT_CREDENTIALS\n"
                 "web,8f3c2a1e-1111-2222-3333-444455556666,CODE\n"):
        assert Redactor().text(text) == text


def test_a_row_of_quoted_cells_over_lines_is_read_whole_however_many_rows_have_them():
    """A third review: 200 joined lines in all, then the rows after leaked."""
    text = "user,note,password\n" + "".join(f'u{i},"a\nb\nc",{SECRET}{i:03d}\n' for i in range(150))
    out = Redactor().text(text)
    assert SECRET not in out and out.count("[REDACTED]") == 150


@pytest.mark.parametrize("value", ["4821.9937", "1234-56-78", "12:34:56:78", "2026-13-01"])
def test_a_credential_column_keeps_only_what_is_really_a_count_a_time_or_a_date(value):
    assert value not in Redactor().text(f"user,password\nbob,{value}\n")


def test_prose_with_commas_over_two_lines_is_no_table_and_its_ticket_is_made(tmp_path):
    """'Steps: login, reset password, retry' read as a header taught `bad.credentials` as a secret: the ticket's last
    look then found it in diag's own files and refused to write the ticket."""
    note = "Steps: login, reset password, retry\nResult: 401, bad.credentials, twice"
    assert Redactor().text(note) == note
    found = inspect(har(entry("GET", IE + "/api/v2/users/me", 401, answer={
        "code": "bad.credentials", "status": 401, "message": "Invalid login credentials."})))
    files = texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found, notes=[note]).path)
    assert "bad.credentials" in "".join(files.values())


def test_a_word_in_a_credential_column_goes_where_it_stands_and_is_not_sought_elsewhere():
    red = Redactor()
    assert red.text("user,password\nbob,rotated\n") == "user,password\nbob,[REDACTED]\n"
    assert red.text("the keys were rotated") == "the keys were rotated"


def test_tables_built_to_be_slow_are_read_in_linear_time():
    quoted = ", ".join(f"'Q{i}'" for i in range(40))
    with in_linear_time():
        Redactor().text(f"Queues still failing: {quoted}?\n")   # a quote read two ways: 2^cells before
        Redactor().value({"message": f"Invalid values: {quoted}"})
        Redactor().text("user,password\n" + 'bob,"x,y\n' * 30_000)   # every row's quote left open
        Redactor().text(",".join(["password"] * 1000) + "\n" + ",".join(["Zq7Vx9Kp2"] * 2000) + "\n" * 2 * 200)
        Redactor().text("user,password\n" + "bob," + " " * 200_000 + "x\n")
        Redactor().text("user,password\n" + "bob," + "\u00a0" * 200_000 + "x\n")
        Redactor().text("user,password\n" + 'a,"' + ("x" * 5243 + "\n") * 200)   # one quote never closed
        Redactor().text("user,password\n" + 'a,"' + ("x," * 2621 + "\n") * 200)


def test_a_token_answers_token_type_is_kept_and_its_token_goes():
    """`token_type: bearer` is in every OAuth token answer: it names the kind of token, not the token (it showed
    `[REDACTED]`, as a name holding `token` does)."""
    red = Redactor()
    answer = {"access_token": "Zq7Vx9Kp2Lm4Nw8R", "token_type": "bearer", "expires_in": 86399}
    assert red.value(answer) == {"access_token": "[REDACTED]", "token_type": "bearer", "expires_in": 86399}
    assert red.text("token_type=bearer&access_token=Zq7Vx9Kp2Lm4Nw8R") == "token_type=bearer&access_token=[REDACTED]"
    assert red.value({"tokenType": "bearer", "refresh_token": "Zq7Vx9Kp2Lm4Nw8S"})["tokenType"] == "bearer"
