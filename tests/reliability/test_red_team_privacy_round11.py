"""An eleventh look at redaction: settings written as rows of a name and its value. A key/value table (a config
exported as CSV, a Markdown table of settings) kept its client_secret and redacted the harmless row below it: the
row 'client_secret,<secret>' was read as a header of two column names."""
import json

import pytest

from diag.core.inspect import inspect
from diag.core.redact import Redactor
from diag.reports.bundle import build_bundle
from tests.linear import in_linear_time
from tests.reliability.test_red_team_privacy_round8 import IE, entry, har, texts_of

SECRET = "Zq7Vx9Kp2Lm4"


@pytest.mark.parametrize("table", [
    f"key,value\nclient_secret,{SECRET}\nregion,us-east-1\n",
    f"Key\tValue\r\nClient Secret\t{SECRET}\r\nRegion\tus-east-1\r\n",   # pasted from a spreadsheet
    f"name;value\npassword;{SECRET}\nregion;us-east-1\n",
    f"| Setting | Value |\n|---|---|\n| client_secret | {SECRET} |\n| region | us-east-1 |\n",
    f"**Property**,**Value**\napi_key,{SECRET}\nregion,us-east-1\n",
    f"settings:\nclient_secret,{SECRET}\nregion,us-east-1\n",   # no header at all
    f"| client_secret | {SECRET} |\n| region | us-east-1 |\n",
    f"API Key,{SECRET}\nregion,us-east-1\n"])
def test_a_credentials_row_loses_its_value_the_other_rows_stay_and_it_is_sought_elsewhere(table):
    red = Redactor()
    out = red.text(table)
    assert SECRET not in out and "[REDACTED]" in out, out
    assert "region" in out.lower() and "us-east-1" in out, out   # the row below is not read as under a header
    assert out.count("[REDACTED]") == 1, out
    assert SECRET not in red.text(f"later the same {SECRET} in a message")


@pytest.mark.parametrize("value", ["hunter two", "correct horse battery staple", "2024-01-01", "1234"])
def test_under_a_key_value_header_any_value_of_a_credential_goes(value):
    out = Redactor().text(f"key,value\npassword,{value}\ntimeout,30\n")
    assert out == "key,value\npassword,[REDACTED]\ntimeout,30\n", out


def test_a_key_value_tables_flags_and_settings_about_credentials_stay():
    table = "setting,value\npassword_expiry_days,90\nmfa_enabled,true\npin,no\ntoken_type,bearer\n"
    assert Redactor().text(table) == table


@pytest.mark.parametrize("prose", [
    "Invalid password, try again\nthen it worked",
    "Wrong password, sorry\nthanks",
    "Invalid password, retry in 5 minutes\nok",
    "Steps: login, reset password, retry\nResult: 401, bad.credentials, twice",
    "The access token, as the docs say, expires\nafter a day"])
def test_prose_naming_a_credential_before_a_comma_is_kept(prose):
    assert Redactor().text(prose) == prose


def test_a_two_column_header_naming_a_credential_first_loses_its_rows_values():
    """'password,notes' is a header or a password named notes: both readings are taken (fail closed)."""
    out = Redactor().text(f"password,notes\n{SECRET},rotated monthly\n")
    assert SECRET not in out and "rotated monthly" in out, out


def test_a_key_value_csv_in_a_customers_har_never_reaches_the_ticket(tmp_path):
    csv = f"key,value\nclient_id,2f1a\nclient_secret,{SECRET}\n"
    found = inspect(har(entry("POST", IE + "/api/v2/integrations/actions", 400, text=csv, mime="text/csv",
                              answer={"code": "bad.request", "status": 400, "message": "m"})))
    assert SECRET not in json.dumps(found.to_dict())
    files = texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found, notes=[f"pasted:\n{csv}"]).path)
    assert SECRET not in "".join(files.values())


