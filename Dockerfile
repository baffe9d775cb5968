# syntax=docker/dockerfile:1
# trustbridge: one static binary on a distroless, non-root base.
#   docker build -t trustbridge --build-arg VERSION=0.1.0 --build-arg COMMIT=$(git rev-parse HEAD) .
# The build stage is what CI checks without a container engine:
# scripts/test.sh builds the same binary with CGO_ENABLED=0 -trimpath.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/trustbridge/trustbridge/internal/cli.Version=${VERSION} -X github.com/trustbridge/trustbridge/internal/cli.Commit=${COMMIT}" \
      -o /out/trustbridge ./cmd/trustbridge

# static-debian12: CA certificates, /etc/passwd with nonroot (65532), no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/trustbridge /usr/local/bin/trustbridge
USER 65532:65532
# 4577 the edge, 9443 the webhooks (the agent binds 80 on the host network).
EXPOSE 4577 9443
ENTRYPOINT ["/usr/local/bin/trustbridge"]
CMD ["serve", "--addr", "0.0.0.0:4577", "--data-dir", "/var/lib/trustbridge"]
