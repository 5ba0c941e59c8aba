//! Runs after runs: nothing done twice, hand edits kept, departures archived, and a run
//! killed at any moment leaving nothing broken.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

#[path = "../benches/support/workbook.rs"]
mod workbook;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use support::docx_text::assert_parts_parse;
use support::workspace::{partnerdocs, repo, stderr, stdout, workspace};

const AS_OF: &str = "2026-12-03";

/// Every visible file under outputs/ with its modification time.
fn mtimes(outputs: &Path) -> BTreeMap<String, SystemTime> {
    let mut out = BTreeMap::new();
    for (name, _) in support::workspace::tree(outputs) {
        if !name.starts_with(".partnerdocs/") {
            let modified =
                std::fs::metadata(outputs.join(&name)).unwrap().modified().unwrap();
            out.insert(name, modified);
        }
    }
    out
}

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    partnerdocs(dir, &args)
}

fn summer_csv(dir: &Path) -> std::path::PathBuf {
    dir.join("inputs/summer-programs.csv")
}

#[test]
fn a_second_run_with_nothing_changed_rewrites_nothing() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    let first = run(dir.path(), &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("documents: 20 written, 0 unchanged"),
        "{}",
        stdout(&first)
    );
    let before = mtimes(&dir.path().join("outputs"));
    std::thread::sleep(Duration::from_millis(20));

    let second = run(dir.path(), &[]);
    assert!(
        stdout(&second).contains("documents: 0 written, 20 unchanged"),
        "{}",
        stdout(&second)
    );
    assert_eq!(before, mtimes(&dir.path().join("outputs")), "no file was touched");
}

#[test]
fn changing_one_row_fills_only_that_partnership_again() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    run(dir.path(), &[]);
    let outputs = dir.path().join("outputs");
    let before = mtimes(&outputs);
    std::thread::sleep(Duration::from_millis(20));

    let csv = std::fs::read_to_string(summer_csv(dir.path())).unwrap();
    std::fs::write(
        summer_csv(dir.path()),
        csv.replace("Robotics Bootcamp", "Robotics Camp"),
    )
    .unwrap();
    let output = run(dir.path(), &[]);
    assert!(
        stdout(&output).contains("documents: 4 written, 16 unchanged"),
        "{}",
        stdout(&output)
    );

    let after = mtimes(&outputs);
    let changed: Vec<&String> =
        after.keys().filter(|name| before.get(*name) != after.get(*name)).collect();
    assert!(
        changed
            .iter()
            .all(|name| name.contains("RUSD-SUM-03") || !name.starts_with("agreements/")),
        "{changed:?}"
    );
    assert_eq!(
        changed.iter().filter(|name| name.starts_with("agreements/")).count(),
        4,
        "{changed:?}"
    );
}

#[test]
fn a_partnership_that_left_the_inputs_is_archived() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    run(dir.path(), &[]);
    let csv = std::fs::read_to_string(summer_csv(dir.path())).unwrap();
    let kept: Vec<&str> =
        csv.split_inclusive('\n').filter(|line| !line.starts_with("RUSD-SUM-05")).collect();
    std::fs::write(summer_csv(dir.path()), kept.concat()).unwrap();

    let output = run(dir.path(), &[]);
    assert!(stdout(&output).contains("1 archived"), "{}", stdout(&output));
    let outputs = dir.path().join("outputs");
    let folder = "RUSD-SUM-05 Riverside Family YMCA";
    assert!(!outputs.join("agreements").join(folder).exists());
    let archived = outputs.join("archive").join(folder);
    assert!(archived.join(format!("{folder} - MOA.docx")).is_file());
    let manifest = std::fs::read_to_string(outputs.join("manifest.json")).unwrap();
    assert!(!manifest.contains("RUSD-SUM-05"), "{manifest}");
}

