"""A locust load test that calls a framekit server through Twilio's wire protocol.

``python -m loadtest`` runs it headless (see ``docs/load-testing.md``);
:mod:`loadtest.locustfile` holds the locust user, :mod:`loadtest.line` the
Media Stream as a handset sees it, :mod:`loadtest.speech` the callers' prepared
utterances. Only the wire protocol is shared with the server.
"""
