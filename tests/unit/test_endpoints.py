import json

import pytest

from diag.core.contract import CONTRACT_DIR as SHIPPED
from diag.core.endpoints import check_operation, normalise_path
from tests.sizes import sample


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


def _every_template_match(method, segs):
    """The reference: every template of that method and length compared in turn (what the matcher did before it
    looked only at the templates of the path's resource); the most literal segments win, the first of equals."""
    from diag.core.endpoints import _compiled

    best = None
    for literals, names, op in _compiled(method, len(segs)):
        if all(lit is None or lit in (s, s.lower()) for lit, s in zip(literals, segs)):
            literal = sum(lit is not None for lit in literals)
            if best is None or literal > best[0]:
                best = (literal, op, tuple((name, s) for name, s in zip(names, segs) if name))
    return (best[1], best[2]) if best else None


def test_a_path_is_matched_as_by_comparing_every_template():
    """Every operation's path with ids in place of its parameters, in upper case, with a parameter value that is
    another template's literal, a segment short and one too many, and under every method: the resource index finds
    what a comparison with every template finds."""
    from diag.core.endpoints import _match_cached, all_operations

    ops = all_operations()
    literals = sorted({seg for op in ops for seg in op.path.strip("/").split("/") if not seg.startswith("{")})
    asked = set()
    for i, op in enumerate(ops):
        segs = op.path.strip("/").split("/")
        filled = [f"id-{i}" if s.startswith("{") else s for s in segs]
        asked.add((op.method, tuple(filled)))   # every operation, under its own method
        if i % 7:
            continue   # the variants for one in seven (the reference compares every template: dear)
        clash = [literals[(i + k) % len(literals)] if s.startswith("{") else s for k, s in enumerate(segs)]
        for variant in (clash, [s.upper() for s in filled], filled[:-1], filled + ["extra"],
                        filled[:2] + ["Users"] + filled[3:]):
            asked.update((method, tuple(variant)) for method in ("GET", "POST", "PUT", "PATCH", "DELETE"))
    assert len(asked) > 5_000
    for method, segs in sample(sorted(asked)):
        assert _match_cached(method, segs) == _every_template_match(method, segs), (method, segs)


def test_a_word_taken_for_an_id_is_not_said_to_exist():
    """POST /api/v2/conversations/call fits GET and DELETE /conversations/{conversationId} only by taking "call" for
    an id: the note says so and the nearest POST operation leads (it said the path "exists, but not with POST")."""
    r = check_operation("POST /api/v2/conversations/call")
    assert not r.known and "exists" not in r.note and "conversationId = 'call'" in r.note
    assert str(r.suggestions[0]) == "POST /api/v2/conversations/calls"
    me = check_operation("POST /api/v2/users/me")   # the very path with GET; another method only by id
    assert me.note.startswith("/api/v2/users/me exists, but not with POST: it takes GET.") and "userId = 'me'" in me.note
    assert str(me.suggestions[0]) == "GET /api/v2/users/me"


def test_a_wrong_method_on_a_path_with_a_real_id_says_which_methods_take_it():
    """An id where the template takes one is the very path: "exists, but not with PUT", its methods first (a
    review found the nearest PUT operations of other resources offered first)."""
    r = check_operation("PUT /api/v2/users/5f0c2a5e-7b1c-4d2e-9b7a-1c2d3e4f5a6b")
    assert r.note.startswith("/api/v2/users/5f0c2a5e-7b1c-4d2e-9b7a-1c2d3e4f5a6b exists, but not with PUT: it takes")
    assert {str(s) for s in r.suggestions[:3]} >= {"PATCH /api/v2/users/{userId}", "GET /api/v2/users/{userId}"}


def test_a_bucket_read_by_the_index_is_the_bucket_of_the_whole_contract():
    """A cold check reads one method-and-length bucket of operations.json through operations.index.json: every
    bucket so read is the same operations, in the same order, as the whole file's; the shipped index is the one
    the shipped file makes, and an index of another file is not read."""
    from diag.core import contract

    text = (contract.CONTRACT_DIR / "operations.json").read_text()
    shipped = json.loads((contract.CONTRACT_DIR / "operations.index.json").read_text())
    assert shipped == contract.index_operations(text)
    whole: dict = {}
    for o in contract.operations():
        whole.setdefault(contract.bucket_of(o["method"], o["path"]), []).append(o)
    assert len(whole) > 20
    for key, ops in whole.items():
        method, n = key.split()
        assert list(contract.operations_in(method, int(n))) == ops, key
    assert contract.operations_in("GET", 40) == ()


def _contract_copy(tmp_path, monkeypatch, index=None, edit=None):
    """A copy of the contract folder, its operations.json edited by `edit`, its index as given (default: the
    shipped one), read afresh."""
    from diag.core import contract

    folder = tmp_path / "contract"
    folder.mkdir(exist_ok=True)
    text = (SHIPPED / "operations.json").read_text()
    shipped = (SHIPPED / "operations.index.json").read_text()
    (folder / "operations.json").write_text(edit(text) if edit else text)
    (folder / "operations.index.json").write_text(shipped if index is None else json.dumps(index))
    monkeypatch.setattr(contract, "CONTRACT_DIR", folder)
    for cached in (contract.operations, contract._bucket_index):
        cached.cache_clear()
    return contract


def _long_way(contract, key):
    return tuple(o for o in contract.operations() if contract.bucket_of(o["method"], o["path"]) == key)


@pytest.fixture
def fresh_contract_caches():
    from diag.core import contract

    yield
    for cached in (contract.operations, contract._bucket_index):
        cached.cache_clear()


