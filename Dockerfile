# Sweetspot as a container: the dashboard, with workers started inside it.
# Build: docker build -t sweetspot .   Run: docker run -p 8501:8501 -v sweetspot-data:/data sweetspot
# Workers on other machines run the same image with a command, e.g.
#   docker run sweetspot python -m tuning worker --study NAME --storage postgresql+psycopg2://…
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TUNING_DATA_DIR=/data \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app

# The CPU build of torch (requirements.txt pins the version): no CUDA download.
COPY requirements.txt .
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

COPY app.py ./
COPY tuning/ tuning/
COPY pages/ pages/
COPY examples/ examples/
COPY .streamlit/config.toml .streamlit/config.toml

RUN useradd --create-home --uid 1000 sweetspot && mkdir -p /data && chown sweetspot /data
USER sweetspot
VOLUME /data
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
