fn main() -> std::process::ExitCode {
    vivant::init_compute_threads();
    vivant::cli::main()
}