def test_an_index_of_another_operations_file_is_not_read(tmp_path, monkeypatch, fresh_contract_caches):
    """Another size, the same size with a method changed by hand (GET -> PUT), or the same size with offsets
    shifted (one summary a character longer, a later one shorter): the index is not read, and every bucket is what
    the whole file says."""
    from diag.core import contract

    text = (contract.CONTRACT_DIR / "operations.json").read_text()
    geo = text.index('{"method":"GET","path":"/api/v2/users/{userId}/geolocations/{clientId}"')
    first = text.index('"summary":"') + len('"summary":"')
    later = text.index('"summary":"', len(text) // 2) + len('"summary":"') + 1
    edits = {
        "longer": lambda t: t.replace('"operations":[', '"operations":[ ', 1),
        "method": lambda t: t[:geo] + t[geo:].replace('"GET"', '"PUT"', 1),
        "shifted": lambda t: t[:first] + "x" + t[first:later] + t[later + 1:],
    }
    for name, edit in edits.items():
        c = _contract_copy(tmp_path, monkeypatch, edit=edit)
        assert c._bucket_index() is None, name
        for key in ("GET 6", "PUT 6", "POST 4", "GET 4"):
            method, n = key.split()
            assert c.operations_in(method, int(n)) == _long_way(c, key), (name, key)
        if name == "method":
            assert any(o["path"] == "/api/v2/users/{userId}/geolocations/{clientId}"
                       for o in c.operations_in("PUT", 6))


def test_an_index_of_the_wrong_shape_is_not_read(tmp_path, monkeypatch, fresh_contract_caches):
    """An index edited by hand that is still JSON: read the long way, never a crash."""
    from diag.core import contract

    good = json.loads((contract.CONTRACT_DIR / "operations.index.json").read_text())
    for index in ([], {"size": good["size"]}, {**good, "buckets": []}, {**good, "buckets": {"GET 4": "x"}},
                  {**good, "buckets": {"GET 4": [[0, 10]]}}, {**good, "buckets": {"GET 4": [["a", "b"]]}},
                  {**good, "buckets": {"GET 4": [[83, 410], [0, 5]]}}, "not an index"):
        c = _contract_copy(tmp_path, monkeypatch, index=index)
        assert c.operations_in("GET", 4) == _long_way(c, "GET 4"), index


def test_a_contract_rewritten_while_diag_runs_is_read_as_first_read(tmp_path, monkeypatch, fresh_contract_caches):
    """A kernel that has checked once, then `make contract` (both files rewritten, offsets moved): later buckets
    come from the bytes read with the index, as operations() keeps the file it first read."""
    from diag.core import endpoints

    c = _contract_copy(tmp_path, monkeypatch)
    before = {key: c.operations_in(key.split()[0], int(key.split()[1])) for key in ("GET 4", "POST 4", "GET 6")}
    assert c._bucket_index() is not None
    put5 = _long_way(c, "PUT 5")
    data = json.loads((c.CONTRACT_DIR / "operations.json").read_text())
    data["operations"][0]["summary"] += " (updated)"
    text = json.dumps(data, separators=(",", ":")) + "\n"
    (c.CONTRACT_DIR / "operations.json").write_text(text)
    (c.CONTRACT_DIR / "operations.index.json").write_text(json.dumps(c.index_operations(text)))
    for key, ops in before.items():
        method, n = key.split()
        assert c.operations_in(method, int(n)) == ops
    assert c.operations_in("PUT", 5) == put5   # a bucket first asked for after the rewrite: no crash
    endpoints._bucket.cache_clear()
    endpoints._compiled.cache_clear()
    endpoints._by_resource.cache_clear()
    endpoints._match_cached.cache_clear()
    try:
        assert endpoints.check_operation("POST /api/v2/conversations/calls").known
    finally:
        endpoints._bucket.cache_clear()
        endpoints._compiled.cache_clear()
        endpoints._by_resource.cache_clear()
        endpoints._match_cached.cache_clear()


def test_a_model_is_read_by_its_name_when_the_index_is_of_another_file(tmp_path, monkeypatch):
    """models.jsonl rewritten after its index was read (a `make contract` while a kernel runs): offsets moved,
    a model gone. Each model is what the file now holds under its name, never another model's line or a crash."""
    from diag.core import contract

    folder = tmp_path / "contract"
    folder.mkdir()
    lines = (SHIPPED / "models.jsonl").read_bytes().splitlines(keepends=True)
    (folder / "models.jsonl").write_bytes(b"".join(lines))
    (folder / "models.index.json").write_text((SHIPPED / "models.index.json").read_text())
    monkeypatch.setattr(contract, "CONTRACT_DIR", folder)
    for cached in (contract._index, contract._model_index, contract.model):
        cached.cache_clear()
    try:
        names = contract.model_names()   # the index is read (and kept) here
        first = json.loads(lines[0])
        first["fields"]["added"] = {"t": "str"}
        gone = json.loads(lines[5])["name"]
        rewritten = [json.dumps(first, separators=(",", ":")).encode() + b"\n", *lines[1:5], *lines[6:]]
        (folder / "models.jsonl").write_bytes(b"".join(rewritten))
        assert contract.model(first["name"]) == first
        for line in rewritten[1:400:37]:
            wanted = json.loads(line)
            assert contract.model(wanted["name"]) == wanted
        assert contract.model(gone) is None and gone in names
    finally:
        for cached in (contract._index, contract._model_index, contract.model):
            cached.cache_clear()
