from celedger.publishers.tests.personas import *  # noqa: F403
