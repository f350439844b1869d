"""The disclosure invitation names the publisher who asks, in its subject (issue 15)."""

from typing import Any

import pytest

from celedger.activities.tests.factories import ActivityFactory
from celedger.core.outbox import outbox_deliver_pending
from celedger.integrity.emails import disclosure_request_send
from celedger.integrity.tests.factories import ContentRoleFactory
from celedger.publishers.tests.factories import PublisherFactory

pytestmark = pytest.mark.django_db


def test_the_disclosure_invitation_names_the_publisher(mailoutbox: Any) -> None:
    publisher = PublisherFactory(name="Lakeside Health")
    role = ContentRoleFactory(activity=ActivityFactory(publisher=publisher, title="Sepsis"))
    disclosure_request_send(content_role=role)
    outbox_deliver_pending()
    (sent,) = mailoutbox
    assert "Lakeside Health" in str(sent.subject)
    assert "Sepsis" in str(sent.subject)
