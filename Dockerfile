# The image for web, worker and beat in docker-compose.yml. Without a command it serves
# the web app (docker/start-web.sh); worker and beat run docker/start-worker.sh and
# docker/start-beat.sh. Label the build: docker build --build-arg VERSION=$(git describe
# --always) --build-arg SOURCE_URL=<repository URL> .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .
# collectstatic needs settings to import; these values exist only during the build.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    DJANGO_SETTINGS_MODULE=voorzorg.settings.production \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 voorzorg && chown -R voorzorg /app

# The version, last: a new one must not rebuild the layers above. One build argument
# labels the image and tells the application (VOORZORG_VERSION: the page footer,
# /health/, the logs); without it the application reports pyproject.toml's version.
ARG VERSION=""
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="voorzorg" \
      org.opencontainers.image.description="Voorzorg: bridging care on mental-health waiting lists" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}"
ENV VOORZORG_VERSION="${VERSION}"

USER voorzorg
EXPOSE 8000
# Exec form and `exec` inside the script: gunicorn is PID 1 and receives SIGTERM.
CMD ["/app/docker/start-web.sh"]
