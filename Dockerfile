# The DICOM service as one container: the local server (local/server.ts) runs the same Lambda
# handlers behind one HTTP listener, with an embedded S3 server keeping the objects in /data,
# or, given AWS_ENDPOINT_URL_S3 + BUCKET_NAME, against that S3 instead. See README "Container".
#
# The base is an argument so a registry mirror, or a base made locally (tools/container/test.sh
# makes one with debootstrap), can stand in for the official image. It must provide node (and
# npm for the build stage) and a user `node`, as the official node images do.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: every dependency (esbuild, tsx), then one bundle with the functions' esbuild settings.
FROM ${NODE_IMAGE} AS build
# A registry mirror for npm, if the build machine needs one (not stored in the final image).
ARG NPM_CONFIG_REGISTRY
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: esbuild finds its platform binary through its optional dependency. The
# cache mount keeps npm's download cache between builds, outside the image.
RUN --mount=type=cache,target=/root/.npm npm ci --prefer-offline --no-audit --no-fund --ignore-scripts
# What is copied is what .dockerignore lets through: the sources of the bundle.
COPY . .
RUN npx tsx tools/container/bundle.ts /out && rm -f /out/*.map

# --- runtime: the base plus the bundle, openapi.yaml and the codecs' .wasm; no node_modules.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOCAL_S3_PORT=4569 \
    LOCAL_DATA_DIR=/data
WORKDIR /app
COPY --from=build /out/ /app/
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 3000 4569
USER node
# Healthy when the API answers: GET /openapi needs no S3, so it also holds with an external one.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/openapi').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server.mjs"]
