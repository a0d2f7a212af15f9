# syntax=docker/dockerfile:1
#
# evs-sdrs-gateway container image (see docs/deployment.md).
#
#   docker build -t evs-sdrs-gateway:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run --rm -p 8080:8080 -e SDRS_ENDPOINT=https://sdrs.eu-de.otc.t-systems.com evs-sdrs-gateway:0.1.0
#
# There is no build step: Node 24 runs the TypeScript sources directly (type stripping), so the
# image is the sources plus the production dependencies.
#
# Stage "deps": the Node 24 LTS slim image (it has npm) installs the production dependencies,
# exactly as locked in package-lock.json. Debian 12 (bookworm), like the runtime stage, so the C
# library matches should a dependency ever ship a native addon (none does today).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --omit=dev: no TypeScript, ESLint, test libraries. --ignore-scripts: no dependency needs an
# install script; not running any is the safer default.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# An empty directory owned by the runtime user, for Node's compile cache (filled in the runtime stage).
RUN mkdir /node-compile-cache && chown 65532:65532 /node-compile-cache

# Stage "runtime": distroless Node 24 on Debian 12. It has no shell, no package manager and no npm,
# and runs as the "nonroot" user, uid/gid 65532, set again below as numbers so that Kubernetes
# `runAsNonRoot` can check it. Node is /nodejs/bin/node and is PID 1: it receives SIGTERM itself
# and drains (nothing sits in between to swallow or delay the signal).
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
# Repository URL, e.g. --build-arg SOURCE=https://git.example.com/evs-sdrs-gateway
ARG SOURCE=""
LABEL org.opencontainers.image.title="evs-sdrs-gateway" \
      org.opencontainers.image.description="Accepts deprecated OTC EVS replication-consistency-group API calls and translates them to SDRS" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian12:nonroot"

# NODE_COMPILE_CACHE: Node's on-disk cache of compiled (and type-stripped) modules, filled below at
# build time and only read at run time. With it a start skips type-stripping every .ts file: the
# gateway is ready in about half the time and idles ~25 MB smaller (README "Benchmarks"). Entries
# are keyed by file content, Node version and the user id, so the cache is written by uid 65532
# (the user that runs the gateway); a stale or foreign cache is ignored, never wrong.
# NODE_OPTIONS: heap sizing for a 256Mi container (docs/deployment.md); the manifests pass the same
# value, which also keeps the compile cache valid (its key includes the V8 flags).
# MALLOC_ARENA_MAX=1: one glibc malloc arena instead of one per thread (V8's GC and compiler
# threads, libuv's pool). Nearly all allocation happens on the event loop thread, so there is no
# contention to speak of, and RSS after 200k requests drops by ~10 MiB (docs/deployment.md).
ENV NODE_ENV=production \
    PORT=8080 \
    NODE_COMPILE_CACHE=/app/.node-compile-cache \
    NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=2" \
    MALLOC_ARENA_MAX=1
WORKDIR /app

# Owned by root and not writable by the process: the gateway writes nothing to disk (logs are JSON
# on stdout), so the container runs with a read-only root filesystem. Node may use /tmp: Kubernetes
# mounts an emptyDir there; with plain docker use `--read-only --tmpfs /tmp`.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY schemas ./schemas
COPY src ./src
COPY --from=deps --chown=65532:65532 /node-compile-cache ./.node-compile-cache

USER 65532:65532
# Loads every module `serve` loads (main.ts imports them statically), prints the help and exits,
# writing the compile cache as uid 65532. Exec form: distroless has no shell.
RUN ["/nodejs/bin/node", "src/main.ts", "--help"]
EXPOSE 8080

# Docker only (Kubernetes ignores HEALTHCHECK and uses the probes in the manifests). No shell or
# curl in distroless, so Node itself asks /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form, no npm, no shell: `node src/main.ts serve`. `serve` refuses to start without
# SDRS_ENDPOINT; demo mode (--demo, the embedded SDRS emulator) is never used by this image.
ENTRYPOINT ["/nodejs/bin/node", "src/main.ts"]
CMD ["serve"]
