# One image for web, workers, beat and the one-shot migrate job. (Not built on the development machines,
# which have no Docker engine; the compose file is validated with `docker-compose config`.)
FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy \
    PATH="/opt/venv/bin:$PATH" DJANGO_SETTINGS_MODULE=mailhelper.settings.production

RUN pip install --no-cache-dir "uv==0.13.9" \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mailhelper

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN uv sync --frozen --no-dev \
 && SECRET_KEY=build-only-not-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz \
    ENCRYPTION_KEYS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput -v 0 \
 && python manage.py compilemessages -v 0 2>/dev/null || true

ENV STATIC_ROOT=/app/staticfiles
USER mailhelper
EXPOSE 8000
CMD ["uvicorn", "mailhelper.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--ws", "websockets-sansio", "--lifespan", "off"]
