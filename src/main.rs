//! The `partnerdocs` command.

// Thousands of documents are built and dropped in parallel; mimalloc hands freed memory
// back where the system allocator lets the heap grow with every document.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    partnerdocs::cli::main()
}
