# syntax=docker/dockerfile:1
# mailroom: one image for every process; the command picks it (api, worker, migrate, ...).
#   docker build -t mailroom .
#   docker run --rm mailroom --help

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# toolchain for native modules (better-sqlite3) when no prebuilt binary fits
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    MAILROOM_DATA_DIR=/var/lib/mailroom
WORKDIR /app
# application files stay root-owned and read-only for the process
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# export files and uploads; a new named volume mounted here inherits this ownership
RUN mkdir -p /var/lib/mailroom \
 && chown node:node /var/lib/mailroom
USER node
EXPOSE 3000 9464
ENTRYPOINT ["node", "/app/bin/mailroom.js"]
CMD ["api"]