#[test]
fn a_rejected_row_keeps_its_earlier_documents() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    run(dir.path(), &[]);
    let csv = std::fs::read_to_string(summer_csv(dir.path())).unwrap();
    std::fs::write(
        summer_csv(dir.path()),
        csv.replace("gholloway@riversideymca.example.org", "not an address"),
    )
    .unwrap();
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("0 archived"), "{}", stdout(&output));
    assert!(dir
        .path()
        .join("outputs/agreements/RUSD-SUM-05 Riverside Family YMCA")
        .is_dir());
}

#[test]
fn a_file_edited_by_hand_is_kept_unless_forced() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    run(dir.path(), &[]);
    let outputs = dir.path().join("outputs");
    let moa = outputs.join(
        "agreements/RUSD-SUM-03 Gearworks Youth Robotics Club/\
         RUSD-SUM-03 Gearworks Youth Robotics Club - MOA.docx",
    );
    std::fs::write(&moa, b"edited by hand").unwrap();

    let csv = std::fs::read_to_string(summer_csv(dir.path())).unwrap();
    std::fs::write(
        summer_csv(dir.path()),
        csv.replace("Robotics Bootcamp", "Robotics Camp"),
    )
    .unwrap();
    let output = run(dir.path(), &[]);
    assert!(
        stderr(&output).contains("was changed by hand since the last run"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("1 kept as edited by hand"), "{}", stdout(&output));
    assert_eq!(std::fs::read(&moa).unwrap(), b"edited by hand");

    // Still kept on the next run, even with nothing else changed.
    run(dir.path(), &[]);
    assert_eq!(std::fs::read(&moa).unwrap(), b"edited by hand");

    let output = run(dir.path(), &["--force"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_parts_parse(&std::fs::read(&moa).unwrap());
}

#[test]
fn a_second_run_on_the_same_outputs_is_refused_while_the_first_holds_them() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    let state = dir.path().join("outputs/.partnerdocs");
    std::fs::create_dir_all(&state).unwrap();
    let lock = std::fs::File::create(state.join("lock")).unwrap();
    lock.lock().unwrap();
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("another partnerdocs run is writing to outputs"),
        "{}",
        stderr(&output)
    );
    lock.unlock().unwrap();
    assert_eq!(run(dir.path(), &[]).status.code(), Some(0));
}

/// Checks every file staff can see under outputs/ is whole.
fn assert_all_complete(outputs: &Path) {
    if !outputs.exists() {
        return;
    }
    for (name, bytes) in support::workspace::tree(outputs) {
        if name.starts_with(".partnerdocs/") {
            continue;
        }
        if name.ends_with(".docx") {
            assert_parts_parse(&bytes);
        } else if name.ends_with(".csv") {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            for record in reader.records() {
                record.unwrap_or_else(|err| panic!("{name}: {err}"));
            }
        } else if name.ends_with(".pdf") {
            let end = bytes.trim_ascii_end();
            assert!(bytes.starts_with(b"%PDF-") && end.ends_with(b"%%EOF"), "{name}");
        } else if name.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn a_run_killed_at_any_moment_leaves_only_whole_files_and_the_next_run_finishes() {
    let dir = workspace(&[]);
    workbook::write_workbook(&dir.path().join("inputs/partnerships.xlsx"), 300).unwrap();
    let clean = workspace(&[]);
    std::fs::copy(
        dir.path().join("inputs/partnerships.xlsx"),
        clean.path().join("inputs/partnerships.xlsx"),
    )
    .unwrap();
    let finished = run(clean.path(), &[]);
    assert_eq!(finished.status.code(), Some(0), "{}", stderr(&finished));

    let outputs = dir.path().join("outputs");
    for delay_ms in [5, 30, 80, 150, 250, 400, 600, 900] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdocs"))
            .current_dir(dir.path())
            .args(["-q", "run", "--as-of", AS_OF, "--force"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        assert_all_complete(&outputs);
    }

    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_all_complete(&outputs);
    let manifest = std::fs::read(outputs.join("manifest.json")).unwrap();
    let expected = std::fs::read(clean.path().join("outputs/manifest.json")).unwrap();
    assert!(manifest == expected, "the manifest differs from an uninterrupted run's");
}
