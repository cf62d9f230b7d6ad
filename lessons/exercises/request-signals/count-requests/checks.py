import pytest

pytestmark = pytest.mark.django_db


def test_one_request_is_started_and_finished_once(learner, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert learner.counts == {"started": 1, "finished": 1}


def test_every_request_counts(learner, client):
    for _ in range(3):
        client.get("/healthz")

    assert learner.counts == {"started": 3, "finished": 3}


def test_a_streamed_file_finishes_after_its_last_chunk(learner, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "notes.txt").write_text("one\ntwo\n")

    response = client.get("/media/notes.txt")
    before_reading = dict(learner.counts)
    content = b"".join(response.streaming_content)

    assert content == b"one\ntwo\n"
    # The view had returned, but the response is closed only once it has been read.
    assert before_reading == {"started": 1, "finished": 0}
    assert learner.counts == {"started": 1, "finished": 1}
