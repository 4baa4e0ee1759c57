FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/focus
WORKDIR /app
RUN useradd --system --home /app focus && mkdir -p /var/lib/focus && chown focus /var/lib/focus
# `manage.py backup` and `restore` run pg_dump and pg_restore, which must be at least the
# server's major version: PostgreSQL's own Debian repository has the compose file's 16.
ARG PG_MAJOR=16
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs settings that start; these values are build-time only.
RUN SECRET_KEY=build-only EMAIL_HOST=build-only FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMDAwMDA= \
    sh -c "python manage.py collectstatic --noinput && python manage.py compile_catalogues"

USER focus
EXPOSE 8000
# gunicorn.conf.py: reset and invitation tokens are redacted from the access and error logs.
CMD ["gunicorn", "focus.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
