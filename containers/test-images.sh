#!/usr/bin/env bash
# Build the four step images for real with podman and run each one's SageMaker contract:
# ingest and process as Processing jobs (mounted /opt/ml/processing folders), train with
# `train` and a hyperparameters.json, evaluate, and infer with `serve` answering /ping and
# /invocations. No registry is reachable offline, so the base image the Dockerfiles name is
# made locally (Debian packages via mmdebstrap, plus this machine's CPython) and tagged with
# that name.
#
# usage: containers/test-images.sh        (root; installs podman, buildah, mmdebstrap with apt)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_TAG=$(sed -n 's/^FROM --platform=linux\/amd64 \(.*\)$/\1/p' containers/ingest/Dockerfile)
WORK=$(mktemp -d /tmp/stockpred-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if ! command -v podman >/dev/null || ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq && apt-get install -y -qq podman buildah runc mmdebstrap uidmap >/dev/null
fi

# This machine's settings: runc (crun fails with hybrid cgroups), cgroupfs, file events, ulimits.
cat > "$WORK/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$WORK/containers.conf"

if [[ "${REBUILD_BASE:-0}" == 1 ]] || ! podman image exists "$BASE_TAG"; then
  echo "== base image $BASE_TAG: Debian bookworm (mmdebstrap) + this machine's CPython 3.11"
  # Debian's own python3 is 3.11.2, older than some pinned packages accept; the machine's
  # CPython (3.11.x, built on bookworm) is copied in instead, without its site-packages.
  python_home=$(python3 -c 'import sys; print(sys.base_prefix)')
  tar -C "$python_home" --exclude='lib/python3.11/site-packages/*' \
    --exclude='lib/python3.11/test' --exclude='__pycache__' \
    -cf "$WORK/python.tar" bin/python3.11 lib include
  mmdebstrap --quiet --mode=root --variant=minbase \
    --include=ca-certificates,passwd,libssl3,libffi8,zlib1g,libsqlite3-0,libbz2-1.0,liblzma5,libncursesw6,libreadline8,libuuid1,libgdbm6,libexpat1 \
    bookworm "$WORK/base.tar"
  podman import --quiet "$WORK/base.tar" localhost/stockpred-debian-base >/dev/null
  # The host's CA bundle goes in too, so that pip inside a build trusts what the host's trusts.
  cp /etc/ssl/certs/ca-certificates.crt "$WORK/ca-certificates.crt"
  printf '%s\n' 'FROM localhost/stockpred-debian-base' \
    'ADD python.tar /usr/local/' \
    'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt' \
    'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'RUN ldconfig && ln -s python3.11 /usr/local/bin/python3 && ln -s python3.11 /usr/local/bin/python \' \
    ' && python -m ensurepip --upgrade >/dev/null && python -m pip install --quiet --upgrade pip \' \
    ' && ln -sf pip3 /usr/local/bin/pip' \
    'CMD ["python3"]' > "$WORK/Base.Containerfile"
  podman build --quiet --pull=never -f "$WORK/Base.Containerfile" -t "$BASE_TAG" "$WORK" >/dev/null
fi

for step in ingest process train infer; do
  echo "== build stockpred-$step:test"
  started=$SECONDS
  podman build --quiet --pull=never -f "containers/$step/Dockerfile" -t "stockpred-$step:test" . \
    >/dev/null
  echo "   built in $((SECONDS - started)) s"
done

run() { podman run --rm --network=none "$@"; }
ML="$WORK/ml"

echo "== ingest (Processing)"
mkdir -p "$ML/ingest"
run -v "$ML/ingest:/opt/ml" stockpred-ingest:test --source snapshot --as-of 2025-12-31
test -s "$ML/ingest/processing/output/raw/prices.csv"

echo "== process (Processing)"
mkdir -p "$ML/process/processing/input"
cp -r "$ML/ingest/processing/output/raw" "$ML/process/processing/input/raw"
run -v "$ML/process:/opt/ml" stockpred-process:test --eval-days 300
test -s "$ML/process/processing/output/train/train.csv"
test -s "$ML/process/processing/output/inference/inference.csv"

echo "== train (Training, \`train\` argument, hyperparameters.json)"
mkdir -p "$ML/train/input/config" "$ML/train/input/data"
cp -r "$ML/process/processing/output/train" "$ML/train/input/data/train"
echo '{"max_depth": "3", "eta": "0.1", "num_round": "20", "threshold": "0.5"}' \
  > "$ML/train/input/config/hyperparameters.json"
run -v "$ML/train:/opt/ml" stockpred-train:test train
test -s "$ML/train/model/model.json"

echo "== a failing training job writes /opt/ml/output/failure"
mkdir -p "$ML/bad/input/config"
echo '{"max_depth": "deep"}' > "$ML/bad/input/config/hyperparameters.json"
if run -v "$ML/bad:/opt/ml" stockpred-train:test train 2>/dev/null; then
  echo "expected a failure"; exit 1
fi
grep -q "max_depth='deep'" "$ML/bad/output/failure"

echo "== evaluate (Processing in the train image)"
mkdir -p "$ML/evaluate/processing/input"
cp -r "$ML/process/processing/output/train" "$ML/evaluate/processing/input/train"
cp -r "$ML/process/processing/output/validation" "$ML/evaluate/processing/input/validation"
run -v "$ML/evaluate:/opt/ml" stockpred-train:test evaluate --refit-every 150 --num-round 20
test -s "$ML/evaluate/processing/output/evaluation/evaluation.json"

echo "== infer (\`serve\`: /ping and /invocations on 8080)"
chmod -R a+rX "$ML/train/model"
PORT=18089
podman run --rm -d --name stockpred-infer-test -p "127.0.0.1:$PORT:8080" \
  -v "$ML/train/model:/opt/ml/model:ro" stockpred-infer:test serve >/dev/null
cleanup_server() { podman kill stockpred-infer-test >/dev/null 2>&1 || true; }
trap 'cleanup_server; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/ping" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/ping"; echo
ROW=$(cat "$ML/process/processing/output/inference/inference.csv")
curl -fsS -H 'Content-Type: text/csv' --data "$ROW" "http://127.0.0.1:$PORT/invocations"; echo
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/csv' --data '1,2' \
  "http://127.0.0.1:$PORT/invocations")
test "$code" = 400
cleanup_server

echo "== image sizes"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep 'stockpred-.*:test'
echo "images: all contracts pass"
