# evs-sdrs-gateway container image (see docs/deployment.md).
#
#   docker build -t evs-sdrs-gateway:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run --rm --read-only --tmpfs /tmp -p 8080:8080 \
#     -e SDRS_ENDPOINT=https://sdrs.eu-de.otc.t-systems.com evs-sdrs-gateway:0.1.0
#
# There is no build step: Node 24 runs the TypeScript sources directly (type stripping), so the
# image is the sources plus the production dependencies.
#
# No `# syntax=` line: it would make BuildKit pull a Dockerfile frontend image from Docker Hub
# before anything else. Everything used here (RUN --mount for cache and secret) is understood by
# the frontend built into Docker (BuildKit) >= 23 and by buildah/podman.
#
# Base images: build arguments, so a registry mirror or a newer digest is one --build-arg away:
#   --build-arg NODE_IMAGE=mirror.example.com/library/node:24-bookworm-slim@sha256:<digest>
#   --build-arg RUNTIME_IMAGE=mirror.example.com/distroless/nodejs24-debian12:nonroot@sha256:<digest>
# Pinned by digest (the tag alone moves weekly). To update, resolve the tag's current digest
# (multi-arch index) and replace it here, e.g.
#   skopeo inspect --format '{{.Digest}}' docker://docker.io/library/node:24-bookworm-slim
#   crane digest gcr.io/distroless/nodejs24-debian12:nonroot
# or let Renovate/Dependabot do it (docs/deployment.md, "Base images").
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

# Stage "deps": the Node 24 LTS slim image (it has npm) installs the production dependencies,
# exactly as locked in package-lock.json. Debian 12 (bookworm), like the runtime stage, so the C
# library matches should a dependency ever ship a native addon (none does today).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --omit=dev: no TypeScript, ESLint, test libraries, and not the devDependency `node` (the image
# runs the distroless Node). --ignore-scripts: no dependency needs an install script; not running
# any is the safer default.
# Behind a TLS-inspecting proxy, pass its CA as the optional build secret "ca"
# (docker build --secret id=ca,src=corp-ca.pem ...): npm then trusts it in addition to Node's
# roots, for this step only. It is mounted, never copied into a layer.
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# An empty directory owned by the runtime user, for Node's compile cache (stage "compile-cache").
RUN mkdir /node-compile-cache && chown 65532:65532 /node-compile-cache

# Stage "app": distroless Node 24 on Debian 12 with the gateway's files. Distroless has no shell,
# no package manager and no npm. Everything under /app is owned by root and not writable by the
# runtime user: the gateway writes nothing to disk (logs are JSON on stdout), so the container
# runs with a read-only root filesystem. Node may use /tmp: Kubernetes mounts an emptyDir there;
# with plain docker use `--read-only --tmpfs /tmp`.
FROM ${RUNTIME_IMAGE} AS app
# NODE_COMPILE_CACHE: Node's on-disk cache of compiled (and type-stripped) modules, written at build
# time (stage "compile-cache") and only read at run time. With it a start skips type-stripping every
# .ts file: the gateway is ready in about half the time and idles ~25 MB smaller (README
# "Benchmarks"). Node keys the entries by its version, the V8 flags and the uid of the process, so
# the cache is written by uid 65532 with the NODE_OPTIONS below; a stale or foreign cache is
# ignored, never wrong.
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
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY schemas ./schemas
COPY src ./src

# Stage "compile-cache": loads every module `serve` loads (main.ts imports them statically), prints
# the help and exits, writing the compile cache as uid 65532. Exec form: distroless has no shell.
FROM app AS compile-cache
COPY --from=deps --chown=65532:65532 /node-compile-cache /node-compile-cache
USER 65532:65532
ENV NODE_COMPILE_CACHE=/node-compile-cache
RUN ["/nodejs/bin/node", "src/main.ts", "--help"]

# Stage "compile-cache-readonly": Node writes its cache files mode 0400 for their owner. Owned by
# root and readable by everyone, the runtime user can read them and write nothing.
FROM ${NODE_IMAGE} AS compile-cache-readonly
COPY --from=compile-cache /node-compile-cache /node-compile-cache
RUN chown -R 0:0 /node-compile-cache && chmod -R a+rX,go-w /node-compile-cache

# Stage "runtime": the image. It runs as the distroless "nonroot" user, uid/gid 65532, set as
# numbers so that Kubernetes `runAsNonRoot` can check it. Node is /nodejs/bin/node and is PID 1:
# it receives SIGTERM itself and drains (nothing sits in between to swallow or delay the signal).
FROM app AS runtime

ARG RUNTIME_IMAGE
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
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

COPY --from=compile-cache-readonly /node-compile-cache ./.node-compile-cache
USER 65532:65532
EXPOSE 8080

# Docker only (Kubernetes ignores HEALTHCHECK and uses the probes in the manifests). No shell or
# curl in distroless, so Node itself asks /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form, no npm, no shell: `node src/main.ts serve`. `serve` refuses to start without
# SDRS_ENDPOINT; demo mode (--demo, the embedded SDRS emulator) is never used by this image.
ENTRYPOINT ["/nodejs/bin/node", "src/main.ts"]
CMD ["serve"]
