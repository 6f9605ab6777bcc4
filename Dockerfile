FROM python:3.11-slim

# WeasyPrint needs Pango; DejaVu covers Cyrillic and Latvian diacritics in the letters' PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 claims \
 && mkdir -p /data && chown claims:claims /data

WORKDIR /srv/claims
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .

USER claims
ENV CLAIMS_DATABASE_URL=sqlite+aiosqlite:////data/claims.db \
    CLAIMS_STORAGE_DIR=/data/storage \
    CLAIMS_ENVIRONMENT=production
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# `serve` applies the migrations, then starts uvicorn.
CMD ["claims", "serve", "--host", "0.0.0.0", "--port", "8000"]
