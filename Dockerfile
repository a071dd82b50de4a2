FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=False SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --create-home momento
# Uploaded CSVs wait here for the worker (a volume shared by web and worker in docker-compose).
RUN mkdir -p /app/media/imports && chown -R momento /app/media
USER momento
EXPOSE 8000
# Workers, timeout and preloading: gunicorn.conf.py (WEB_CONCURRENCY sets the workers).
CMD ["gunicorn", "momento.wsgi", "--bind", "0.0.0.0:8000"]
