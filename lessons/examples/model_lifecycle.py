"""Examples for lesson 4, The model lifecycle: the guards a save receiver needs.

``reindex_group_name`` keeps a pretend search index in step with the names of
Django's auth ``Group`` model. It shows the two checks most ``post_save``
receivers want: skip fixture loads (``raw``) and skip saves that did not
write the field it cares about (``update_fields``).
"""

import logging

logger = logging.getLogger(__name__)


def reindex_group_name(sender, instance, created, raw, update_fields, **kwargs):
    """Re-index a group whenever its name is written.

    It is not connected here, so the site does not react to every saved
    group; the lesson's tests connect it to ``post_save`` for ``Group``.
    """
    if raw:
        # loaddata writes the row exactly as the fixture has it; related rows
        # may not exist yet, so leave it alone.
        return
    if update_fields is not None and "name" not in update_fields:
        # save(update_fields=[...]) without "name": the name did not change.
        return
    verb = "Indexed" if created else "Re-indexed"
    logger.info("%s group %r", verb, instance.name)
