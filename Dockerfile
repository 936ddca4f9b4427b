# logsieve HTTP service: two gunicorn workers (uvicorn), non-root, the model inside the image.
#   docker build -t logsieve .
#   docker run -p 8000:8000 -e LOGSIEVE_API_KEYS='["change-me"]' logsieve
# Any Python 3.11 base with `python3 -m venv` works (docs/http.md: built here with podman on a
# Debian bookworm base, since this machine reaches no image registry):
#   podman build --build-arg BASE_IMAGE=localhost/debian-python:3.11-bookworm -t logsieve .
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/logsieve/bin:$PATH \
    LOGSIEVE_HOST=0.0.0.0 \
    LOGSIEVE_PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/logsieve-metrics \
    LOGSIEVE_MODEL_CACHE_DIR=/opt/logsieve/models

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY scripts/image_install.sh ./scripts/
# Everything (the wheel's dependencies, the ONNX model, its tokenizer) in a venv; the derived
# fast encoder made here; the build fails if a stage cannot load (scripts/image_install.sh).
RUN sh scripts/image_install.sh /opt/logsieve

RUN useradd --create-home --uid 10001 logsieve
USER logsieve

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"

# Two workers for two cores; each loads the model once. The metrics directory is made fresh
# at every start so counters from an earlier run never leak into this one.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn 'logsieve.server.app:create_app()' -c python:logsieve.server.gunicorn_conf -k logsieve.server.gunicorn_worker.GuardedUvicornWorker -w ${WEB_CONCURRENCY:-2} -b 0.0.0.0:${LOGSIEVE_PORT}"]
