"""Search across the course (lessons/search.py): ranking, excerpts, escaping,
and the page with no JavaScript (a plain GET form)."""

import re

import pytest
from django.utils.html import escape

from lessons import search
from lessons.catalog import get_catalog
from lessons.signal_reference import SIGNALS


def result_urls(html: str) -> list[str]:
    return re.findall(r'<a class="search-result__link" href="([^"]+)">', html)


@pytest.mark.parametrize(
    ("query", "lesson"),
    [
        ("dispatch_uid", "senders"),
        ("pre_save", "pre-save"),
        ("m2m_changed", "m2m-changed"),
        ("origin", "delete-signals"),
        ("request_finished", "request-signals"),
        ("DISPATCH_UID", "senders"),
    ],
)
def test_the_lesson_that_teaches_a_name_comes_first(client, query, lesson):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    first = result_urls(response.content.decode())[0]
    assert first.startswith(f"/lessons/{lesson}/")


def test_results_link_to_the_section_that_matches():
    senders = get_catalog().get("senders")
    anchors = {entry.anchor for entry in senders.toc}

    best = search.search("dispatch_uid")[0]

    assert best.url == "/lessons/senders/#dispatch_uid-and-double-registration"
    assert best.url.split("#")[1] in anchors
    assert best.lesson_title == "Senders"
    assert str(best.section_title) == "<mark>dispatch_uid</mark> and double registration"
    assert "<mark>dispatch_uid</mark>" in best.excerpt


def test_a_title_outranks_a_heading_a_heading_outranks_text_and_text_outranks_code():
    def document(title="", heading="", text="", code="", url="/x/"):
        return search._document(url, "Lesson", heading or "Part", (), text, code, title)

    index = (
        document(code="needle()", url="/code/"),
        document(text="a needle here", url="/text/"),
        document(heading="The needle", text="more", url="/heading/"),
        document(title=search._names("Needle work"), text="needle", url="/title/"),
    )

    assert [result.url for result in search.search("needle", index)] == [
        "/title/",
        "/heading/",
        "/text/",
        "/code/",
    ]


def test_more_matches_rank_higher_and_every_word_must_match():
    index = (
        search._document("/once/", "L", "A", (), "save once", ""),
        search._document("/twice/", "L", "B", (), "save twice, save again", ""),
        search._document("/other/", "L", "C", (), "delete", ""),
    )

    assert [result.url for result in search.search("save", index)] == ["/twice/", "/once/"]
    assert [result.url for result in search.search("save twice", index)] == ["/twice/"]


def test_exercises_and_the_reference_are_searched_too():
    urls = [result.url for result in search.search("bulk_create")]

    assert "/lessons/gotchas/#exercise-predict-bulk-create" in urls
    assert "/reference/#bulk_create" not in urls
    assert "/reference/#post_save" in urls


def test_every_reference_signal_is_found_by_its_name():
    for signal in SIGNALS:
        urls = [result.url for result in search.search(signal.name)]

        assert f"/reference/#{signal.name}" in urls, signal.name


def test_the_excerpt_is_escaped_before_the_matches_are_marked():
    assert search.mark('save(<Tag: orm>) & "save"', ["save"]) == (
        "<mark>save</mark>(&lt;Tag: orm&gt;) &amp; &quot;<mark>save</mark>&quot;"
    )
    # A term that looks like markup is matched as text, and escaped too.
    assert search.mark("a <b> c", ["<b>"]) == "a <mark>&lt;b&gt;</mark> c"


def test_a_query_with_markup_is_shown_escaped(client):
    query = '<script>alert("x")</script>'

    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(" not in html
    assert escape(query) in html
    assert "Nothing in the course matches" in html


def test_an_excerpt_is_cut_around_the_match_at_word_boundaries():
    text = " ".join(f"word{number}" for number in range(200)) + " needle " + "tail " * 100
    document = search._document("/x/", "L", "S", (), text, "")

    excerpt = search.excerpt(document, ["needle"])

    assert excerpt.startswith("… word")
    assert excerpt.endswith(" …")
    assert "needle" in excerpt
    assert len(excerpt) <= 2 * 3 * search.EXCERPT_CHARS
    assert all(re.fullmatch(r"word\d+|needle|tail|…", word) for word in excerpt.split())


def test_an_empty_search_is_a_friendly_page(client):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", params)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Type a signal, an argument or a few words" in html
        assert 'href="/reference/"' in html
        assert "search-result__link" not in html


def test_no_results_say_so_and_suggest_the_reference(client):
    response = client.get("/search/", {"q": "zeppelin"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing in the course matches “zeppelin”." in html
    assert 'href="/reference/">built-in signals reference</a>' in html


def test_an_overlong_query_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "x" * (search.MAX_QUERY_LENGTH + 1)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "searches are at most 200" in html
    assert 'aria-invalid="true"' in html


def test_a_query_of_the_longest_length_is_answered(client):
    response = client.get("/search/", {"q": "save " * (search.MAX_QUERY_LENGTH // 5)})

    assert response.status_code == 200


def test_search_works_without_javascript_through_a_get_form(client):
    html = client.get("/search/", {"q": "pk_set"}).content.decode()

    # The header's form and the page's: both plain GET forms to /search/.
    forms = re.findall(r'<form class="([^"]+)" role="search"[^>]*>', html)
    assert forms == ["site-search", "search-form"]
    for form in re.findall(r'<form [^>]*role="search"[^>]*>', html):
        assert 'action="/search/"' in form
        assert 'method="get"' in form
    assert '<label for="search-page-q">' in html
    assert 'name="q" value="pk_set"' in html
    assert len(result_urls(html)) > 0


def test_only_get_is_allowed(client):
    assert client.post("/search/", {"q": "x"}).status_code == 405


def test_every_page_has_the_header_search_box(client):
    html = client.get("/lessons/senders/").content.decode()

    assert '<label class="visually-hidden" for="site-search">Search the course</label>' in html
    assert 'aria-keyshortcuts="/"' in html


def test_a_search_stores_nothing_about_the_visitor(client):
    # No database here either: this test has no db fixture, so a query fails it.
    response = client.get("/search/", {"q": "post_save"})

    assert "Set-Cookie" not in response.headers
    assert not response.cookies
