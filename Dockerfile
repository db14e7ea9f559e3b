# The ops bot as a container: a static compass binary on distroless (no
# shell, no libc needed), running as a non-root user.
#   docker build -t compass .
#   docker run -p 8080:8080 -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET compass
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /compass ./cmd/compass
# The SQLite store's folder, owned by distroless's nonroot user (65532), so
# a volume mounted there is writable.
RUN mkdir /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /compass /compass
COPY --from=build --chown=65532:65532 /data /data
ENV COMPASS_BOT_LISTEN=0.0.0.0:8080 \
    COMPASS_BOT_STORE=/data/compass-bot.db
VOLUME /data
EXPOSE 8080
# distroless has no curl: compass itself asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["/compass", "healthcheck", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/compass"]
CMD ["bot"]