def test_long_key_value_tables_are_read_in_linear_time():
    with in_linear_time():
        Redactor().text("key,value\n" + f"client_secret,{SECRET}\nregion,eu\n" * 30_000)
        Redactor().text(f"client_secret,{SECRET}\n" * 50_000)
        Redactor().text("key,value\n" + "password," + "x" * 200_000 + "\n")


@pytest.mark.parametrize("text", [f"user,pw\nbob,{SECRET}\n", f"pw,{SECRET}\nregion,eu\n", f'{{"pw": "{SECRET}"}}',
                                  f"https://h.example/login?user=bob&pw={SECRET}"])
def test_pw_is_a_credentials_name(text):
    """'pw' is how a hurried person names a password. ('bearer' is no name: 'token_type,bearer' is a row of the
    token answer, whose next row lost its value when bearer named a column.)"""
    red = Redactor()
    assert SECRET not in red.text(text), text


def test_a_token_answer_written_as_lines_keeps_its_fields():
    """'token_type: bearer' ending a line: the next line's field was read as the bearer token ('expires_in' has a
    symbol in it), so 'expires_in' was lost. A credential on the next line still goes."""
    for text in ("token_type: bearer\nexpires_in: 3600\n", "token_type=bearer\r\nexpires_in=3600\n",
                 "scheme: Basic\nuser_name: bob\n"):
        assert Redactor().text(text) == text
    for text in (f"Bearer\n{SECRET}\n", f"Bearer\n{SECRET}==\nnext: 1", f"Authorization: Bearer\n{SECRET}: x",
                 f"bearer\n{SECRET}:x"):
        assert SECRET not in Redactor().text(text), text


CONTACTS = [
    "firstName,lastName,phone\nAvery,Quintrell,+13175550100\nMorgan,Vasquez-Lee,+13175550101\n",
    "Name;Phone\r\nAvery Quintrell;+13175550100\r\nMorgan Vasquez-Lee;+13175550101\r\n",
    '"First Name","Last Name","Email"\n"Avery","Quintrell","aq@example.com"\n"Morgan","Vasquez-Lee","mv@example.com"\n',
    "| Contact Name | Mobile |\n|---|---|\n| Avery Quintrell | +13175550100 |\n| Morgan Vasquez-Lee | +13175550101 |\n"]


@pytest.mark.parametrize("csv", CONTACTS)
def test_the_people_of_a_contact_list_sent_as_text_never_reach_the_ticket(csv, tmp_path):
    """A contact list uploaded as CSV: its numbers were pseudonymised, its names kept, in the body and in the
    error message quoting one."""
    found = inspect(har(entry("POST", IE + "/api/v2/outbound/contactlists/c1/contacts", 400, text=csv,
                              mime="text/csv", answer={"code": "bad.request", "status": 400,
                                                       "message": "Contact Morgan Vasquez-Lee has no valid number"})))
    shown = json.dumps(found.public_dict()) + found.public_text()
    files = "".join(texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found).path).values())
    for name in ("Quintrell", "Vasquez-Lee", "Morgan"):
        assert name not in shown and name not in files, name


def test_a_table_of_names_that_are_no_people_keeps_them():
    """A list of queues or skills has a name column too: without a phone, an e-mail or an address beside it, its
    names are not people's."""
    csv = "name,id\nSupport Queue,q1\nBilling Team,q2\n"
    found = inspect(har(entry("POST", IE + "/api/v2/routing/queues", 400, text=csv, mime="text/csv",
                              answer={"code": "bad.request", "status": 400, "message": "Support Queue exists"})))
    assert "Support Queue" in json.dumps(found.public_dict())


def test_a_long_contact_list_is_read_in_linear_time():
    from diag.core.redact import Pseudonymiser

    rows = "".join(f"First{i},Last{i},+1317555{i % 10000:04d}\n" for i in range(20_000))
    with in_linear_time():
        Pseudonymiser(b"k" * 32).learn_people("firstName,lastName,phone\n" + rows)
        Pseudonymiser(b"k" * 32).learn_people('"Name","Phone"\n' + '"a,' * 50_000 + "\n")
        Pseudonymiser(b"k" * 32).learn_people("name,phone\n" + "x," * 200_000 + "\n")


