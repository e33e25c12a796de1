# Image for the production-like stack of docker-compose.yml (web, worker, beat).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# flite reads the security code aloud (the image code's audio alternative); WeasyPrint (the activation letters'
# PDF, `activation_letters`) needs Pango, and HarfBuzz-Subset to embed font subsets.
RUN apt-get update && apt-get install -y --no-install-recommends flite libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 && rm -rf /var/lib/apt/lists/*

# The dependencies from the lock, each file checked against its sha256 (as `make run` and CI), then the project.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY apart apart
COPY audit audit
COPY accounts accounts
COPY referentiels referentiels
COPY habilitations habilitations
COPY bareme bareme
COPY dap dap
COPY indemnisation indemnisation
COPY espace espace
COPY instruction instruction
COPY support support
COPY portal portal
COPY demo demo
RUN pip install --no-deps .

COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0

# The DAPs' attachments (MEDIA_ROOT, a volume in docker-compose.yml): a volume mounted there keeps this owner.
RUN useradd --create-home apart && mkdir -p /app/media && chown apart:apart /app/media
USER apart
EXPOSE 8000
# Workers: apart/gunicorn_conf.py's formula (2 × cores + 1), or WEB_CONCURRENCY.
CMD ["gunicorn", "apart.wsgi", "--config", "python:apart.gunicorn_conf", "--bind", "0.0.0.0:8000"]
