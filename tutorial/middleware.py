"""Site-wide middleware."""

from django.template.loader import render_to_string


class ExplainMethodNotAllowed:
    """Give Django's bare 405 (from require_POST, require_GET…) a message.

    Every 4xx should tell the visitor what happened; Django's own 405 has an
    empty body. The status and the Allow header stay as they are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and request.method != "HEAD":
            response.content = render_to_string(
                "405.html",
                {"allowed": response.get("Allow", "other methods")},
                request=request,
            )
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
