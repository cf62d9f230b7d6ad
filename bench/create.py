"""In-process benchmark of the playground's "create a product" action.

Run by ``bench/run.py`` in its own process, with the same production
environment as the server (a temporary SQLite file, ``DJANGO_DEBUG=0``).
It times the same number of product creations, in fresh sandboxes, five
ways, from bare to what the site really does:

plain         ``Product.objects.create(...)`` with every receiver of the model
              signals disconnected, the recorder's observer too (the baseline)
service       ``services.product_create(...)`` (adds the sandbox's room
              check), still with no receivers
receivers     the same service call with the lesson receivers connected,
              but the recorder's observer disconnected and no action open
recorded      the receivers plus the recorder: observer, ``sys.monitoring``
              and ``recording.action()``, but the log is not stored
instrumented  ``performing.perform()`` exactly as the view calls it: all of
              the above, and ``performing.store()`` stores the log and e-mails

Not a target: the breakdown explains the HTTP figure. A sandbox holds at most 100
products, so each batch uses a fresh sandbox (created outside the timing),
and the variants take turns batch by batch so drift hits them alike.
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import sys
import time
import weakref
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("plain", "service", "receivers", "recorded", "instrumented")
SCENARIO = "signals-101"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _resolved(entry):
    receiver = entry[1]
    if isinstance(receiver, weakref.ReferenceType):
        receiver = receiver()
    return getattr(receiver, "__func__", receiver)


@contextlib.contextmanager
def receivers_kept(keep):
    """Temporarily leave connected only the receivers ``keep(fn)`` accepts,
    on every model signal; restore the exact list (order, weak references,
    dispatch uids) afterwards."""
    from playground.recording import MODEL_SIGNALS

    saved = {signal: list(signal.receivers) for signal in MODEL_SIGNALS.values()}
    try:
        for signal, entries in saved.items():
            with signal.lock:
                signal.receivers = [entry for entry in entries if keep(_resolved(entry))]
                signal.sender_receivers_cache.clear()
        yield
    finally:
        for signal, entries in saved.items():
            with signal.lock:
                signal.receivers = entries
                signal.sender_receivers_cache.clear()


def _variant_context(variant: str):
    from playground import recording

    if variant in ("plain", "service"):
        return receivers_kept(lambda receiver: False)
    if variant == "receivers":
        return receivers_kept(lambda receiver: receiver is not recording.observe)
    return contextlib.nullcontext()


def _creator(variant: str, sandbox):
    """A function creating product number ``n`` in ``sandbox`` the variant's way."""
    from playground import actions, performing, recording
    from playground.models import Product

    act = actions.SANDBOX_ACTIONS["product-create"]

    def data(n: int) -> dict:
        # What ProductCreateForm.cleaned_data holds for the benchmark's POST.
        return {"name": f"Bench product {n}", "price": Decimal("9.99"), "stock": 7, "image": None}

    if variant == "plain":

        def create(n):
            fields = data(n)
            Product.objects.create(
                sandbox=sandbox,
                name=fields["name"],
                price=fields["price"],
                stock=fields["stock"],
                image="",
            )

    elif variant in ("service", "receivers"):

        def create(n):
            act.run(sandbox, data(n))

    elif variant == "recorded":

        def create(n):
            fields = data(n)
            with recording.action(sandbox.pk, act.label(sandbox, fields), scenario=SCENARIO):
                act.run(sandbox, fields)

    else:

        def create(n):
            fields = data(n)
            label = act.label(sandbox, fields)
            outcome = performing.perform(
                sandbox, label, lambda: act.run(sandbox, fields), scenario=SCENARIO
            )
            if not outcome.ok:
                raise RuntimeError(outcome.error)

    return create


def _fresh_sandbox():
    from playground.sandboxes import create_sandbox

    return create_sandbox()


def room(sandbox) -> int:
    from playground.models import MAX_RECORDS_PER_MODEL, Product

    return MAX_RECORDS_PER_MODEL - Product.objects.filter(sandbox=sandbox).count()


def time_batch(variant: str, size: int) -> tuple[int, float]:
    sandbox = _fresh_sandbox()
    size = min(size, room(sandbox))
    with _variant_context(variant):
        create = _creator(variant, sandbox)
        create(0)  # the first call of a batch is not timed (connection, caches)
        started = time.perf_counter()
        for n in range(1, size):
            create(n)
        elapsed = time.perf_counter() - started
    return size - 1, elapsed


def queries_per_create(variant: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sandbox = _fresh_sandbox()
    with _variant_context(variant):
        create = _creator(variant, sandbox)
        create(0)
        with CaptureQueriesContext(connection) as captured:
            create(1)
    return len(captured.captured_queries)


def profile(variant: str, batches: int, top: int) -> str:
    profiler = cProfile.Profile()
    for _ in range(batches):
        sandbox = _fresh_sandbox()
        with _variant_context(variant):
            create = _creator(variant, sandbox)
            profiler.enable()
            for n in range(room(sandbox)):
                create(n)
            profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="batches per variant")
    parser.add_argument("--batch", type=int, default=97, help="creations per batch (≤ room)")
    parser.add_argument("--time-limit", type=float, default=120, help="seconds, all rounds")
    parser.add_argument("--profile", action="store_true", help="cProfile the instrumented way")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    setup_django()
    totals = {variant: [0, 0.0] for variant in VARIANTS}
    deadline = time.monotonic() + args.time_limit
    rounds_done = 0
    for round_number in range(args.rounds):
        if time.monotonic() > deadline:
            break
        # Rotate the order each round so no variant always runs first.
        shift = round_number % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            count, elapsed = time_batch(variant, args.batch)
            totals[variant][0] += count
            totals[variant][1] += elapsed
        rounds_done += 1

    results = {
        variant: {
            "creations": count,
            "seconds": elapsed,
            "per_second": count / elapsed if elapsed else 0.0,
            "ms_per_create": 1000 * elapsed / count if count else 0.0,
            "queries_per_create": queries_per_create(variant),
        }
        for variant, (count, elapsed) in totals.items()
    }
    report = {"rounds": rounds_done, "batch": args.batch, "variants": results}
    if args.profile:
        report["profile"] = profile("instrumented", batches=2, top=25)
    if args.json:
        print(json.dumps(report))
    else:
        for variant, figures in results.items():
            print(
                f"{variant:13} {figures['per_second']:8.1f}/s  "
                f"{figures['ms_per_create']:6.3f} ms  {figures['queries_per_create']} queries"
            )
        if "profile" in report:
            print(report["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
