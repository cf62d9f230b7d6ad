import inspect
import weakref

import pytest

# Enough for any receiver that awaits only send_receipt(): each step is one
# `await asyncio.sleep(0)`.
MAX_STEPS = 100


def run_coroutine(coro):
    """Run a coroutine that awaits nothing but asyncio.sleep(0), without an
    event loop: step it until it returns, and return its result."""
    try:
        for _ in range(MAX_STEPS):
            coro.send(None)
    except StopIteration as finished:
        return finished.value
    coro.close()
    pytest.fail(f"the coroutine was still waiting after {MAX_STEPS} steps", pytrace=False)


def registrations(signal):
    """{receiver name: registered as async?} for every receiver of ``signal``."""
    found = {}
    for _key, receiver_ref, _sender_ref, is_async in signal.receivers:
        weak = isinstance(receiver_ref, weakref.ReferenceType)
        function = receiver_ref() if weak else receiver_ref
        if function is not None:
            found[function.__name__] = is_async
    return found


def test_email_receipt_is_a_coroutine_function(learner):
    assert inspect.iscoroutinefunction(learner.email_receipt), "define it with async def"


def test_order_paid_holds_it_as_an_async_receiver(learner):
    # send() and asend() run the sync group first, then the async receivers.
    assert registrations(learner.order_paid) == {"email_receipt": True, "mark_order_paid": False}


def test_the_receiver_awaits_the_mail_api_and_returns_its_result(learner):
    coro = learner.email_receipt(sender=learner.Payments, order_id=7, signal=learner.order_paid)
    assert inspect.iscoroutine(coro), f"calling email_receipt() returned {coro!r}, not a coroutine"
    assert learner.receipts_sent == []  # nothing runs until the coroutine is awaited

    result = run_coroutine(coro)

    if inspect.iscoroutine(result):
        result.close()
        pytest.fail("email_receipt returned a coroutine: await send_receipt(order_id)")
    assert result == "receipt-7"
    assert learner.receipts_sent == [7]
