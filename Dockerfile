# SkillTrace web image: gunicorn (gthread) serving skilltrace:create_app().
# Only the runtime pins (requirements.txt) are installed; tests and tools (requirements-dev.txt)
# stay out of the image.
#
# SESSION_COOKIE_SECURE=true: the login cookie is sent over HTTPS only, as behind a TLS proxy in
# production. A plain-http `docker run` (e.g. http://127.0.0.1:8000) cannot keep a login then:
# run it with `-e SESSION_COOKIE_SECURE=false` (compose.yaml does so unless you set it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    FLASK_APP=skilltrace:create_app SESSION_COOKIE_SECURE=true MEDIA_ROOT=/data/media

# libgl/glib are not needed by opencv-python-headless; dlib-bin needs libstdc++ only.
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt pyproject.toml ./
RUN pip install -r requirements.txt && pip install --no-deps face-recognition==1.3.0
COPY platform ./platform
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY babel.cfg ./
RUN pip install --no-deps -e . && pybabel compile -d platform/skilltrace/translations \
    && useradd --create-home skilltrace && mkdir -p /data/media /app/instance \
    && chown -R skilltrace /data /app/instance
USER skilltrace
EXPOSE 8000
# Migrate, then serve. SECRET_KEY, SKILLTRACE_DATA_KEY, DATABASE_URL and REDIS_URL come from
# the environment (see compose.yaml).
CMD ["sh", "-c", "flask db upgrade && exec gunicorn --worker-class gthread --workers ${WEB_CONCURRENCY:-2} --threads 4 --bind 0.0.0.0:8000 --access-logfile - 'skilltrace:create_app()'"]
