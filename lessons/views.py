"""Thin views over the lesson catalog: no Markdown work happens here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lessons.catalog import get_catalog
from playground import scenarios


def lesson_index(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/index.html", {"lessons": get_catalog().lessons})


def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    catalog = get_catalog()
    lesson = catalog.get(slug)
    if lesson is None:
        # Rendered here rather than raising Http404 so the page keeps the
        # site's style even with DEBUG on, and can point to real lessons.
        return render(
            request,
            "lessons/not_found.html",
            {"slug": slug, "lessons": catalog.lessons},
            status=404,
        )
    return render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "lessons": catalog.lessons,
            "previous": catalog.previous(lesson),
            "next": catalog.next(lesson),
            "scenario": scenarios.get(lesson.playground),
        },
    )
