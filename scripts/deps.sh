#!/usr/bin/env bash
# Installs the Debian packages the build needs when they are missing (sourced by run.sh and test.sh):
# libclang-dev for nokhwa's V4L2 (webcam) bindings.
need=()
for pkg in libclang-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
    echo "Installing ${need[*]} (needed to build tiepdon)…" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
