//! Running the `partnerdocs` binary in a temporary folder, the way staff run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A path in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the binary in `dir` with `args`.
pub fn partnerdocs(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_partnerdocs"))
        .current_dir(dir)
        .args(args)
        .env_remove("PARTNERDOCS_LOG")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A temporary working folder whose inputs/ holds copies of the named files, beside a copy
/// of the shipped templates/.
pub fn workspace(inputs: &[PathBuf]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("inputs")).unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    for name in ["moa.docx", "decision-matrix.docx", "board-attachment.docx"] {
        std::fs::copy(
            repo("templates").join(name),
            dir.path().join("templates").join(name),
        )
        .unwrap();
    }
    for input in inputs {
        std::fs::copy(input, dir.path().join("inputs").join(input.file_name().unwrap()))
            .unwrap();
    }
    dir
}

/// The bundled sample inputs.
pub fn sample_inputs() -> Vec<PathBuf> {
    vec![repo("inputs/partnerships-2026-27.xlsx"), repo("inputs/summer-programs.csv")]
}

/// Every file under `dir`, as paths relative to it with `/`, sorted, with their bytes.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name =
                    path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Whether a program can be started (for tests that need LibreOffice or poppler).
///
/// Only starting counts: poppler's tools exit with 1 after printing their version.
pub fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

/// The rows of `outputs/summary.csv` as maps from column to value.
pub fn summary(outputs: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(outputs.join("summary.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            headers.iter().zip(record.iter()).map(|(h, v)| (h.into(), v.into())).collect()
        })
        .collect()
}