# A helper's review of the first version: settings tables with more columns, headers written otherwise, empty
# values, values over lines or holding the separator, a credentials table after the settings; and what it took
# that was no credential (counts, words of state, diag's own pseudonyms).
@pytest.mark.parametrize("table", [
    f"key,value,description\nregion,us-east-1,the region\nclient_secret,{SECRET},prod org\n",
    f"| Setting | Value | Notes |\n|---|---|---|\n| Region | us-east-1 | - |\n| Password | {SECRET} | yearly |\n",
    f"Key Name,Value\nregion,us\npassword,{SECRET} horse\n", f"Parameter Name,Parameter Value\npassword,{SECRET} x\n",
    f"Key:,Value:\npassword,{SECRET} x\n", f"key,value,\nregion,us,\npassword,{SECRET} x,\n",
    f"Config,Value\npassword,{SECRET} x\n", f"Credential,Value\npassword,{SECRET} x\n",
    f"key,value\nregion,us-east-1\nproxy,\npassword,{SECRET} battery staple\n",
    f'key,value\nregion,us\npassword,"{SECRET}\nbattery staple"\ntimeout,30\n',
    f"key,value\npassword,{SECRET},horse battery\nregion,us\n", f"| Key | Value |\n|---|---|\n| password | a|{SECRET} |\n",
    f"key,value\n--client-secret,{SECRET}\n", f"key,value\n$CLIENT_SECRET,{SECRET}\n", f"key,value\n2fa_secret,{SECRET}\n",
    f"Admin Password,{SECRET}_Sky\nfoo,bar\n", f"Genesys Cloud OAuth client secret,{SECRET}\nregion,us\n"])
def test_a_settings_tables_credential_goes_however_the_table_is_written(table):
    out = Redactor().text(table)
    assert SECRET not in out, out


@pytest.mark.parametrize("table", ["key,value\nregion,us\nuser,password\nalice,{s}\nbob,{s}\n",
                                   "Name,Value\n\nusername,password\nalice,{s}\n",
                                   "| Name | Value |\n|---|---|\n| user | api_key |\n| alice | {s} |\n"])
def test_a_credentials_table_after_the_settings_is_read_as_one(table):
    out = Redactor().text(table.format(s=SECRET))
    assert SECRET not in out and "alice" in out, out


@pytest.mark.parametrize("text", ["status,count\nbad.credentials,1234\nauth,1500\n",
                                  "clientName,requests\nAuth Service,3456\nToken Relay,1204\n",
                                  "Queue,Agents\nPIN Reset,12\nPassword Help,4\n",
                                  "templateUri,count\n/api/v2/oauth/token,1234\ntoken,5000\n",
                                  "| Check | Result |\n|---|---|\n| Auth | OK |\n\nall good\n", "Token, invalid\n",
                                  "Token, +1-PN1A2B3C4D\nx\n", "Token,user-1\nx\n", "Session, ended\nok\n"])
def test_counts_words_of_state_and_diags_pseudonyms_after_a_credentials_name_stay(text):
    assert Redactor().text(text) == text


def test_a_private_key_goes_whole_in_any_text():
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END RSA PRIVATE KEY-----"
    for text in (f"note:\n{pem}\nthanks", pem.replace("\n", " "), pem[:60], f'key,value\nprivate_key,"{pem}"\n'):
        out = Redactor().text(text)
        assert "MIIEvQIBADAN" not in out and "[REDACTED]" in out, out
    cert = "-----BEGIN CERTIFICATE-----\nMIIBxyz\n-----END CERTIFICATE-----"
    assert Redactor().text(cert) == cert


def test_settings_tables_and_keys_built_to_be_slow_are_read_in_linear_time():
    with in_linear_time():
        Redactor().text("key" + "\t" * 60_000 + "zz\ntoken\n")
        Redactor().text(("Name" + "\t" * 1000 + "x\n") * 1000 + "token\n")
        Redactor().text("-----BEGIN " * 100_000 + "PRIVATE KEY\n")
        Redactor().text("-----BEGIN PRIVATE KEY-----" * 20_000)
        Redactor().text("key,value\n" + "password," + "a|" * 100_000 + "\n")


