# syntax=docker/dockerfile:1
# trustbridge: one static binary on a distroless, non-root base.
#   docker build -t trustbridge .
# The build stage is what CI checks (scripts/test.sh builds the same
# binary with CGO_ENABLED=0 -trimpath), since CI has no container engine.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/trustbridge ./cmd/trustbridge

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/trustbridge /usr/local/bin/trustbridge
USER 65532:65532
EXPOSE 4577 9443
ENTRYPOINT ["/usr/local/bin/trustbridge"]
CMD ["serve", "--addr", "0.0.0.0:4577", "--data-dir", "/var/lib/trustbridge"]
