# One image runs either service: `node <heap flags> idp/main.ts` or `… portal/main.ts`, with the
# heap flags of package.json's start:idp / start:portal (a test keeps them equal; bench/README.md
# says why: without a cap V8 grows the heap to ~400 MB under load for ~50 MB of live objects).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; install scripts are not needed at run time (no embedded PostgreSQL).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY adapters ./adapters
COPY config ./config
COPY idp ./idp
COPY portal ./portal
COPY system ./system
COPY cli ./cli
USER node
EXPOSE 3000 4000
CMD ["node", "--max-old-space-size=128", "--max-semi-space-size=8", "idp/main.ts"]
