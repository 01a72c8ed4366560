//! The desk window as a receptionist meets it: the real `tiepdon` binary in a real X11 window on a
//! private Xvfb display with the openbox window manager, typed into and clicked with xdotool. Outcomes
//! are read in the SQLite database, in the window's title and geometry, and in the UI map the app
//! writes when `TIEPDON_UI_MAP` names a file (screen, language, focused field, widget rectangles).
//! The kittest tests (tests/window.rs) drive `App` frame by frame; these catch what only a real event
//! loop shows: a window that freezes on first launch, keys that reach the wrong field, a window larger
//! than the screen.
//!
//! Needs the programs Xvfb and xkbcomp (Debian: xvfb, which brings x11-xkb-utils), openbox, xdotool,
//! import (imagemagick), xprop and xwininfo (x11-utils); a missing one fails the test naming the
//! package. Screenshots of each test's key moments go to
//! `$CARGO_TARGET_DIR/real-window/` (`target/real-window/` when it is unset).

mod common;

use common::desk::Db;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};
use tiepdon::store::Store;
use tiepdon::store::visits::{self, Visit};

/// The longest any single wait may take.
const WAIT: Duration = Duration::from_secs(30);
/// How long a verdict stays on screen before Return (the app ignores Return on one younger than 300 ms).
const SETTLE: Duration = Duration::from_millis(600);
/// A person's typing pace: milliseconds between keys.
const PERSON_MS: u32 = 120;
/// A keyboard-wedge scanner's pace: milliseconds between keys.
const SCANNER_MS: u32 = 3;
const TITLE_VI: &str = "tiepdon — Tiếp đón người bệnh BHYT";
const TITLE_EN: &str = "tiepdon — BHYT patient check-in";
/// The card code printed on `01-bhyt-legacy.jpg` (a covered patient of the demo roster).
const CARD_01: &str = "HT3797917199208";

/// The programs the harness runs, each with the Debian package that brings it.
const TOOLS: [(&str, &str); 7] = [
    ("Xvfb", "xvfb"),
    ("xkbcomp", "x11-xkb-utils"),
    ("openbox", "openbox"),
    ("xdotool", "xdotool"),
    ("import", "imagemagick"),
    ("xprop", "x11-utils"),
    ("xwininfo", "x11-utils"),
];

/// One real window at a time: each test has its own display, but two windows would share the CPU.
static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the lock that runs these tests one after another (a failed test does not poison the rest).
fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Fails, naming the package to install, when a program the harness needs is not on PATH.
fn require_tools() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(program, _)| !std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
        .map(|(program, package)| format!("{program} (apt-get install -y {package})"))
        .collect();
    assert!(
        missing.is_empty(),
        "the real-window tests need these programs, not found on PATH: {}",
        missing.join(", ")
    );
}

/// Where screenshots are kept: `$CARGO_TARGET_DIR/real-window`, else `target/real-window`.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("real-window");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The last `n` characters of a file, for failure messages.
fn tail(path: &Path, n: usize) -> String {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| format!("({} unreadable: {e})", path.display()));
    let skip = text.chars().count().saturating_sub(n);
    text.chars().skip(skip).collect()
}

/// Runs a command to its end within `WAIT` and returns its output; panics when it cannot start or hangs.
fn bounded(mut cmd: Command, what: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + WAIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not finish within {WAIT:?}");
            }
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Output { status, stdout, stderr }
}

/// Gives a child process a private home and XDG folders under `dir`, so nothing of the machine's user
/// (settings, remembered window size, log, database) leaks in or out.
fn private_env(cmd: &mut Command, dir: &Path) {
    let home = dir.join("home");
    let runtime = dir.join("runtime");
    for d in [&home, &runtime] {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("cannot create {}: {e}", d.display()));
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
        .unwrap_or_else(|e| panic!("cannot make {} private: {e}", runtime.display()));
    cmd.env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("TIEPDON_DB")
        .env_remove("TIEPDON_OPERATOR")
        .env_remove("TIEPDON_NOW")
        .env_remove("TIEPDON_UI_MAP")
        .env_remove("SESSION_MANAGER");
}

/// An xkb keymap (as `xkbcomp -xkb` prints it) with each of `letters` on a key of its own: keys that
/// have no symbols first, then the multimedia keys `<I…>` (whose symbols are replaced).
fn with_letters(keymap: &str, letters: &[char]) -> String {
    let section = |name: &str| {
        let start = keymap.find(name).unwrap_or_else(|| panic!("no {name} section in the keymap"));
        let end = start + keymap[start..].find("\n};").unwrap_or_else(|| panic!("{name} section not closed"));
        (start, end)
    };
    let (kc_start, kc_end) = section("xkb_keycodes");
    let (sy_start, sy_end) = section("xkb_symbols");
    let names: Vec<&str> = keymap[kc_start..kc_end]
        .lines()
        .filter_map(|l| l.trim().strip_prefix('<')?.split_once('>').map(|(n, _)| n))
        .collect();
    let symbols = &keymap[sy_start..sy_end];
    let defined = |n: &str| symbols.contains(&format!("<{n}>"));
    let multimedia = |n: &str| n.starts_with('I') && n[1..].chars().all(|c| c.is_ascii_digit());
    let keys: Vec<&str> = names
        .iter()
        .filter(|n| !defined(n))
        .chain(names.iter().filter(|n| multimedia(n) && defined(n)))
        .copied()
        .take(letters.len())
        .collect();
    assert_eq!(keys.len(), letters.len(), "not enough spare keys in the keymap for {letters:?}");
    // Drop the replaced keys' one-line definitions, then add the letters' keys.
    let mut body: Vec<String> = symbols
        .lines()
        .filter(|l| !keys.iter().any(|k| l.trim_start().starts_with("key") && l.contains(&format!("<{k}>"))))
        .map(String::from)
        .collect();
    for (key, letter) in keys.iter().zip(letters) {
        body.push(format!("    key <{key}> {{ [ U{:04X} ] }};", u32::from(*letter)));
    }
    format!("{}{}{}", &keymap[..sy_start], body.join("\n"), &keymap[sy_end..])
}

/// Polls `probe` every 50 ms until it gives a value; after `WAIT` panics with `what` and `context()`.
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>, context: impl Fn() -> String) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {WAIT:?} waiting for {what}\n{}", context());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Desktop = a private Xvfb display of a given size with the openbox window manager; both end on drop.
struct Desktop {
    /// Names the screenshots.
    name: String,
    /// The scratch folder (logs, private home).
    dir: PathBuf,
    display: String,
    width: i32,
    height: i32,
    xvfb: Child,
    wm: Option<Child>,
    /// Letters outside the US layout given keys of their own (see `bind_letters`).
    bound: RefCell<BTreeSet<char>>,
}

