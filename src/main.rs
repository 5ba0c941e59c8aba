//! The `partnerdocs` command.

fn main() -> std::process::ExitCode {
    partnerdocs::cli::main()
}