# A second helper's review: a header naming a credential's column read as settings, settings whose value column
# is not the second, keys with ':', a PIN named by its last word; what was taken that is a setting's state or a
# setting about a credential; a BEGIN line named in prose; contact lists' placeholders and headers; wide headers.
@pytest.mark.parametrize("table", [
    f"Secret Name,Secret Value\ngenesys-prod,{SECRET}\n", f"| Secret name | Secret value |\n|---|---|\n| prod | {SECRET} |\n",
    f"Name,Type,Value\n/genesys/region,String,us-east-1\n/genesys/client_secret,SecureString,{SECRET}\n",
    f"Type,Key,Value,Environment scope\nenv_var,CLIENT_SECRET,{SECRET},*\n", f"Key,Value\nGenesys:ClientSecret,{SECRET}\n",
    "Voicemail PIN,482193\nx\n"])
def test_settings_and_credential_columns_the_first_version_missed_lose_their_values(table):
    secret = "482193" if "PIN" in table else SECRET
    assert secret not in Redactor().text(table), table


@pytest.mark.parametrize("text", ["Attribute,Value\nPIN,required\nToken,valid\nAuth server,login.mypurecloud.com\n"
                                  "Grant type,Client Credentials\n",
                                  "Auth type,OAuth2\nx\n", "Credential type,client_credentials\nx\n",
                                  "Session timeout,30m\nx\n", "token_type,bearer\nexpires_in,3600\n",
                                  "token_type = Bearer\n  expires_in = 3600"])
def test_a_settings_state_and_settings_about_credentials_stay(text):
    assert Redactor().text(text) == text


def test_a_begin_line_named_in_prose_takes_nothing_after_it():
    message = "The certificate must be PEM (-----BEGIN PRIVATE KEY-----). Check the credentials; correlation 1234."
    assert Redactor().text(message).endswith("). Check the credentials; correlation 1234.")
    log = "10:00 parse failed: expected -----BEGIN PRIVATE KEY----- header\n10:01 POST /api/v2/conversations 200\n"
    assert "10:01 POST /api/v2/conversations 200" in Redactor().text(log)


def test_a_contact_lists_empty_cells_are_nobody_and_its_ticket_is_written(tmp_path):
    csv = "firstName,lastName,phone\nAvery,-,+13175550100\nMorgan,null,+13175550101\nA,N/A,+13175550102\n"
    found = inspect(har(entry("POST", IE + "/api/v2/outbound/contactlists/c1/contacts", 400, text=csv,
                              mime="text/csv", answer={"code": "bad.request", "status": 400,
                                                       "message": "a contact in list A is N/A: Avery"})))
    files = texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found).path)   # no RedactionError
    assert "a contact in list A is N/A" in "".join(files.values())


def test_first_names_that_are_words_are_read_with_their_last_names():
    csv = "firstName,lastName,phone\nMay,Long,+13175550100\nWill,Young,+13175550101\n"
    message = "Contact list columns may not exceed 50; phone columns will be validated. May Long failed."
    found = inspect(har(entry("POST", IE + "/api/v2/outbound/contactlists/c1/contacts", 400, text=csv,
                              mime="text/csv", answer={"code": "bad.request", "status": 400, "message": message})))
    shown = json.dumps(found.public_dict())
    assert "columns may not exceed 50; phone columns will be validated" in shown and "May Long" not in shown


@pytest.mark.parametrize("csv", ["Name,Mobile Number\nAvery Quintrell,+13175550100\n",
                                 "First Name,Surname,Phone\nAvery,Quintrell,+13175550100\n"])
def test_contact_lists_with_other_headers_lose_their_people(csv):
    found = inspect(har(entry("POST", IE + "/api/v2/outbound/contactlists/c1/contacts", 400, text=csv,
                              mime="text/csv", answer={"code": "bad.request", "status": 400, "message": "m"})))
    assert "Quintrell" not in json.dumps(found.public_dict())


