from diag.core.endpoints import check_operation, normalise_path


def test_real_operation():
    r = check_operation("POST /api/v2/conversations/calls")
    assert r.known and r.operation.body == "CreateCallRequest"


def test_concrete_path_matches_its_template():
    r = check_operation("GET /api/v2/conversations/calls/abc")
    assert r.operation.path == "/api/v2/conversations/calls/{conversationId}"
    assert r.params == {"conversationId": "abc"}


def test_literal_segment_beats_parameter():
    r = check_operation("POST", "/api/v2/conversations/calls/user/u-1")
    assert r.operation.path == "/api/v2/conversations/calls/user/{userId}" and r.params == {"userId": "u-1"}


def test_invented_summary_endpoint_points_to_usage_api():
    r = check_operation("POST /api/v2/analytics/interactions/summary")
    assert not r.known
    assert "does not exist" in r.note
    assert "POST /api/v2/usage/query" in [str(s) for s in r.suggestions]


def test_unknown_path_gets_nearest_real_operations():
    r = check_operation("POST /api/v2/conversation/call")
    assert not r.known and str(r.suggestions[0]) == "POST /api/v2/conversations/calls"


def test_wrong_method_says_which_methods_exist():
    r = check_operation("DELETE /api/v2/usage/query")
    assert not r.known and "POST" in r.note


def test_urls_and_usage_template_uris_are_read():
    assert normalise_path("https://api.mypurecloud.ie/api/v2/usage/query?x=1") == "/api/v2/usage/query"
    assert check_operation("GET api/v2/conversations/{conversationId}").known
