# The image for web, worker and beat in docker-compose.yml.
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
USER voorzorg
EXPOSE 8000
