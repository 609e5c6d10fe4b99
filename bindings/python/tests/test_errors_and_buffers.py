"""Layer 2: status codes become typed exceptions with this thread's message; buffers are copied and freed; handles
are freed exactly once, by close, by with, or by the garbage collector, from any thread."""

from __future__ import annotations

import ctypes
import gc
import threading

import pytest

import custodia
from custodia import _errors, _raw
from custodia._handles import take_text


REFUSALS = {
    200: custodia.PurposeNotPermitted,
    201: custodia.Expired,
    202: custodia.JurisdictionNotPermitted,
    203: custodia.ClearanceInsufficient,
    204: custodia.KeyDestroyed,
    205: custodia.LegalHold,
    206: custodia.SignerMismatch,
}


@pytest.mark.parametrize("code,cls", sorted(REFUSALS.items()))
def test_each_refusal_code_has_its_class(code, cls):
    assert _errors.error_class(code) is cls
    assert issubclass(cls, custodia.Refused)
    e = cls(code, "m")
    assert e.is_refusal and e.code == code and e.message == "m"


def test_groups():
    assert issubclass(custodia.OpenFailed, custodia.EnvelopeError)
    assert issubclass(custodia.NoMatchingRecipient, custodia.EnvelopeError)
    assert issubclass(custodia.WrongPassphrase, custodia.KeyringError)
    assert issubclass(custodia.AuditTampered, custodia.AuditError)
    assert issubclass(custodia.InvalidPurpose, custodia.InvalidArgument)
    assert issubclass(custodia.InvalidArgument, ValueError)
    assert issubclass(custodia.Poisoned, custodia.InternalError)
    for cls in (custodia.Refused, custodia.EnvelopeError, custodia.KeyringError, custodia.AuditError):
        assert issubclass(cls, custodia.CustodiaError)
    assert not custodia.OpenFailed(306, "").is_refusal


def test_unknown_codes_map_to_their_group_or_the_base():
    assert _errors.error_class(299) is custodia.Refused
    assert _errors.error_class(399) is custodia.EnvelopeError
    assert _errors.error_class(777) is custodia.CustodiaError
    assert custodia.CustodiaError(777, "").name == "unknown"


def test_message_is_the_library_message_of_this_thread():
    with pytest.raises(custodia.InvalidJurisdiction) as info:
        custodia.Jurisdiction("XX")
    assert info.value.code == 104 and info.value.name == "invalid_jurisdiction"
    assert "XX" in info.value.message
    assert str(info.value).endswith("[104 invalid_jurisdiction]")
    # After a success the thread's last error is clear again.
    custodia.Jurisdiction("DE")
    assert _raw.lib.custodia_last_error_code() == 0
    assert _raw.lib.custodia_last_error_message() == b""


def test_messages_do_not_cross_threads():
    """Each thread reads its own last error even when failures interleave."""
    barrier = threading.Barrier(8)
    results: list[str] = []

    def worker(i: int) -> None:
        barrier.wait()
        for _ in range(200):
            try:
                custodia.Purpose(f"Bad{i}")
            except custodia.InvalidPurpose as e:
                if f"Bad{i}" not in e.message:
                    results.append(e.message)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == []


def test_text_buffers_are_freed(no_leaks, anna):
    for _ in range(50):
        assert take_text(_raw.lib.custodia_actor_describe, anna._handle).startswith("anna")


def test_buffer_free_refuses_foreign_and_double_frees(anna):
    buf = _raw.custodia_buffer()
    assert _raw.lib.custodia_actor_describe(anna._handle, ctypes.byref(buf)) == 0
    copy = _raw.custodia_buffer(buf.data, buf.len, buf.id)
    assert _raw.lib.custodia_buffer_free(ctypes.byref(buf)) == 0
    assert buf.len == 0 and not buf.data and buf.id == 0  # reset by the free
    assert _raw.lib.custodia_buffer_free(ctypes.byref(copy)) == 122  # already freed: refused, no crash
    assert _raw.lib.custodia_buffer_free(None) == 0


def test_stale_buffer_copy_never_frees_a_buffer_at_the_same_address(anna):
    """A freed buffer's address and length given to a new buffer: the stale copy (old id) is refused, the new
    buffer stays intact. Where the allocator does not reuse the address, the copy is forged with the new one's."""
    old = _raw.custodia_buffer()
    assert _raw.lib.custodia_actor_describe(anna._handle, ctypes.byref(old)) == 0
    stale = _raw.custodia_buffer(old.data, old.len, old.id)
    assert _raw.lib.custodia_buffer_free(ctypes.byref(old)) == 0
    new = _raw.custodia_buffer()
    assert _raw.lib.custodia_actor_describe(anna._handle, ctypes.byref(new)) == 0
    assert new.id != stale.id
    forged = _raw.custodia_buffer(new.data, new.len, stale.id)
    assert _raw.lib.custodia_buffer_free(ctypes.byref(forged)) == 122
    assert ctypes.string_at(new.data, new.len).startswith(b"anna")  # neither wiped nor released
    assert _raw.lib.custodia_buffer_free(ctypes.byref(new)) == 0


