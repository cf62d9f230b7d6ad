"""django-axes, the admin login's throttle, for logins that come without a request.

Axes counts failed logins per username and client address, so it needs the
request. A visitor's login always has one; only code calls ``authenticate()``
or sends ``user_logged_in`` without one: the test client's ``login()``, a
shell, the lesson tests that show what the auth signals carry. Axes answers
those with an exception, which would make ``authenticate()`` itself fail. Here
they pass through uncounted, as there is no client to count them against.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt

# Axes stores the username as typed, in a column of this many characters; a
# longer one made the attempt's INSERT fail (a 500 on PostgreSQL). No user
# can have a longer name (Django's own limit is 150), so the cut loses nothing.
USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


def attempted_username(request, credentials=None) -> str | None:
    """The username axes counts a login attempt against (AXES_USERNAME_CALLABLE),
    cut to what its table holds."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username")
    return username[:USERNAME_LENGTH] if isinstance(username, str) else username


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' backend: refuses a locked-out username and address before any
    password is checked; leaves request-less calls to the next backend."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler (attempts live in the database, so every worker
    process sees them), ignoring logins and logouts without a request."""

    def user_logged_in(self, sender, request, user, **kwargs):
        if request is not None:
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        if request is not None:
            super().user_logged_out(sender, request, user, **kwargs)
