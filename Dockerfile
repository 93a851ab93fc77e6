FROM python:3.11-slim

# Persistent database connections: measured against the pool and a connection per request in
# docs/performance.md ("Connections").
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DB_CONN_MAX_AGE=600
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Settings need a database URL to load; collectstatic never connects to it.
RUN DATABASE_URL=postgres://build@localhost/build DJANGO_SECRET_KEY=build DJANGO_DEBUG=false \
    python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_seed && python manage.py import_dataset all && exec gunicorn diplomacy.wsgi:application --bind 0.0.0.0:8000 --workers 4"]
