"""The Redis broker transport the worker uses (``CELERY_BROKER_TRANSPORT`` for ``redis://`` URLs).

When the worker loses Redis, Celery 5.7 first collects the lost connection, which forgets the broker's address,
and then closes it. Closing a channel gives its unacknowledged messages back to Redis (a task the worker was
running, with ``acks_late``), and finding no address that step raised ``AttributeError``: the worker logged
"Unrecoverable error" and exited whenever Redis restarted while it held a task. The same happened to the
acknowledgement of a task that finished after the connection was lost.

Here a channel keeps the address it was opened with and uses it when the connection has forgotten it: the
messages go back to Redis when it answers, and when it does not the error is a connection error, which Celery
and kombu already handle (Redis then gives them back after the visibility timeout). Nothing else changes.
``tests/test_notifications_delivery.py`` restarts Redis under a worker in the middle of a send.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    def __init__(self, connection, *args, **kwargs):
        self._broker = connection.client  # the kombu Connection: address, credentials, options
        super().__init__(connection, *args, **kwargs)

    def _connparams(self, asynchronous=False):
        transport = self.connection
        if transport.client is not None or self._broker is None:
            return super()._connparams(asynchronous=asynchronous)
        transport.client = self._broker  # only while the parameters are read
        try:
            return super()._connparams(asynchronous=asynchronous)
        finally:
            transport.client = None


class Transport(redis.Transport):
    Channel = Channel
