//! `partnerdocs watch` in a temporary folder while spreadsheets arrive in its inputs.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use support::workspace::{repo, workspace};

/// A running `partnerdocs watch`, killed if the test ends before it does.
struct Watching {
    child: Child,
    dir: PathBuf,
}

impl Watching {
    /// Starts the watch in `dir`, to stop by itself after `max_runs` runs.
    fn start(dir: &Path, max_runs: usize) -> Watching {
        let max_runs = max_runs.to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_partnerdocs"))
            .current_dir(dir)
            .args(["watch", "--settle-ms", "400", "--max-runs", &max_runs])
            .args(["--as-of", "2026-12-03", "--no-pdf"])
            .env_remove("PARTNERDOCS_LOG")
            .stdout(File::create(dir.join("watch.out")).unwrap())
            .stderr(File::create(dir.join("watch.err")).unwrap())
            .spawn()
            .unwrap();
        Watching { child, dir: dir.to_path_buf() }
    }

    /// Waits for the watch to stop by itself.
    fn wait(mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{}", self.output());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the watch printed so far, for failure messages.
    fn output(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap();
        format!("the watch did not stop\n{}{}", read("watch.out"), read("watch.err"))
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        // Already stopped when the test passed; then this fails harmlessly.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each run recorded in `outputs/runs.log` so far, complete ones only.
fn logged_runs(dir: &Path) -> Vec<String> {
    let log = std::fs::read_to_string(dir.join("outputs/runs.log")).unwrap_or_default();
    let mut runs: Vec<String> = log.split("\n\n").map(str::to_string).collect();
    runs.pop(); // the part after the last blank line is empty or still being written
    runs
}

/// Waits up to 30 seconds for `count` runs to be logged.
fn wait_for_runs(dir: &Path, count: usize) {
    let started = Instant::now();
    while logged_runs(dir).len() < count {
        assert!(started.elapsed() < Duration::from_secs(30), "no run {count} was logged");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes `from` to `to` in four pieces a quarter second apart, the way a slow copy does.
fn copy_slowly(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap();
    let mut file = File::create(to).unwrap();
    for piece in bytes.chunks(bytes.len().div_ceil(4)) {
        file.write_all(piece).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_spreadsheet_copied_in_slowly_is_run_once_when_complete() {
    let dir = workspace(&[]);
    let watching = Watching::start(dir.path(), 2);
    wait_for_runs(dir.path(), 1);

    let csv = "summer-programs.csv";
    copy_slowly(&repo("inputs").join(csv), &dir.path().join("inputs").join(csv));
    let status = watching.wait();
    assert!(status.success(), "{status}");

    let runs = logged_runs(dir.path());
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert!(runs.iter().all(|run| run.starts_with("run at ")), "{runs:#?}");
    assert!(runs[0].contains("partnerships: 0 read, 0 accepted"), "{}", runs[0]);
    assert!(
        runs[1].contains("partnerships: 5 read, 5 accepted, 0 rejected"),
        "{}",
        runs[1]
    );

    let summary = csv::Reader::from_path(dir.path().join("outputs/summary.csv")).unwrap();
    assert_eq!(summary.into_records().count(), 5);
}

#[test]
fn lock_and_other_files_do_not_start_a_run() {
    let dir = workspace(&[]);
    let watching = Watching::start(dir.path(), 2);
    wait_for_runs(dir.path(), 1);

    let inputs = dir.path().join("inputs");
    std::fs::write(inputs.join("~$x.xlsx"), "owner").unwrap();
    std::fs::write(inputs.join(".~lock.x#"), "owner").unwrap();
    std::fs::write(inputs.join("notes.txt"), "call the library").unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(logged_runs(dir.path()).len(), 1);

    std::fs::copy(repo("inputs/summer-programs.csv"), inputs.join("summer-programs.csv"))
        .unwrap();
    let status = watching.wait();
    assert!(status.success(), "{status}");
    let runs = logged_runs(dir.path());
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert!(runs[1].contains("5 accepted"), "{}", runs[1]);
}
