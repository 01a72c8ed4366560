//! The `tiepdon` binary: hands the command line to [`tiepdon::cli`] and exits with its code.

fn main() -> std::process::ExitCode {
    tiepdon::cli::main()
}
