# sshapp: a matrix-multiply benchmark served over SSH.
#
#   docker build -t sshapp .
#   docker run -d --name sshapp -p 2222:2222 \
#       -v sshapp-hostkeys:/var/lib/sshapp/hostkeys -v sshapp-state:/var/lib/sshapp/state sshapp
#   ssh -p 2222 localhost
#
# Three stages: `builder` compiles the wheel (the C++ kernels for every ISA, picked at run
# time, no native -march flag, so the image starts on any x86-64 CPU), `venv` installs it
# with its dependencies from wheels only, and the runtime copies that venv: no compiler,
# no wheel files, no pip cache in the final image.

FROM python:3.11-slim-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ cmake ninja-build \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/build-venv
ENV PATH=/opt/build-venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN pip install --upgrade pip
WORKDIR /src
COPY pyproject.toml README.md ./
COPY native ./native
COPY sshapp ./sshapp
# Builds sshapp's wheel and collects wheels for all its runtime dependencies.
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim-bookworm AS venv
COPY --from=builder /wheels /wheels
# --without-pip: the image's own pip installs into the venv, so no pip/setuptools ship in it.
RUN python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install --no-cache-dir \
        --disable-pip-version-check --no-index --find-links /wheels sshapp

FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
# Fixed UID so volume ownership and Kubernetes' runAsUser agree with the image.
RUN groupadd --gid 10001 sshapp \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/sshapp --no-create-home \
        --no-log-init --shell /usr/sbin/nologin sshapp \
    && mkdir -p /var/lib/sshapp/hostkeys /var/lib/sshapp/state \
    && chown -R 10001:10001 /var/lib/sshapp \
    && chmod 0700 /var/lib/sshapp/hostkeys
COPY --from=venv /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SSHAPP_STATE_DIR=/var/lib/sshapp/state \
    SSHAPP_HOSTKEY_DIR=/var/lib/sshapp/hostkeys
# hostkeys/: the ed25519 host key, created (mode 0600) on first start; keep it so clients
# do not see a new key after every restart. state/: run history (SQLite) and queue locks.
VOLUME ["/var/lib/sshapp/hostkeys", "/var/lib/sshapp/state"]
USER 10001:10001
WORKDIR /var/lib/sshapp
# SSH. Not 22: the server runs unprivileged; publish it as you like (-p 22:2222).
EXPOSE 2222
# `sshapp serve` drains on SIGTERM (refuses new connections, lets sessions finish).
STOPSIGNAL SIGTERM
# Passes when the port answers with an SSH-2.0 banner. The port comes from $SSHAPP_PORT
# (default 2222): set that variable too if you change --port below.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "-m", "sshapp.health"]
# tini as PID 1 forwards signals and reaps the per-session processes.
ENTRYPOINT ["tini", "--", "sshapp", "serve"]
CMD ["--host", "0.0.0.0", "--port", "2222", "--auth", "open"]
