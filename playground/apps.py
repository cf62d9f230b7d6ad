from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    """The sandbox where learners trigger signals and watch them fire."""

    name = "playground"
    verbose_name = "Playground"

    def ready(self):
        from django.core.signals import request_finished

        from playground import checks, recording  # noqa: F401 (checks registers them)
        from playground.middleware import store_request_log

        # Order matters. The recorder's observer is connected before any
        # receiver, so Django calls it first on every send...
        recording.install()

        # ...then importing receivers.py runs its @receiver decorators and
        # connect() calls: the one place the playground's receivers connect...
        from playground import receivers  # noqa: F401

        # ...and the request log is written after every request_finished
        # receiver has run.
        recording.INTERNAL_RECEIVERS.add(store_request_log)
        request_finished.connect(store_request_log, dispatch_uid="playground.store_request_log")
