# syntax=docker/dockerfile:1
# techex: API (`techex serve`) and workers (`techex worker`) from one image.
# Node 22 LTS (oidc-provider supports LTS releases from 22); the code and the suite also run on
# Node 20 (package.json engines), which development machines and CI have.
# /app is root-owned and read-only to the `techex` user: with APP_SECRET and an external
# DATABASE_URL nothing is written locally. scripts/image-start-check.sh starts the build the same
# way (non-root, read-only app folder) without Docker.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; install scripts are limited to those allowed in package.json.
RUN npm ci --omit=dev && npm cache clean --force

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY openapi ./openapi
COPY migrations ./migrations
RUN npm run build \
 && cp -r openapi migrations dist/ \
 && (cd src && find . -path '*/data/*' -type f -exec cp --parents {} ../dist/src/ \;) \
 && (cd src && find . -name '*.json' -not -path '*/data/*' -not -path '*/testdata/*' -exec cp --parents {} ../dist/src/ \;)

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
RUN groupadd --system techex && useradd --system --gid techex --home /app techex
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root scripts/techex.mjs ./scripts/techex.mjs
USER techex
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "scripts/techex.mjs"]
CMD ["serve"]
