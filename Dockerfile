# Production image: the built client and the server, run with tsx (see README, "Dependencies").
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npx vite build --logLevel warn
EXPOSE 3000
USER node
CMD ["npx", "tsx", "server/main.ts"]
