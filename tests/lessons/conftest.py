"""Each module here proves one lesson: test_<slug with underscores>.py.

Every test in it is marked ``lesson(slug)``, so one lesson's tests can be
selected by marker as well as by path (``make test-lesson LESSON=<slug>``).
"""

import logging

import pytest


def lesson_slug(module_name: str) -> str:
    return module_name.removeprefix("test_").replace("_", "-")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.parent.name == "lessons" and item.path.name.startswith("test_"):
            item.add_marker(pytest.mark.lesson(lesson_slug(item.path.stem)))


@pytest.fixture
def connect():
    """Connect receivers for one test and always disconnect them afterwards."""
    connected = []

    def _connect(signal, func, sender=None):
        signal.connect(func, sender=sender, weak=False)
        connected.append((signal, func, sender))
        return func

    yield _connect
    for signal, func, sender in reversed(connected):
        assert signal.disconnect(func, sender=sender) is True


@pytest.fixture
def example_log(caplog, request):
    """The lines logged by the module's ``EXAMPLES_LOGGER``, in order."""
    logger = request.module.EXAMPLES_LOGGER
    caplog.set_level(logging.INFO, logger=logger)

    def messages():
        return [record.getMessage() for record in caplog.records if record.name == logger]

    return messages
