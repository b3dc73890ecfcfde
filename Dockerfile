# The runxin image: the API (`runxin serve`), the workers (`runxin worker`) and every CLI command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY platform platform
COPY tenants tenants
COPY graphql graphql
COPY workers workers
COPY cli cli
RUN pip install . && rm -rf /src \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/runxin runxin \
 && mkdir -p /var/lib/runxin && chown runxin:runxin /var/lib/runxin
WORKDIR /var/lib/runxin
USER 10001:10001
ENV RUNXIN_DATA_DIR=/var/lib/runxin RUNXIN_MODE=production
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["runxin", "serve", "--host", "0.0.0.0", "--port", "8000"]
