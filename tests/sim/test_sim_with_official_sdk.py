"""The official SDK, pointed at the simulator's base URL, works unchanged: proof of the wire format."""
import datetime as dt

import pytest

from tests import official_sdk

pytestmark = pytest.mark.sdk



def sdk_module():
    """The official SDK, imported when a test first needs it (seconds: never at collection, in every worker)."""
    return official_sdk.sdk()


def api_client(sim):
    client = sdk_module().api_client.ApiClient()
    client.host = sim.base_url
    return client


def test_sdk_client_credentials_then_usage_query(sim):
    c = sim.client()
    client = api_client(sim).get_client_credentials_token(c.id, c.secret)
    usage = sdk_module().UsageApi(client)
    end = sim.app.history_end
    query = sdk_module().ApiUsageOrganizationQuery()
    query.interval = f"{end - dt.timedelta(days=7)}/{end}"
    query.granularity = "Day"
    query.group_by = ["TemplateUri"]
    execution = usage.post_usage_query(query)
    result = usage.get_usage_query_execution_id_results(execution.execution_id)
    while result.query_status != "Complete":
        result = usage.get_usage_query_execution_id_results(execution.execution_id)
    assert result.results and result.results[0].template_uri
    assert result.results[0].status429 <= result.results[0].status400


def test_sdk_creates_a_call_and_reads_it_back(sim):
    client = api_client(sim)
    client.access_token = sim.user_token()
    conversations = sdk_module().ConversationsApi(client)
    created = conversations.post_conversations_calls(_request())
    assert created.id and created.self_uri.endswith(created.id)
    conv = conversations.get_conversations_call(created.id)
    assert {p.purpose for p in conv.participants} == {"user", "external"}


def test_sdk_sees_a_genesys_error(sim):
    client = api_client(sim)
    client.access_token = sim.user_token("sam")
    with pytest.raises(sdk_module().rest.ApiException) as info:
        sdk_module().ConversationsApi(client).post_conversations_calls(_request())
    assert info.value.status == 400 and "conversation.error.no.user.station" in info.value.body


def _request():
    req = sdk_module().CreateCallRequest()
    req.phone_number = "+13175550100"
    return req
