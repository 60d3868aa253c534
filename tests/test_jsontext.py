"""core.jsontext gives exactly the text of json.dumps(indent=2, ensure_ascii=False), faster."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_review.core import jsontext

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


def _std(obj, sort_keys=False):
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=sort_keys)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.booleans())
def test_same_text_as_the_standard_library(value, sort_keys):
    assert jsontext.dumps(value, sort_keys=sort_keys) == _std(value, sort_keys)


def test_edge_values_and_fallbacks():
    for value in ([float("nan"), float("inf"), -float("inf"), -0.0, 1e16, 1e-7], "\u2028\x00\"\\\n",
                  {"a": {}, "b": [], "c": ()}, 10 ** 40, {1: "int key", None: "none key"}, ("tuple",)):
        assert jsontext.dumps(value) == _std(value)


def test_errors_are_the_standard_librarys():
    for bad in ({"a": object()}, {1: "x", "b": "y"}):
        try:
            _std(bad, sort_keys=True)
        except TypeError as exc:
            expected = type(exc)
        try:
            jsontext.dumps(bad, sort_keys=True)
        except Exception as exc:  # noqa: BLE001 - the type is what is compared
            assert type(exc) is expected
        else:
            raise AssertionError(f"{bad!r} was encoded")


def test_subclasses_of_the_json_types_as_the_standard_library_writes_them():
    import collections
    import enum

    class Level(enum.IntEnum):
        HIGH = 3

    class Key(str):
        pass

    class Ratio(float):
        pass

    value = {Key("k"): [Level.HIGH, Ratio(0.5), Key("v"), True, None],
             "o": collections.OrderedDict([("b", 1), ("a", (2, 3))]), "e": [[], {}, [{}]]}
    for sort_keys in (False, True):
        assert jsontext.dumps(value, sort_keys=sort_keys) == _std(value, sort_keys)