def test_a_contact_list_held_in_a_json_string_loses_its_people():
    body = {"fileName": "c.csv", "contents": "firstName,lastName,phone\nAvery,Quintrell,+13175550100\n"}
    found = inspect(har(entry("POST", IE + "/api/v2/outbound/contactlists/c1/contacts", 400, body=body,
                              answer={"code": "bad.request", "status": 400, "message": "Quintrell"})))
    assert "Quintrell" not in json.dumps(found.public_dict())


def test_a_wide_header_is_read_in_linear_time():
    from diag.core.redact import Pseudonymiser

    with in_linear_time():
        Pseudonymiser(b"k" * 32).learn_people("name," * 60_000 + "\nx\n")
        Pseudonymiser(b"k" * 32).learn_people("name,phone," * 30_000 + "\n" + "a,1," * 30_000 + "\n")


# A third helper's review: what the second round's mends lost, and JSON settings objects.
def test_a_private_key_whose_lines_break_otherwise_goes_to_its_end_line():
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    for brk in ("\\n", "<br>", "&#10;", "\n> ", "\u200b"):
        text = f"-----BEGIN PRIVATE KEY-----{brk}{body}{brk}-----END PRIVATE KEY-----{brk}after"
        out = Redactor().text(text)
        assert body not in out and out.endswith("after"), (brk, out)


def test_a_settings_tables_flag_column_named_like_a_credential_keeps_it_a_settings_table():
    assert SECRET not in Redactor().text(f"Setting,Value,Secret\nclient_secret,{SECRET},yes\n")


@pytest.mark.parametrize("key", ["PW (old)", "pin code", "PIN (voicemail)", "hmac key", "SIP PW", "db pass", "OTP (SMS)",
                                 "Passcode (bridge)"])
def test_a_credentials_word_with_a_qualifier_names_it(key):
    assert "x9Y8z7W6" not in Redactor().text(f"key,value\n{key},x9Y8z7W6\n")


@pytest.mark.parametrize("text", ['{"bearer": "Zq7Vx9Kp2Lm4"}', "https://h.example/?bearer=Zq7Vx9Kp2Lm4",
                                  "<bearer>Zq7Vx9Kp2Lm4</bearer>"])
def test_bearer_names_a_token_but_no_tables_column(text):
    assert SECRET not in Redactor().text(text)
    assert Redactor().text("token_type,bearer\nexpires_in,3600\n") == "token_type,bearer\nexpires_in,3600\n"


def test_a_contact_lists_names_are_replaced_as_written_in_any_case_or_script():
    from diag.core.redact import Pseudonymiser

    csv = "firstName,lastName,phone\nAvery,Quintrell,+13175550100\njohn,smith,+13175550101\nWei,Li,+13175550102\n"
    pseudo = Pseudonymiser(b"k" * 32)
    pseudo.learn_people(csv)
    out = pseudo.text(csv + "Mr Li and john smith; columns may not exceed 50")
    for name in ("Avery", "Quintrell", "john", "smith", "Li"):
        assert f"{name}," not in out and f" {name} " not in out, (name, out)
    assert "columns may not exceed 50" in out
    tsv = "First Name\tLast Name\tPhone\nAvery\tQuintrell\t+13175550100\n"
    pseudo = Pseudonymiser(b"k" * 32)
    pseudo.learn_people(tsv)
    assert "Avery" not in pseudo.text(tsv) and "Quintrell" not in pseudo.text(tsv)


def test_short_names_and_names_in_other_scripts_are_somebody():
    from diag.core.redact import Pseudonymiser

    pseudo = Pseudonymiser(b"k" * 32)
    pseudo.learn_people({"participants": [{"purpose": "customer", "name": "王"}, {"purpose": "agent", "name": "Ng"}]},
                        "/api/v2/conversations/c1")
    assert "王" not in pseudo.text("caller 王 spoke to Ng") and "Ng" not in pseudo.text("caller 王 spoke to Ng")


