use std::process::ExitCode;

fn main() -> ExitCode {
    m2m_portal::cli::main()
}
