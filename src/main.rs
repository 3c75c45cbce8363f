fn main() -> std::process::ExitCode {
    vivant::cli::main()
}