def test_raw_double_free_of_a_handle_is_refused():
    out = ctypes.c_uint64()
    assert _raw.lib.custodia_actor_new(b"bo", b"analyst", b"NL", 1, ctypes.byref(out)) == 0
    assert _raw.lib.custodia_actor_free(out.value) == 0
    assert _raw.lib.custodia_actor_free(out.value) == 122
    assert _raw.lib.custodia_actor_free(0) == 0  # the null handle is ignored
    assert _raw.lib.custodia_exception_ground_free(12345) == 122  # never issued


def test_out_params_untouched_on_failure():
    out = ctypes.c_uint64(0xDEADBEEF)
    assert _raw.lib.custodia_actor_new(b"bo", b"analyst", b"ZZ", 1, ctypes.byref(out)) == 104
    assert out.value == 0xDEADBEEF


def test_close_is_idempotent_and_use_after_close_raises(no_leaks):
    actor = custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED)
    actor.close()
    actor.close()
    assert actor.closed
    with pytest.raises(custodia.InvalidHandle, match="closed"):
        actor.describe()
    assert "closed" in repr(actor)


def test_with_block_frees(no_leaks):
    with custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED) as actor:
        assert not actor.closed
    assert actor.closed


def test_garbage_collection_frees(no_leaks):
    actor = custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED)
    del actor
    gc.collect()


def test_finalizers_free_from_other_threads(no_leaks):
    actors = [custodia.Actor(f"u{i}", "analyst", "NL", custodia.Classification.RESTRICTED) for i in range(32)]

    def drop() -> None:
        while actors:
            actors.pop()  # the last reference goes here: the finalizer runs on this thread

    t = threading.Thread(target=drop)
    t.start()
    t.join()


def test_close_while_another_thread_uses_the_handle(no_leaks):
    """Memory-safe by the ABI's contract: calls after the free fail with InvalidHandle, none crash."""
    actor = custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED)
    errors: list[BaseException] = []
    go = threading.Event()

    def use() -> None:
        go.wait()
        for _ in range(2000):
            try:
                actor.describe()
            except custodia.InvalidHandle:
                pass
            except BaseException as e:  # pragma: no cover
                errors.append(e)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    go.set()
    actor.close()
    for t in threads:
        t.join()
    assert errors == []


def test_deferred_free_keeps_the_failing_calls_message():
    """A finalizer that runs between a failing call and the read of its message must not clear the message."""
    victim = custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED)
    finalizer = victim._finalizer

    def failing_then_gc(*args: object) -> int:
        code = _raw.lib.custodia_jurisdiction_validate(b"QQ")
        finalizer()  # as if the collector ran right now, on this thread
        return code

    with pytest.raises(custodia.InvalidJurisdiction) as info:
        _errors.invoke(failing_then_gc)
    assert "QQ" in info.value.message
    assert victim.closed
    assert _raw.lib.custodia_actor_free(victim._id) == 122  # it was freed after the call


def test_deferred_free_waits_for_the_outermost_call():
    """A handle released inside a nested invoke (a stream callback calling custodia) is freed after the outer one."""
    victim = custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED)
    handle_id = victim._id

    def alive() -> bool:
        buf = _raw.custodia_buffer()
        code = _raw.lib.custodia_actor_describe(handle_id, ctypes.byref(buf))
        _raw.lib.custodia_buffer_free(ctypes.byref(buf))
        return code == 0

    seen = []

    def outer(*args: object) -> int:
        _errors.invoke(lambda: (victim.close(), 0)[1])  # closed inside a nested call
        seen.append(alive())  # the inner invoke finished, the outer has not: still deferred
        return 0

    _errors.invoke(outer)
    assert victim.closed
    assert seen == [True]
    assert not alive()


def test_release_outside_invoke_frees_at_once():
    victim = custodia.Actor("bo", "analyst", "NL", custodia.Classification.RESTRICTED)
    victim.close()
    assert _raw.lib.custodia_actor_free(victim._id) == 122
    assert not _errors._deferred
