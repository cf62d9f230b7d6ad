"""The playground's custom signals.

Signals are for telling code you do not own that something happened. Here
the "shop" announces product views and shares; the receivers that count
views or post to a partner feed live in ``receivers.py``.
"""

from django.dispatch import Signal

# Sent when a learner views a product page, with ``product=<Product>``.
# The sync view uses send(); the async view uses asend().
product_viewed = Signal()

# Sent when a product is shared, with ``product=<Product>``. One of its
# receivers always fails, to show send() against send_robust().
product_shared = Signal()
