FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY service ./service
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8000
CMD ["gunicorn", "-c", "service/gunicorn_conf.py", "service:create_app()"]
