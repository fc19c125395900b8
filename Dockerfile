# Svidetel: one image for the API (default command) and the worker (`node dist/worker/main.js`).
# The TypeScript is compiled ahead of time to dist/ (`npm run build`, scripts/build.ts: esbuild, the
# compiler tsx uses, file by file), and the API and worker run plain node on it: no tsx in the process.
# tsx's require hook, esbuild's service and the compiled sources with their inline source maps held
# in memory were ~18 MB of the API's idle RSS (issue 20; bench:ingest starts the API with this CMD).
# The API has a small young generation (2 MiB semi-spaces: uploads are Buffers outside the JS heap,
# and V8's 16 MiB default only holds garbage). Not --optimize-for-size: 8 MB less idle and ~10 MB
# less peak, but 40 % more CPU per GB of multipart uploads (9.4 against 6.6 s/GB, measured side by side).
# One-off commands (`docker compose exec api npm run setup-link`) still run the TypeScript through
# tsx: ESBUILD_WORKER_THREADS=0 keeps esbuild's sync API from starting a worker thread (a second V8
# isolate, ~16 MB) in them.
FROM node:20-bookworm-slim

# ffmpeg/ffprobe: video metadata, posters and contact sheets; heif-convert: HEIC decoding in the worker;
# tini: PID 1 that forwards SIGTERM (graceful shutdown) and reaps the media tools' processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libheif-examples tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    ESBUILD_WORKER_THREADS=0 \
    HOST=0.0.0.0 \
    PORT=3000 \
    STORAGE_DIR=/data

# Dependencies first, so code changes do not reinstall them. Install scripts are not needed
# (sharp, esbuild and the other native packages ship prebuilt binaries as optional packages).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

COPY tsconfig.json ./
COPY api ./api
COPY worker ./worker
COPY web ./web
COPY db ./db
COPY domain ./domain
COPY infra ./infra
COPY scripts ./scripts
RUN npm run -s build

# Originals are evidence: the storage lives in a volume, owned by the unprivileged user.
# /keys: the transparency log's signing key, a volume only the worker mounts; /secrets: the key that
# encrypts two-factor secrets, a volume only the API mounts.
RUN mkdir -p /data /keys /secrets && chown node:node /data /keys /secrets && chmod 700 /keys /secrets
VOLUME ["/data"]
USER node

EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=2", "dist/api/main.js"]
