"""Shortcuts taken for speed give the answer of the long way: a number's region and validity asked once instead of
twice, an overdialled tail tried against one pattern first, a caller's permissions made into a set once."""
import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from diag.client.connect import connect
from diag.core import numbers
from diag.sim import Simulator
from diag.sim.server import caller_of
from tests.sizes import examples

# country codes shared by several regions (where the shortcut applies) and some of one region each
SHARED = sorted(cc for cc, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) > 1)
CODES = SHARED + [33, 49, 61, 81, 353, 800, 882, 979]


@settings(max_examples=examples(1500), deadline=None, derandomize=True)
@given(st.sampled_from(CODES), st.integers(0, 10**11 - 1), st.integers(4, 12))
def test_region_and_validity_is_what_phonenumbers_says(cc, national, width):
    digits = str(national).zfill(width)[-width:]
    try:
        num = phonenumbers.parse(f"+{cc}{digits}")
    except phonenumbers.NumberParseException:
        return
    assert numbers._region_and_validity(num) == (phonenumbers.region_code_for_number(num),
                                                 phonenumbers.is_valid_number(num)), f"+{cc}{digits}"


def test_real_numbers_of_shared_codes_keep_their_regions():
    for text, region in (("+13175550100", "US"), ("+14165550100", "CA"), ("+18765550100", "JM"),
                         ("+447400123456", "GB"), ("+447624123456", "IM"), ("+79123456789", "RU"),
                         ("+77012345678", "KZ")):
        num = phonenumbers.parse(text)
        assert numbers._region_and_validity(num) == (region, phonenumbers.is_valid_number(num)), text


def test_an_emergency_number_overdialled_after_a_whole_number_is_still_refused():
    for text in ("+1 317 555 0100 911", "+44 20 7946 0958 999", "+61 2 9374 4000 000"):
        found = numbers.refusal(text, strict=True)
        assert found is not None and found.code == "emergency-extension", text


def test_a_users_permissions_replaced_are_what_the_simulator_then_reads():
    with Simulator(seed=1) as sim:
        s = connect(simulator=sim, environ={}, dotenv=None, save=False)
        assert s.call({"phoneNumber": "+13175550100"}).status == 200
        user = sim.org.users[sim.user_id("avery")]
        before = user.held()
        assert user.held() is before   # made once
        user.permissions, user.all_permissions = (), False
        token = next(t for t in sim.state.tokens.values() if t.kind == "user" and t.user_id == user.id)
        assert caller_of(sim.app, token).permissions == frozenset()
        refused = s.call({"phoneNumber": "+13175550101"})
        assert refused.status == 403 and refused.error_code == "missing.any.permissions"


@settings(max_examples=examples(500), deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["Authorization", "authorization", "AUTHORIZATION", "Content-Type",
                                           "inin-correlation-id", "ININ-Correlation-Id", "x"]),
                          st.text(max_size=8)), max_size=6),
       st.sampled_from(["authorization", "Authorization", "ININ-Correlation-Id", "content-type", "missing"]))
def test_a_header_is_read_as_a_case_insensitive_dict_reads_it(pairs, name):
    from diag.core.headers import HTTPHeaderDict, header

    plain = dict(pairs)
    expected = HTTPHeaderDict()
    for k, v in plain.items():
        expected.add(k, v)
    assert header(plain, name) == expected.get(name)
    assert header(expected, name) == expected.get(name)
