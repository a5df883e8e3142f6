"""Settings for the benchmarks: production code paths, plus the bare-Django floor view and no limits on look-ups.

The captcha accepts the word ``PASSED`` (django-simple-captcha's test mode) so that the load generator can post
look-ups; the per-address look-up limit is lifted for the same reason. Nothing else differs from the portal.
"""

from portal.settings.base import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
DEBUG = False
CAPTCHA_TEST_MODE = True
TRACKING_LOOKUP_RATE = "1000000/1m"
TRACKING_API_LOOKUP_RATE = "1000000/1m"

# Answers the load generator provokes on purpose are not news.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}

# Many submissions from one address in a few seconds is the point of the submission benchmark.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "api_submit": "1000000/hour",
        "api_token": "1000000/minute",
    },
}
