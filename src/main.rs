//! The `tiepdon` binary: hands the command line to [`tiepdon::cli`] and exits with its code.

fn main() -> std::process::ExitCode {
    // One line per panic instead of a backtrace: third-party decoders can panic on odd images; those
    // panics are caught and the stage skipped, and the desk should see a short note, not a wall of text.
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            eprintln!("tiepdon: internal error at {location} (contained where possible)");
        }));
    }
    tiepdon::cli::main()
}
