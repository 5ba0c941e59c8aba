//! The `partnerdocs` binary run the way staff run it, in a temporary folder.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use support::workspace::{partnerdocs, repo, sample_inputs, stderr, stdout, workspace};

#[test]
fn check_reports_each_problem_with_its_place_and_exits_1() {
    let dir = workspace(&sample_inputs());
    let output = partnerdocs(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("partnerships-2026-27.xlsx, sheet Partnerships, row 10, column \"End Date\": the end date is before the start date"),
        "{text}"
    );
    assert!(
        text.contains("row 18, column \"Partner Email\": not a valid e-mail address"),
        "{text}"
    );
    assert!(
        text.contains("row 26, column \"District Lead\": district_lead is required"),
        "{text}"
    );
    assert!(text.contains("  hint: "), "{text}");
    assert!(
        !text.contains("jgarcia at healthyeats"),
        "contact details are not printed: {text}"
    );
    assert!(
        text.contains("2 spreadsheets read: 33 partnership rows, 30 accepted, 3 rejected"),
        "{text}"
    );
    assert!(!dir.path().join("outputs").exists(), "check writes nothing");
}

#[test]
fn check_on_a_clean_folder_exits_0() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    let output = partnerdocs(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("5 accepted, 0 rejected"));
}

#[test]
fn run_writes_the_summary_and_the_rejected_rows() {
    let dir = workspace(&sample_inputs());
    let output = partnerdocs(dir.path(), &["run", "--as-of", "2026-12-01"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));

    let rejected =
        std::fs::read_to_string(dir.path().join("outputs/rejected.csv")).unwrap();
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines[0], "file,sheet,row,column,value,problem");
    assert_eq!(lines.len(), 4, "{rejected}");
    assert!(lines[1]
        .starts_with("partnerships-2026-27.xlsx,Partnerships,10,End Date,2026-12-18,"));

    let summary = std::fs::read_to_string(dir.path().join("outputs/summary.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(summary.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "partnership_id");
    let records: Vec<_> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 30);
    let level = headers.iter().position(|h| h == "intensity").unwrap();
    let count = |want: &str| records.iter().filter(|r| &r[level] == want).count();
    assert_eq!((count("low"), count("medium"), count("high")), (12, 11, 7));
}

#[test]
fn run_output_is_the_same_bytes_every_time() {
    let dir = workspace(&sample_inputs());
    let read = |name: &str| std::fs::read(dir.path().join("outputs").join(name)).unwrap();
    partnerdocs(dir.path(), &["run", "--as-of", "2026-12-01", "--jobs", "1"]);
    let first = (read("summary.csv"), read("rejected.csv"));
    partnerdocs(dir.path(), &["run", "--as-of", "2026-12-01", "--jobs", "2"]);
    assert!(first == (read("summary.csv"), read("rejected.csv")));
}

#[test]
fn a_bad_configuration_exits_2_naming_the_key() {
    let dir = workspace(&sample_inputs());
    std::fs::write(
        dir.path().join("partnerdocs.toml"),
        "[intake]\nmax_file_mb = \"big\"\n",
    )
    .unwrap();
    let output = partnerdocs(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("partnerdocs.toml") && text.contains("intake.max_file_mb"),
        "{text}"
    );
}

#[test]
fn a_missing_inputs_folder_or_bad_flag_exits_2() {
    let dir = workspace(&[]);
    let output = partnerdocs(dir.path(), &["check", "--inputs", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("failed to read the inputs folder nowhere"));

    let output = partnerdocs(dir.path(), &["run", "--as-of", "next tuesday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("write it as 2027-01-15"));
}

#[test]
fn score_prints_the_same_facts_as_json() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    let output = partnerdocs(dir.path(), &["score", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = value.to_string();
    assert!(text.contains("RUSD-SUM-04"), "{text}");
}

/// `render-pdf`, the command partnerdocs runs in a child process for a long document:
/// a Word file on stdin, its PDF on stdout, a line of JSON on stderr.
#[test]
fn render_pdf_turns_the_word_file_on_stdin_into_a_pdf() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let render = |input: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_partnerdocs"))
            .args(["render-pdf", "--title=-a title starting with a dash", "--subject=S"])
            .args(["--author=A", "--ident=x", "--date=2026-12-03"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    };
    // The report is stderr's last line.
    let report = |output: &std::process::Output| -> serde_json::Value {
        let text = stderr(output);
        serde_json::from_str(text.lines().last().unwrap_or_default()).unwrap()
    };
    let moa = std::fs::read(repo("templates/moa.docx")).unwrap();
    let output = render(&moa);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.starts_with(b"%PDF-"));
    let report_ok = report(&output);
    assert!(report_ok["pages"].as_u64().unwrap() >= 3, "{report_ok}");
    assert!(report_ok["error"].is_null(), "{report_ok}");

    let output = render(b"not a Word file");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let failed = report(&output);
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("not a Word file"), "{error}");
}
