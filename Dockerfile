# One image for every service; the container's first argument names the service (see helm/recsys).
FROM node:20-bookworm-slim AS build
WORKDIR /src
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY apps apps
COPY libs libs
COPY tools tools
COPY protos protos
COPY tsconfig.base.json tsconfig.json nx.json ./
RUN npm ci && node tools/build/build.mjs && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY models models
USER 10001
ENTRYPOINT ["/bin/sh", "-c", "exec node --enable-source-maps --require /app/dist/libs/telemetry/register.js /app/dist/apps/$0/main.js"]
CMD ["orchestrator"]
