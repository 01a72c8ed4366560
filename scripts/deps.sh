#!/usr/bin/env bash
# Installs the Debian packages tiepdon needs when they are missing (sourced by run.sh, test.sh and
# screenshot.sh). `deps_need GROUP…` with the groups:
#   build       libclang-dev (nokhwa's V4L2 webcam bindings), cmake and g++ (zxing-cpp is compiled
#               from source), libssl-dev and pkg-config (TLS to a clinic server)
#   test        Mesa's software Vulkan driver (window tests render on the CPU), GNU time (peak memory)
#   ocr         Tesseract 5 with its Vietnamese data (reading the card's printed text; the desk runs
#               without it and says so)
#   window      the X11/Wayland client libraries and a GPU-or-CPU renderer the window opens with, and
#               what its file dialogs and "Open folder" use where the desktop lacks them (zenity,
#               xdg-open)
#   virtual     Xvfb, for a machine with no display (screenshots, benchmarks, headless runs)
#   server      PostgreSQL 15 (server and psql): the store and server tests start a throwaway one
#   realwindow  Xvfb, the openbox window manager, xdotool, ImageMagick and xprop: the real-window tests
#               start the window on a virtual screen, type into it and take screenshots
deps_need() {
    # What the window needs to open: the X11/Wayland client libraries and a GPU-or-CPU renderer.
    local window_libs=(mesa-vulkan-drivers libvulkan1 libegl1 libgl1-mesa-dri libx11-6 libx11-xcb1 libxcursor1
                       libxrandr2 libxi6 libxkbcommon0 libxkbcommon-x11-0 libwayland-client0)
    local pkgs=()
    for group in "$@"; do
        case "$group" in
            build) pkgs+=(libclang-dev cmake g++ libssl-dev pkg-config) ;;
            test) pkgs+=(mesa-vulkan-drivers libvulkan1 time util-linux) ;;
            ocr) pkgs+=(tesseract-ocr tesseract-ocr-vie) ;;
            server) pkgs+=(postgresql postgresql-client) ;;
            window) pkgs+=("${window_libs[@]}" xdg-utils zenity) ;;
            virtual) pkgs+=(xvfb xauth) ;;
            realwindow) pkgs+=("${window_libs[@]}" xvfb xauth openbox xdotool imagemagick x11-utils) ;;
        esac
    done
    local need=()
    for pkg in "${pkgs[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    if [ "${#need[@]}" -gt 0 ]; then
        echo "Installing ${need[*]} (needed by tiepdon)…" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

# A private runtime folder (eframe and Mesa warn without one).
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "${XDG_RUNTIME_DIR}" ]; then
    export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/tiepdon-runtime-$(id -u)"
    mkdir -p "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
fi

# start_desktop WxH DIR: a virtual screen of that size (Xvfb on a free display) with the openbox window
# manager, as at a desk; exports DISPLAY and leaves both process ids in DESKTOP_PIDS (to kill on exit).
start_desktop() {
    local size="$1" dir="$2"
    Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp 3>"$dir/display" >/dev/null 2>&1 &
    DESKTOP_PIDS="$!"
    for _ in $(seq 50); do [ -s "$dir/display" ] && break; sleep 0.1; done
    export DISPLAY=":$(cat "$dir/display")"
    openbox >/dev/null 2>&1 &
    DESKTOP_PIDS="$DESKTOP_PIDS $!"
    for _ in $(seq 50); do
        xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q window && break
        sleep 0.1
    done
}