impl Desktop {
    /// Starts Xvfb on a free display (`-displayfd`) and openbox on it, and waits until the WM is up.
    fn start(name: &str, dir: &Path, width: i32, height: i32) -> Desktop {
        require_tools();
        let log = |file: &str| {
            let path = dir.join(file);
            std::fs::File::create(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()))
        };
        let mut cmd = Command::new("Xvfb");
        cmd.args(["-displayfd", "1", "-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log("xvfb.log"));
        private_env(&mut cmd, dir);
        let mut xvfb =
            cmd.spawn().unwrap_or_else(|e| panic!("cannot start Xvfb (apt-get install -y xvfb): {e}"));
        // Xvfb writes its display number to the -displayfd descriptor (here its stdout) once it accepts
        // connections.
        let stdout = xvfb.stdout.take().expect("Xvfb's stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let number = match rx.recv_timeout(WAIT) {
            Ok(line) if !line.trim().is_empty() => line.trim().to_string(),
            _ => {
                let _ = xvfb.kill();
                let _ = xvfb.wait();
                panic!(
                    "Xvfb gave no display number within {WAIT:?}; its log:\n{}",
                    tail(&dir.join("xvfb.log"), 3000)
                );
            }
        };
        let mut desk = Desktop {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            display: format!(":{number}"),
            width,
            height,
            xvfb,
            wm: None,
            bound: RefCell::new(BTreeSet::new()),
        };
        let mut cmd = Command::new("openbox");
        cmd.arg("--sm-disable")
            .env("DISPLAY", &desk.display)
            .stdin(Stdio::null())
            .stdout(log("openbox.log"))
            .stderr(log("openbox.err"));
        private_env(&mut cmd, dir);
        desk.wm = Some(
            cmd.spawn().unwrap_or_else(|e| panic!("cannot start openbox (apt-get install -y openbox): {e}")),
        );
        wait_for(
            "openbox to manage the display (_NET_SUPPORTING_WM_CHECK on the root window)",
            || {
                let out = desk.x("xprop", &["-root", "_NET_SUPPORTING_WM_CHECK"]);
                String::from_utf8_lossy(&out.stdout).contains("window id #").then_some(())
            },
            || format!("openbox log:\n{}", tail(&dir.join("openbox.err"), 3000)),
        );
        desk
    }

    /// Runs an X client (xdotool, xprop, import) on this display, bounded in time.
    fn x(&self, program: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(program);
        cmd.args(args);
        private_env(&mut cmd, &self.dir);
        cmd.env("DISPLAY", &self.display);
        bounded(cmd, &format!("{program} {}", args.join(" ")))
    }

    /// Runs an X client that must succeed; returns its trimmed stdout.
    fn x_ok(&self, program: &str, args: &[&str]) -> String {
        let out = self.x(program, args);
        assert!(
            out.status.success(),
            "{program} {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Gives each letter of `letters` that the keyboard map lacks (ễ, ị, ư, …) a key of its own, so
    /// that xdotool types it with a fixed key. Left to itself, xdotool binds such a letter to a spare key
    /// for one keystroke and unbinds it at once; an app that reloads its keymap a little late reads
    /// that key as nothing, and the letter is lost (seen here with winit: "Nguyễn Th Lan"). Returns
    /// whether the keyboard map changed.
    fn bind_letters(&self, letters: &BTreeSet<char>) -> bool {
        let missing: Vec<char> = letters.difference(&self.bound.borrow()).copied().collect();
        if missing.is_empty() {
            return false;
        }
        let file = self.dir.join("keymap.xkb");
        let path = file.to_string_lossy().into_owned();
        self.x_ok("xkbcomp", &["-xkb", &self.display, &path]);
        let keymap = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let keymap = with_letters(&keymap, &missing);
        std::fs::write(&file, keymap).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        self.x_ok("xkbcomp", &["-w", "0", &path, &self.display]);
        self.bound.borrow_mut().extend(missing);
        true
    }

    /// Saves the whole screen as `<test>-<moment>.png` among the artifacts; returns its path.
    fn screenshot(&self, moment: &str) -> Result<PathBuf, String> {
        let path = artifacts().join(format!("{}-{moment}.png", self.name));
        let file = path.to_string_lossy().into_owned();
        let out = self.x("import", &["-window", "root", &file]);
        if out.status.success() {
            Ok(path)
        } else {
            Err(format!("import failed: {}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// Starts `tiepdon --db DB ARGS` on this display with a UI map, `operator` as `TIEPDON_OPERATOR`
    /// (None: unset), and waits for its window.
    fn launch(&self, db: &Db, args: &[&str], operator: Option<&str>) -> Window<'_> {
        let mut with_db = vec!["--db", db.path.to_str().expect("a UTF-8 test path")];
        with_db.extend_from_slice(args);
        self.launch_args(&with_db, operator)
    }

    /// Starts `tiepdon ARGS` (no database named: the window decides) as [`Desktop::launch`] does.
    fn launch_args(&self, args: &[&str], operator: Option<&str>) -> Window<'_> {
        let map = self.dir.join("ui-map.json");
        // A map left by an earlier launch must not pass for this one's.
        let _ = std::fs::remove_file(&map);
        let stderr = self.dir.join("tiepdon.stderr");
        let stdout = self.dir.join("tiepdon.stdout");
        let file = |p: &Path| {
            std::fs::File::create(p).unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()))
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tiepdon"));
        cmd.args(args).stdin(Stdio::null()).stdout(file(&stdout)).stderr(file(&stderr));
        private_env(&mut cmd, &self.dir);
        cmd.env("DISPLAY", &self.display).env("TIEPDON_UI_MAP", &map);
        if let Some(name) = operator {
            cmd.env("TIEPDON_OPERATOR", name);
        }
        let child =
            cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", env!("CARGO_BIN_EXE_tiepdon")));
        let mut win = Window { desk: self, child, wid: String::new(), map, stderr, failure_shot: false };
        win.wid = win.wait("the app's window to be mapped", |w| w.find_window());
        win.activate();
        win
    }
}

impl Drop for Desktop {
    /// Ends openbox, then Xvfb.
    fn drop(&mut self) {
        if let Some(wm) = &mut self.wm {
            let _ = wm.kill();
            let _ = wm.wait();
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// The UI map the app writes (`TIEPDON_UI_MAP`): what the window shows, in window pixels.
#[derive(Debug, Clone, Deserialize)]
struct UiMap {
    screen: String,
    lang: String,
    operator_prompt: bool,
    focused: Option<String>,
    verdict_shown: bool,
    next_waiting: bool,
    ticket_shown: bool,
    widgets: BTreeMap<String, [i32; 4]>,
}

/// A window's place and size on the screen (client area, root coordinates).
#[derive(Debug, Clone, Copy)]
struct Geometry {
    x: i32,
    y: i32,
    width: i32,
    height: i32,
}

/// Window = the running app and its X window; killed on drop.
struct Window<'a> {
    desk: &'a Desktop,
    child: Child,
    /// The X window id (decimal, as xdotool prints it).
    wid: String,
    map: PathBuf,
    stderr: PathBuf,
    /// A failure screenshot was taken already.
    failure_shot: bool,
}

impl Window<'_> {
    /// What a failure message tells: whether the app runs, the last map, a screenshot, the app's log
    /// and stderr.
    fn report(&mut self) -> String {
        let running = match self.child.try_wait() {
            Ok(None) => "running".to_string(),
            Ok(Some(status)) => format!("EXITED ({status})"),
            Err(e) => format!("unknown ({e})"),
        };
        let map = std::fs::read_to_string(&self.map).unwrap_or_else(|_| {
            "(none written: the app does not write TIEPDON_UI_MAP, or never drew a frame)".to_string()
        });
        self.failure_shot = true;
        let shot = match self.desk.screenshot("failure") {
            Ok(p) => p.display().to_string(),
            Err(e) => e,
        };
        let log = self.desk.dir.join("home/.local/share/tiepdon/tiepdon.log");
        format!(
            "app: {running}\nlast UI map: {map}\nscreenshot: {shot}\nlogs and private home (kept): {}\napp \
             log (tail):\n{}\napp stderr (tail):\n{}",
            self.desk.dir.display(),
            tail(&log, 2000),
            tail(&self.stderr, 4000)
        )
    }

    /// Polls `probe` until it gives a value; panics after `WAIT` (or at once if the app exits) with the
    /// report.
    fn wait<T>(&mut self, what: &str, mut probe: impl FnMut(&mut Self) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = probe(self) {
                return v;
            }
            if !matches!(self.child.try_wait(), Ok(None)) {
                panic!("the app ended while waiting for {what}\n{}", self.report());
            }
            if Instant::now() >= deadline {
                panic!("timed out after {WAIT:?} waiting for {what}\n{}", self.report());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The visible X window of the app (`_NET_WM_PID` is the child's), once mapped.
    fn find_window(&self) -> Option<String> {
        let pid = self.child.id().to_string();
        let out = self.desk.x("xdotool", &["search", "--onlyvisible", "--pid", &pid]);
        let ids = String::from_utf8_lossy(&out.stdout).into_owned();
        ids.lines().map(str::trim).find(|id| !id.is_empty()).map(String::from)
    }

    /// Gives the window the keyboard (through the WM) and waits until X says it is the active one.
    fn activate(&mut self) {
        let wid = self.wid.clone();
        let active = self.desk.x("xdotool", &["getactivewindow"]);
        if String::from_utf8_lossy(&active.stdout).trim() == wid {
            return;
        }
        self.desk.x("xdotool", &["windowactivate", &wid]);
        self.wait("the window to become active", |w| {
            let out = w.desk.x("xdotool", &["getactivewindow"]);
            (String::from_utf8_lossy(&out.stdout).trim() == wid).then_some(())
        });
    }

    /// Types `text` into the window as a keyboard does, `delay_ms` between keys.
    fn type_text(&mut self, text: &str, delay_ms: u32) {
        if self.desk.bind_letters(&text.chars().filter(|c| !c.is_ascii()).collect()) {
            // Let the app take in the new keyboard map before the first key.
            std::thread::sleep(Duration::from_millis(300));
        }
        self.activate();
        self.desk.x_ok("xdotool", &["type", "--delay", &delay_ms.to_string(), "--", text]);
    }

    /// Presses one key (xdotool key name: Return, Escape, F2, …).
    fn key(&mut self, key: &str) {
        self.activate();
        self.desk.x_ok("xdotool", &["key", key]);
    }

    /// Clicks the centre of a widget named in the UI map, once the map has listed it at the same place
    /// for 300 ms (a new grid is laid out twice; the WM may still be resizing the window).
    fn click(&mut self, widget: &str) {
        let mut last: Option<([i32; 4], Instant)> = None;
        let [x, y, w, h] = self.wait(&format!("the widget {widget} in the UI map, not moving"), |win| {
            let rect = win.map_now().and_then(|m| m.widgets.get(widget).copied())?;
            match last {
                Some((r, since)) if r == rect => {
                    (since.elapsed() >= Duration::from_millis(300)).then_some(rect)
                }
                _ => {
                    last = Some((rect, Instant::now()));
                    None
                }
            }
        });
        self.activate();
        let (cx, cy) = ((x + w / 2).to_string(), (y + h / 2).to_string());
        let wid = self.wid.clone();
        self.desk.x_ok("xdotool", &["mousemove", "--window", &wid, &cx, &cy, "click", "1"]);
    }

    /// Scrolls the screen with the mouse wheel until `widget` is wholly inside the window (Settings is
    /// taller than a laptop screen).
    fn scroll_to(&mut self, widget: &str) {
        let height = self.geometry().height;
        for _ in 0..40 {
            let map = self.wait_map(&format!("{widget} in the UI map"), |m| m.widgets.contains_key(widget));
            let [_, y, _, h] = map.widgets[widget];
            if y >= 0 && y + h < height - 40 {
                std::thread::sleep(SETTLE);
                return;
            }
            let wid = self.wid.clone();
            let (cx, cy) = ("600".to_string(), (height / 2).to_string());
            let button = if y < 0 { "4" } else { "5" };
            self.desk.x_ok("xdotool", &["mousemove", "--window", &wid, &cx, &cy, "click", button]);
            std::thread::sleep(Duration::from_millis(150));
        }
        panic!("{widget} never scrolled into view\n{}", self.report());
    }

    /// The UI map as last written, if there is one that parses.
    fn map_now(&self) -> Option<UiMap> {
        let text = std::fs::read_to_string(&self.map).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Waits until the UI map satisfies `pred`; returns that map.
    fn wait_map(&mut self, what: &str, pred: impl Fn(&UiMap) -> bool) -> UiMap {
        self.wait(&format!("the UI map to show {what}"), |w| w.map_now().filter(|m| pred(m)))
    }

    /// The X window's name (its title).
    fn title(&self) -> String {
        self.desk.x_ok("xdotool", &["getwindowname", &self.wid])
    }

    /// Waits until the window's title is `expected`.
    fn wait_title(&mut self, expected: &str) {
        self.wait(&format!("the window title {expected:?}"), |w| (w.title() == expected).then_some(()));
    }

    /// The window's client area on the screen (xwininfo: `xdotool getwindowgeometry` counts the WM's
    /// frame offset twice).
    fn geometry(&self) -> Geometry {
        let text = self.desk.x_ok("xwininfo", &["-id", &self.wid]);
        let field = |key: &str| -> i32 {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(key)?.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {key:?} in xwininfo's answer: {text}"))
        };
        Geometry {
            x: field("Absolute upper-left X:"),
            y: field("Absolute upper-left Y:"),
            width: field("Width:"),
            height: field("Height:"),
        }
    }

    /// Whether the WM has the window maximised both ways (`_NET_WM_STATE`).
    fn maximised(&self) -> bool {
        let state = self.desk.x_ok("xprop", &["-id", &self.wid, "_NET_WM_STATE"]);
        state.contains("_NET_WM_STATE_MAXIMIZED_VERT") && state.contains("_NET_WM_STATE_MAXIMIZED_HORZ")
    }

    /// Saves the screen now as an artifact named after the test and `moment`.
    fn screenshot(&self, moment: &str) {
        if let Err(e) = self.desk.screenshot(moment) {
            panic!("screenshot {moment}: {e}");
        }
    }

    /// Waits until the window lies inside the screen and the app has drawn its status bar inside that
    /// window, both unchanged for a second (the WM may move, resize or maximise it after mapping);
    /// returns the window's geometry, the status bar's rectangle and whether it is maximised. Each
    /// different state seen is printed.
    fn wait_fitted(&mut self) -> (Geometry, [i32; 4], bool) {
        let (sw, sh) = (self.desk.width, self.desk.height);
        let mut last = (String::new(), Instant::now());
        self.wait(&format!("the window inside the {sw}×{sh} screen with its status bar inside it"), |win| {
            let g = win.geometry();
            let maximised = win.maximised();
            let bar = win.map_now().and_then(|m| m.widgets.get("status-bar").copied());
            let seen = format!("window {g:?}, maximised {maximised}, status-bar {bar:?}");
            if seen != last.0 {
                eprintln!("{seen}");
                last = (seen, Instant::now());
            }
            let inside = g.x >= 0 && g.y >= 0 && g.x + g.width <= sw && g.y + g.height <= sh;
            let bar = bar.filter(|[x, y, w, h]| x + w <= g.width && y + h <= g.height)?;
            let settled = last.1.elapsed() >= Duration::from_secs(1);
            (inside && settled).then_some((g, bar, maximised))
        })
    }

    /// Waits for a verdict, lets it be seen, and presses Return to record the visit; waits for the ticket.
    fn check_in_shown(&mut self) {
        self.wait_map("a verdict on check-in", |m| m.screen == "check-in" && m.verdict_shown);
        std::thread::sleep(SETTLE);
        self.key("Return");
        self.wait_map("the ticket", |m| m.ticket_shown);
    }

    /// Types a card code at a person's pace, Return, then checks the patient in.
    fn check_in_typed(&mut self, code: &str) {
        self.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
        self.type_text(code, PERSON_MS);
        self.key("Return");
        self.check_in_shown();
    }

    /// Waits until `db` holds `n` visits today, then makes sure no more arrive; returns them.
    fn wait_visits(&mut self, db: &Db, n: usize) -> Vec<Visit> {
        self.wait(&format!("{n} visit(s) in the database"), |_| (visits_today(db).len() >= n).then_some(()));
        std::thread::sleep(Duration::from_millis(500));
        let list = visits_today(db);
        assert_eq!(list.len(), n, "exactly {n} visit(s) recorded: {list:#?}");
        list
    }
}

impl Drop for Window<'_> {
    /// Ends the app (after a screenshot when the test failed).
    fn drop(&mut self) {
        if std::thread::panicking() && !self.failure_shot {
            let _ = self.desk.screenshot("failure");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh database holding the demo roster (the people on the demo frames and 20 invented ones).
fn roster_db(name: &str) -> Db {
    let db = Db::new(&format!("real-window-{name}"));
    let mut store = Store::open(&db.path).expect("the test database opens");
    tiepdon::demo::fill(&mut store, 20, 1, tiepdon::clock::now_utc()).expect("the demo roster loads");
    db
}

/// Today's visits in `db`, read in-process.
fn visits_today(db: &Db) -> Vec<Visit> {
    let store = Store::open(&db.path).expect("the database opens while the window runs");
    visits::list(store.conn(), tiepdon::clock::vietnam_now().date()).expect("today's visits are listed")
}

/// The manifest entry of a demo frame (`image`, `payload`, `fields`).
fn demo_entry(image: &str) -> serde_json::Value {
    let path = tiepdon::scan::source::demo_dir().join("manifest.jsonl");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a manifest line is JSON"))
        .find(|v| v["image"] == image)
        .unwrap_or_else(|| panic!("{image} is in the demo manifest"))
}

/// Adds to the roster a covered patient who is on none of the demo frames; returns the card code.
fn add_covered_patient(db: &Db) -> String {
    let today = tiepdon::clock::vietnam_now().date();
    let mut row = tiepdon::demo::person(7777, 3, today);
    row.status = "active";
    row.replaced_by = None;
    row.valid_from = Some((today - chrono::Duration::days(30)).format("%Y-%m-%d").to_string());
    row.valid_to = Some((today + chrono::Duration::days(300)).format("%Y-%m-%d").to_string());
    row.facility_code = Some(tiepdon::demo::DEMO_FACILITY.to_string());
    let card = row.card_number.clone().expect("an invented person has a card");
    db.import_rows("covered.csv", &[row]);
    card
}

#[test]
fn first_launch_asks_the_operator_then_a_typed_card_is_recorded_under_that_name() {
    let _serial = serial();
    let db = roster_db("first-launch");
    let desk = Desktop::start("first-launch", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &[], None);
    let map = win.wait_map("the operator prompt with its field focused", |m| {
        m.operator_prompt && m.focused.as_deref() == Some("operator-name")
    });
    assert_eq!(map.screen, "check-in", "the shift starts on check-in");
    win.screenshot("operator-prompt");

    win.type_text("Nguyễn Thị Lan", PERSON_MS);
    win.screenshot("name-typed");
    win.key("Return");
    win.wait_map("the prompt closed", |m| !m.operator_prompt);
    win.check_in_typed(CARD_01);
    win.screenshot("ticket");

    let list = win.wait_visits(&db, 1);
    assert_eq!(list[0].card_number.as_deref(), Some(CARD_01), "the typed card: {:#?}", list[0]);
    assert_eq!(list[0].operator, "Nguyễn Thị Lan", "recorded under the name typed at the prompt");
    assert!(!list[0].voided);
}

/// A USB scanner typing through Unikey (issue 15), in the real window: VNI's rewriting cannot be undone,
/// so nothing is read and a red bar says to switch the input method at once; Telex's is undone and the
/// patient is checked in with the card the QR printed.
#[test]
fn a_scanner_typing_through_an_input_method_is_refused_or_repaired_in_the_real_window() {
    use tiepdon::card::ime::{Method, type_through};
    let _serial = serial();
    let db = roster_db("input-method");
    let desk = Desktop::start("input-method", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &[], Some("Lan"));
    win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
    let payload = demo_entry("01-bhyt-legacy.jpg")["payload"].as_str().expect("a payload").to_string();
    // The demo card with a check string Telex rewrites (`eec` → `êc`).
    let payload = payload.replace("bc5ff2cd96a288ec", "bc5ff2cd96a28eec");
    assert_ne!(type_through(&payload, Method::Telex), payload);
    win.type_text(&type_through(&payload, Method::Vni), SCANNER_MS);
    win.key("Return");
    win.wait_map("the input-method bar", |m| m.widgets.contains_key("input-method-bar"));
    win.screenshot("input-method-refused");
    assert!(!win.map_now().is_some_and(|m| m.verdict_shown), "no verdict from text that cannot be undone");
    win.type_text(&type_through(&payload, Method::Telex), SCANNER_MS);
    win.key("Return");
    win.check_in_shown();
    win.screenshot("input-method-repaired");
    let list = win.wait_visits(&db, 1);
    assert_eq!(list[0].card_number.as_deref(), Some(CARD_01), "the card the QR printed: {:#?}", list[0]);
}

#[test]
fn tiepdon_operator_skips_the_prompt_for_plain_tiepdon() {
    let _serial = serial();
    let db = roster_db("operator-env");
    let desk = Desktop::start("operator-env", &db.dir, 1366, 768);
    // Plain `tiepdon --db DB`, as a desktop shortcut starts it, with the operator in the environment.
    let mut win = desk.launch(&db, &[], Some("Trần Văn Bình"));
    let map = win.wait_map("the check-in screen", |m| m.screen == "check-in");
    assert!(!map.operator_prompt, "no prompt when TIEPDON_OPERATOR names the operator: {map:?}");
    win.check_in_typed(CARD_01);
    let list = win.wait_visits(&db, 1);
    assert_eq!(list[0].operator, "Trần Văn Bình");
}

#[test]
fn plain_tiepdon_opens_the_database_chosen_in_settings_last_time() {
    let _serial = serial();
    let db = roster_db("chosen-db");
    let desk = Desktop::start("chosen-db", &db.dir, 1366, 768);
    // What the window writes when a database is chosen in Settings (`Launch::remember_db`).
    let data = db.dir.join("home/.local/share/tiepdon");
    std::fs::create_dir_all(&data).expect("the data folder");
    std::fs::write(data.join("database-path.txt"), db.path.to_str().expect("a UTF-8 path")).expect("written");
    let mut win = desk.launch_args(&[], Some("Lan"));
    let map = win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
    assert!(map.widgets.contains_key("scanner"));
    win.check_in_typed(CARD_01);
    let list = win.wait_visits(&db, 1);
    assert_eq!(list[0].card_number.as_deref(), Some(CARD_01), "recorded in the chosen database, not demo.db");
    assert!(!data.join("demo.db").exists(), "no demo database was made: the chosen one exists");
}

#[test]
fn a_missing_chosen_database_stops_the_start_instead_of_opening_another() {
    let db = Db::new("chosen-missing");
    let data = db.dir.join("home/.local/share/tiepdon");
    std::fs::create_dir_all(&data).expect("the data folder");
    let gone = db.dir.join("usb-drive/tiepdon.db");
    std::fs::write(data.join("database-path.txt"), gone.to_str().expect("a UTF-8 path")).expect("written");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tiepdon"));
    cmd.stdin(Stdio::null());
    private_env(&mut cmd, &db.dir);
    let out = bounded(cmd, "plain tiepdon with a missing chosen database");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a start error: {stderr}");
    assert!(stderr.contains(gone.to_str().expect("UTF-8")), "the message names the missing file: {stderr}");
    assert!(!data.join("demo.db").exists() && !data.join("tiepdon.db").exists(), "nothing else was opened");
}

#[test]
fn a_scanner_burst_over_today_search_is_recorded_whole_on_check_in() {
    let _serial = serial();
    let db = roster_db("wedge");
    let entry = demo_entry("01-bhyt-legacy.jpg");
    let payload = entry["payload"].as_str().expect("a payload").to_string();
    let fields = &entry["fields"];
    // An earlier visit of somebody the search below does not match.
    let other = demo_entry("02-bhyt-new.jpg")["payload"].as_str().expect("a payload").to_string();
    let earlier = match db.check_in(&other) {
        visits::Outcome::Recorded(v) => v.ticket,
        visits::Outcome::Refused(r) => panic!("the earlier visit was refused: {r:?}"),
    };
    let desk = Desktop::start("wedge", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);

    win.key("F2");
    win.wait_map("Today", |m| m.screen == "today");
    win.click("today-search");
    win.wait_map("the search field focused", |m| m.focused.as_deref() == Some("today-search"));
    // A person searches; "nghia" finds the patient scanned below (accents and case ignored).
    win.type_text("nghia", PERSON_MS);
    win.screenshot("search-typed");

    let started = Instant::now();
    win.type_text(&payload, SCANNER_MS);
    win.key("Return");
    let burst = started.elapsed();
    eprintln!("scanner burst: {} characters and Return in {burst:?}", payload.len());
    assert!(
        burst < Duration::from_millis(15 * payload.len() as u64),
        "xdotool typed too slowly to pass for a scanner ({burst:?} for {} characters)",
        payload.len()
    );
    win.wait_map("check-in with the scanned verdict", |m| m.screen == "check-in" && m.verdict_shown);
    win.screenshot("scanned-verdict");
    win.check_in_shown();

    let list = win.wait_visits(&db, 2);
    let v = list.iter().find(|v| v.ticket != earlier).expect("the scanned visit");
    let field = |k: &str| fields[k].as_str().map(String::from);
    assert_eq!(
        v.input_kind.as_str(),
        "bhyt",
        "read as one BHYT QR payload ({} chars in {burst:?}): {v:#?}",
        payload.len()
    );
    assert_eq!(v.card_number, field("card_number"), "card code intact");
    assert_eq!(v.bhxh_number, field("bhxh_number"), "BHXH number intact");
    assert_eq!(v.full_name, field("full_name"), "name intact");

    // The search field kept the person's text: "nghia" lists the scanned visit and not the earlier
    // one (a field holding the payload, or "nghia" plus part of it, would list nothing; an emptied one
    // would list both).
    win.key("F2");
    let (widget, hidden) = (format!("void:{}", v.ticket), format!("void:{earlier}"));
    let map = win.wait_map(&format!("Today listing {widget} under the kept search"), |m| {
        m.screen == "today" && m.widgets.contains_key(&widget)
    });
    assert!(!map.widgets.contains_key(&hidden), "the search still filters: {map:?}");
    win.screenshot("search-kept");
}

#[test]
fn a_camera_read_while_a_typed_verdict_shows_does_not_change_what_return_records() {
    let _serial = serial();
    let db = roster_db("camera-waits");
    let typed = add_covered_patient(&db);
    let desk = Desktop::start("camera-waits", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--source", "demo", "--operator", "Lan"], None);
    win.wait_map("a first camera verdict", |m| m.screen == "check-in" && m.verdict_shown);
    win.screenshot("camera-verdict");
    win.key("Escape");

    win.type_text(&typed, PERSON_MS / 4);
    win.key("Return");
    let shown = Instant::now();
    win.wait_map("the typed verdict", |m| m.verdict_shown);
    // Each demo card is shown 3 s with 1.3 s between cards: within 5 s a new camera read arrives and
    // must wait in the "next" slot.
    win.wait_map("a camera read waiting", |m| m.next_waiting && m.verdict_shown);
    if let Some(rest) = Duration::from_secs(5).checked_sub(shown.elapsed()) {
        std::thread::sleep(rest);
    }
    let map = win.wait_map("the verdict still on screen", |m| m.verdict_shown);
    assert!(map.widgets.contains_key("next-slot"), "the waiting read is shown in its slot: {map:?}");
    win.screenshot("camera-waiting");
    win.key("Return");
    // The database, not `ticket_shown`: the waiting read may take the screen right after the ticket.

    let list = win.wait_visits(&db, 1);
    assert_eq!(
        list[0].card_number.as_deref(),
        Some(typed.as_str()),
        "Return records the typed card: {:#?}",
        list[0]
    );
    assert_eq!(list[0].input_kind.as_str(), "number", "a typed card code");
}

#[test]
fn today_voids_a_visit_with_the_reason_typed() {
    let _serial = serial();
    let db = roster_db("void");
    let desk = Desktop::start("void", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.check_in_typed(CARD_01);
    let ticket = win.wait_visits(&db, 1)[0].ticket.clone();

    win.key("F2");
    win.wait_map("Today", |m| m.screen == "today");
    win.click(&format!("void:{ticket}"));
    win.wait_map("the reason field focused", |m| m.focused.as_deref() == Some("void-reason"));
    win.type_text("nhầm người", PERSON_MS);
    win.screenshot("reason-typed");
    win.click("void-confirm");

    let voided = win.wait("the visit voided in the database", |_| {
        visits_today(&db).into_iter().find(|v| v.ticket == ticket && v.voided)
    });
    assert_eq!(voided.void_reason.as_deref(), Some("nhầm người"), "the reason as typed: {voided:#?}");
    assert_eq!(voided.voided_by.as_deref(), Some("Lan"));
    win.wait_map("Today after the void", |m| m.screen == "today" && !m.widgets.contains_key("void-confirm"));
    win.screenshot("voided");
}

/// The first file under `dir` (recursively) whose name ends with `suffix`.
fn find_file(dir: &Path, suffix: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, suffix) {
                return Some(found);
            }
        } else if path.to_string_lossy().ends_with(suffix) {
            return Some(path);
        }
    }
    None
}

/// The End-of-day screen in the real window (issue 16): the day's chart is drawn on the screen, and
/// Export writes the XML0 check-in file a receiver reads (it passes the spec's validator and a strict
/// typed reader gets the visit), the workbook and the CSV for people.
#[test]
fn end_of_day_shows_the_chart_and_exports_check_in_files_a_receiver_reads() {
    let _serial = serial();
    let db = roster_db("day-end");
    let desk = Desktop::start("day-end", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.check_in_typed(CARD_01);
    let visit = win.wait_visits(&db, 1).remove(0);

    win.key("F3");
    win.wait_map("the chart on End of day", |m| m.screen == "day-end" && m.widgets.contains_key("day-chart"));
    let chart = win.map_now().and_then(|m| m.widgets.get("day-chart").copied()).expect("the chart");
    assert!(chart[2] >= 600 && chart[3] >= 250, "the chart is drawn large enough to read: {chart:?}");
    win.screenshot("day-end-chart");
    win.click("export-button");
    let home = desk.dir.join("home");
    let day_file = win.wait("the XML0 day file", |_| find_file(&home, "-checkin-xml0.xml"));
    let text = std::fs::read_to_string(&day_file).expect("the XML0 file reads");
    assert_eq!(common::xml0::validate(text.as_bytes()), Vec::<String>::new(), "{text}");
    let rows = common::xml0::read_strict(&text).expect("a strict reader takes it");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.ma_the_bhyt, CARD_01);
    assert_eq!(row.ma_dich_vu, "KB.DEMO", "the demo database's exam service");
    assert!(row.ma_lk.starts_with(&format!("{}-{}-", visit.day.format("%Y%m%d"), visit.ticket)));
    let folder = day_file.parent().expect("the export folder");
    for suffix in ["-visits.csv", "-visits.xlsx", "-visits-per-hour.png"] {
        assert!(find_file(folder, suffix).is_some(), "{suffix} written beside it");
    }
    win.wait_map("the export's notice", |m| m.widgets.contains_key("open-folder"));
    win.screenshot("exported");

    // The clinic's own exam service, typed in Settings, is what the next export registers.
    win.key("F4");
    win.wait_map("Settings", |m| m.screen == "settings" && m.widgets.contains_key("exam-name"));
    for (field, value) in [("exam-code", "02.1896"), ("exam-name", "Khám Nội")] {
        win.click(field);
        win.wait_map(&format!("{field} focused"), |m| m.focused.as_deref() == Some(field));
        win.key("ctrl+a");
        win.type_text(value, PERSON_MS);
        win.click(&format!("{field}-save"));
    }
    let exam = win.wait("the exam service saved", |_| {
        let store = Store::open(&db.path).ok()?;
        let s = tiepdon::store::settings::load(store.conn()).ok()?;
        (s.exam.name.as_deref() == Some("Khám Nội")).then_some(s.exam)
    });
    assert_eq!(exam.code.as_deref(), Some("02.1896"));
    win.screenshot("exam-service-set");
}

/// Issue 17 in the real window: opened with a HIS export (`--roster`, as if dropped), the Settings
/// screen shows its columns; the sex coding is chosen with the mouse and the file imports as chosen.
#[test]
fn a_his_export_is_previewed_and_imported_with_the_sex_coding_chosen_in_the_real_window() {
    let _serial = serial();
    let db = roster_db("roster-preview");
    let mut csv = String::from("Họ và tên,Số thẻ BHYT,SO_CCCD,gender_code\n");
    for i in 0..20 {
        let female = i % 2 == 0;
        let name = ["Nguyễn Thị Hoa", "Lê Văn Nam"][i % 2];
        let id = format!("079{}{:08}", if female { "1" } else { "0" }, i);
        csv.push_str(&format!("{name},DN4790{:09},{id},{}\n", 700 + i, if female { "1" } else { "2" }));
    }
    let file = db.write("his.csv", &csv);
    let desk = Desktop::start("roster-preview", &db.dir, 1366, 768);
    let mut win =
        desk.launch(&db, &["window", "--operator", "Lan", "--roster", file.to_str().unwrap()], None);
    win.wait_map("the file's columns on Settings", |m| {
        m.screen == "settings" && m.widgets.contains_key("roster-column:gender_code")
    });
    win.screenshot("preview");
    win.click("sex-coding:NuFirst");
    win.click("import-button");
    let hoa = win.wait("the roster imported", |_| {
        let store = Store::open(&db.path).ok()?;
        tiepdon::store::roster::find(store.conn(), tiepdon::store::roster::Key::Card("DN4790000000700"))
            .ok()?
    });
    assert_eq!(hoa.sex, Some(tiepdon::card::Sex::Female), "1 = Nữ, as chosen in the window");
    assert_eq!(hoa.record.full_name.as_deref(), Some("Nguyễn Thị Hoa"));
    win.screenshot("imported");
}

#[test]
fn function_keys_switch_screens() {
    let _serial = serial();
    let db = roster_db("fkeys");
    let desk = Desktop::start("fkeys", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
    for (key, screen) in [("F2", "today"), ("F3", "day-end"), ("F4", "settings"), ("F1", "check-in")] {
        win.key(key);
        win.wait_map(&format!("{screen} after {key}"), |m| m.screen == screen);
        win.screenshot(screen);
    }
}

#[test]
fn the_language_toggle_switches_the_screen_and_the_window_title() {
    let _serial = serial();
    let db = roster_db("lang");
    let desk = Desktop::start("lang", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.wait_map("Vietnamese", |m| m.lang == "vi" && !m.operator_prompt);
    win.wait_title(TITLE_VI);

    win.click("lang-toggle");
    win.wait_map("English", |m| m.lang == "en");
    win.wait_title(TITLE_EN);
    win.screenshot("english");

    win.click("lang-toggle");
    win.wait_map("Vietnamese again", |m| m.lang == "vi");
    win.wait_title(TITLE_VI);
}

#[test]
fn the_window_fits_small_laptop_screens() {
    let _serial = serial();
    for (width, height) in [(1366, 768), (1280, 720)] {
        let name = format!("fits-{width}x{height}");
        let db = roster_db(&name);
        let desk = Desktop::start(&name, &db.dir, width, height);
        let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
        let (geometry, bar, maximised) = win.wait_fitted();
        win.screenshot("window");
        assert!(
            maximised || (geometry.width < width && geometry.height < height),
            "the window is maximised or smaller than the {width}×{height} screen: {geometry:?}"
        );
        let [x, y, w, h] = bar;
        let (sx, sy) = (geometry.x + x, geometry.y + y);
        assert!(
            geometry.x >= 0
                && geometry.y >= 0
                && geometry.x + geometry.width <= width
                && geometry.y + geometry.height <= height,
            "the window {geometry:?} lies inside the {width}×{height} screen"
        );
        assert!(w > 0 && h > 0, "the status bar is drawn: {bar:?}");
        assert!(
            sx >= 0 && sy >= 0 && sx + w <= width && sy + h <= height,
            "the status bar {bar:?} (at {sx},{sy} on screen) lies inside the {width}×{height} screen; window \
             {geometry:?}"
        );
    }
}

#[test]
fn first_real_use_asks_the_clinic_profile_in_plain_words() {
    let _serial = serial();
    // A real database (not demo data) with a facility code and no profile yet.
    let db = Db::new("real-window-profile");
    {
        let store = Store::open(&db.path).expect("the test database opens");
        tiepdon::store::settings::set(store.conn(), "facility_code", "79034").expect("a clinic");
    }
    let desk = Desktop::start("profile", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.wait_map("the profile questions", |m| m.widgets.contains_key("profile:expertise_level"));
    win.screenshot("profile-asked");
    win.click("profile:expertise_level");
    win.wait_map("the level list open", |m| m.widgets.contains_key("profile:expertise_level=co_ban"));
    win.click("profile:expertise_level=co_ban");
    win.wait_map("the score question still open", |m| m.widgets.contains_key("profile:score_band"));
    win.click("profile:score_band");
    win.wait_map("the score list open", |m| m.widgets.contains_key("profile:score_band=50_to_lt70"));
    win.click("profile:score_band=50_to_lt70");
    // A complete profile closes the questions.
    win.wait_map("the questions closed", |m| !m.widgets.contains_key("profile:expertise_level"));
    let store = Store::open(&db.path).expect("the test database opens");
    let clinic = tiepdon::store::settings::load(store.conn()).expect("settings").clinic;
    assert_eq!(clinic.profile.level, Some(tiepdon::coverage::Level::CoBan));
    assert_eq!(clinic.profile.score_band, Some(tiepdon::coverage::ScoreBand::From50ToLt70));
    win.screenshot("profile-answered");
}

#[test]
fn a_transfer_paper_told_with_ctrl_2_is_recorded_with_its_category() {
    let _serial = serial();
    let db = roster_db("fact-key");
    {
        let store = Store::open(&db.path).expect("the test database opens");
        tiepdon::store::settings::set(store.conn(), "expertise_level", "chuyen_sau").expect("a level");
        tiepdon::store::settings::set(store.conn(), "former_tier", "trung_uong").expect("a tier");
    }
    let desk = Desktop::start("fact-key", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--operator", "Lan"], None);
    win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
    // Registered elsewhere, self-referred outpatient at a former central hospital: nothing (3.1).
    win.type_text(CARD_01, PERSON_MS / 4);
    win.key("Return");
    win.wait_map("the verdict", |m| m.verdict_shown && m.widgets.contains_key("fact:2"));
    win.screenshot("no-share");
    win.key("ctrl+2");
    std::thread::sleep(SETTLE);
    win.screenshot("transfer-paper");
    win.key("Return");
    let list = win.wait_visits(&db, 1);
    assert_eq!(list[0].verdict["route"], "1.3", "the category with the paper: {:#?}", list[0].verdict);
    assert_eq!(list[0].verdict["visit"]["paper"], "transfer");
    assert_eq!(list[0].status.as_str(), "ELIGIBLE", "a paper restores the full level");
}

/// Issue 18 in the real window: a phone's VssID card image (no QR in view) before the camera. Its
/// printed text is read by itself after 1.5 s, on its own thread, and waits under the scanner field;
/// Esc drops it (and it is not read again by itself while the same card stays); F6 reads it again;
/// Enter looks the number up, Enter on the verdict records the visit as input kind `ocr`.
#[test]
fn a_card_without_a_qr_is_read_by_itself_or_with_f6_and_two_enters_record_the_visit_as_ocr() {
    let _serial = serial();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ocr");
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("the OCR test manifest");
    let entry: serde_json::Value = manifest
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|v| v["layout"] == "vssid" && v["degraded"] == true)
        .expect("a webcam photograph of a VssID card image");
    let bhxh = entry["fields"]["bhxh_number"].as_str().expect("its BHXH number").to_string();
    let db = roster_db("ocr");
    let today = tiepdon::clock::vietnam_now().date();
    let mut row = tiepdon::demo::person(8888, 3, today);
    row.card_number = Some(format!("GD479{bhxh}"));
    row.bhxh_number = Some(bhxh.clone());
    row.status = "active";
    row.replaced_by = None;
    row.valid_from = Some((today - chrono::Duration::days(30)).format("%Y-%m-%d").to_string());
    row.valid_to = Some((today + chrono::Duration::days(300)).format("%Y-%m-%d").to_string());
    row.facility_code = Some(tiepdon::demo::DEMO_FACILITY.to_string());
    db.import_rows("ocr-person.csv", &[row]);
    let image = dir.join(entry["image"].as_str().unwrap()).display().to_string();
    let desk = Desktop::start("ocr", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &["window", "--source", &image, "--operator", "Lan"], None);
    win.wait_map("the check-in screen with the read-text button", |m| {
        m.screen == "check-in" && m.widgets.contains_key("read-card-text")
    });
    let started = Instant::now();
    win.wait_map("the card text read by itself", |m| m.widgets.contains_key("card-text"));
    eprintln!("window up to card text read by itself: {:?}", started.elapsed());
    win.key("Escape");
    win.wait_map("the card text dropped", |m| !m.widgets.contains_key("card-text"));
    std::thread::sleep(Duration::from_secs(3));
    let map = win.wait_map("the check-in screen", |m| m.screen == "check-in");
    assert!(!map.widgets.contains_key("card-text"), "not read again by itself while the same card stays");
    win.key("F6");
    let started = Instant::now();
    win.wait_map("the card text read, under the scanner field", |m| m.widgets.contains_key("card-text"));
    eprintln!("F6 to card text: {:?}", started.elapsed());
    std::thread::sleep(SETTLE);
    win.screenshot("card-text");
    win.key("Return");
    win.wait_map("the verdict of the number read", |m| {
        m.verdict_shown && !m.widgets.contains_key("card-text")
    });
    std::thread::sleep(SETTLE);
    win.screenshot("ocr-verdict");
    win.key("Return");
    let list = win.wait_visits(&db, 1);
    assert_eq!(list[0].input_kind.as_str(), "ocr", "recorded as read from the card text: {:#?}", list[0]);
    assert_eq!(list[0].bhxh_number.as_deref(), Some(bhxh.as_str()));
    assert_eq!(list[0].operator, "Lan");
    let store = Store::open(&db.path).expect("the database opens");
    let input: String = store
        .conn()
        .query_row("SELECT json_extract(detail, '$.input') FROM audit WHERE action = 'checkin'", [], |r| {
            r.get(0)
        })
        .expect("the check-in is in the audit trail");
    assert_eq!(input, "ocr", "the audit trail says the card text was read");

    // A screenshot with no QR, opened (as a dropped file is): its text is read too.
    let shot = dir.join("vneid-screenshot.jpg").display().to_string();
    win.wait_map("the ticket", |m| m.ticket_shown);
    win.type_text(&shot, PERSON_MS);
    win.key("Return");
    win.wait_map("the screenshot's card text", |m| m.widgets.contains_key("card-text"));
    win.screenshot("screenshot-card-text");
}

/// A desk on the clinic server (issue 19), in the real window: `--db postgres://…` opens on the server
/// with the desk's roster replica, the header names the desk and the server, a typed card is recorded
/// on the server; with the server killed, a red band says so within seconds and nothing is shown as
/// recorded; restarted, the band goes and check-ins are recorded again.
#[test]
fn a_desk_on_the_clinic_server_records_there_and_shows_a_red_band_while_it_is_down() {
    use common::desk::{exec, exec_with};
    let _serial = serial();
    require_tools();
    let server = common::pg::PgServer::start().expect("PostgreSQL for the server test");
    let db = Db::new("real-window-server");
    let url = server.database("desk");
    let now = tiepdon::clock::rfc3339(tiepdon::clock::now_utc());
    let replica = db.dir.join("importer.db").display().to_string();
    let cli = |args: &[&str]| {
        exec_with(&now, &[&["--db", url.as_str()], args].concat(), &[("TIEPDON_REPLICA", replica.as_str())])
    };
    assert_eq!(exec(&now, &["init-server", &url]).code, 0);
    assert_eq!(cli(&["demo-data", "--cards", "20", "--seed", "1"]).code, 0);
    // Two covered patients, imported at another desk and published to the server.
    let today = tiepdon::clock::vietnam_now().date();
    let mut csv = tiepdon::demo::csv_header() + "\n";
    let mut cards = Vec::new();
    for i in [7777, 7778] {
        let mut row = tiepdon::demo::person(i, 3, today);
        row.status = "active";
        row.replaced_by = None;
        row.valid_from = Some((today - chrono::Duration::days(30)).format("%Y-%m-%d").to_string());
        row.valid_to = Some((today + chrono::Duration::days(300)).format("%Y-%m-%d").to_string());
        row.facility_code = Some(tiepdon::demo::DEMO_FACILITY.to_string());
        cards.push(row.card_number.clone().expect("an invented person has a card"));
        csv += &(tiepdon::demo::csv_line(&row) + "\n");
    }
    let file = db.write("covered.csv", &csv);
    let imported = cli(&["import-roster", file.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.err);
    let on_server = || cli(&["visits"]).out;

    let desk = Desktop::start("server", &db.dir, 1366, 768);
    // Opened while the server is down: the band says so, and the desk comes up by itself once it
    // answers (no restart).
    server.kill();
    let mut win = desk.launch_args(&["--db", &url], Some("Lan"));
    win.wait_map("the red band at start", |m| m.widgets.contains_key("server-down-bar"));
    win.screenshot("server-down-at-start");
    server.restart();
    win.wait_map("the desk up once the server answers", |m| {
        m.widgets.contains_key("desk-name") && !m.widgets.contains_key("server-down-bar")
    });
    win.check_in_typed(&cards[0]);
    win.screenshot("server-ticket");
    win.wait("the visit on the server", |_| (on_server().len() == 1).then_some(()));
    let visit = &on_server()[0];
    assert_eq!(visit["card_number"], cards[0].as_str());
    assert_eq!(visit["operator"], "Lan", "recorded on the server under the shift's operator");

    server.kill();
    win.wait_map("the red band of an unreachable server", |m| m.widgets.contains_key("server-down-bar"));
    win.screenshot("server-down");
    win.key("Escape");
    win.type_text(&cards[1], PERSON_MS);
    win.key("Return");
    std::thread::sleep(SETTLE);
    win.key("Return");
    std::thread::sleep(Duration::from_secs(1));
    let map = win.map_now().expect("a UI map");
    assert!(!map.ticket_shown || map.widgets.contains_key("server-down-bar"), "no ticket shown while down");
    win.screenshot("server-down-refused");
    win.key("F4");
    win.wait_map("Settings naming the server", |m| m.widgets.contains_key("server-shown"));
    win.screenshot("server-settings");
    win.key("F1");

    server.restart();
    win.wait_map("the band gone once the server is back", |m| !m.widgets.contains_key("server-down-bar"));
    assert_eq!(on_server().len(), 1, "nothing was recorded while the server was down");
    win.key("Escape");
    win.check_in_typed(&cards[1]);
    win.wait("the second visit on the server", |_| (on_server().len() == 2).then_some(()));
    win.screenshot("server-back");
}

/// The clinic server typed into Settings (issue 19): the desk switches to it at once (Settings names it,
/// a typed card is recorded on the server), and the next plain start opens on it again — remembered in
/// an owner-only file, never shown with its password.
#[test]
fn a_clinic_server_typed_in_settings_is_used_at_once_and_again_at_the_next_start() {
    use common::desk::{exec, exec_with};
    use std::os::unix::fs::PermissionsExt;
    let _serial = serial();
    require_tools();
    let server = common::pg::shared();
    let db = Db::new("real-window-server-settings");
    let url = server.database("settings_desk");
    let now = tiepdon::clock::rfc3339(tiepdon::clock::now_utc());
    let replica = db.dir.join("importer.db").display().to_string();
    let cli = |args: &[&str]| {
        exec_with(&now, &[&["--db", url.as_str()], args].concat(), &[("TIEPDON_REPLICA", replica.as_str())])
    };
    assert_eq!(exec(&now, &["init-server", &url]).code, 0);
    let today = tiepdon::clock::vietnam_now().date();
    let mut row = tiepdon::demo::person(9191, 3, today);
    row.status = "active";
    row.replaced_by = None;
    row.valid_from = Some((today - chrono::Duration::days(30)).format("%Y-%m-%d").to_string());
    row.valid_to = Some((today + chrono::Duration::days(300)).format("%Y-%m-%d").to_string());
    let card = row.card_number.clone().expect("a card");
    let file = db
        .write("covered.csv", &(tiepdon::demo::csv_header() + "\n" + &tiepdon::demo::csv_line(&row) + "\n"));
    assert_eq!(cli(&["import-roster", file.to_str().unwrap()]).code, 0);

    let desk = Desktop::start("server-settings", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &[], Some("Lan"));
    // A new file asks the clinic profile first: later (the server has the clinic's settings).
    win.wait_map("the clinic profile asked", |m| m.widgets.contains_key("profile-later"));
    win.click("profile-later");
    win.key("F4");
    win.wait_map("the server field in Settings", |m| m.widgets.contains_key("server-url"));
    win.scroll_to("server-url");
    win.click("server-url");
    win.type_text(&url, PERSON_MS);
    win.key("Return");
    win.wait_map("Settings naming the server", |m| m.widgets.contains_key("server-shown"));
    win.screenshot("settings-server-connected");
    win.key("F1");
    win.check_in_typed(&card);
    let on_server = || cli(&["visits"]).out;
    win.wait("the visit on the server", |_| (on_server().len() == 1).then_some(()));
    drop(win);

    let remembered = db.dir.join("home/.local/share/tiepdon").join(tiepdon::ui::launch::CHOSEN_SERVER);
    let mode = std::fs::metadata(&remembered).expect("the server is remembered").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only: it may hold a password");
    let mut win = desk.launch_args(&[], Some("Lan"));
    win.key("F4");
    win.wait_map("the remembered server at the next start", |m| m.widgets.contains_key("server-shown"));
    win.screenshot("settings-server-remembered");
    assert_eq!(on_server().len(), 1);
}

/// A supervisor PIN set in Settings (issue 19): an override in the real window — another visit today
/// for a patient already checked in — asks for it beside its button; without it nothing is recorded,
/// with it the second visit is recorded as an override.
#[test]
fn an_override_asks_for_the_supervisor_pin_when_one_is_set() {
    use common::desk::run_at;
    let _serial = serial();
    require_tools();
    let db = roster_db("override-pin");
    let now = tiepdon::clock::rfc3339(tiepdon::clock::now_utc());
    assert_eq!(run_at(&now, &db, &["settings", "set", "supervisor_pin", "2468"]).code, 0);
    let desk = Desktop::start("override-pin", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &[], Some("Lan"));
    win.check_in_typed(CARD_01);
    win.wait_visits(&db, 1);
    win.key("Escape");
    win.type_text(CARD_01, PERSON_MS);
    win.key("Return");
    win.wait_map("the repeat with its override and the PIN field", |m| {
        m.widgets.contains_key("another-visit-button") && m.widgets.contains_key("override-pin")
    });
    win.screenshot("repeat-asks-pin");
    std::thread::sleep(SETTLE);
    win.click("another-visit-button");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(visits_today(&db).len(), 1, "no PIN: nothing recorded");
    win.screenshot("override-refused");
    win.click("override-pin");
    win.type_text("2468", PERSON_MS);
    win.click("another-visit-button");
    let list = win.wait_visits(&db, 2);
    assert_eq!(list[1].overrides, vec!["repeat".to_string()], "recorded as an override: {:#?}", list[1]);
    win.screenshot("override-recorded");
}

/// A desk's own file joined to a clinic server (issue 20), in the real window: with the server down a
/// typed card is checked in at the desk at once, the header says since when the server is away and how
/// many visits wait; once the server is back the visit reaches it by itself and the bar goes.
#[test]
fn a_joined_desk_checks_in_while_the_server_is_down_and_sends_the_visit_when_it_is_back() {
    use common::desk::{exec, exec_with, run_at};
    let _serial = serial();
    require_tools();
    let server = common::pg::PgServer::start().expect("PostgreSQL for the journal test");
    let db = roster_db("joined-desk");
    let url = server.database("joined");
    let now = tiepdon::clock::rfc3339(tiepdon::clock::now_utc());
    assert_eq!(exec(&now, &["init-server", &url]).code, 0);
    assert_eq!(run_at(&now, &db, &["settings", "set", "server", &url]).code, 0);
    let lister = db.dir.join("lister.db").display().to_string();
    let on_server =
        || exec_with(&now, &["--db", url.as_str(), "visits"], &[("TIEPDON_REPLICA", lister.as_str())]).out;
    server.kill();
    let desk = Desktop::start("joined-desk", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &[], Some("Lan"));
    win.check_in_typed(CARD_01);
    win.wait_visits(&db, 1);
    win.wait_map("the bar saying the server is away with one visit waiting", |m| {
        m.widgets.contains_key("journal-bar") && m.widgets.contains_key("journal-waiting:1")
    });
    win.screenshot("journal-waiting");
    // Today marks the visit the server does not have yet.
    win.key("F2");
    win.wait_map("Today marking the visit not sent", |m| {
        m.widgets.contains_key("unsent:A-001") && m.widgets.contains_key("today-unsent:1")
    });
    win.screenshot("journal-today-unsent");
    // Meanwhile desk B, on its own file, checks the same patient in: neither desk can see the other.
    let b = db.dir.join("desk-b.db").display().to_string();
    for args in [["settings", "set", "desk", "B"], ["settings", "set", "server", url.as_str()]] {
        assert_eq!(exec(&now, &[&["--db", b.as_str()], &args[..]].concat()).code, 0);
    }
    let at_b = exec(&now, &["--db", &b, "checkin", "--id", CARD_01, "--force", "--operator", "Binh"]);
    assert_eq!(at_b.code, 0, "{}", at_b.err);
    server.restart();
    assert_eq!(exec(&now, &["--db", &b, "sync"]).code, 0, "desk B sends its visit");
    win.wait_map("the bar gone once the visit is sent", |m| !m.widgets.contains_key("journal-bar"));
    win.wait("both visits on the server", |_| (on_server().len() == 2).then_some(()));
    assert!(on_server().iter().all(|v| v["card_number"] == CARD_01));
    // The window learns desk B's visit by itself and marks the pair for a supervisor.
    let map = win.wait_map("Today marking the patient seen at two desks", |m| {
        m.widgets.contains_key("pair:A-001") && !m.widgets.contains_key("unsent:A-001")
    });
    assert!(map.widgets.contains_key("today-pairs:1"));
    win.screenshot("journal-today-pair");
    let mut marks: Vec<(String, serde_json::Value)> =
        on_server().iter().map(|v| (v["ticket"].to_string(), v["also_at"].clone())).collect();
    marks.sort_by(|a, b| a.0.cmp(&b.0));
    let want = [("\"A-001\"", ["B-001"]), ("\"B-001\"", ["A-001"])]
        .map(|(t, also)| (t.to_string(), serde_json::json!(also)));
    assert_eq!(marks, want, "the server's view too");
    // A patient desk B checks in now reaches this desk's repeat guard by itself (the window copies the
    // other desks' visits every few seconds): the card says where, and Enter records nothing here.
    let other = "DN4010123456789";
    let at_b = exec(&now, &["--db", &b, "checkin", "--id", other, "--force", "--operator", "Binh"]);
    assert_eq!(at_b.code, 0, "{}", at_b.err);
    win.wait("desk B's second visit on the server", |_| (on_server().len() == 3).then_some(()));
    std::thread::sleep(Duration::from_secs(5));
    win.key("F1");
    win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
    win.type_text(other, PERSON_MS);
    win.key("Return");
    win.wait_map("the repeat guard naming desk B", |m| m.widgets.contains_key("other-desk-repeat"));
    win.screenshot("journal-other-desk-repeat");
    win.key("Return");
    std::thread::sleep(Duration::from_millis(800));
    win.wait_visits(&db, 1);
    // Closing the window tells the server this desk left: its silence holds no day's close back.
    win.key("Escape");
    win.key("alt+F4");
    let started = Instant::now();
    while win.child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(15), "the window closes");
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = server.psql("joined", "SELECT desk || ':' || (left_at IS NOT NULL) FROM desks ORDER BY desk");
    assert_eq!(left.split_whitespace().collect::<Vec<_>>(), ["A:true", "B:false"], "{left}");
}

/// The online re-check (issue 21) in the real window: visits decided on the card alone are re-checked
/// through a fake VSS gateway on 127.0.0.1 by the window's own worker (never the UI thread); Today
/// shows each answer in its column, the filter keeps one kind, and the answers are in the database.
#[test]
fn today_shows_the_online_recheck_of_each_card_only_visit_and_filters_by_outcome() {
    use common::desk::run_at;
    use common::vss::{FakeVss, OFFICER_CCCD, PASSWORD, USER};
    let _serial = serial();
    require_tools();
    let fake = FakeVss::start();
    let db = roster_db("recheck");
    let now = tiepdon::clock::rfc3339(tiepdon::clock::now_utc());
    for (k, v) in [
        ("vss_url", fake.url.as_str()),
        ("vss_username", USER),
        ("vss_password", PASSWORD),
        ("vss_officer_cccd", OFFICER_CCCD),
        ("vss_timeout_seconds", "1"),
    ] {
        assert_eq!(run_at(&now, &db, &["settings", "set", k, v]).code, 0);
    }
    // Four patients typed at the desk before the window opens: the gateway will answer 000, 010, 050,
    // and an HTTP 500 for the last (it stays waiting).
    for card in ["DN4010000001000", "DN4010000002010", "DN4010000003050", "DN4010000004901"] {
        let r = run_at(&now, &db, &["checkin", "--id", card, "--force", "--operator", "Lan"]);
        assert_eq!(r.code, 0, "{}", r.err);
    }
    let desk = Desktop::start("recheck", &db.dir, 1366, 768);
    let mut win = desk.launch(&db, &[], Some("Lan"));
    win.wait_map("the check-in screen", |m| m.screen == "check-in" && !m.operator_prompt);
    win.key("F2");
    win.wait_map("Today with every answer", |m| {
        ["A-001:confirmed", "A-002:different", "A-003:refused", "A-004:waiting"]
            .iter()
            .all(|k| m.widgets.contains_key(&format!("recheck:{k}")))
    });
    win.screenshot("today-recheck");
    win.click("recheck-filter:different:1");
    win.wait_map("only the answer that differs", |m| {
        m.widgets.contains_key("recheck:A-002:different")
            && !m.widgets.contains_key("recheck:A-001:confirmed")
    });
    win.screenshot("today-recheck-different");
    let store = Store::open(&db.path).unwrap();
    let rows: Vec<(String, String)> = store
        .conn()
        .prepare(
            "SELECT v.ticket, r.outcome FROM rechecks r JOIN visits v ON v.id = r.visit_id ORDER BY r.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for want in [("A-001", "confirmed"), ("A-002", "different"), ("A-003", "refused"), ("A-004", "waiting")] {
        assert!(rows.iter().any(|(t, o)| (t.as_str(), o.as_str()) == want), "{want:?} in {rows:?}");
    }
    assert!(
        fake.state().officers.contains(&(OFFICER_CCCD.to_string(), "Lan".to_string())),
        "the shift's operator"
    );
}
