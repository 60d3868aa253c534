"""core.gcpause: the collector is paused inside and restored as it was, also after an error."""

import gc

import pytest

from evidence_review.core.gcpause import no_gc_passes


def test_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(KeyError), no_gc_passes():
        assert not gc.isenabled()
        raise KeyError("x")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with no_gc_passes():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator():
    @no_gc_passes()
    def inside():
        return gc.isenabled()

    assert inside() is False and gc.isenabled()
