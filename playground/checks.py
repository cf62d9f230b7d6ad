"""System checks for the playground (run by ``manage.py check``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def proxies_are_counted(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Behind a TLS proxy, per-address limits need the proxy to be trusted."""
    if settings.SECURE_PROXY_SSL_HEADER is None or settings.TUTORIAL_TRUSTED_PROXIES:
        return []
    return [
        checks.Warning(
            "DJANGO_SECURE_HTTPS=1 trusts a reverse proxy for the scheme, but "
            "TUTORIAL_TRUSTED_PROXIES=0: every visitor then arrives from the proxy's "
            "address and shares one per-address rate limit.",
            hint="Set TUTORIAL_TRUSTED_PROXIES to the number of proxies in front of the site.",
            id="playground.W001",
        )
    ]
