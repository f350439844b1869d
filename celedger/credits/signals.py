"""Claims changed for a learner and activity (sent by the outbox worker after commit).

Certificates listen to this: credits must not import certificates (apps depend downward).
Arguments: learner_id, activity_id.
"""

from django.dispatch import Signal

claims_changed = Signal()
