FROM python:3.11-slim
# PDF briefs: WeasyPrint needs Pango and a font (without them the service answers 503 for PDF only).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY service ./service
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8000
CMD ["gunicorn", "-c", "service/gunicorn_conf.py", "service:create_app()"]
