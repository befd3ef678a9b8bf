# syntax=docker/dockerfile:1
#
# dq serve in a container. DuckDB is C++ linked through cgo, so the binary
# cannot be fully static: it needs glibc, libstdc++ and libgcc_s, which the
# distroless "cc" runtime image ships. (duckdb-go-bindings names -lstdc++ on
# the link line itself, so -static-libstdc++ would not take it out.)
#
#   docker build -t dq .
#   docker run --rm -p 127.0.0.1:8080:8080 -e DQ_SERVE_TOKEN=... \
#     -v "$PWD/dq.yaml:/etc/dq/dq.yaml:ro" dq --config /etc/dq/dq.yaml --listen 0.0.0.0:8080

FROM golang:1.26-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
COPY . .
# Only the modules this build needs (a bare `go mod download` would fetch
# DuckDB's libraries for every platform).
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -tags duckdb_arrow -trimpath \
      -ldflags "-s -w" \
      -o /out/dq ./cmd/dq && \
    CGO_ENABLED=1 go build -tags duckdb_arrow -trimpath -o /out/fakeaws ./sinks/sinktest/fakeaws
RUN mkdir -p /out/var/lib/dq && chown 65532:65532 /out/var/lib/dq

# The demo's fake AWS (compose.yaml); not part of the dq image.
FROM gcr.io/distroless/cc-debian12:nonroot AS fakeaws
COPY --from=build /out/fakeaws /usr/local/bin/fakeaws
ENTRYPOINT ["/usr/local/bin/fakeaws"]

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/dq /usr/local/bin/dq
# Spool and local history, if the config uses them; mount a volume here
# to keep them, or put the history on S3 (server.history: s3://...).
COPY --from=build --chown=65532:65532 /out/var/lib/dq /var/lib/dq
USER 65532:65532
WORKDIR /var/lib/dq
ENV XDG_DATA_HOME=/var/lib/dq
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/dq", "serve"]
CMD ["--config", "/etc/dq/dq.yaml", "--listen", "0.0.0.0:8080"]
