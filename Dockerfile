# One image runs either service: `node idp/main.ts` or `node portal/main.ts`.
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
CMD ["node", "idp/main.ts"]
