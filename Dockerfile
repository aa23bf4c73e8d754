# Airbyte source connector image for source-smartlead.
#
#   docker build -t airbyte/source-smartlead:dev .
#   docker run --rm -v "$(pwd)/secrets:/secrets:ro" airbyte/source-smartlead:dev check --config /secrets/config.json
#
# Stage 1 bundles the connector with esbuild into dist/ (launchers main.js and tap.js, one
# program file *.cjs each, requiring only Node built-ins, and their source maps); stage 2 ships that (plus
# spec.json, catalog.json, package.json) on a clean node:24-slim, with no node_modules, sources,
# tests or dev dependencies, and fills dist/compile-cache/ (Node's module compile cache, see
# src/launcher.ts) by running both programs once as the connector's user at their final path: the
# cache is keyed by Node version, file path and uid. It is then made read-only like the rest of
# the code (Node writes its cache files 0600: they are made readable by all), so a start only
# reads it.

# ---- build ------------------------------------------------------------------------------------
FROM node:24-slim AS build
WORKDIR /build
# Dependencies first so this layer is cached until the lockfile changes. Install scripts are
# skipped: none is needed (esbuild's binary comes from its @esbuild/<platform> optional
# dependency; its postinstall only verifies it) and npm 11 may block them anyway.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
# `npm run build` also bundles the SmartLead simulator (test/simulator), used only by the tests;
# it is built here but never copied into the runtime image.
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/
COPY src/ src/
COPY test/simulator/ test/simulator/
RUN npm run build \
 && node dist/main.js spec >/dev/null \
 && rm -rf dist/compile-cache

# ---- runtime ----------------------------------------------------------------------------------
FROM node:24-slim
# Keep the default equal to package.json's "version" (scripts/test-image.mjs checks it);
# override with --build-arg VERSION=x.y.z.
ARG VERSION=0.1.0

# Code is root-owned and read-only for the connector user; /airbyte is its writable workdir.
WORKDIR /airbyte/integration_code
COPY package.json spec.json catalog.json ./
COPY --from=build /build/dist/ dist/
# The cache is keyed by V8's flags too: it is filled with the ENTRYPOINT's (the launcher's first
# line), or every start would compile again.
ARG NODE_FLAGS="--max-semi-space-size=4 --heap-growing-percent=30 --no-concurrent-recompilation"
RUN mkdir dist/compile-cache && chown 1000:1000 dist/compile-cache \
 && setpriv --reuid=1000 --regid=1000 --clear-groups node $NODE_FLAGS dist/main.js spec >/dev/null \
 && setpriv --reuid=1000 --regid=1000 --clear-groups node $NODE_FLAGS dist/tap.js --about >/dev/null \
 && chown -R root:root dist/compile-cache && chmod -R a=rX dist/compile-cache \
 && chown 1000:1000 /airbyte && chmod 0755 /airbyte

# The V8 heap flags are the launcher's (the first line of src/launcher.ts, where they are explained).
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/node --max-semi-space-size=4 --heap-growing-percent=30 --no-concurrent-recompilation /airbyte/integration_code/dist/main.js"
ENTRYPOINT ["/usr/local/bin/node", "--max-semi-space-size=4", "--heap-growing-percent=30", "--no-concurrent-recompilation", "/airbyte/integration_code/dist/main.js"]

LABEL io.airbyte.name="airbyte/source-smartlead" \
      io.airbyte.version="${VERSION}"

# uid 1000 is the base image's `node` user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
WORKDIR /airbyte
