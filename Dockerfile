# Production image of the Dịch vụ công portal. The same image runs the web server (default command),
# the migrations, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.12-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    VAR_DIR=/app/var

# WeasyPrint's runtime libraries and a fallback font; flite for the captcha's audio alternative;
# gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core flite gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so code changes do not reinstall them: the project ships no Python package of its
# own ([tool.setuptools] packages = []), so pyproject.toml and README.md are all `pip install .` reads.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir . && rm -rf build *.egg-info

COPY . .

# Production settings refuse to load without these; the dummy values exist for this step only.
RUN SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost \
    sh -c 'python manage.py compilemessages && python manage.py collectstatic --noinput --verbosity 0' \
    && chown app:app /app/var

USER app

EXPOSE 8000

# No HEALTHCHECK here: the worker, beat and migrate containers run this image too and serve no HTTP.
# docker-compose.yml checks /healthz on the web service.
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
