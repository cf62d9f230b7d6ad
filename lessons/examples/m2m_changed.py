"""Examples for lesson 8, m2m_changed: one receiver for every kind of change.

``links_changed`` turns any ``m2m_changed`` call on ``Article.tags`` into the
set of ``(article pk, tag pk)`` link pairs it touches, whichever side of the
relation made the call. Nothing here connects it, so the site does not run it
on every tag change; the lesson's tests connect it and disconnect it again.
"""


def links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Return ``(action, {(article_pk, tag_pk), ...})`` for the actions worth acting on.

    ``clear()`` does not say which links it removes (``pk_set`` is ``None``),
    so they are read in ``pre_clear``, while the rows still exist. The other
    ``pre_`` actions are skipped: the ``post_`` ones carry the same keys.
    """
    if action == "pre_clear":
        related = instance.articles if reverse else instance.tags
        pk_set = set(related.values_list("pk", flat=True))
    elif action not in ("post_add", "post_remove"):
        return None
    if reverse:
        # instance is a Tag, and pk_set holds Article pks.
        return action, {(article_pk, instance.pk) for article_pk in pk_set}
    return action, {(instance.pk, tag_pk) for tag_pk in pk_set}