def test_a_name_beside_an_ip_or_version_number_is_no_person():
    from diag.core.redact import Pseudonymiser

    for csv in ("Name,IP Address\nGateway,10.0.0.1\n", "Name,Version Number\nGateway,2\n"):
        pseudo = Pseudonymiser(b"k" * 32)
        pseudo.learn_people(csv)
        assert pseudo.text("Gateway down") == "Gateway down", csv


def test_a_json_settings_objects_credential_goes_and_its_other_settings_stay():
    postman = {"values": [{"key": "client_secret", "value": SECRET, "enabled": True}, {"key": "region", "value": "eu"},
                          {"key": "auth", "value": "enabled"}, {"key": "token_ttl", "value": 3600}]}
    red = Redactor()
    out = red.value(postman)
    assert SECRET not in json.dumps(out) and out["values"][1:] == postman["values"][1:]
    assert SECRET not in red.text(f"later {SECRET}")
    ecs = {"environment": [{"name": "DB_PASSWORD", "value": "hunter two x"}, {"name": "REGION", "value": "us"}]}
    assert "hunter" not in json.dumps(Redactor().value(ecs))


# A fourth helper's review of the third round.
def test_a_contact_lists_whole_names_are_replaced_in_any_case():
    from diag.core.redact import Pseudonymiser

    pseudo = Pseudonymiser(b"k" * 32)
    pseudo.learn_people("firstName,lastName,phone\nJohn,Smith,+13175550100\n")
    out = pseudo.text("JOHN SMITH called; john smith; Smith, John")
    assert "JOHN" not in out and "john" not in out and "Smith" not in out, out


def test_a_masked_or_flag_name_is_nobody():
    from diag.core.redact import Pseudonymiser

    pseudo = Pseudonymiser(b"k" * 32)
    pseudo.learn_people({"participants": [{"purpose": "customer", "name": "Hidden"},
                                          {"purpose": "customer", "name": "XXXX"},
                                          {"purpose": "customer", "name": "true"}]}, "/api/v2/conversations/c1")
    assert pseudo.text("field hidden; token XXXX; flag true") == "field hidden; token XXXX; flag true"


@pytest.mark.parametrize("table", ["Name,Value,Password\nbob,1,{s}\n", "Setting,Value,Password\nx,1,{s}\n",
                                   "Name,Password,Value\nbob,{s},1\n", "| Setting | Value | Password |\n|---|---|---|\n"
                                   "| x | 1 | {s} |\n"])
def test_a_credentials_column_beside_a_settings_header_is_read_as_a_tables(table):
    assert SECRET not in Redactor().text(table.format(s=SECRET))


def test_settings_about_credentials_in_json_objects_and_tables_stay():
    objects = [{"name": "hmac", "value": "sha256"}, {"name": "OTP channel", "value": "sms"},
               {"key": "client_secret", "value": "********"}, {"name": "PIN Reset", "value": "allowed"}]
    assert Redactor().value(objects) == objects
    table = "key,value\nOTP channel,sms\nPIN Reset,allowed\nIVR PIN prompt,on\n"
    assert Redactor().text(table) == table
    assert SECRET not in json.dumps(Redactor().value({"key": "setting-42", "name": "Client Secret", "value": SECRET}))


def test_settings_objects_spelled_as_aws_and_cloudformation_write_them_lose_a_credentials_value():
    body = {"Tags": [{"Key": "client_secret", "Value": SECRET}, {"Key": "env", "Value": "prod"}],
            "Parameters": [{"ParameterKey": "DbPassword", "ParameterValue": SECRET + "x"},
                           {"ParameterKey": "Region", "ParameterValue": "us"}],
            "Variables": [{"Name": "API Key", "Value": SECRET + "y"}]}
    out = Redactor().value(body)
    assert SECRET not in json.dumps(out)
    assert out["Tags"][1] == body["Tags"][1] and out["Parameters"][1] == body["Parameters"][1]
