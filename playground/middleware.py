"""Request-level recording: admin changes, and the visitor's own requests.

Playground actions group their signals themselves (``performing.perform``).
This middleware covers what happens outside them:

* changes to sandbox records made elsewhere, such as the Django admin, are
  logged in the owning sandbox as one action per request;
* when a visitor switches on request logging, the request signals of their
  own playground requests are logged too (``request_started`` arrives before
  any middleware, and ``request_finished`` after the response, so the
  recorder collects them and ``store_request_log`` writes them at the end).
"""

from django.shortcuts import render

from playground import recording
from playground.performing import store
from playground.sandboxes import RateLimited


class RecordingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if recording.is_poll(request.path):
            return self.get_response(request)  # polls are never logged
        current = recording.current_recording() or recording.begin_request()
        request.playground_recording = current
        response = self.get_response(request)
        for record in current.implicit.values():
            store(record)
        current.implicit.clear()
        self._keep_or_drop_request_log(request, current, response)
        if getattr(request, "raised_on_purpose", False) and response.status_code == 500:
            response = self._explain_raise(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not hasattr(request, "playground_recording"):
            return
        request.always_log_request = getattr(view_func, "always_log_request", False)
        if request.resolver_match.namespace == "admin":
            # Changes made here to sandbox records are logged in their sandbox.
            request.playground_recording.implicit_label = f"Admin: {request.method} {request.path}"

    def _keep_or_drop_request_log(self, request, current, response) -> None:
        request_action = current.request_action
        current.request_action = None
        # The sandbox the view worked on (``sandbox_for`` notes it): a
        # request that touched none has no log to keep it in.
        sandbox = getattr(request, "playground_sandbox", None)
        if request_action is None or sandbox is None:
            return
        # As the view left it: the switch's own request is logged when it
        # turns logging on, not when it turns it off.
        wanted = getattr(request, "always_log_request", False) or sandbox.log_requests
        if wanted:
            request_action.sandbox_id = sandbox.pk
            request_action.label = (
                f"Request: {request.method} {request.path} → {response.status_code}"
            )
            request_action.scenario = sandbox.scenario
            current.request_action = request_action  # store_request_log writes it

    def _explain_raise(self, request):
        from playground import panels, scenarios
        from playground.performing import Outcome
        from playground.sandboxes import sandbox_for

        scenario = scenarios.get(request.resolver_match.kwargs["slug"])
        sandbox = sandbox_for(request, scenario.slug)
        outcome = Outcome(
            error=(
                "The view raised RaisedOnPurpose. Django caught it, sent "
                "got_request_exception and built a 500 response; the playground swapped "
                "that page for this one. The request's signals appear in the log as soon "
                "as request_finished has been sent."
            )
        )
        return panels.render_panel(request, sandbox, scenario, outcome=outcome)


def store_request_log(sender, **kwargs):
    """Connected last to request_finished: write the request's log, if kept."""
    current = recording.current_recording()
    # Only a request the middleware chose to log has a sandbox by now.
    if current is not None and current.request_action and current.request_action.sandbox_id:
        request_action, current.request_action = current.request_action, None
        store(request_action)
    recording.end_request()


class RateLimitMiddleware:
    """Answer a rate-limited request with 429 and a message that says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        from playground import panels, scenarios
        from playground.performing import Outcome

        slug = (request.resolver_match.kwargs or {}).get("slug") if request.resolver_match else None
        scenario = scenarios.get(slug) if slug else None
        if exception.sandbox is not None and scenario is not None:
            outcome = Outcome(error=str(exception), status=429)
            response = panels.render_panel(
                request, exception.sandbox, scenario, outcome=outcome, status=429
            )
        else:
            template = (
                "playground/rate_limited.html#panel"
                if request.htmx
                else "playground/rate_limited.html"
            )
            response = render(request, template, {"message": str(exception)}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response
